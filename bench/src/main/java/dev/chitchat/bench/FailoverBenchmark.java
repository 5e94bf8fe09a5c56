package dev.chitchat.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.chitchat.logging.LogSetup;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The failover benchmark behind {@code chitchat bench failover}: three replicas {@code s1..s3} and
 * three participants, each a process of this jar logging into one run directory; the leader is
 * SIGKILLed N times, each time restarted once the chat goes on. Every figure comes from the
 * processes' JSON Lines logs (read as they grow), measured from the wall-clock instant {@code t0}
 * just before the kill:
 *
 * <ul>
 *   <li><b>ack</b>: the first {@code Publish} response with status {@code OK} that any participant
 *       receives after {@code t0}, for an entry no replica had applied by {@code t0} (a response to
 *       an entry committed before the kill is no sign of a new leader);
 *   <li><b>delivery</b>: for each participant that logs a {@code failover} action after {@code t0}
 *       (it had to move), its first {@code deliver} after that action;
 *   <li>for the breakdown: the new leader's {@code leader} line, each moving participant's {@code
 *       failover} action and its resume {@code Join} answered {@code OK}.
 * </ul>
 *
 * <p>Not thread-safe: one run on one thread (the typing threads only write to the participants).
 */
final class FailoverBenchmark {

  /** The options of a run. */
  record Settings(int kills, Duration publishInterval, Duration timeout, Path runDir) {}

