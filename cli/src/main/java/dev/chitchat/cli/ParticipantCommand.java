package dev.chitchat.cli;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.logging.Log4jEventLog;
import dev.chitchat.logging.LogSetup;
import dev.chitchat.participant.ChatLoop;
import dev.chitchat.participant.LineSource;
import dev.chitchat.participant.ParticipantNode;
import dev.chitchat.participant.ParticipantSettings;
import dev.chitchat.participant.PlainConsole;
import dev.chitchat.participant.Screen;
import dev.chitchat.participant.StatusText;
import dev.chitchat.participant.TerminalConsole;
import dev.chitchat.rpc.NettyTransport;
import dev.chitchat.rules.ChatRules;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code chitchat participant}: serves Broadcast on its own port, by default only on this host's
 * address that faces the server ({@link BindAddress}), joins a server, publishes every line typed,
 * and leaves on {@code /quit}, {@code exit}, end of input, Ctrl-C or SIGTERM.
 */
@Command(
    name = "participant",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a participant: joins a Chitty-Chat server and chats.",
      "Type a line to publish it; /quit or exit leaves (so do Ctrl-C and Ctrl-D);",
      "/join joins again after the server lost or removed you (--rejoin does it for you);",
      "/help lists the commands; to send a line that starts with /, type //.",
      "Each delivered line shows this participant's Lamport time, e.g.",
      "  [L=12] Alex: Hello World! (sent at L=8)",
      "For a replicated chat, name every replica: --server HOST1:P1,HOST2:P2,HOST3:P3.",
      "It joins through the first that answers. When its replica stops answering, it",
      "moves to the next by itself, in the same session, and says so, e.g.",
      "  Server s1 lost: moved to s2 (localhost:50052), nothing missed.",
      "Nothing is delivered twice or skipped; a message being sent goes to the new one."
    })
final class ParticipantCommand implements Callable<Integer> {

  @Option(names = "--name", required = true, paramLabel = "NAME",
      description = "Your name: 1 to 32 letters, digits, '-', '_' or '.', unique in the chat.")
  String name;

  @Option(names = "--port", defaultValue = "0", paramLabel = "PORT",
      description = "Port for this participant's Broadcast server; 0 picks a free one and reports it (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--server", defaultValue = "localhost:50051", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = {"The chat server, or the replicas of a replicated chat, comma-separated, tried in",
          "this order (default: ${DEFAULT-VALUE})."})
  String server;

  @Option(names = "--bind", paramLabel = "ADDRESS",
      description = {"Address to listen on for broadcasts; 0.0.0.0 or :: for all interfaces.",
          "Default: this host's address facing --server (127.0.0.1 for a server on localhost),"
              + " where the server calls back; all interfaces, with a warning, if that cannot be"
              + " told (the server's name does not resolve yet)."})
  String bind;

  @Mixin LogOptions logs;

  @Option(names = "--console-log", negatable = true,
      description = "Also print every clock event on the console (default: only when input is not a terminal).")
  Boolean consoleLog;

  @Option(names = "--deadline-ms", defaultValue = "5000", paramLabel = "MS",
      description = {"Deadline of each call to the server, in milliseconds (default: ${DEFAULT-VALUE});",
          "a message not answered in time is sent again, up to 3 times, and broadcast once."})
  long deadlineMillis;

  @Option(names = "--rejoin",
      description = {"Join again automatically, with backoff, after losing the server or being removed;",
          "also keep trying when the first join fails (no server yet, name still held, chat full)."})
  boolean rejoin;

  @Option(names = "--server-timeout-ms", defaultValue = "5000", paramLabel = "MS",
      description = {"Silence from the server (no broadcast, no probe) after which it counts as lost,",
          "in milliseconds (default: ${DEFAULT-VALUE})."})
  long serverTimeoutMillis;

  @Mixin ScriptOptions scriptOptions;

