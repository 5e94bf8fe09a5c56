package dev.chitchat.diagrams;

import dev.chitchat.logging.LoggedEvent;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a Mermaid {@code sequenceDiagram} of the events of a {@link Layout} (the same window,
 * processes and cap as the picture), with Lamport timestamps in the labels. Events are written in
 * Lamport order; a message is written once, at its send, as {@code A->>B: Rpc request L3→L4}
 * (responses dashed, lost messages {@code -x}); actions are notes. All log text is reduced to
 * letters, digits and plain punctuation, everything else written as Mermaid's {@code #code;}
 * entities, so that it cannot break the diagram's syntax. Stateless and thread-safe.
 */
final class MermaidExporter {

  private MermaidExporter() {}

  static String export(Layout l) {
    RunModel m = l.model;
    StringBuilder b = new StringBuilder(64 * l.nodes.size() + 256);
    b.append("sequenceDiagram\n");
    b.append("  %% Chitty-Chat run: Lamport timestamps in every label (L=...)\n");
    for (Layout.Row row : l.rows) {
      b.append("  participant P").append(row.process()).append(" as ")
          .append(escape(m.processes().get(row.process()))).append('\n');
    }
    List<Layout.Node> nodes = new java.util.ArrayList<>(l.nodes);
    nodes.sort(Comparator.comparingLong((Layout.Node n) -> m.event(n.event()).lamport()).thenComparingInt(Layout.Node::row));
    java.util.Set<Integer> drawn = new java.util.HashSet<>();
    for (Layout.Node n : nodes) {
      drawn.add(n.event());
    }
    for (Layout.Node n : nodes) {
      int i = n.event();
      LoggedEvent e = m.event(i);
      String self = "P" + m.processOf(i);
      if (e.isSend()) {
        int r = m.partner(i);
        String label = e.rpc() + " " + e.leg() + (e.status() == null || e.status().equals("OK") ? "" : " " + e.status());
        if (r >= 0 && (drawn.contains(r) || l.rows.stream().anyMatch(row -> row.process() == m.processOf(r)))) {
          String arrow = "response".equals(e.leg()) ? "-->>" : "->>";
          b.append("  ").append(self).append(arrow).append('P').append(m.processOf(r)).append(": ")
              .append(escape(label + " L=" + e.lamport() + " to L=" + m.event(r).lamport())).append('\n');
        } else if (r < 0) {
          int peer = e.peer() == null ? -1 : m.processIndex(e.peer());
          String to = peer >= 0 && l.rows.stream().anyMatch(row -> row.process() == peer) ? "P" + peer : self;
          b.append("  ").append(self).append("-x").append(to).append(": ")
              .append(escape(label + " L=" + e.lamport() + " never received")).append('\n');
        }
      } else if (e.isReceive()) {
        if (m.partner(i) < 0) {
          b.append("  Note over ").append(self).append(": ")
              .append(escape("L=" + e.lamport() + " " + e.rpc() + " " + e.leg() + " " + (e.status() == null ? "" : e.status())
                  + (e.messageLamport() == null ? " (no message)" : " (no matching send)")))
              .append('\n');
        }
      } else {
        StringBuilder t = new StringBuilder("L=").append(e.lamport()).append(' ').append(e.action());
        if (e.seq() != null) {
          t.append(" #").append(e.seq());
        }
        if (e.peer() != null && m.isServer(e.process())) {
          t.append(' ').append(e.peer());
        }
        if (e.text() != null) {
          t.append(": ").append(shorten(e.text(), 80));
        }
        b.append("  Note over ").append(self).append(": ").append(escape(t.toString())).append('\n');
      }
    }
    return b.toString();
  }

  private static String shorten(String s, int max) {
    return s.codePointCount(0, s.length()) <= max ? s : s.substring(0, s.offsetByCodePoints(0, max - 1)) + "\u2026";
  }

  /**
   * Keeps letters, digits, spaces and {@code . , ! ? ' ( ) _ / = +}; writes every other character
   * (including {@code - ; # : < > & "} and line breaks) as a Mermaid entity {@code #<decimal>;}.
   */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    s.codePoints().forEach(c -> {
      if (Character.isLetterOrDigit(c) || c == ' ' || ".,!?'()_/=+".indexOf(c) >= 0) {
        b.appendCodePoint(c);
      } else {
        b.append('#').append(c).append(';');
      }
    });
    return b.toString();
  }
}
