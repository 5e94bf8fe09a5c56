package dev.chitchat.bench;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One benchmark run's settings: an immutable value.
 *
 * @param participants how many participants join the one server (N)
 * @param rate the open-loop publish rate in messages/s over all publishers, or 0 for the
 *     closed-loop maximum
 * @param window closed loop only: how many messages each participant may have published and not
 *     yet seen delivered to all N participants
 * @param warmup how long to publish before measuring (the JIT needs about 20 s)
 * @param measure how long to measure
 * @param messageChars the length of every message, in characters (ASCII, so also bytes)
 * @param logging whether every clock tick is written as JSON Lines (else it is ticked and dropped)
 * @param writer how the JSON Lines reach their files (see {@link RunLogs.Writer})
 * @param logDir where the JSON Lines files go, or {@code null} for a temporary directory
 * @param keepLogs whether the log files are kept after the run (else deleted)
 * @param maxQueue the server's queue bound per participant, in events, or 0 to derive it from the
 *     load
 * @param maxInFlight the server's bound on Broadcast calls in flight, over all participants
 * @param hpackTableOff whether every connection asks its peer not to keep an HPACK dynamic table
 *     ({@link HpackTableOff}; opt-in tuning of the benchmark only)
 * @param eventLoops the Netty event-loop threads that the server and every participant share, or
 *     0 for Netty's default (2 per CPU)
 * @param servers 1 for one in-memory server; 3, 5 or 7 for that many replicas of one chat on Apache
 *     Ratis in this JVM, participant i joining (and publishing through) replica i mod servers
 * @param raftDir with replicas: where their temporary data directory is made (and deleted after
 *     the run), or {@code null} for the system's temporary directory
 */
public record BenchSettings(
    int participants,
    int rate,
    int window,
    Duration warmup,
    Duration measure,
    int messageChars,
    boolean logging,
    RunLogs.Writer writer,
    Path logDir,
    boolean keepLogs,
    int maxQueue,
    int maxInFlight,
    int eventLoops,
    boolean hpackTableOff,
    int servers,
    Path raftDir) {

  /** The shortest message: 16 hex digits of the publish time, a space, 4 digits, a space. */
  public static final int MIN_MESSAGE_CHARS = 22;

  /** The most replicas a run may start (Raft tolerates (n-1)/2 lost; 7 is plenty on one machine). */
  public static final int MAX_SERVERS = 7;

  public BenchSettings {
    if (participants < 1) {
      throw new IllegalArgumentException("participants must be at least 1");
    }
    if (rate < 0 || window < 1) {
      throw new IllegalArgumentException("rate must be at least 0 and window at least 1");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("the Broadcast window needs at least 1 call in flight");
    }
    if (eventLoops < 0) {
      throw new IllegalArgumentException("event loops must be 0 (Netty's default) or more");
    }
    String serversProblem = serversProblem(servers);
    if (serversProblem != null) {
      throw new IllegalArgumentException(serversProblem);
    }
    if (messageChars < MIN_MESSAGE_CHARS || messageChars > 128) {
      throw new IllegalArgumentException(
          "message length must be " + MIN_MESSAGE_CHARS + " to 128 characters");
    }
  }

  /** One in-memory server (no replication), as before {@code --servers} existed. */
  public BenchSettings(int participants, int rate, int window, Duration warmup, Duration measure,
      int messageChars, boolean logging, RunLogs.Writer writer, Path logDir, boolean keepLogs,
      int maxQueue, int maxInFlight, int eventLoops, boolean hpackTableOff) {
    this(participants, rate, window, warmup, measure, messageChars, logging, writer, logDir,
        keepLogs, maxQueue, maxInFlight, eventLoops, hpackTableOff, 1, null);
  }

  /**
   * Why {@code servers} is not a valid replica count, in one line, or {@code null} if it is: 1, or
   * an odd number 3 to {@link #MAX_SERVERS} (an even count tolerates no more lost replicas than
   * the odd count below it, and needs a bigger majority).
   */
  public static String serversProblem(int servers) {
    if (servers == 1 || (servers >= 3 && servers <= MAX_SERVERS && servers % 2 == 1)) {
      return null;
    }
    return "--servers must be 1 (one in-memory server) or an odd number of replicas from 3 to "
        + MAX_SERVERS + ", not " + servers;
  }

  /** Whether this run starts replicas of a Raft group rather than one in-memory server. */
  public boolean replicated() {
    return servers > 1;
  }

  /** Whether this run is the closed-loop maximum (no fixed rate). */
  public boolean closedLoop() {
    return rate == 0;
  }

  /** The server's queue bound for this load: the given one, or one that fits it. */
  public int effectiveMaxQueue() {
    if (maxQueue > 0) {
      return maxQueue;
    }
    // Closed loop: at most participants x window messages are undelivered at once (plus joins).
    // Open loop: 5 s of messages, at least 10,000 events.
    return closedLoop()
        ? 2 * participants * window + participants + 1000
        : Math.max(10_000, 5 * rate);
  }

  /** This run with logging on or off. */
  public BenchSettings withLogging(boolean on) {
    return new BenchSettings(participants, rate, window, warmup, measure, messageChars, on,
        writer, logDir, keepLogs, maxQueue, maxInFlight, eventLoops, hpackTableOff, servers, raftDir);
  }

  /** This run with its logs in {@code dir}. */
  public BenchSettings withLogDir(Path dir) {
    return new BenchSettings(participants, rate, window, warmup, measure, messageChars, logging,
        writer, dir, keepLogs, maxQueue, maxInFlight, eventLoops, hpackTableOff, servers, raftDir);
  }
}
