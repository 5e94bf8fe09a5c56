package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where a participant listens: the address facing the server, or {@code --bind}'s. */
class BindAddressTest {

  private static final InetAddress V4_LOOPBACK = address("127.0.0.1");
  private static final InetAddress V6_LOOPBACK = address("::1");

  @Test
  void aServerOnLoopbackMeansListeningOnLoopback() {
    assertThat(BindAddress.facing(new Endpoint("127.0.0.1", 50051)))
        .isEqualTo(new BindAddress.Choice(V4_LOOPBACK, Optional.empty()));
    // localhost: the first address it resolves to, which gRPC also tries first.
    BindAddress.Choice localhost = BindAddress.choose(null, new Endpoint("localhost", 50051));
    assertThat(localhost.address().isLoopbackAddress()).isTrue();
    assertThat(localhost.warning()).isEmpty();
  }

  @Test
  void aServerOnIpv6LoopbackMeansListeningOnIpv6Loopback() {
    assumeTrue(hasAddress(V6_LOOPBACK), "no ::1 on this machine");

    assertThat(BindAddress.facing(new Endpoint("::1", 50051)).address()).isEqualTo(V6_LOOPBACK);
  }

  @Test
  void aServerOnAnotherAddressOfThisHostMeansListeningOnThatAddress() throws Exception {
    InetAddress other = nonLoopbackAddress();
    assumeTrue(other != null, "this machine has no address but loopback");

    assertThat(BindAddress.facing(new Endpoint(other.getHostAddress(), 50051)).address())
        .isEqualTo(other);
  }

  @Test
  void aServerNameThatDoesNotResolveMeansAllInterfacesWithAWarning() {
    // .invalid never resolves (RFC 2606).
    BindAddress.Choice choice = BindAddress.facing(new Endpoint("chat.invalid", 50051));

    assertThat(choice.address().isAnyLocalAddress()).isTrue();
    assertThat(choice.warning()).contains(
        "Cannot tell which address of this host faces the server chat.invalid (its name does not"
            + " resolve); listening on all interfaces. --bind ADDRESS chooses one.");
  }

  @Test
  void bindOverridesTheAddressFacingTheServer() {
    Endpoint server = new Endpoint("localhost", 50051);

    assertThat(BindAddress.choose("0.0.0.0", server))
        .isEqualTo(new BindAddress.Choice(address("0.0.0.0"), Optional.empty()));
    assertThat(BindAddress.choose("127.0.0.1", server).address()).isEqualTo(V4_LOOPBACK);
    if (hasAddress(V6_LOOPBACK)) {
      assertThat(BindAddress.parse("[::1]")).isEqualTo(V6_LOOPBACK);
      assertThat(BindAddress.parse("::1")).isEqualTo(V6_LOOPBACK);
    }
  }

  @Test
  void aBindAddressThatIsNotAnAddressOrNotOnThisHostIsRefused() {
    assertThatThrownBy(() -> BindAddress.parse("300.1.2.3"))
        .isInstanceOf(UserError.class)
        .hasMessage("Bind address \"300.1.2.3\" is not an IP address or a known host name.");
    assertThatThrownBy(() -> BindAddress.parse(""))
        .hasMessage("Bind address \"\" is not an IP address or a known host name.");
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): on no real interface.
    assertThatThrownBy(() -> BindAddress.parse("203.0.113.7"))
        .hasMessage("Bind address \"203.0.113.7\" is not an address of this host. Use one of its"
            + " addresses, or 0.0.0.0 for all interfaces.")
        .isInstanceOfSatisfying(UserError.class, e -> assertThat(e.exitCode()).isEqualTo(2));
  }

  @Test
  void aFailureToListenSaysWhetherThePortIsInUseOrTheAddressIsNotOnThisHost() throws Exception {
    IOException failure = new IOException("Failed to bind", new IOException("bind(..) failed"));
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(V4_LOOPBACK, 0));

      assertThat(BindAddress.cannotListen(V4_LOOPBACK, taken.getLocalPort(), failure))
          .isEqualTo("Cannot listen for broadcasts on 127.0.0.1:" + taken.getLocalPort()
              + ": the port is in use.");
    }
    assertThat(BindAddress.cannotListen(address("203.0.113.7"), 50061, failure))
        .isEqualTo("Cannot listen for broadcasts on 203.0.113.7:50061: 203.0.113.7 is not an"
            + " address of this host.");
  }

  @Test
  void addressesAreShownAsPeopleTypeThem() {
    assertThat(BindAddress.format(V4_LOOPBACK, 41081)).isEqualTo("127.0.0.1:41081");
    assertThat(BindAddress.format(V6_LOOPBACK, 41081)).isEqualTo("[::1]:41081");
    assertThat(BindAddress.format(address("0.0.0.0"), 7)).isEqualTo("0.0.0.0:7");
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal); // a literal: no lookup
    } catch (IOException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  private static boolean hasAddress(InetAddress address) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(address, 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** An address of this machine that is neither loopback nor link-local, or null. */
  static InetAddress nonLoopbackAddress() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress())
        .filter(BindAddressTest::hasAddress)
        .findFirst()
        .orElse(null);
  }
}
