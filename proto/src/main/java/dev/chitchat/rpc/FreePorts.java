package dev.chitchat.rpc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on the loopback address, for processes that must be told their port before they
 * start (a replica's Raft port is part of every peer's {@code --peers}). Thread-safe (no state).
 */
public final class FreePorts {

  private FreePorts() {}

  /**
   * {@code count} distinct free ports, as the kernel hands them out for port 0. Each is released
   * before this returns, so another program could take one first; unlikely, as the kernel hands out
   * ephemeral ports in turn.
   *
   * @throws IOException if no port can be bound
   */
  public static int[] onLoopback(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }
}
