package dev.chitchat.cli;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.MergeBound;
import dev.chitchat.logging.Log4jEventLog;
import dev.chitchat.logging.LogSetup;
import dev.chitchat.rpc.NettyTransport;
import dev.chitchat.server.ChatServer;
import dev.chitchat.server.NetworkDialer;
import dev.chitchat.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code chitchat server}: runs a ChatServer until interrupted (Ctrl-C or SIGTERM), then tells the
 * participants that it is shutting down before it stops. The process is named {@code server} in the
 * logs, or {@code server-2}, ... when the log directory already has a server's log (a restart).
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a Chitty-Chat server.",
      "Participants join it; it orders their messages and broadcasts every event to each of them.",
      "A participant that stops answering, or falls too far behind, is removed and announced.",
      "On Ctrl-C or SIGTERM it tells the participants that it is shutting down, then stops.",
      "",
      "With --data-dir the chat is kept in an Apache Ratis (Raft) group and outlives the process:",
      "started again with the same directory, the server continues the same chat. With --peers,",
      "several servers are replicas of one chat that survives the loss of any minority of them;",
      "a replica that stops (Ctrl-C) leaves the chat running on the others. See docs/cluster.md."
    })
final class ServerCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "50051", paramLabel = "PORT",
      description = "TCP port to listen on, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int port;

  @Mixin LogOptions logs;

  @Option(names = "--id", paramLabel = "ID",
      description = {"This replica's id, one of the ids in --peers; also its name in the logs",
          "(default: server)."})
  String id;

  @Option(names = "--peers", paramLabel = "ID=HOST:PORT,...",
      description = {"Every replica of the chat, this one included, as ID=HOST:RAFT_PORT. The Raft",
          "port carries replication between replicas only (not --port). Needs --id and --data-dir."})
  String peers;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = {"Keep the chat (Raft log and snapshots) in DIR, so that it outlives this",
          "process. Without --peers: a one-replica group whose Raft port is --raft-port."})
  Path dataDir;

  @Option(names = "--raft-port", defaultValue = "0", paramLabel = "PORT",
      description = {"With --data-dir and no --peers: the Raft port, 0 for any free one",
          "(default: ${DEFAULT-VALUE})."})
  int raftPort;

  @Option(names = "--quiet", description = "Do not print every clock event on the console.")
  boolean quiet;

  @Option(names = "--broadcast-deadline-ms", defaultValue = "2000", paramLabel = "MS",
      description = "Deadline of each Broadcast call, in milliseconds (default: ${DEFAULT-VALUE}).")
  long broadcastDeadlineMillis;

  @Option(names = "--failure-timeout-ms", defaultValue = "5000", paramLabel = "MS",
      description = {"A participant that stops answering is removed within this time, in milliseconds;",
          "idle participants are probed every fifth of it (default: ${DEFAULT-VALUE})."})
  long failureTimeoutMillis;

  @Option(names = "--max-queue", defaultValue = "1000", paramLabel = "EVENTS",
      description = "Events queued for one participant before it is removed as too slow (default: ${DEFAULT-VALUE}).")
  int maxQueue;

  @Option(names = "--rate-limit", defaultValue = "50", paramLabel = "PER_SECOND",
      description = "Messages per second one participant may publish, 0 for no limit (default: ${DEFAULT-VALUE}).")
  int rateLimit;

  @Option(names = "--join-limit", defaultValue = "20", paramLabel = "PER_MINUTE",
      description = {"Joins per minute from one IP address, 0 for no limit; more get "
          + "RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE})."})
  int joinLimit;

  @Option(names = "--auth-failure-limit", defaultValue = "20", paramLabel = "PER_MINUTE",
      description = {"Publish or Leave calls without a valid session token per minute from one IP "
          + "address, 0 for no limit; more get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE})."})
  int authFailureLimit;

  @Option(names = "--max-participants", defaultValue = "256", paramLabel = "N",
      description = "Participants at once (default: ${DEFAULT-VALUE}).")
  int maxParticipants;

  @Option(names = "--max-in-flight", defaultValue = "64",
      paramLabel = "CALLS",
      description = "Broadcast calls in flight at once, over all participants; with more "
          + "participants the server serves them in turn, in bigger batches (default: ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new UserError("--port " + port + " is out of range. Use 0 to 65535.", 2);
    }
    if (broadcastDeadlineMillis < 1) {
      throw new UserError("--broadcast-deadline-ms must be at least 1.", 2);
    }
    if (failureTimeoutMillis < 50) {
      throw new UserError("--failure-timeout-ms must be at least 50.", 2);
    }
    if (maxQueue < 1 || maxParticipants < 1 || maxInFlight < 1 || rateLimit < 0) {
      throw new UserError(
          "--max-queue, --max-participants and --max-in-flight must be at least 1, --rate-limit at least 0.", 2);
    }
    if (joinLimit < 0 || authFailureLimit < 0) {
      throw new UserError("--join-limit and --auth-failure-limit must be at least 0.", 2);
    }
    ServerConfig.Replication replication = replication();
    String process = logs.start(id != null ? id : "server", !quiet, true);
    ServerConfig config =
        ServerConfig.builder()
            .port(port)
            .processName(process)
            .broadcastDeadline(java.time.Duration.ofMillis(broadcastDeadlineMillis))
            .failureTimeout(java.time.Duration.ofMillis(failureTimeoutMillis))
            .maxQueue(maxQueue)
            .rateLimit(rateLimit)
            .maxParticipants(maxParticipants)
            .maxInFlight(maxInFlight)
            .joinsPerMinute(joinLimit)
            .authFailuresPerMinute(authFailureLimit)
            .replication(replication)
            .build();
    LamportClock clock = new LamportClock(config.processName(), new Log4jEventLog(), MergeBound.SERVER);
    NettyTransport transport = NettyTransport.create(0, "chitchat-server-netty");
    ChatServer server =
        new ChatServer(
            config,
            clock,
            transport.serverBuilder(port),
            executor -> new NetworkDialer(transport, executor, 64 * 1024));
    try {
      server.start();
    } catch (IOException e) {
      transport.close();
      LogSetup.shutdown();
      deleteIfEmpty(logs.logDir.resolve(process + ".jsonl"));
      if (e instanceof ChatServer.ReplicationException) {
        throw new UserError(e.getMessage());
      }
      throw new UserError("Cannot listen on port " + port + ": "
          + BindAddress.whyNotListening(new InetSocketAddress(0).getAddress(), port, e));
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.stopAnnounced(java.time.Duration.ofSeconds(2));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    transport.close();
                    LogSetup.shutdown();
                  }
                },
                "chitchat-server-shutdown"));
    server.blockUntilShutdown();
    return 0;
  }

  /**
   * The replication the options ask for, or {@code null} for an in-memory chat.
   *
   * @throws UserError for --peers without --data-dir or --id, an --id not in --peers, or a
   *     malformed peer
   */
  private ServerConfig.Replication replication() {
    if (peers == null && dataDir == null) {
      if (id != null) {
        throw new UserError("--id needs --peers (a cluster) or --data-dir.", 2);
      }
      return null;
    }
    if (dataDir == null) {
      throw new UserError("--peers needs --data-dir: each replica keeps its Raft log there.", 2);
    }
    if (raftPort < 0 || raftPort > 65535) {
      throw new UserError("--raft-port " + raftPort + " is out of range. Use 0 to 65535.", 2);
    }
    String self = id != null ? id : "server";
    java.util.Map<String, String> members = new java.util.LinkedHashMap<>();
    if (peers == null) {
      members.put(self, "127.0.0.1:" + (raftPort == 0 ? freePort() : raftPort));
    } else {
      if (id == null) {
        throw new UserError("--peers needs --id: which of the peers this replica is.", 2);
      }
      for (String peer : peers.split(",", -1)) {
        int eq = peer.indexOf('=');
        if (eq <= 0) {
          throw new UserError("Peer '" + peer + "' is not ID=HOST:PORT (e.g. s1=localhost:6001).", 2);
        }
        String peerId = peer.substring(0, eq).strip();
        if (dev.chitchat.rules.ChatRules.checkName(peerId).isPresent()) {
          throw new UserError("Peer id '" + peerId
              + "' must be 1 to 32 letters, digits, '-', '_' or '.'.", 2);
        }
        Endpoint endpoint = Endpoint.parse(peer.substring(eq + 1).strip());
        if (members.put(peerId, endpoint.host() + ":" + endpoint.port()) != null) {
          throw new UserError("Peer id " + peerId + " appears twice in --peers.", 2);
        }
      }
      if (!members.containsKey(id)) {
        throw new UserError("--id " + id + " is not one of the --peers (" + String.join(", ",
            members.keySet()) + ").", 2);
      }
    }
    return ServerConfig.Replication.of(self, members, dataDir.resolve(""));
  }

  private static int freePort() {
    try {
      return dev.chitchat.rpc.FreePorts.onLoopback(1)[0];
    } catch (IOException e) {
      throw new UserError("No free port for Raft: " + e.getMessage());
    }
  }

  /**
   * Removes the log of a server that never started, so that it leaves nothing behind and the next
   * server in the same directory is {@code server} again, not {@code server-2}.
   */
  private static void deleteIfEmpty(java.nio.file.Path log) {
    try {
      if (java.nio.file.Files.size(log) == 0) {
        java.nio.file.Files.delete(log);
      }
    } catch (IOException e) {
      // No log, or not ours to remove: nothing to clean up.
    }
  }
}
