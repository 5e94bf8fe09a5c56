package dev.chitchat.bench;

import dev.chitchat.logging.LogSetup;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.chitchat.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code chitchat bench}: the load benchmark. Starts a server and N participants in this JVM (each
 * participant with its own Broadcast server on a loopback port), publishes 64-character messages,
 * open loop at {@code --rate} messages/s or closed loop as fast as they are delivered, warms up,
 * measures, and prints one table (publishes/s, deliveries/s, publish-to-delivery latency p50, p99,
 * p99.9 in ms per delivery and to the last of the N participants), with and without JSON event
 * logging. With {@code --servers 3} (5, 7) the server is that many replicas of one chat on Apache
 * Ratis, the participants spread over them round-robin. Writes the figures as JSON too. With {@code --runs K} it runs each logging setting K
 * times, alternating the settings, and ends the table with the median and range of the main
 * figures over the runs ({@link BenchSummary}). Ends by itself.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Load benchmark: a server and N participants in this JVM over loopback gRPC.",
      "Open loop with --rate, else closed loop (the maximum). Prints one table; writes JSON."
    },
    footer = {
      "",
      "From a source checkout, ./chitchat micro [JMH options] runs the JMH microbenchmarks of"
          + " the Lamport clock and the clock interceptors instead, for example:",
      "  ./chitchat micro ClockBenchmark"
    })
