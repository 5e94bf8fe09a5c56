package dev.chitchat.cli;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.logging.Log4jEventLog;
import dev.chitchat.logging.LogSetup;
import dev.chitchat.server.ChatServer;
import dev.chitchat.server.NetworkDialer;
import dev.chitchat.server.ServerConfig;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chitchat server}: runs a ChatServer until interrupted (Ctrl-C or SIGTERM). */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a Chitty-Chat server.",
      "Participants join it; it orders their messages and broadcasts every event to each of them."
    })
final class ServerCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "50051", paramLabel = "PORT",
      description = "TCP port to listen on, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--log-dir", defaultValue = "logs", paramLabel = "DIR",
      description = "Directory for server.jsonl, the JSON Lines log of every clock tick (default: ${DEFAULT-VALUE}).")
  Path logDir;

  @Option(names = "--quiet", description = "Do not print every clock event on the console.")
  boolean quiet;

  @Option(names = "--broadcast-deadline-ms", defaultValue = "5000", paramLabel = "MS",
      description = "Deadline of each Broadcast call, in milliseconds (default: ${DEFAULT-VALUE}).")
  long broadcastDeadlineMillis;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new UserError("--port " + port + " is out of range. Use 0 to 65535.", 2);
    }
    if (broadcastDeadlineMillis < 1) {
      throw new UserError("--broadcast-deadline-ms must be at least 1.", 2);
    }
    ServerConfig defaults = ServerConfig.defaults();
    ServerConfig config =
        new ServerConfig(
            port,
            defaults.processName(),
            java.time.Duration.ofMillis(broadcastDeadlineMillis),
            defaults.maxRequestBytes(),
            defaults.maxBatch());
    try {
      LogSetup.configure(new LogSetup.Options(config.processName(), logDir, !quiet, true));
    } catch (IOException e) {
      throw new UserError("Cannot create log directory " + logDir + ": " + e.getMessage());
    }
    LamportClock clock = new LamportClock(config.processName(), new Log4jEventLog());
    ChatServer server =
        new ChatServer(
            config,
            clock,
            Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create()),
            executor -> new NetworkDialer(executor, 64 * 1024));
    try {
      server.start();
    } catch (IOException e) {
      LogSetup.shutdown();
      throw new UserError(
          "Cannot listen on port " + port + ": "
              + (e instanceof BindException || e.getCause() instanceof BindException
                  ? "it is in use." : e.getMessage()));
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.stop();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    LogSetup.shutdown();
                  }
                },
                "chitchat-server-shutdown"));
    server.blockUntilShutdown();
    return 0;
  }
}
