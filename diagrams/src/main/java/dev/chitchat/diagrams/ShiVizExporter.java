package dev.chitchat.diagrams;

import com.google.gson.stream.JsonWriter;
import dev.chitchat.logging.LoggedEvent;
import dev.chitchat.rules.PrintableText;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes a run as a ShiViz log (https://bestchai.bitbucket.io/shiviz/): the file that ShiViz's "upload
 * a log" accepts as it is. Line 1 is the parser regular expression {@value #REGEX}, line 2 the
 * (empty) multiple-executions delimiter; then two lines per event: {@code L<lamport> <description>}
 * and {@code <host> <vector clock as JSON>}.
 *
 * <p>The vector clocks are those of {@link RunModel} (Fidge/Mattern 1988), which satisfy ShiViz's
 * rules: each host's own entry starts at 1 and rises by 1 per event of that host, and every clock
 * contains its own host. Zero entries are left out. Events are written in a topological order of
 * happens-before. Host names have white space replaced by {@code _} (the regex's host is {@code \S*}).
 * The whole run is written whatever the diagram's window, since ShiViz needs every event. Stateless
 * and thread-safe.
 */
final class ShiVizExporter {

  /** The parser regex, in ShiViz's named-group syntax; also valid as a Java regex. */
  static final String REGEX = "L(?<lamport>\\d+) (?<event>.*)\\n(?<host>\\S*) (?<clock>\\{.*\\})";

  private ShiVizExporter() {}

  static void export(RunModel m, Writer out) throws IOException {
    int np = m.processes().size();
    String[] hosts = new String[np];
    for (int p = 0; p < np; p++) {
      hosts[p] = host(m.processes().get(p));
    }
    out.write(REGEX);
    out.write("\n\n");
    for (int i : m.topologicalOrder()) {
      LoggedEvent e = m.event(i);
      out.write("L" + e.lamport() + " " + describe(m, i));
      out.write('\n');
      out.write(hosts[m.processOf(i)]);
      out.write(' ');
      StringWriter clock = new StringWriter();
      try (JsonWriter json = new JsonWriter(clock)) {
        json.beginObject();
        for (int p = 0; p < np; p++) {
          int v = m.vectorEntry(i, p);
          if (v > 0) {
            json.name(hosts[p]).value(v);
          }
        }
        json.endObject();
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      out.write(clock.toString());
      out.write('\n');
    }
  }

  static String host(String process) {
    String h = PrintableText.escape(process).replaceAll("\\s", "_");
    return h.isEmpty() ? "_" : h;
  }

  private static String describe(RunModel m, int i) {
    LoggedEvent e = m.event(i);
    StringBuilder b = new StringBuilder();
    if (e.isSend() || e.isReceive()) {
      b.append(e.kind()).append(' ').append(e.rpc()).append(' ').append(e.leg())
          .append(e.isSend() ? " to " : " from ").append(e.peer());
      if (e.status() != null) {
        b.append(' ').append(e.status());
      }
      if (e.messageLamport() != null) {
        b.append(" (carried L=").append(e.messageLamport()).append(')');
      }
    } else {
      b.append(e.action());
      if (e.seq() != null) {
        b.append(" #").append(e.seq());
      }
      if (e.peer() != null) {
        b.append(' ').append(e.peer());
      }
    }
    if (e.text() != null) {
      b.append(": ").append(e.text());
    }
    // One line: escape control characters (line breaks included).
    return PrintableText.escape(b.toString()).replace('\n', ' ').replace('\r', ' ');
  }
}
