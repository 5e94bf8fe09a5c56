package dev.chitchat.cli;

import static dev.chitchat.cli.RealProcesses.awaitOutput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a participant of the built jar listens: by default only on the address facing its server
 * (loopback here), anywhere with {@code --bind 0.0.0.0}; and the one line it prints when it cannot
 * listen.
 */
class ParticipantBindIT {

  @TempDir Path work;
  private RealProcesses processes;
  private Path logs;
  private String serverPort;

  @BeforeEach
  void startServer() throws IOException {
    processes = new RealProcesses(work);
    logs = work.resolve("logs");
    RealProcesses.Proc server =
        processes.start("server", "server", "--port", "0", "--log-dir", logs.toString(), "--quiet");
    serverPort = awaitOutput(server, Pattern.compile("listening on port (\\d+)"));
  }

  @AfterEach
  void stop() {
    processes.close();
  }

  @Test
  void aParticipantOfALoopbackServerListensOnLoopbackOnlyAndItsBroadcastsArrive() throws Exception {
    RealProcesses.Proc alex = participant("Alex");
    int port = Integer.parseInt(awaitOutput(alex,
        Pattern.compile("Alex is listening for broadcasts on 127\\.0\\.0\\.1:(\\d+)\\n")));
    awaitOutput(alex, Pattern.compile("Participant Alex joined Chitty-Chat")); // dialled back

    assertReachable(InetAddress.getLoopbackAddress(), port);
    InetAddress other = BindAddressTest.nonLoopbackAddress();
    assumeTrue(other != null, "this machine has no address but loopback");
    assertThatThrownBy(() -> new Socket(other, port).close())
        .as("Alex's port on %s", other)
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void bindAllInterfacesMakesTheParticipantReachableOnEveryAddress() throws Exception {
    RealProcesses.Proc bob = participant("Bob", "--bind", "0.0.0.0");
    int port = Integer.parseInt(awaitOutput(bob,
        Pattern.compile("Bob is listening for broadcasts on 0\\.0\\.0\\.0:(\\d+)\\n")));
    awaitOutput(bob, Pattern.compile("Participant Bob joined Chitty-Chat"));

    assertReachable(InetAddress.getLoopbackAddress(), port);
    InetAddress other = BindAddressTest.nonLoopbackAddress();
    assumeTrue(other != null, "this machine has no address but loopback");
    assertReachable(other, port);
  }

  @Test
  void aPortInUseIsOneLineAndExitCodeOne() throws Exception {
    RealProcesses.Proc alex = participant("Alex");
    String port = awaitOutput(alex,
        Pattern.compile("Alex is listening for broadcasts on 127\\.0\\.0\\.1:(\\d+)\\n"));

    RealProcesses.Proc carol = participant("Carol", "--port", port);

    assertThat(carol.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(carol.process().exitValue()).isEqualTo(1);
    assertThat(carol.printed()).isEqualTo(
        "chitchat: Cannot listen for broadcasts on 127.0.0.1:" + port + ": the port is in use.\n");
  }

  private RealProcesses.Proc participant(String name, String... more) throws IOException {
    String[] args = {"participant", "--name", name, "--server", "localhost:" + serverPort,
        "--log-dir", logs.toString(), "--no-console-log"};
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return processes.start(name, all);
  }

  private static void assertReachable(InetAddress address, int port) throws IOException {
    try (Socket socket = new Socket(address, port)) {
      assertThat(socket.isConnected()).as("connected to %s:%d", address, port).isTrue();
    }
  }
}
