package dev.chitchat.logging;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the JSON Lines event logs written by {@link Log4jEventLog} (schema: {@code
 * docs/log-format.md}). Lines that are not events are not skipped silently: they are reported as
 * {@link Problem}s with their file and line. Stateless and thread-safe.
 */
public final class EventLogReader {

  /** A line that could not be read as an event. */
  public record Problem(Path file, int line, String message) {
    @Override
    public String toString() {
      return file.getFileName() + ":" + line + ": " + message;
    }
  }

  /** The events of one or more files, in file order, and the lines that were not events. */
  public record Result(List<LoggedEvent> events, List<Problem> problems) {}

  /**
   * Reads every {@code *.jsonl} file of a run directory, or one file.
   *
   * @throws IOException if a file or the directory cannot be read
   */
  public Result read(Path fileOrDirectory) throws IOException {
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(fileOrDirectory)) {
      try (Stream<Path> listing = Files.list(fileOrDirectory)) {
        listing.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().forEach(files::add);
      }
    } else {
      files.add(fileOrDirectory);
    }
    List<LoggedEvent> events = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        parseLine(file, i + 1, lines.get(i), events, problems);
      }
    }
    return new Result(List.copyOf(events), List.copyOf(problems));
  }

  /**
   * Parses one line; appends an event or a problem. Blank lines are ignored.
   *
   * @param file the file, for the event's location
   * @param lineNumber 1-based line number
   */
  public void parseLine(
      Path file, int lineNumber, String line, List<LoggedEvent> events, List<Problem> problems) {
    if (line.isBlank()) {
      return;
    }
    try {
      JsonElement element = JsonParser.parseString(line);
      if (!element.isJsonObject()) {
        problems.add(new Problem(file, lineNumber, "not a JSON object"));
        return;
      }
      JsonObject o = element.getAsJsonObject();
      String process = string(o, LogFields.PROCESS);
      Long lamport = number(o, LogFields.LAMPORT);
      String kind = string(o, LogFields.KIND);
      if (process == null || lamport == null || kind == null) {
        problems.add(
            new Problem(file, lineNumber, "missing process, lamport or kind: not a clock event"));
        return;
      }
      String time = string(o, LogFields.TIME);
      events.add(
          new LoggedEvent(
              file,
              lineNumber,
              time == null ? null : Instant.parse(time),
              process,
              lamport,
              kind,
              string(o, LogFields.RPC),
              string(o, LogFields.LEG),
              string(o, LogFields.CALL_ID),
              string(o, LogFields.PEER),
              string(o, LogFields.ACTION),
              number(o, LogFields.SEQ),
              string(o, LogFields.STATUS),
              number(o, LogFields.MESSAGE_LAMPORT),
              string(o, LogFields.TEXT),
              string(o, LogFields.AUTH),
              number(o, LogFields.REFUSED_LAMPORT)));
    } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
      problems.add(new Problem(file, lineNumber, "not valid JSON: " + e.getMessage()));
    } catch (DateTimeParseException e) {
      problems.add(new Problem(file, lineNumber, "bad time: " + e.getParsedString()));
    }
  }

  private static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  private static Long number(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? null : e.getAsLong();
  }
}
