package dev.chitchat.cli;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Where a participant's Broadcast server listens: the address given with {@code --bind}, or by
 * default the address of this host that faces the chat server.
 *
 * <p><b>Why that default.</b> The server calls a participant back at the IP address its {@code
 * Join} came from (docs/protocol.md, dial-back rule). Without NAT between them, that is the source
 * address of this host's route to the server, so listening there is enough for the server and
 * keeps everyone else off the port who cannot reach that address: with a server on loopback, only
 * this machine. In a container on a Docker network it is the container's address on that network,
 * which is also what the server sees.
 *
 * <p><b>When it cannot be told</b> (the server's name does not resolve yet, e.g. {@code --rejoin}
 * started before DNS works; no route to it), the participant listens on all interfaces, as it did
 * before {@code --bind} existed, and says so in one line: refusing to start would break a
 * participant that is meant to wait for its server, and loopback would make it unreachable from a
 * server on another machine without a word.
 *
 * <p>Stateless; every method may block on name resolution (the system's resolver and its
 * timeouts). Thread-safe.
 */
final class BindAddress {

  private BindAddress() {}

  /**
   * The address to listen on.
   *
   * @param address an address of this host, or the wildcard address (all interfaces)
   * @param warning one line for the user when the address is the all-interfaces fallback
   */
  record Choice(InetAddress address, Optional<String> warning) {}

  /**
   * {@code --bind}'s address if given, else the address of this host that faces {@code server}.
   *
   * @param bind the {@code --bind} option's value, or {@code null} if not given
   * @throws UserError (exit 2) if {@code bind} is not an address of this host, see {@link #parse}
   */
  static Choice choose(String bind, Endpoint server) {
    return bind != null ? new Choice(parse(bind), Optional.empty()) : facing(server);
  }

  /**
   * Parses {@code --bind}: an IPv4 or IPv6 address (brackets allowed), {@code 0.0.0.0} or {@code
   * ::} for all interfaces, or a host name (its first address). Checks that this host has the
   * address by binding a throwaway socket to it on a free port (no traffic).
   *
   * @throws UserError (exit 2) with a one-line message if it is neither an address nor a known
   *     name, or if it is not an address of this host
   */
  static InetAddress parse(String text) {
    String host =
        text.length() > 2 && text.startsWith("[") && text.endsWith("]")
            ? text.substring(1, text.length() - 1)
            : text;
    InetAddress address;
    try {
      if (host.isBlank()) { // getByName("") would quietly mean loopback
        throw new UnknownHostException(text);
      }
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new UserError(
          "Bind address \"" + text + "\" is not an IP address or a known host name.", 2);
    }
    if (!canBind(new InetSocketAddress(address, 0))) {
      throw new UserError(
          "Bind address \"" + text + "\" is not an address of this host. Use one of its"
              + " addresses, or 0.0.0.0 for all interfaces.", 2);
    }
    return address;
  }

  /**
   * The local address of this host's route to {@code server}'s first address (the one gRPC tries
   * first); the wildcard address with a warning if it cannot be told. Sends nothing.
   */
  static Choice facing(Endpoint server) {
    InetAddress remote;
    try {
      remote = InetAddress.getByName(server.host());
    } catch (UnknownHostException e) {
      return allInterfaces(server, "its name does not resolve");
    }
    try {
      InetAddress local = routeSource(remote, server.port());
      return local.isAnyLocalAddress()
          ? allInterfaces(server, "the system names no source address for it")
          : new Choice(local, Optional.empty());
    } catch (SocketException e) {
      return allInterfaces(server, "no route to " + remote.getHostAddress() + ": " + e.getMessage());
    }
  }

  /**
   * The source address this host would use to reach {@code remote}: a loopback address for a
   * loopback one. Connecting a UDP socket only makes the kernel look up the route and fix the
   * socket's local address; unlike TCP, no packet is sent.
   *
   * @throws SocketException if there is no route to {@code remote}
   */
  static InetAddress routeSource(InetAddress remote, int port) throws SocketException {
    try (DatagramSocket probe = new DatagramSocket()) {
      probe.connect(new InetSocketAddress(remote, port));
      return probe.getLocalAddress();
    }
  }

  /**
   * {@code 127.0.0.1:41081}, {@code [::1]:41081}: an address and port as people type them (IPv6 in
   * its shortest form, in brackets).
   */
  static String format(InetAddress address, int port) {
    return InetAddresses.toUriString(address) + ":" + port;
  }

  /**
   * Why the Broadcast server could not listen on {@code address:port}, in one line. Tells an
   * address that is not on this host from a port in use by trying each again with a throwaway
   * socket, because the failure's own text depends on the transport (NIO or epoll) and the OS.
   *
   * @param failure what starting the server threw
   */
  static String cannotListen(InetAddress address, int port, IOException failure) {
    return "Cannot listen for broadcasts on " + format(address, port) + ": "
        + whyNotListening(address, port, failure);
  }

  /**
   * Why a server could not listen on {@code address:port} (the reason only, e.g. {@code the port is
   * in use.}), told apart as {@link #cannotListen} does.
   *
   * @param failure what starting the server threw
   */
  static String whyNotListening(InetAddress address, int port, IOException failure) {
    String why;
    if (!canBind(new InetSocketAddress(address, 0))) {
      why = address.getHostAddress() + " is not an address of this host.";
    } else if (port != 0 && !canBind(new InetSocketAddress(address, port))) {
      why = "the port is in use.";
    } else {
      Throwable root = failure;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      why = root.getMessage();
    }
    return why;
  }

  private static Choice allInterfaces(Endpoint server, String why) {
    return new Choice(
        new InetSocketAddress(0).getAddress(),
        Optional.of("Cannot tell which address of this host faces the server " + server.host()
            + " (" + why + "); listening on all interfaces. --bind ADDRESS chooses one."));
  }

  private static boolean canBind(InetSocketAddress where) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(where);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
