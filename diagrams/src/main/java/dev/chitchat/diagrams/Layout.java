package dev.chitchat.diagrams;

import dev.chitchat.logging.LoggedEvent;
import dev.chitchat.rules.PrintableText;
import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The geometry of one space-time diagram, in pixels: computed once and drawn by {@link
 * DiagramPainter} (SVG and PNG) and used by {@link HtmlExporter} for the interactive layer.
 *
 * <p>One horizontal line per process ({@code server} first), time running to the right. The
 * horizontal position follows the Lamport order: events are grouped in columns of equal Lamport
 * time, and each column is placed to the right of the previous one, far enough that no label on the
 * same line overlaps (a per-line "skyline" of the rightmost pixel used above and below the line).
 * Since {@code L(send) < L(receive)} in consistent logs, every arrow points forward. Immutable once
 * built; not thread-safe while building.
 */
final class Layout {

  /** The font of process names. */
  static final Font NAME_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);
  /** The font of Lamport timestamps above the dots. */
  static final Font LAMPORT_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  /** The font of event labels below the dots. */
  static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  /** The font of arrow labels. */
  static final Font ARROW_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
  static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
  static final Font SUBTITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  static final FontRenderContext FRC = new FontRenderContext(null, true, true);

  static final double DOT_RADIUS = 5;
  static final double ROW_GAP = 120;
  static final double TOP = 96;
  static final double MIN_COLUMN_GAP = 24;
  static final double PAD = 10;
  /** Labels start this far right of their dot, clear of arrows that arrive from the left. */
  static final double LABEL_DX = 5;
  static final double RIGHT_MARGIN = 60;
  static final double LEGEND_HEIGHT = 96;
  static final double MIN_WIDTH = 1480;

  /** How an event is drawn. */
  enum Shape {
    SEND,
    RECEIVE,
    ACTION,
    DELIVER,
    JOIN,
    LEAVE,
    FAILED
  }

  /** A drawn event. {@code text} is the (truncated) label below the dot, or null. */
  record Node(int event, int row, double x, double y, Shape shape, String lamport, String text, boolean violation) {}

  /**
   * A drawn arrow. {@code send} or {@code receive} is -1 for a stub that leaves the window. {@code
   * lost} marks a send that was never received.
   */
  record Arrow(
      int send,
      int receive,
      int fromRow,
      int toRow,
      double x1,
      double y1,
      double x2,
      double y2,
      String rpc,
      boolean response,
      String status,
      boolean stub,
      boolean lost) {}

  /** A process line. {@code crashX} is where it was removed, or NaN. */
  record Row(int process, String name, double y, double startX, double endX, double crashX, String crashText) {}

  final RunModel model;
  final DiagramOptions options;
  final List<Row> rows = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();
  final List<Arrow> arrows = new ArrayList<>();
  final String title;
  final List<String> subtitle = new ArrayList<>();
  String warning;
  double width;
  double height;
  double plotLeft;
  double plotRight;
  double legendTop;
  int candidateEvents;

  private Layout(RunModel model, DiagramOptions options, String title) {
    this.model = model;
    this.options = options;
    this.title = title;
  }

  static double textWidth(String s, Font f) {
    return f.getStringBounds(s, FRC).getWidth();
  }

  /**
   * Lays out the events selected by {@code options}.
   *
   * @param violations event numbers that a check flagged, drawn with a red ring
   * @param title the title line
   * @param summaryLine a line under the title (counts, violations)
   */
  static Layout of(
      RunModel m, DiagramOptions options, BitSet violations, String title, String summaryLine) {
    Layout l = new Layout(m, options, title);
    l.build(violations, summaryLine);
    return l;
  }

  private boolean selectedProcess(int p) {
    return options.processes().isEmpty() || options.processes().contains(model.processes().get(p));
  }

  /** Call ids of the server's probes (Broadcasts whose request is labelled "probe"). */
  private java.util.Set<String> probeCalls;

  private boolean isHiddenProbe(int i) {
    if (options.showProbes()) {
      return false;
    }
    if (probeCalls == null) {
      probeCalls = new java.util.HashSet<>();
      for (int k = 0; k < model.eventCount(); k++) {
        LoggedEvent p = model.event(k);
        if ("Broadcast".equals(p.rpc()) && "request".equals(p.leg()) && "probe".equals(p.text())
            && p.callId() != null) {
          probeCalls.add(p.callId());
        }
      }
    }
    String callId = model.event(i).callId();
    return callId != null && probeCalls.contains(callId) && model.event(i).rpc() != null;
  }

  private boolean selectedEvent(int i) {
    LoggedEvent e = model.event(i);
    if (isHiddenProbe(i)) {
      return false;
    }
    if (options.from() != null && e.lamport() < options.from()) {
      return false;
    }
    if (options.to() != null && e.lamport() > options.to()) {
      return false;
    }
    return !(options.hideResponses() && "response".equals(e.leg()));
  }

  private void build(BitSet violations, String summaryLine) {
    int np = model.processes().size();
    int[] rowOf = new int[np];
    Arrays.fill(rowOf, -1);
    List<Integer> visible = new ArrayList<>();
    for (int p = 0; p < np; p++) {
      if (selectedProcess(p)) {
        rowOf[p] = visible.size();
        visible.add(p);
      }
    }
    // Select and order by (Lamport, row).
    List<long[]> picked = new ArrayList<>();
    for (int p : visible) {
      for (int i = model.firstEventOf(p); i < model.endOf(p); i++) {
        if (selectedEvent(i)) {
          picked.add(new long[] {model.event(i).lamport(), rowOf[p], i});
        }
      }
    }
    candidateEvents = picked.size();
    picked.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
    Long cutoff = null;
    if (picked.size() > options.maxEvents()) {
      long lastL = picked.get(options.maxEvents() - 1)[0];
      picked = new ArrayList<>(picked.subList(0, options.maxEvents()));
      cutoff = lastL;
      warning =
          "Showing the first " + options.maxEvents() + " of " + candidateEvents
              + " selected events (up to L=" + lastL + "). Use --from/--to, --processes or"
              + " --hide-responses to see the rest.";
    }

    double nameWidth = 0;
    for (int p : visible) {
      nameWidth = Math.max(nameWidth, textWidth(PrintableText.escape(model.processes().get(p)), NAME_FONT));
    }
    plotLeft = 24 + nameWidth + 30;
    double[] top = new double[visible.size()];
    double[] bottom = new double[visible.size()];
    Arrays.fill(top, plotLeft);
    Arrays.fill(bottom, plotLeft);
    double lastX = plotLeft - MIN_COLUMN_GAP + 10;

    Map<Integer, Integer> nodeOf = new HashMap<>();
    int k = 0;
    while (k < picked.size()) {
      // One column: equal Lamport time, at most one event per row.
      long lamport = picked.get(k)[0];
      List<long[]> column = new ArrayList<>();
      BitSet usedRows = new BitSet();
      while (k < picked.size() && picked.get(k)[0] == lamport && !usedRows.get((int) picked.get(k)[1])) {
        usedRows.set((int) picked.get(k)[1]);
        column.add(picked.get(k));
        k++;
      }
      String lamportText = Long.toString(lamport);
      double numberWidth = textWidth(lamportText, LAMPORT_FONT);
      double x = lastX + MIN_COLUMN_GAP;
      List<String> texts = new ArrayList<>();
      for (long[] c : column) {
        int row = (int) c[1];
        String text = labelOf((int) c[2]);
        texts.add(text);
        x = Math.max(x, top[row] + PAD - LABEL_DX);
        if (text != null) {
          // Only labels compete for the space below the line; a bare dot may sit above a label.
          x = Math.max(x, bottom[row] + PAD - LABEL_DX);
        }
      }
      for (int j = 0; j < column.size(); j++) {
        long[] c = column.get(j);
        int row = (int) c[1];
        int i = (int) c[2];
        String text = texts.get(j);
        top[row] = x + LABEL_DX + numberWidth;
        if (text != null) {
          bottom[row] = x + LABEL_DX + textWidth(text, LABEL_FONT);
        }
        nodeOf.put(i, nodes.size());
        nodes.add(new Node(i, row, x, rowY(row), shapeOf(i), lamportText, text, violations.get(i)));
      }
      lastX = x;
    }
    double contentRight = lastX;
    for (int row = 0; row < visible.size(); row++) {
      contentRight = Math.max(contentRight, Math.max(top[row], bottom[row]));
    }
    plotRight = contentRight + 40;

    // Process lines, with crash marks from the server's "remove" actions.
    double[] first = new double[visible.size()];
    double[] last = new double[visible.size()];
    Arrays.fill(first, Double.NaN);
    Arrays.fill(last, Double.NaN);
    for (Node n : nodes) {
      if (Double.isNaN(first[n.row()])) {
        first[n.row()] = n.x();
      }
      last[n.row()] = n.x();
    }
    Map<Integer, double[]> crashes = new HashMap<>();
    Map<Integer, String> crashTexts = new HashMap<>();
    for (Node n : nodes) {
      LoggedEvent e = model.event(n.event());
      if (e.isAction("remove") && e.peer() != null) {
        int p = model.processIndex(e.peer());
        if (p >= 0 && rowOf[p] >= 0) {
          crashes.put(rowOf[p], new double[] {n.x()});
          crashTexts.put(rowOf[p], "crashed (removed at L=" + e.lamport() + ")");
        }
      }
    }
    for (int row = 0; row < visible.size(); row++) {
      int p = visible.get(row);
      long firstL = model.firstEventOf(p) < model.endOf(p) ? model.event(model.firstEventOf(p)).lamport() : 0;
      long lastL = model.firstEventOf(p) < model.endOf(p) ? model.event(model.endOf(p) - 1).lamport() : 0;
      boolean before = options.from() != null && firstL < options.from();
      boolean after = (options.to() != null && lastL > options.to()) || (cutoff != null && lastL > cutoff);
      double start = Double.isNaN(first[row]) ? plotLeft : before ? plotLeft : first[row] - 18;
      double end = Double.isNaN(last[row]) ? plotRight : after ? plotRight : last[row] + 18;
      double crash = Double.NaN;
      if (crashes.containsKey(row)) {
        crash = Math.max(crashes.get(row)[0], Double.isNaN(last[row]) ? plotLeft : last[row] + 12);
        end = crash;
      }
      rows.add(new Row(p, PrintableText.escape(model.processes().get(p)), rowY(row), start, end, crash, crashTexts.get(row)));
    }

    // Arrows.
    for (Node n : nodes) {
      int i = n.event();
      LoggedEvent e = model.event(i);
      int other = model.partner(i);
      if (e.isSend()) {
        if (other >= 0) {
          Integer rn = nodeOf.get(other);
          int op = model.processOf(other);
          if (rn != null) {
            Node r = nodes.get(rn);
            arrows.add(arrow(i, other, n.row(), r.row(), n.x(), n.y(), r.x(), r.y(), e, false, false));
          } else if (rowOf[op] >= 0 && !(options.hideResponses() && "response".equals(e.leg()))
              && !isHiddenProbe(i)) {
            arrows.add(arrow(i, -1, n.row(), rowOf[op], n.x(), n.y(), plotRight, rowY(rowOf[op]), e, true, false));
          }
        } else {
          int op = e.peer() == null ? -1 : model.processIndex(e.peer());
          double ty = op >= 0 && rowOf[op] >= 0 ? rowY(rowOf[op]) : n.y() + (n.row() == 0 ? 1 : -1) * ROW_GAP * 0.5;
          double tx = n.x() + 40;
          double f = 0.45;
          arrows.add(arrow(i, -1, n.row(), -1, n.x(), n.y(), tx, n.y() + (ty - n.y()) * f, e, false, true));
        }
      } else if (e.isReceive() && other >= 0 && nodeOf.get(other) == null) {
        int op = model.processOf(other);
        if (rowOf[op] >= 0) {
          arrows.add(arrow(-1, i, rowOf[op], n.row(), plotLeft, rowY(rowOf[op]), n.x(), n.y(), e, true, false));
        }
      }
    }

    subtitle.add(summaryLine);
    String window =
        "Lamport window " + (options.from() == null ? "start" : "L=" + options.from()) + " .. "
            + (options.to() == null ? "end" : "L=" + options.to())
            + " \u00b7 " + nodes.size() + " events drawn"
            + (options.hideResponses() ? " \u00b7 response legs hidden" : "")
            + (probeCalls != null && !probeCalls.isEmpty()
                ? " \u00b7 " + probeCalls.size() + " probes hidden" : "")
            + (options.processes().isEmpty() ? "" : " \u00b7 " + visible.size() + " of " + np + " processes");
    subtitle.add(window);
    legendTop = rowY(Math.max(visible.size() - 1, 0)) + 70;
    height = legendTop + LEGEND_HEIGHT;
    width = Math.max(plotRight + RIGHT_MARGIN, MIN_WIDTH);
  }

  private Arrow arrow(
      int send, int receive, int fromRow, int toRow, double x1, double y1, double x2, double y2,
      LoggedEvent e, boolean stub, boolean lost) {
    return new Arrow(
        send, receive, fromRow, toRow, x1, y1, x2, y2,
        e.rpc() == null ? "?" : PrintableText.escape(e.rpc()),
        "response".equals(e.leg()),
        e.status() == null || "OK".equals(e.status()) ? null : PrintableText.escape(e.status()),
        stub, lost);
  }

  static double rowY(int row) {
    return TOP + 30 + row * ROW_GAP;
  }

  private Shape shapeOf(int i) {
    LoggedEvent e = model.event(i);
    if (e.isSend()) {
      return Shape.SEND;
    }
    if (e.isReceive()) {
      return e.messageLamport() == null && e.status() != null && !"OK".equals(e.status()) ? Shape.FAILED : Shape.RECEIVE;
    }
    if (!model.isServer(e.process())) {
      if (e.isAction("join")) {
        return Shape.JOIN;
      }
      if (e.isAction("leave")) {
        return Shape.LEAVE;
      }
    }
    return e.isAction("deliver") ? Shape.DELIVER : Shape.ACTION;
  }

  /** The label below an event, truncated, or null. */
  private String labelOf(int i) {
    LoggedEvent e = model.event(i);
    String label;
    if (e.isAction("deliver")) {
      label = (e.seq() == null ? "" : "#" + e.seq() + " ") + (e.text() == null ? "" : e.text());
    } else if ("action".equals(e.kind())) {
      String who = model.isServer(e.process()) && e.peer() != null ? " " + e.peer() : "";
      label = (e.seq() == null ? "" : "#" + e.seq() + " ") + e.action() + who;
      if (e.isAction("refuse") || e.isAction("gap")) {
        label = e.action() + (e.text() == null ? "" : ": " + e.text());
      }
    } else if (e.isReceive() && e.messageLamport() == null && e.status() != null && !"OK".equals(e.status())) {
      label = e.status();
    } else {
      return null;
    }
    label = PrintableText.escape(label);
    int max = options.labelChars();
    if (label.codePointCount(0, label.length()) > max) {
      label = label.substring(0, label.offsetByCodePoints(0, max - 1)) + "\u2026";
    }
    return label;
  }
}
