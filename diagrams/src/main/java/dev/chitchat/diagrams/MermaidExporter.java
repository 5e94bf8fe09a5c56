package dev.chitchat.diagrams;

import dev.chitchat.logging.LoggedEvent;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Writes a Mermaid {@code sequenceDiagram} of the events of a {@link Layout} (the same window,
 * processes, cap and order as the picture), with Lamport timestamps in the labels. Statements follow
 * the layout's order, so along every process they are in its own order: a message is written at its
 * receive, as {@code A->>B: Publish request L=9 (sent at L=7)} (responses dashed); a message whose
 * receive is not drawn, or that was never received ({@code -x}), at its send; actions and failed calls
 * are notes. The text is split into parts of at most {@link #MAX_CHARS} characters, below Mermaid's
 * default {@code maxTextSize} of 50,000, each a whole diagram that declares its own participants. All
 * log text is reduced to letters, digits and plain punctuation, everything else written as Mermaid's
 * {@code #code;} entities, so that it cannot break the diagram's syntax. Stateless and thread-safe.
 */
final class MermaidExporter {

  /** The most characters of one part: Mermaid's default limit (50,000) with room to spare. */
  static final int MAX_CHARS = 45_000;

  private MermaidExporter() {}

  /** A statement and the process rows it names. */
  private record Statement(String line, int row1, int row2) {}

  /**
   * The diagram as one or more parts of at most {@code maxChars} characters each (a single statement
   * longer than that, impossible with the log format's limits, would get a part of its own).
   */
  static List<String> export(Layout l, int maxChars) {
    List<Statement> statements = statements(l);
    List<String> parts = new ArrayList<>();
    int from = 0;
    while (from < statements.size() || parts.isEmpty()) {
      BitSet used = new BitSet();
      int length = 0;
      int to = from;
      while (to < statements.size()) {
        Statement s = statements.get(to);
        BitSet with = (BitSet) used.clone();
        with.set(s.row1());
        with.set(s.row2());
        int added = s.line().length() + 1;
        if (to > from && header(l, with, parts.size() + 1).length() + length + added > maxChars) {
          break;
        }
        used = with;
        length += added;
        to++;
      }
      StringBuilder b = new StringBuilder(header(l, used, parts.size() + 1));
      for (Statement s : statements.subList(from, to)) {
        b.append(s.line()).append('\n');
      }
      parts.add(b.toString());
      from = to;
    }
    if (parts.size() > 1) {
      // Say in each part which part it is; the numbers are ASCII, so the length stays within limit.
      for (int k = 0; k < parts.size(); k++) {
        parts.set(k, parts.get(k).replace("%% part " + (k + 1) + "\n", "%% part " + (k + 1) + " of " + parts.size() + "\n"));
      }
    }
    return parts;
  }

  private static String header(Layout l, BitSet rows, int part) {
    StringBuilder b = new StringBuilder("sequenceDiagram\n");
    b.append("  %% Chitty-Chat run: Lamport timestamps in every label (L=...)\n");
    b.append("  %% part ").append(part).append('\n');
    if (rows.isEmpty() && !l.rows.isEmpty()) {
      rows.set(0);
    }
    for (int r = rows.nextSetBit(0); r >= 0; r = rows.nextSetBit(r + 1)) {
      Layout.Row row = l.rows.get(r);
      b.append("  participant P").append(row.process()).append(" as ")
          .append(escape(l.model.processes().get(row.process()))).append('\n');
    }
    return b.toString();
  }

  private static List<Statement> statements(Layout l) {
    RunModel m = l.model;
    int[] rowOf = new int[m.processes().size()];
    java.util.Arrays.fill(rowOf, -1);
    for (int r = 0; r < l.rows.size(); r++) {
      rowOf[l.rows.get(r).process()] = r;
    }
    BitSet drawn = new BitSet(m.eventCount());
    l.nodes.forEach(n -> drawn.set(n.event()));
    List<Statement> out = new ArrayList<>();
    for (Layout.Node n : l.nodes) {
      int i = n.event();
      LoggedEvent e = m.event(i);
      int self = n.row();
      String me = "P" + m.processOf(i);
      int other = m.partner(i);
      if (e.isReceive() && m.isOwnReceive(i)) {
        LoggedEvent s = m.event(other);
        out.add(new Statement(
            "  Note over " + me + ": "
                + escape("L=" + e.lamport() + " applies its own " + callText(s) + " " + e.action()
                    + (e.seq() == null ? "" : " #" + e.seq()) + " (proposed at L=" + s.lamport() + ")"),
            self, self));
      } else if (e.isReceive() && other >= 0 && rowOf[m.processOf(other)] >= 0) {
        LoggedEvent s = m.event(other);
        out.add(new Statement(
            "  P" + m.processOf(other) + arrow(s) + me + ": "
                + escape(callText(s) + " L=" + e.lamport() + " (sent at L=" + s.lamport() + ")"),
            rowOf[m.processOf(other)], self));
      } else if (e.isSend() && m.receivers(i).length > 0) {
        // A unicast, or a multicast (Replicate) written as one message per receiver; those drawn
        // are written at their receives.
        for (int r : m.receivers(i)) {
          int q = m.processOf(r);
          if (q != m.processOf(i) && !drawn.get(r) && rowOf[q] >= 0) {
            out.add(new Statement(
                "  " + me + arrow(e) + "P" + q + ": "
                    + escape(callText(e) + " sent at L=" + e.lamport() + ", received at L=" + m.event(r).lamport()),
                self, rowOf[q]));
          }
        }
      } else if (e.isSend()) {
        int peer = e.peer() == null ? -1 : m.processIndex(e.peer());
        int to = peer >= 0 && rowOf[peer] >= 0 ? peer : m.processOf(i);
        out.add(new Statement(
            "  " + me + "-xP" + to + ": " + escape(callText(e) + " sent at L=" + e.lamport() + ", never received"),
            self, rowOf[to]));
      } else if (e.isReceive() && other < 0) {
        out.add(new Statement(
            "  Note over " + me + ": "
                + escape("L=" + e.lamport() + " " + callText(e)
                    + (e.messageLamport() == null ? " (no message)" : " (no matching send)")),
            self, self));
      } else if (!e.isSend() && !e.isReceive()) {
        StringBuilder t = new StringBuilder("L=").append(e.lamport()).append(' ').append(e.action());
        if (e.seq() != null) {
          t.append(" #").append(e.seq());
        }
        if (e.peer() != null && m.isServer(e.process())) {
          t.append(' ').append(e.peer());
        }
        if (e.text() != null) {
          t.append(": ").append(EventLabels.cut(e.text(), 80));
        }
        out.add(new Statement("  Note over " + me + ": " + escape(t.toString()), self, self));
      }
    }
    return out;
  }

  private static String arrow(LoggedEvent send) {
    return "response".equals(send.leg()) ? "-->>" : "->>";
  }

  private static String callText(LoggedEvent e) {
    return e.rpc() + (e.leg() == null ? "" : " " + e.leg())
        + (e.status() == null || e.status().equals("OK") ? "" : " " + e.status());
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
