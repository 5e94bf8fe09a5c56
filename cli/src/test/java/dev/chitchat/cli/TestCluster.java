package dev.chitchat.cli;

import static org.awaitility.Awaitility.await;

import dev.chitchat.logging.LoggedEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * Three (or N) server replicas as real processes for the cluster tests, on free loopback ports,
 * with their data directories under the test's directory and their logs in one log directory; and
 * what the tests read from a cluster's logs: the leader, what the participants had acknowledged
 * and what they delivered.
 */
final class TestCluster {

  private static final Pattern TERM = Pattern.compile("leads term (\\d+)");

  /** One replica: its id, ports, arguments and its current process (null while killed). */
  static final class Replica {
    final String id;
    final int chatPort;
    final String[] args;
    RealProcesses.Proc proc;
    int starts;

    Replica(String id, int chatPort, String[] args) {
      this.id = id;
      this.chatPort = chatPort;
      this.args = args;
    }
  }

  private final RealProcesses processes;
  final Path logs;
  final List<Replica> replicas = new ArrayList<>();

  TestCluster(RealProcesses processes, Path work, Path logs, int n) throws IOException {
    this.processes = processes;
    this.logs = logs;
    int[] ports = dev.chitchat.rpc.FreePorts.onLoopback(2 * n);
    String peers = java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> "s" + (i + 1) + "=127.0.0.1:" + ports[2 * i + 1])
        .collect(Collectors.joining(","));
    for (int i = 0; i < n; i++) {
      String id = "s" + (i + 1);
      replicas.add(new Replica(id, ports[2 * i], new String[] {"server", "--id", id,
          "--port", Integer.toString(ports[2 * i]), "--peers", peers,
          "--data-dir", work.resolve("data").resolve(id).toString(),
          "--log-dir", logs.toString(), "--quiet"}));
    }
  }

  /** Starts every replica and waits for a leader. */
  void start() throws IOException {
    for (Replica replica : replicas) {
      start(replica);
    }
    awaitLeader(-1);
  }

  /** Starts (or restarts, with the same arguments and data directory) one replica. */
  void start(Replica replica) throws IOException {
    replica.proc = processes.start(replica.id + (replica.starts == 0 ? "" : "-" + (replica.starts + 1)),
        replica.args);
    replica.starts++;
  }

  Replica replica(String id) {
    return replicas.stream().filter(r -> r.id.equals(id)).findFirst().orElseThrow();
  }

  /** SIGKILL, and wait until the process is gone. */
  void kill(Replica replica) throws InterruptedException {
    replica.proc.process().destroyForcibly();
    if (!replica.proc.process().waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(replica.id + " survived SIGKILL for 30 s");
    }
  }

  /** The --server list of the k-th participant: every replica, starting with replica k mod N. */
  String serverList(int k) {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      addresses.add("127.0.0.1:" + replicas.get((k + i) % replicas.size()).chatPort);
    }
    return String.join(",", addresses);
  }

  /** The newest leader line (highest term) in the replicas' logs: {@code [id, term]}. */
  Optional<Map.Entry<String, Long>> leader() throws IOException {
    return leader(RealProcesses.events(logs));
  }

  static Optional<Map.Entry<String, Long>> leader(List<LoggedEvent> events) {
    Map.Entry<String, Long> newest = null;
    for (LoggedEvent e : events) {
      if (e.isAction("leader") && e.text() != null) {
        Matcher m = TERM.matcher(e.text());
        if (m.find() && (newest == null || Long.parseLong(m.group(1)) > newest.getValue())) {
          // The replica's id: a restarted replica's process is s2-2, ...
          newest = Map.entry(e.process().replaceFirst("-\\d+$", ""), Long.parseLong(m.group(1)));
        }
      }
    }
    return Optional.ofNullable(newest);
  }

  /** Waits until a replica leads a term above {@code term}; returns it. */
  Replica awaitLeader(long term) {
    String[] id = new String[1];
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      Optional<Map.Entry<String, Long>> leader = leader();
      if (leader.isPresent() && leader.get().getValue() > term) {
        id[0] = leader.get().getKey();
        return true;
      }
      return false;
    });
    return replica(id[0]);
  }

  /** The highest sequence number any replica has logged. */
  static long lastSeq(List<LoggedEvent> events, List<String> replicaIds) {
    return events.stream().filter(e -> replicaIds.contains(e.process().replaceFirst("-\\d+$", ""))
            && e.seq() != null)
        .mapToLong(LoggedEvent::seq).max().orElse(0);
  }

  List<String> ids() {
    return replicas.stream().map(r -> r.id).toList();
  }

  /** Stops every running replica with SIGTERM (SIGCONT first), waits for each. */
  void stopAll() throws Exception {
    for (Replica replica : replicas) {
      if (replica.proc != null && replica.proc.process().isAlive()) {
        replica.proc.signal("CONT");
        replica.proc.process().destroy();
      }
    }
    for (Replica replica : replicas) {
      if (replica.proc != null && !replica.proc.process().waitFor(30, TimeUnit.SECONDS)) {
        replica.proc.process().destroyForcibly();
      }
    }
  }

  /**
   * The texts each participant process had acknowledged: a {@code publish} action of the
   * participant followed, before its next one, by an OK {@code Publish} response.
   */
  static Map<String, List<String>> acknowledged(List<LoggedEvent> events) {
    Map<String, List<String>> acked = new LinkedHashMap<>();
    Map<String, String> pending = new HashMap<>();
    for (LoggedEvent e : events) {
      if (e.isAction("publish") && e.seq() == null && e.text() != null) {
        pending.put(e.process(), e.text());
      } else if (e.isReceive() && "Publish".equals(e.rpc()) && "response".equals(e.leg())
          && "OK".equals(e.status()) && pending.containsKey(e.process())) {
        acked.computeIfAbsent(e.process(), p -> new ArrayList<>()).add(pending.remove(e.process()));
      }
    }
    return acked;
  }

  /** The deliveries of one process, in its log's order. */
  static List<LoggedEvent> deliveries(List<LoggedEvent> events, String process) {
    return events.stream().filter(e -> e.process().equals(process) && e.isAction("deliver")).toList();
  }
}