  /** A run that cannot go on: one line for the user. */
  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message);
    }
  }

  static final String[] PARTICIPANTS = {"Ann", "Ben", "Cat"};
  private static final int REPLICAS = 3;
  private static final Pattern LEADS = Pattern.compile("(\\S+) leads term (\\d+)");
  private static final Pattern MOVED_TO = Pattern.compile(" to ([^;,\\s]+)");
  private static final Pattern REPLICA_PROCESS = Pattern.compile("s\\d+(-\\d+)?");

  // ---------------------------------------------------------------- the logs

  /** One JSON Lines event, the fields this benchmark reads. */
  record Line(Instant time, String process, String kind, String rpc, String leg, String status,
      String action, Long seq, String text, String callId, String peer) {

    /** The event of one JSON line, or empty if the line is not one. */
    static Optional<Line> parse(String json) {
      try {
        JsonElement element = JsonParser.parseString(json);
        if (!element.isJsonObject()) {
          return Optional.empty();
        }
        JsonObject o = element.getAsJsonObject();
        String time = string(o, "time");
        String process = string(o, "process");
        if (time == null || process == null) {
          return Optional.empty();
        }
        Long seq = o.has("seq") && o.get("seq").isJsonPrimitive() ? o.get("seq").getAsLong() : null;
        return Optional.of(new Line(Instant.parse(time), process, string(o, "kind"),
            string(o, "rpc"), string(o, "leg"), string(o, "status"), string(o, "action"), seq,
            string(o, "text"), string(o, "callId"), string(o, "peer")));
      } catch (RuntimeException e) { // JSON syntax, a number that is none, a bad time
        return Optional.empty();
      }
    }

    private static String string(JsonObject o, String key) {
      JsonElement e = o.get(key);
      return e == null || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    boolean isAction(String name) {
      return "action".equals(kind) && name.equals(action);
    }

    /** A response with status OK received for a call {@code rpc}. */
    boolean isOkResponse(String method) {
      return "receive".equals(kind) && method.equals(rpc) && "response".equals(leg)
          && "OK".equals(status);
    }

    /** A replica's apply of a committed entry that created or re-used chat event {@code seq}. */
    boolean isApplied() {
      return "receive".equals(kind) && "Replicate".equals(rpc) && seq != null;
    }
  }

  /**
   * The run directory's {@code *.jsonl} files, read incrementally: each {@link #poll} reads what
   * was appended since the last, whole lines only. Lines that are no events are skipped.
   */
  static final class Logs {
    private final Path dir;
    private final Map<Path, Long> offsets = new HashMap<>();
    private final Map<Path, byte[]> partial = new HashMap<>();
    private final Map<String, List<Line>> byProcess = new LinkedHashMap<>();

    Logs(Path dir) {
      this.dir = dir;
    }

    /** Reads what every log file gained since the last call. */
    void poll() throws IOException {
      List<Path> files;
      try (Stream<Path> listing = Files.list(dir)) {
        files = listing.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
      }
      for (Path file : files) {
        long offset = offsets.getOrDefault(file, 0L);
        byte[] fresh;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
          long length = in.length();
          if (length <= offset) {
            continue;
          }
          fresh = new byte[(int) Math.min(length - offset, 64L << 20)];
          in.seek(offset);
          in.readFully(fresh);
        }
        offsets.put(file, offset + fresh.length);
        byte[] before = partial.getOrDefault(file, new byte[0]);
        byte[] all = new byte[before.length + fresh.length];
        System.arraycopy(before, 0, all, 0, before.length);
        System.arraycopy(fresh, 0, all, before.length, fresh.length);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
          if (all[i] == '\n') {
            add(new String(all, start, i - start, StandardCharsets.UTF_8));
            start = i + 1;
          }
        }
        byte[] rest = new byte[all.length - start];
        System.arraycopy(all, start, rest, 0, rest.length);
        partial.put(file, rest);
      }
    }

    /** Adds one JSON line (also for tests). */
    void add(String json) {
      Line.parse(json).ifPresent(line ->
          byProcess.computeIfAbsent(line.process(), p -> new ArrayList<>()).add(line));
    }

    /** The events of one process so far, in file order. */
    List<Line> of(String process) {
      return byProcess.getOrDefault(process, List.of());
    }

    /** The replicas' processes seen so far: s1, s2-2, ... */
    List<String> replicaProcesses() {
      return byProcess.keySet().stream().filter(p -> REPLICA_PROCESS.matcher(p).matches()).toList();
    }

    private Stream<Line> replicaLines() {
      return replicaProcesses().stream().flatMap(p -> of(p).stream());
    }
  }

  /** The newest leader line: replica {@code id} leads {@code term}. */
  record Leader(String id, long term, Instant time) {}

  /** The leader of the highest term any replica's log names. */
  static Optional<Leader> leader(Logs logs) {
    Leader newest = null;
    for (Line line : (Iterable<Line>) logs.replicaLines()::iterator) {
      if (line.isAction("leader") && line.text() != null) {
        Matcher m = LEADS.matcher(line.text());
        if (m.find()) {
          long term = Long.parseLong(m.group(2));
          if (newest == null || term > newest.term()) {
            newest = new Leader(m.group(1), term, line.time());
          }
        }
      }
    }
    return Optional.ofNullable(newest);
  }

  /** The highest sequence number any replica's log shows. */
  static long lastSeq(Logs logs) {
    return logs.replicaLines().map(Line::seq).filter(s -> s != null).mapToLong(Long::longValue)
        .max().orElse(0);
  }

  /** The first acknowledged Publish after the kill: who, when. */
  record Ack(String participant, Instant time, Long seq) {}

  /**
   * The first OK {@code Publish} response any of {@code participants} received after {@code t0},
   * except one for an entry that some replica had applied by {@code t0} (committed before the kill:
   * only its answer was late). The entry is found through the message: a participant logs its
   * {@code publish} action (the text) just before the call's send, one message at a time, and each
   * replica's apply of the entry ({@code receive}, {@code Replicate}, action {@code publish}) has the
   * same text and the event's {@code seq}; the benchmark's messages are all different. A response
   * whose message no replica has applied (yet) counts by its time alone.
   */
  static Optional<Ack> firstAck(Logs logs, Collection<String> participants, Instant t0) {
    Map<String, Line> appliedText = new HashMap<>();
    logs.replicaLines().forEach(line -> {
      if (line.isApplied() && "publish".equals(line.action()) && line.text() != null) {
        appliedText.merge(line.text(), line, (a, b) -> a.time().isBefore(b.time()) ? a : b);
      }
    });
    Ack first = null;
    for (String participant : participants) {
      Map<String, String> textOfCall = new HashMap<>();
      String typed = null;
      for (Line line : logs.of(participant)) {
        if (line.isAction("publish")) {
          typed = line.text();
        } else if ("send".equals(line.kind()) && "Publish".equals(line.rpc())
            && "request".equals(line.leg()) && line.callId() != null && typed != null) {
          textOfCall.put(line.callId(), typed);
        }
        if (!line.time().isAfter(t0) || !line.isOkResponse("Publish")) {
          continue;
        }
        String text = textOfCall.get(line.callId());
        Line applied = text == null ? null : appliedText.get(text);
        if (applied != null && !applied.time().isAfter(t0)) {
          continue; // committed before the kill: its answer was only late
        }
        if (first == null || line.time().isBefore(first.time())) {
          first = new Ack(participant, line.time(), applied == null ? null : applied.seq());
        }
        break;
      }
    }
    return Optional.ofNullable(first);
  }

  /** A participant that moved after the kill: its failover action, resume and first delivery. */
  record Move(String participant, String to, Instant failover, Instant resumed, Instant delivered) {}

  /**
   * The participant's move after {@code t0}, if it logged a {@code failover} action: that action
   * (the first after {@code t0}), its first OK {@code Join} response after it (the resume) and its
   * first {@code deliver} after it, each null while not in the log.
   */
  static Optional<Move> move(Logs logs, String participant, Instant t0) {
    Line failover = null;
    Instant resumed = null;
    Instant delivered = null;
    String to = null;
    for (Line line : logs.of(participant)) {
      if (!line.time().isAfter(t0)) {
        continue;
      }
      if (failover == null) {
        if (line.isAction("failover")) {
          failover = line;
          Matcher m = MOVED_TO.matcher(line.text() == null ? "" : line.text());
          to = m.find() ? m.group(1) : "?";
        }
        continue;
      }
      if (resumed == null && line.isOkResponse("Join")) {
        resumed = line.time();
      }
      if (delivered == null && line.isAction("deliver")) {
        delivered = line.time();
      }
    }
    return failover == null ? Optional.empty()
        : Optional.of(new Move(participant, to, failover.time(), resumed, delivered));
  }

  /** Whether the participant received an OK Publish response to a request it sent after t0. */
  static boolean publishedSince(Logs logs, String participant, Instant t0) {
    Map<String, Instant> sent = new HashMap<>();
    for (Line line : logs.of(participant)) {
      if ("send".equals(line.kind()) && "Publish".equals(line.rpc()) && "request".equals(line.leg())
          && line.callId() != null) {
        sent.put(line.callId(), line.time());
      } else if (line.isOkResponse("Publish")) {
        Instant at = sent.get(line.callId());
        if (at != null && at.isAfter(t0)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether the process's log shows it applied event {@code seq} or a later one. */
  static boolean caughtUp(Logs logs, String process, long seq) {
    return seq == 0 || logs.of(process).stream().anyMatch(l -> l.isApplied() && l.seq() >= seq);
  }

  // ---------------------------------------------------------------- figures

  /** One kill's figures, in milliseconds from the kill. */
  record Kill(int number, String replica, long term, Instant t0, String newLeader, long newTerm,
      long electionMs, Ack ack, long ackMs, List<Move> moves) {}

  /** Median, worst and min of some figures, in ms; n = how many. */
  record Spread(int n, double median, long worst, long min) {
    static Spread of(List<Long> values) {
      if (values.isEmpty()) {
        return new Spread(0, Double.NaN, 0, 0);
      }
      List<Long> sorted = values.stream().sorted().toList();
      int n = sorted.size();
      double median = n % 2 == 1 ? sorted.get(n / 2)
          : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
      return new Spread(n, median, sorted.get(n - 1), sorted.get(0));
    }

    String format() {
      return n == 0 ? "no figures" : String.format(Locale.ROOT,
          "median %.0f ms, worst %d ms, min %d ms (n=%d)", median, worst, min, n);
    }
  }

  static long ms(Instant from, Instant to) {
    return Duration.between(from, to).toMillis();
  }

  // ---------------------------------------------------------------- the run

  /** One replica: ports, data directory, current process and its process name. */
  private static final class Replica {
    final String id;
    final int chatPort;
    final int raftPort;
    Process process;
    String processName;
    boolean killed;

    Replica(String id, int chatPort, int raftPort) {
      this.id = id;
      this.chatPort = chatPort;
      this.raftPort = raftPort;
    }
  }

  /** One participant process and its standard input. */
  private static final class Participant {
    final String name;
    final Process process;
    final OutputStream input;
    int typed;

    Participant(String name, Process process) {
      this.name = name;
      this.process = process;
      this.input = process.getOutputStream();
    }
  }

  private final Settings settings;
  private final Consumer<String> out;
  private final Path runDir;
  private final Logs logs;
  private final List<Replica> replicas = new ArrayList<>();
  private final List<Participant> participants = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private ScheduledExecutorService typing;

  FailoverBenchmark(Settings settings, Consumer<String> out) {
    this.settings = settings;
    this.out = out;
    this.runDir = settings.runDir();
    this.logs = new Logs(runDir);
  }

  /** Runs the benchmark; returns the exit code (0, or 1 when the diagram check fails). */
  int run() throws IOException, InterruptedException {
    Files.createDirectories(runDir.resolve("data"));
    Thread hook = new Thread(this::stopAll, "chitchat-failover-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    List<Kill> kills = new ArrayList<>();
    try {
      out.accept(String.format(Locale.ROOT,
          "chitchat bench failover: 3 replicas, 3 participants each typing a line every %d ms,"
              + " %d leader kills (SIGKILL); run directory %s",
          settings.publishInterval().toMillis(), settings.kills(), runDir));
      out.accept(String.format(Locale.ROOT, "machine: %d CPUs, load average %.2f, Java %s",
          Runtime.getRuntime().availableProcessors(), loadAverage(), System.getProperty("java.version")));
      startAll();
      for (int k = 1; k <= settings.kills(); k++) {
        Kill kill = killLeader(k);
        kills.add(kill);
        out.accept(describe(kill));
        restart(kill.replica());
      }
    } finally {
      stopAll();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down
      }
      if (!kills.isEmpty()) {
        writeJson(kills);
      }
    }
    summarise(kills);
    return diagramCheck();
  }

  private void startAll() throws IOException, InterruptedException {
    int[] ports = dev.chitchat.rpc.FreePorts.onLoopback(2 * REPLICAS);
    for (int i = 0; i < REPLICAS; i++) {
      replicas.add(new Replica("s" + (i + 1), ports[2 * i], ports[2 * i + 1]));
    }
    for (Replica replica : replicas) {
      launch(replica);
    }
    Leader first = await("a leader among s1, s2, s3", () -> leader(logs).filter(this::running));
    out.accept("started s1, s2, s3; " + first.id() + " leads term " + first.term());
    for (int i = 0; i < PARTICIPANTS.length; i++) {
      List<String> servers = new ArrayList<>();
      for (int j = 0; j < REPLICAS; j++) {
        servers.add("127.0.0.1:" + replicas.get((i + j) % REPLICAS).chatPort);
      }
      String name = PARTICIPANTS[i];
      Process process = start(name, true, List.of("participant", "--name", name, "--port", "0",
          "--server", String.join(",", servers), "--log-dir", runDir.toString(),
          "--no-console-log"));
      participants.add(new Participant(name, process));
    }
    for (Participant p : participants) {
      await(p.name + " to join", () -> logs.of(p.name).stream().anyMatch(l -> l.isOkResponse("Join"))
          ? Optional.of(true) : Optional.empty());
    }
    typing = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "chitchat-failover-typing");
      t.setDaemon(true);
      return t;
    });
    long interval = settings.publishInterval().toMillis();
    // Bounded: room for a minute per kill, then the waits for acknowledgements time out.
    int limit = (int) Math.min(1_000_000, (settings.kills() + 1) * 60_000L / interval);
    for (int i = 0; i < participants.size(); i++) {
      Participant p = participants.get(i);
      typing.scheduleAtFixedRate(() -> type(p, limit), i * interval / participants.size(), interval,
          TimeUnit.MILLISECONDS);
    }
    Instant since = Instant.now();
    awaitEveryonePublished("every participant's first acknowledged Publish", since);
    out.accept("joined and publishing: " + participants.stream().map(p -> p.name + " on "
        + logs.of(p.name).stream().filter(l -> l.isOkResponse("Join")).map(Line::peer)
            .findFirst().orElse("?")).collect(Collectors.joining(", ")));
  }

  private void type(Participant p, int limit) {
    if (p.typed >= limit || !p.process.isAlive()) {
      return;
    }
    try {
      p.typed++;
      p.input.write((p.name + " says " + p.typed + "\n").getBytes(StandardCharsets.UTF_8));
      p.input.flush();
    } catch (IOException e) {
      // The participant ended; the waits report it.
    }
  }

  private Kill killLeader(int number) throws IOException, InterruptedException {
    Leader leader = await("a leader to kill (kill " + number + ")",
        () -> leader(logs).filter(this::running));
    Replica victim = replica(leader.id());
    Instant t0 = Instant.now();
    victim.process.destroyForcibly(); // SIGKILL on Linux
    victim.killed = true;
    if (!victim.process.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
      throw new Failure(victim.id + " did not end within " + settings.timeout().toSeconds()
          + " s of SIGKILL");
    }
    String what = " after killing " + victim.id + " (kill " + number + ")";
    Leader next = await("a new leader" + what,
        () -> leader(logs).filter(l -> l.term() > leader.term()));
    Ack ack = await("an acknowledged Publish" + what,
        () -> firstAck(logs, names(), t0));
    // Every participant publishes again: one that had to move has moved by then.
    awaitEveryonePublished("every participant to publish again" + what, t0);
    List<Move> moves = new ArrayList<>();
    for (Participant p : participants) {
      Optional<Move> move = move(logs, p.name, t0);
      if (move.isPresent()) {
        Move done = await(p.name + " to deliver after its failover" + what,
            () -> move(logs, p.name, t0).filter(m -> m.delivered() != null && m.resumed() != null));
        // The participant names a replica by its address until one has answered, then by its
        // process name (s2, or s2-2 after a restart): either way, here its id.
        String to = replicas.stream().filter(r -> done.to().equals("127.0.0.1:" + r.chatPort))
            .map(r -> r.id).findFirst().orElse(done.to().replaceFirst("^(s\\d+)-\\d+$", "$1"));
        moves.add(new Move(done.participant(), to, done.failover(), done.resumed(), done.delivered()));
      }
    }
    return new Kill(number, victim.id, leader.term(), t0, next.id(), next.term(),
        ms(t0, next.time()), ack, ms(t0, ack.time()), moves);
  }

  private void restart(String id) throws IOException, InterruptedException {
    Replica replica = replica(id);
    logs.poll();
    long last = lastSeq(logs);
    launch(replica);
    String process = replica.processName;
    try {
      await(process + " (restarted " + id + ") to catch up to event #" + last,
          () -> caughtUp(logs, process, last) ? Optional.of(true) : Optional.empty());
    } catch (Failure e) {
      throw new Failure(e.getMessage() + firstError(process + ".raft.log"));
    }
    awaitEveryonePublished("acknowledged Publishes after " + process + " caught up", Instant.now());
  }

  private void awaitEveryonePublished(String what, Instant since) throws InterruptedException,
      IOException {
    await(what, () -> participants.stream().allMatch(p -> publishedSince(logs, p.name, since))
        ? Optional.of(true) : Optional.empty());
  }

  private boolean running(Leader leader) {
    Replica r = replicas.stream().filter(x -> x.id.equals(leader.id())).findFirst().orElse(null);
    return r != null && !r.killed && r.process.isAlive();
  }

  private Replica replica(String id) {
    return replicas.stream().filter(r -> r.id.equals(id)).findFirst()
        .orElseThrow(() -> new Failure("The logs name a leader " + id + " that is no replica of this run"));
  }

  private List<String> names() {
    return participants.stream().map(p -> p.name).toList();
  }

  /**
   * Polls the logs until {@code probe} finds something; a process that ended by itself, or the
   * timeout, ends the run.
   */
  private <T> T await(String what, Supplier<Optional<T>> probe)
      throws InterruptedException, IOException {
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    while (true) {
      logs.poll();
      Optional<T> found = probe.get();
      if (found.isPresent()) {
        return found.get();
      }
      for (Replica r : replicas) {
        if (!r.killed && r.process != null && !r.process.isAlive()) {
          throw new Failure("Replica " + r.processName + " ended by itself while waiting for " + what
              + ": " + lastLines(r.processName));
        }
      }
      for (Participant p : participants) {
        if (!p.process.isAlive()) {
          throw new Failure("Participant " + p.name + " ended by itself while waiting for " + what
              + ": " + lastLines(p.name));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new Failure("Timed out after " + settings.timeout().toSeconds() + " s waiting for "
            + what + " (logs in " + runDir + ")");
      }
      Thread.sleep(20);
    }
  }

  /**
   * The first ERROR line of a replica's Ratis log, for a message ("; s3-6.raft.log: ..."), or "":
   * why a restarted replica did not catch up, when Ratis says.
   */
  private String firstError(String file) {
    try (Stream<String> lines = Files.lines(runDir.resolve(file))) {
      return lines.filter(l -> l.contains(" ERROR ")).findFirst()
          .map(l -> "; " + file + ": " + (l.length() > 200 ? l.substring(0, 200) + "..." : l))
          .orElse("");
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }

  private String lastLines(String process) {
    try {
      List<String> lines = Files.readAllLines(runDir.resolve(process + ".out"));
      return lines.isEmpty() ? "(no output)"
          : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "(no output)";
    }
  }

  // ---------------------------------------------------------------- processes

  private void launch(Replica replica) throws IOException {
    Path data = runDir.resolve("data").resolve(replica.id);
    Files.createDirectories(data);
    String peers = replicas.stream().map(r -> r.id + "=127.0.0.1:" + r.raftPort)
        .collect(Collectors.joining(","));
    // The name the server gives itself: s2, or s2-2, ... once s2.jsonl exists (a restart).
    replica.processName = LogSetup.uniqueProcessName(replica.id, runDir);
    replica.process = start(replica.processName, false, List.of("server", "--id", replica.id,
        "--port", Integer.toString(replica.chatPort), "--peers", peers,
        "--data-dir", data.toString(), "--log-dir", runDir.toString(), "--quiet"));
    replica.killed = false;
  }

  /**
   * Starts {@code chitchat <args>} in a new JVM of this jar (or, in a test, of this class path),
   * its output in {@code <runDir>/<label>.out}, with the JVM options the chitchat script gives the
   * command: C2 for the server, C1 for the rest, the serial collector, and the role's class-data
   * archive when the build made one beside the jar.
   */
  private synchronized Process start(String label, boolean withInput, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>(javaCommand(args.get(0)));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(runDir.resolve(label + ".out").toFile());
    if (!withInput) {
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  /** {@code java [options] -jar chitchat.jar}, or {@code -cp ... ChitChat} outside a jar. */
  static List<String> javaCommand(String subcommand) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (!"server".equals(subcommand)) {
      command.add("-XX:TieredStopAtLevel=1");
    }
    command.add("-XX:+UseSerialGC");
    command.add("-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager");
    String classPath = System.getProperty("java.class.path");
    boolean jar = classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator);
    if (jar) {
      Path archive = Path.of(classPath).resolveSibling(
          Path.of(classPath).getFileName().toString().replaceFirst("\\.jar$", "")
              + "-" + subcommand + ".jsa");
      if (Files.isRegularFile(archive)) {
        command.add("-XX:SharedArchiveFile=" + archive);
        command.add("-Xlog:cds=off,cds+dynamic=off");
      }
      command.add("-jar");
      command.add(classPath);
    } else {
      command.add("-cp");
      command.add(classPath);
      command.add("dev.chitchat.cli.ChitChat");
    }
    return command;
  }

  /**
   * Ends every process: participants leave ({@code /quit}), then SIGTERM to all, SIGKILL to those
   * still running after 10 s. Idempotent (the shutdown hook may call it again).
   */
  private synchronized void stopAll() {
    if (typing != null) {
      typing.shutdownNow();
    }
    for (Participant p : participants) {
      try {
        p.input.write("/quit\n".getBytes(StandardCharsets.UTF_8));
        p.input.close();
      } catch (IOException e) {
        // It ended already.
      }
    }
    try {
      for (Participant p : participants) {
        p.process.waitFor(10, TimeUnit.SECONDS);
      }
      for (Process process : processes) {
        process.destroy();
      }
      for (Process process : processes) {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      processes.forEach(Process::destroyForcibly);
      Thread.currentThread().interrupt();
    }
  }

  /** Runs {@code chitchat diagram --check RUN}; returns 0 when it is clean, else 1. */
  private int diagramCheck() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(javaCommand("diagram"));
    command.addAll(List.of("diagram", "--check", runDir.toString()));
    Path report = runDir.resolve("diagram-check.txt");
    Process check = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(report.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    if (!check.waitFor(5, TimeUnit.MINUTES)) {
      check.destroyForcibly();
      out.accept("diagram --check: no answer within 5 minutes");
      return 1;
    }
    List<String> lines = Files.readAllLines(report);
    out.accept("chitchat diagram --check " + runDir + ": exit code " + check.exitValue()
        + (check.exitValue() == 0 ? " (clean)" : " (see " + report + ")"));
    lines.stream().limit(30).forEach(l -> out.accept("  " + l));
    if (lines.size() > 30) {
      out.accept("  ... " + (lines.size() - 30) + " more lines in " + report);
    }
    return check.exitValue() == 0 ? 0 : 1;
  }

  // ---------------------------------------------------------------- reports

  static String describe(Kill kill) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "kill %2d: %s (leader of term %d) -> %s leads term %d after %d ms; ack %d ms (%s)",
        kill.number(), kill.replica(), kill.term(), kill.newLeader(), kill.newTerm(),
        kill.electionMs(), kill.ackMs(), kill.ack().participant()));
    if (kill.moves().isEmpty()) {
      line.append("; nobody had to move");
    }
    for (Move m : kill.moves()) {
      line.append(String.format(Locale.ROOT, "; %s moved to %s at %d ms, resumed %d ms, delivery %d ms",
          m.participant(), m.to(), ms(kill.t0(), m.failover()), ms(kill.t0(), m.resumed()),
          ms(kill.t0(), m.delivered())));
    }
    return line.toString();
  }

  /** The summary figures over the kills, by name. */
  static Map<String, Spread> spreads(List<Kill> kills) {
    Map<String, Spread> spreads = new LinkedHashMap<>();
    spreads.put("ack", Spread.of(kills.stream().map(Kill::ackMs).toList()));
    spreads.put("delivery", Spread.of(kills.stream().flatMap(k -> k.moves().stream()
        .map(m -> ms(k.t0(), m.delivered()))).toList()));
    spreads.put("election", Spread.of(kills.stream().map(Kill::electionMs).toList()));
    spreads.put("failover action", Spread.of(kills.stream().flatMap(k -> k.moves().stream()
        .map(m -> ms(k.t0(), m.failover()))).toList()));
    spreads.put("resume Join OK", Spread.of(kills.stream().flatMap(k -> k.moves().stream()
        .map(m -> ms(k.t0(), m.resumed()))).toList()));
    return spreads;
  }

  private void summarise(List<Kill> kills) {
    out.accept("over " + kills.size() + " kills, from SIGKILL of the leader:");
    spreads(kills).forEach((name, spread) ->
        out.accept(String.format(Locale.ROOT, "  %-16s %s", name, spread.format())));
    out.accept("(ack: the next acknowledged Publish at any participant; delivery: the first "
        + "delivery at each participant that had to move; the rest is the breakdown)");
  }

  private void writeJson(List<Kill> kills) throws IOException {
    JsonObject root = new JsonObject();
    JsonObject s = new JsonObject();
    s.addProperty("kills", settings.kills());
    s.addProperty("publishIntervalMs", settings.publishInterval().toMillis());
    s.addProperty("timeoutSeconds", settings.timeout().toSeconds());
    s.addProperty("cpus", Runtime.getRuntime().availableProcessors());
    s.addProperty("loadAverageAtEnd", loadAverage());
    root.add("settings", s);
    JsonArray array = new JsonArray();
    for (Kill k : kills) {
      JsonObject o = new JsonObject();
      o.addProperty("kill", k.number());
      o.addProperty("replica", k.replica());
      o.addProperty("term", k.term());
      o.addProperty("t0", k.t0().toString());
      o.addProperty("newLeader", k.newLeader());
      o.addProperty("newTerm", k.newTerm());
      o.addProperty("electionMs", k.electionMs());
      o.addProperty("ackMs", k.ackMs());
      o.addProperty("ackBy", k.ack().participant());
      if (k.ack().seq() != null) {
        o.addProperty("ackSeq", k.ack().seq());
      }
      JsonArray moves = new JsonArray();
      for (Move m : k.moves()) {
        JsonObject mo = new JsonObject();
        mo.addProperty("participant", m.participant());
        mo.addProperty("to", m.to());
        mo.addProperty("failoverMs", ms(k.t0(), m.failover()));
        mo.addProperty("resumeMs", ms(k.t0(), m.resumed()));
        mo.addProperty("deliveryMs", ms(k.t0(), m.delivered()));
        moves.add(mo);
      }
      o.add("moves", moves);
      array.add(o);
    }
    root.add("kills", array);
    JsonObject summary = new JsonObject();
    spreads(kills).forEach((name, spread) -> {
      JsonObject o = new JsonObject();
      o.addProperty("n", spread.n());
      if (spread.n() > 0) {
        o.addProperty("medianMs", spread.median());
        o.addProperty("worstMs", spread.worst());
        o.addProperty("minMs", spread.min());
      }
      summary.add(name, o);
    });
    root.add("summary", summary);
    Path file = runDir.resolve("failover.json");
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n");
    out.accept("figures written to " + file);
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

}