public final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = {"-n", "--participants"}, defaultValue = "10", paramLabel = "N",
      description = "Participants (default: ${DEFAULT-VALUE}).")
  int participants;

  @Option(names = "--rate", defaultValue = "0", paramLabel = "PER_SECOND",
      description = "Open loop: publishes per second over all participants; 0 = closed loop (default).")
  int rate;

  @Option(names = "--window", defaultValue = "64", paramLabel = "MESSAGES",
      description = "Closed loop: undelivered messages each participant may have (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--warmup", defaultValue = "20", paramLabel = "SECONDS",
      description = "Warm-up before measuring, in s (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--duration", defaultValue = "20", paramLabel = "SECONDS",
      description = "Measured time, in s (default: ${DEFAULT-VALUE}).")
  int duration;

  @Option(names = "--message-chars", defaultValue = "64", paramLabel = "CHARS",
      description = "Message length in ASCII characters (bytes), 22 to 128 (default: ${DEFAULT-VALUE}).")
  int messageChars;

  @Option(names = "--logging", defaultValue = "both", paramLabel = "on|off|both",
      description = "JSON event logging of every clock tick: on, off or both (default: ${DEFAULT-VALUE}).")
  String logging;

  @Option(names = "--log-writer", defaultValue = "buffered", paramLabel = "buffered|flushed|async",
      description = "How the JSON Lines are written: buffered (on the ticking thread, 64 KiB "
          + "writes), flushed (every line, as chitchat server and participant do) or async "
          + "(log4j2 asynchronous loggers) (default: ${DEFAULT-VALUE}).")
  String logWriter;

  @Option(names = "--event-loops", defaultValue = "2", paramLabel = "THREADS",
      description = "Netty event-loop threads, shared by the server and all participants; 0 = "
          + "Netty's default, 2 per CPU "
          + "(default: ${DEFAULT-VALUE}).")
  int eventLoops;

  @Option(names = "--max-in-flight", defaultValue = "64",
      paramLabel = "CALLS",
      description = "The server's bound on Broadcast calls in flight, over all participants "
          + "(default: ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(names = "--hpack-table-off",
      description = "Every connection asks its peer not to keep an HPACK dynamic table (a rewrite of its "
          + "first SETTINGS frame: benchmark tuning, not what chitchat server and participant do; "
          + "see docs/performance.md).")
  boolean hpackTableOff;

  @Option(names = "--max-queue", defaultValue = "0", paramLabel = "EVENTS",
      description = "The server's queue bound per participant; 0 fits it to the load (default).")
  int maxQueue;

  @Option(names = "--servers", defaultValue = "1", paramLabel = "K",
      description = "1 = one in-memory server (default); 3, 5 or 7 = that many replicas of one chat "
          + "on Apache Ratis in this JVM (Raft on free loopback ports, data in a temporary "
          + "directory deleted afterwards), participant i joining replica i mod K.")
  int servers;

  @Option(names = "--raft-dir", paramLabel = "DIR",
      description = "With --servers 3 or more: where the replicas' Raft data goes, in a directory"
          + " made for the run and deleted after it (default: the system's temporary directory;"
          + " a tmpfs such as /dev/shm leaves the disk's fsync out).")
  Path raftDir;

  @Option(names = "--runs", defaultValue = "1", paramLabel = "K",
      description = "Runs of each logging setting, 1 to 100, one after another (with --logging "
          + "both: off, on, off, on, ...); with more than one, the table ends with the median "
          + "and range of the main figures over the runs (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--log-dir", paramLabel = "DIR",
      description = "Where the JSON Lines logs go (default: a temporary directory).")
  Path logDir;

  @Option(names = "--keep-logs", description = "Keep the JSON Lines logs (else they are deleted).")
  boolean keepLogs;

  @Option(names = "--json", paramLabel = "FILE",
      description = "Where to write the figures as JSON (default: target/bench/<date>T<time>.json).")
  Path json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Boolean> loggings = switch (logging.toLowerCase(Locale.ROOT)) {
      case "on" -> List.of(true);
      case "off" -> List.of(false);
      case "both" -> List.of(false, true);
      default -> throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--logging must be on, off or both, not " + logging);
    };
    RunLogs.Writer writer = switch (logWriter.toLowerCase(Locale.ROOT)) {
      case "buffered" -> RunLogs.Writer.BUFFERED;
      case "flushed" -> RunLogs.Writer.FLUSHED;
      case "async" -> RunLogs.Writer.ASYNC;
      default -> throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--log-writer must be buffered, flushed or async, not " + logWriter);
    };
    if (participants < 1 || participants > 5000 || rate < 0 || window < 1 || warmup < 0
        || duration < 1 || eventLoops < 0 || maxInFlight < 1
        || runs < 1 || runs > 100) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "need 1 to 5000 participants, --rate >= 0, --window >= 1, --warmup >= 0, --duration >= 1,"
              + " --event-loops >= 0, --max-in-flight >= 1,"
              + " --runs 1 to 100");
    }
    String serversProblem = BenchSettings.serversProblem(servers);
    if (serversProblem != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), serversProblem);
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss"));
    Path baseLogs = logDir != null ? logDir
        : keepLogs ? Path.of("target", "bench", stamp + "-logs") : null;
    Path file = json != null ? json : Path.of("target", "bench", stamp + ".json");
    // Before the runs, not after 40 s of them: the directories must be there or be creatable.
    prepareDirectory("--json", file.toAbsolutePath().getParent());
    if (baseLogs != null && loggings.contains(true)) {
      prepareDirectory("--log-dir", baseLogs);
    }
    BenchSettings base =
        new BenchSettings(participants, rate, window, Duration.ofSeconds(warmup),
            Duration.ofSeconds(duration), messageChars, false, writer, null, keepLogs,
            maxQueue, maxInFlight, eventLoops, hpackTableOff, servers, raftDir);
    out.printf(Locale.ROOT,
        "chitchat bench: %d participants, %s, %d-character messages, warm-up %d s, measure %d s%s%n",
        participants, rate == 0 ? "closed loop (window " + window + " per participant)"
            : "open loop at " + rate + " publishes/s",
        messageChars, warmup, duration, runs > 1 ? ", " + runs + " runs each" : "");
    if (servers > 1) {
      out.printf(Locale.ROOT,
          "replicas: %d (s1 to s%d) of one Raft group (Apache Ratis), commit timeout 10 s, Raft data under %s; participant i joins replica i mod %d%n",
          servers, servers, raftDir != null ? raftDir : System.getProperty("java.io.tmpdir"),
          servers);
    }
    out.printf(Locale.ROOT,
        "%s: --rate-limit 0, --join-limit 0, --auth-failure-limit 0, --max-participants %d, --max-queue %d, --max-in-flight %d, broadcast deadline 5 s, failure timeout 10 s%n",
        servers > 1 ? "each replica" : "server", participants + 1, base.effectiveMaxQueue(),
        maxInFlight);
    out.printf(Locale.ROOT,
        "gRPC: %s Netty event-loop threads, fixed flow-control window; JSON Lines writer: %s%n",
        eventLoops > 0 ? Integer.toString(eventLoops) : "default", logWriter);
    out.printf(Locale.ROOT, "machine: %d CPUs, load average %.2f, Java %s, max heap %d MB%n",
        Runtime.getRuntime().availableProcessors(), loadAverage(),
        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
    out.flush();

    List<Run> done = new ArrayList<>();
    try {
      for (int number = 1; number <= runs; number++) {
        for (boolean on : loggings) {
          BenchSettings settings = base.withLogging(on);
          if (on && baseLogs != null) {
            // kept logs: a directory per run; else each run's files are gone before the next
            settings = settings.withLogDir(
                runs > 1 && keepLogs ? baseLogs.resolve("run-" + number) : baseLogs);
          }
          String label = "[bench " + (runs > 1 ? "run " + number + "/" + runs + ", " : "")
              + (on ? "logging on" : "logging off") + "] ";
          done.add(new Run(number, LoadBenchmark.run(settings, line -> {
            err.println(label + line);
            err.flush();
          })));
        }
      }
      LogSetup.shutdown();
      out.println(table(done, runs > 1));
      writeJson(file, done);
    } catch (IOException e) {
      out.flush();
      err.println("chitchat: bench stopped: " + describe(e));
      err.flush();
      return 1;
    }
    out.println("figures written to " + file);
    if (keepLogs && baseLogs != null && loggings.contains(true)) {
      Path example = runs > 1 ? baseLogs.resolve("run-1") : baseLogs;
      out.println("logs kept in " + (runs > 1 ? baseLogs + "/run-1 to run-" + runs : baseLogs)
          + " (check them: ./chitchat diagram --check " + example + ")");
    }
    out.flush();
    return 0;
  }

  /** One run of one logging setting: its number (1 to {@code --runs}) and its figures. */
  record Run(int number, BenchResult result) {}

  /**
   * The runs as a plain-text table, one row each; when {@code numbered}, each row's mode says its
   * run's number and the table ends with one {@link BenchSummary#line} per logging setting.
   */
  static String table(List<Run> runs, boolean numbered) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT,
        "%-26s %-8s %10s %11s | %-22s | %-22s | %8s %9s %7s %8s %11s%n",
        "mode", "logging", "publish/s", "deliver/s",
        "per delivery p50/p99/p99.9 ms", "to last p50/p99/p99.9 ms",
        "backlog", "drain ms", "heap MB", "cpu us/d", "gc n/avg ms"));
    for (Run run : runs) {
      BenchResult r = run.result();
      String mode = numbered ? r.mode() + " #" + run.number() : r.mode();
      b.append(String.format(Locale.ROOT,
          "%-26s %-8s %10.0f %11.0f | %6.2f %7.2f %8.2f | %6.2f %7.2f %8.2f | %8d %9.0f %7.0f %8.2f %4d/%6.2f%n",
          mode, r.logging(), r.publishesPerSecond(), r.deliveriesPerSecond(),
          r.delivery().p50(), r.delivery().p99(), r.delivery().p999(),
          r.toLast().p50(), r.toLast().p99(), r.toLast().p999(),
          r.backlogAtEnd(), r.drainMillis(), r.heapUsedMb(), r.cpuMicrosPerDelivery(),
          r.gc().collections(), r.gc().averageMillis()));
      if (r.publishErrors() > 0 || r.incomplete() > 0
          || r.participantsLeft() < r.settings().participants()) {
        b.append(String.format(Locale.ROOT,
            "  ! %d publish errors, %d messages never reached everyone, %d of %d participants left%n",
            r.publishErrors(), r.incomplete(), r.participantsLeft(), r.settings().participants()));
      }
    }
    if (numbered) {
      for (BenchSummary summary : BenchSummary.of(results(runs))) {
        b.append(summary.line()).append(System.lineSeparator());
      }
    }
    return b.toString();
  }

  /**
   * Creates {@code dir} if it is missing.
   *
   * @throws picocli.CommandLine.ParameterException naming {@code option} if it cannot be created
   */
  private void prepareDirectory(String option, Path dir) {
    if (dir == null) {
      return;
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          option + ": cannot use the directory " + dir + " (" + describe(e) + ")");
    }
  }

  /** An I/O failure in a few words, for a one-line error. */
  static String describe(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException n) {
      return "no such file or directory: " + n.getFile();
    }
    if (e instanceof java.nio.file.AccessDeniedException a) {
      return "permission denied: " + a.getFile();
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException f) {
      return "a file is in the way: " + f.getFile();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static List<BenchResult> results(List<Run> runs) {
    return runs.stream().map(Run::result).toList();
  }

  /**
   * The figures as one JSON object: the machine, every run (each result with its {@code run}
   * number) and one summary per logging setting ({@link BenchSummary#json}).
   */
  static String json(List<Run> runs) {
    JsonObject o = new JsonObject();
    o.addProperty("time", java.time.Instant.now().toString());
    o.addProperty("cpus", Runtime.getRuntime().availableProcessors());
    o.addProperty("loadAverage", BenchResult.round(loadAverage(), 2));
    o.addProperty("java", System.getProperty("java.version"));
    JsonArray results = new JsonArray();
    for (Run run : runs) {
      JsonObject result = new JsonObject();
      result.addProperty("run", run.number());
      run.result().json().entrySet().forEach(e -> result.add(e.getKey(), e.getValue()));
      results.add(result);
    }
    o.add("results", results);
    JsonArray summaries = new JsonArray();
    BenchSummary.of(results(runs)).forEach(summary -> summaries.add(summary.json()));
    o.add("summary", summaries);
    return new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n";
  }

  private static void writeJson(Path file, List<Run> runs) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, json(runs));
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