  @Override
  public Integer call() throws Exception {
    ChatRules.checkName(name).ifPresent(reason -> {
      throw new UserError(reason, 2);
    });
    if (port < 0 || port > 65535) {
      throw new UserError("--port " + port + " is out of range. Use 0 (any free port) to 65535.", 2);
    }
    if (deadlineMillis < 1) {
      throw new UserError("--deadline-ms must be at least 1.", 2);
    }
    if (serverTimeoutMillis < 50) {
      throw new UserError("--server-timeout-ms must be at least 50.", 2);
    }
    List<Endpoint> endpoints = endpoints(server);
    Endpoint endpoint = endpoints.get(0);
    BindAddress.Choice listen = BindAddress.choose(bind, endpoint);
    ScriptPlayer script = scriptOptions.load(name, logs.logDir);
    boolean interactive = System.console() != null && script == null;
    String process = logs.start(name, consoleLog != null ? consoleLog : !interactive, false);
    // gRPC warns, with a stack trace, about every failed name resolution and connection (through
    // java.util.logging into log4j): for a user who mistyped --server, or whose server is down,
    // that is noise in front of the one line the participant prints about the same failure.
    Configurator.setLevel("io.grpc", Level.ERROR);

    LamportClock clock = new LamportClock(process, new Log4jEventLog());
    NettyTransport transport = NettyTransport.create(0, "chitchat-participant-netty");
    Console console = interactive ? Console.terminal(name + "> ") : Console.plain();
    ParticipantNode node =
        new ParticipantNode(
            ParticipantSettings.builder(name)
                .rpcDeadline(Duration.ofMillis(deadlineMillis))
                .serverTimeout(Duration.ofMillis(serverTimeoutMillis))
                .rejoin(rejoin)
                .servers(endpoints.stream().map(Endpoint::target).toList())
                .build(),
            clock,
            transport::channelBuilder,
            transport.serverBuilder(new InetSocketAddress(listen.address(), port)),
            console.screen());
    listen.warning().ifPresent(console.screen()::show);
    try {
      int actual = node.start();
      console.screen().show(
          name + " is listening for broadcasts on " + BindAddress.format(listen.address(), actual));
    } catch (IOException e) {
      stopQuietly(node);
      shutdown(transport, console);
      throw new UserError(BindAddress.cannotListen(listen.address(), port, e));
    }
    if (script != null) {
      return script.play(node, console.screen(), () -> leaveQuietly(node, transport, console));
    }
    try {
      node.join();
      console.screen().show(
          "Joined Chitty-Chat at " + node.replica() + " as " + name
              + ". Type a message and press Enter; /help lists the commands, /quit leaves.");
    } catch (StatusRuntimeException e) {
      String why = "Could not join " + (endpoints.size() == 1 ? endpoint.target()
          : "any of " + server.strip()) + ": " + StatusText.describe(e.getStatus());
      if (!retryable(e.getStatus()) || !node.keepTryingToJoin()) {
        stopQuietly(node);
        shutdown(transport, console);
        throw new UserError(why);
      }
      console.screen().show(why + ". Trying again (--rejoin)...");
    }

    AtomicBoolean finished = new AtomicBoolean();
    Runnable finish = () -> {
      if (finished.compareAndSet(false, true)) {
        leaveQuietly(node, transport, console);
      }
    };
    Runtime.getRuntime().addShutdownHook(new Thread(finish, "chitchat-participant-shutdown"));
    new ChatLoop(node, console.input(), console.screen()).run();
    finish.run();
    return 0;
  }

  /**
   * The addresses of {@code --server}: one, or the replicas of a chat, comma-separated.
   *
   * @throws UserError (exit 2) if one is not HOST:PORT, or one is given twice
   */
  static List<Endpoint> endpoints(String text) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      Endpoint endpoint = Endpoint.parse(part.strip());
      if (endpoints.contains(endpoint)) {
        throw new UserError("Server address \"" + part.strip() + "\" is given twice in --server.", 2);
      }
      endpoints.add(endpoint);
    }
    return endpoints;
  }

  /** Whether a failed first Join may succeed later: no server yet, name still held, chat full. */
  private static boolean retryable(io.grpc.Status status) {
    return switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, ALREADY_EXISTS, RESOURCE_EXHAUSTED -> true;
      default -> false;
    };
  }

  /** Leaves if still joined, then stops everything; runs once, from the loop or the shutdown hook. */
  private static void leaveQuietly(ParticipantNode node, NettyTransport transport, Console console) {
    try {
      node.leave(); // if the chat loop is leaving, this waits until it has (its last tick logged)
    } catch (StatusRuntimeException e) {
      console.screen().show("Could not leave cleanly: " + StatusText.describe(e.getStatus()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopQuietly(node);
      shutdown(transport, console);
    }
  }

  /** Stops the participant's server, watch and channel. */
  private static void stopQuietly(ParticipantNode node) {
    try {
      node.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void shutdown(NettyTransport transport, Console console) {
    try {
      console.input().close();
    } catch (IOException e) {
      // Closing the console at exit: nothing left to report it to.
    } finally {
      transport.close();
    }
    LogSetup.shutdown();
  }

  /** The participant's input and output: JLine on a terminal, plain streams otherwise. */
  private record Console(LineSource input, Screen screen) {
    static Console terminal(String prompt) throws IOException {
      TerminalConsole terminal = TerminalConsole.open(prompt);
      return new Console(terminal, terminal);
    }

    static Console plain() {
      PlainConsole plain = new PlainConsole(System.in, System.out);
      return new Console(plain, plain);
    }
  }
}
