package dev.chitchat.cli;

import dev.chitchat.logging.EventLogReader;
import dev.chitchat.logging.LoggedEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Watches the files of a run directory as the processes write them, so that the demo can wait for
 * what the logs say (a response received, an event delivered) instead of sleeping. Reads each file
 * incrementally, whole lines only; wakes up on file-system change notifications, and re-checks at
 * least every 200 ms in case a notification is missed.
 *
 * <p>Not thread-safe: used by the demo's one thread.
 */
final class RunWatcher implements AutoCloseable {

  private static final long RECHECK_MILLIS = 200;

  private final Path runDir;
  private final WatchService watch;
  private final Map<Path, Tail> tails = new HashMap<>();
  private final EventLogReader reader = new EventLogReader();

  RunWatcher(Path runDir) throws IOException {
    this.runDir = runDir;
    this.watch = FileSystems.getDefault().newWatchService();
    runDir.register(
        watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
  }

  /** The events of {@code process}'s JSON Lines file so far (empty before the file exists). */
  List<LoggedEvent> events(String process) {
    return tail(runDir.resolve(process + ".jsonl")).events;
  }

  /** The processes that have a JSON Lines file in the run directory, by name, sorted. */
  List<String> processes() {
    try (var files = Files.list(runDir)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".jsonl"))
          .map(n -> n.substring(0, n.length() - ".jsonl".length())).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The text lines of a file in the run directory so far. */
  List<String> lines(String fileName) {
    return tail(runDir.resolve(fileName)).lines;
  }

  /**
   * Waits until {@code condition} holds, re-evaluating it whenever a file changes.
   *
   * @param what what is awaited, for the timeout message
   * @param failure checked first each time: a non-null message ends the wait with that error
   * @throws UserError when the timeout passes or {@code failure} reports one
   */
  void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> failure)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      refresh();
      if (condition.getAsBoolean()) {
        return;
      }
      String failed = failure.get();
      if (failed != null) {
        refresh();
        if (condition.getAsBoolean()) {
          return;
        }
        throw new UserError(failed);
      }
      long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (leftMillis <= 0) {
        throw new UserError("Timed out after " + timeout.toSeconds() + " s waiting for " + what + ".");
      }
      WatchKey key = watch.poll(Math.min(leftMillis, RECHECK_MILLIS), TimeUnit.MILLISECONDS);
      if (key != null) {
        key.pollEvents();
        key.reset();
      }
    }
  }

  private void refresh() {
    for (Tail tail : tails.values()) {
      tail.read();
    }
  }

  private Tail tail(Path file) {
    return tails.computeIfAbsent(file, f -> new Tail(f, reader)).read();
  }

  @Override
  public void close() throws IOException {
    watch.close();
  }

  /** The lines of one file read so far, and the bytes of an unfinished last line. */
  private static final class Tail {
    private final Path file;
    private final EventLogReader reader;
    private final List<String> lines = new ArrayList<>();
    private final List<LoggedEvent> events = new ArrayList<>();
    private final List<EventLogReader.Problem> problems = new ArrayList<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private long offset;

    Tail(Path file, EventLogReader reader) {
      this.file = file;
      this.reader = reader;
    }

    Tail read() {
      if (!Files.exists(file)) {
        return this;
      }
      try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
        long length = in.length();
        if (length < offset) {
          return this;
        }
        in.seek(offset);
        byte[] buffer = new byte[(int) Math.min(length - offset, 1 << 20)];
        in.readFully(buffer);
        offset += buffer.length;
        for (byte b : buffer) {
          if (b == '\n') {
            String line = partial.toString(StandardCharsets.UTF_8);
            partial.reset();
            lines.add(line);
            if (file.getFileName().toString().endsWith(".jsonl")) {
              reader.parseLine(file, lines.size(), line, events, problems);
            }
          } else {
            partial.write(b);
          }
        }
      } catch (IOException e) {
        // The file is being created or rotated: read it again at the next change.
      }
      return this;
    }
  }
}
