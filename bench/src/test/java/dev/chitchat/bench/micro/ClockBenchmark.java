package dev.chitchat.bench.micro;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.EventLog;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.logging.Log4jEventLog;
import dev.chitchat.bench.RunLogs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: what one event of a {@link LamportClock} costs (Lamport 1978: a tick is L := L + 1, a
 * receive L := max(L, t) + 1, each under the clock's lock and logged in tick order), in
 * nanoseconds per event, averaged.
 *
 * <ul>
 *   <li>{@code tick}, {@code receive}: the clock alone ({@link EventLog#NONE}), one thread.
 *   <li>{@code tickContended}: two threads ticking one clock, as the server's two event loops do.
 *   <li>{@code tickLogged}: with the JSON Lines line that every tick writes, through log4j2 and the
 *       benchmark's {@code buffered} writer (64 KiB buffer); the file is {@code /dev/null} where
 *       there is one, so the figure is the formatting and the buffering, not the disk.
 * </ul>
 *
 * <p>Run with {@code ./chitchat micro ClockBenchmark} (README, "Performance"). One trial forks one
 * JVM: 3 warm-up and 5 measured iterations of 2 s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager")
public class ClockBenchmark {

  /** A delivery of a 64-character message, the commonest event of a load run. */
  static final EventDetails DELIVER =
      EventDetails.action("deliver", "0000001234abcdef 0007 " + ".".repeat(42));

  static final EventDetails RECEIVE =
      EventDetails.receiveRequest("Broadcast", "0ece99c80a181d98", "server");

  private LamportClock unlogged;
  private LamportClock logged;
  private Path logDir;

  /** The clocks, and the JSON Lines file of the logged one. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    unlogged = new LamportClock("unlogged", EventLog.NONE);
    logDir = Files.createTempDirectory("chitchat-jmh-");
    Path devNull = Path.of("/dev/null");
    if (Files.exists(devNull)) {
      Files.createSymbolicLink(logDir.resolve("logged.jsonl"), devNull);
    }
    RunLogs.configure(logDir, List.of("logged"), RunLogs.Writer.BUFFERED);
    logged = new LamportClock("logged", new Log4jEventLog(RunLogs.loggerOf("logged")));
  }

  /** Closes the log file and removes the directory. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    RunLogs.configureNone();
    Files.deleteIfExists(logDir.resolve("logged.jsonl"));
    Files.deleteIfExists(logDir);
  }

  @Benchmark
  public long tick() {
    return unlogged.tick(DELIVER);
  }

  @Benchmark
  public long receive() {
    return unlogged.receive(1, RECEIVE);
  }

  @Benchmark
  @Threads(2)
  public long tickContended() {
    return unlogged.tick(DELIVER);
  }

  @Benchmark
  public long tickLogged() {
    return logged.tick(DELIVER);
  }
}
