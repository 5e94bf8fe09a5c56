package dev.chitchat.cli;

import static org.awaitility.Awaitility.await;

import dev.chitchat.logging.EventLogReader;
import dev.chitchat.logging.LoggedEvent;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts chitchat processes from the built jar for the tests, each its own JVM with its console
 * output in a file, and reads the run's JSON Lines logs. Close it to kill whatever is left.
 */
final class RealProcesses implements AutoCloseable {

  static final Path JAR = Path.of(System.getProperty("chitchat.jar", "target/chitchat.jar"));

  /** A started process, with its standard input open for typing. */
  record Proc(String label, Process process, Writer input, Path output) {
    void type(String line) throws IOException {
      try {
        input.write(line + "\n");
        input.flush();
      } catch (IOException e) {
        throw new IOException(label + " has exited; it printed: " + printed(), e);
      }
    }

    /** What the process has printed so far. */
    String printed() throws IOException {
      return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }

    void signal(String signal) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
      }
    }
  }

  private final Path dir;
  private final List<Proc> started = new ArrayList<>();

  RealProcesses(Path dir) {
    this.dir = dir;
  }

  Proc start(String label, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Path output = dir.resolve(label + ".console");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    Proc proc = new Proc(label, process,
        new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), output);
    started.add(proc);
    return proc;
  }

  /** Waits for a line of the process's output that matches, and returns its first group. */
  static String awaitOutput(Proc proc, Pattern pattern) {
    String[] found = new String[1];
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      Matcher m = pattern.matcher(proc.printed());
      if (m.find()) {
        found[0] = m.groupCount() > 0 ? m.group(1) : m.group();
        return true;
      }
      return false;
    });
    return found[0];
  }

  /** The events of the run's logs so far. */
  static List<LoggedEvent> events(Path logDir) throws IOException {
    return Files.isDirectory(logDir) ? new EventLogReader().read(logDir).events() : List.of();
  }

  /** Waits until some logged event matches. */
  static void awaitEvent(Path logDir, Duration atMost, Predicate<LoggedEvent> wanted) {
    await().atMost(atMost).until(() -> events(logDir).stream().anyMatch(wanted));
  }

  @Override
  public void close() {
    for (Proc proc : started) {
      proc.process().destroyForcibly();
    }
  }
}
