package dev.chitchat.diagrams;

import dev.chitchat.logging.LoggedEvent;
import dev.chitchat.rules.PrintableText;
import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.awt.font.LineMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The geometry of one space-time diagram, in pixels: computed once, drawn page by page by {@link
 * DiagramPainter} (SVG and PNG) and whole by {@link HtmlExporter}.
 *
 * <p>One horizontal line per process (servers first, a rejoined participant's later incarnations
 * right below its first), time running to the right. The events are grouped in columns, in the
 * order of {@link DiagramOptions#layout()}: {@link LayoutKind#CAUSAL} takes them in {@link
 * CausalOrder} and starts a new column whenever an event is on a row already used or an event of
 * the column happens before it, so the events of a column are pairwise concurrent; {@link
 * LayoutKind#LAMPORT} puts equal Lamport timestamps in a column. Either way a receive is in a later
 * column than its send, so every arrow points forward. Each column is placed right of the previous
 * one, far enough that no label on the same line overlaps (a per-line "skyline" of the rightmost
 * pixel used above and below the line); an event whose arrow leaves its line downwards also keeps
 * clear of the text below the line.
 *
 * <p>Pages: a column that would reach past {@link #PAGE_WIDTH} pixels from the start of its page
 * starts a new page, placed right of every label drawn so far, so a page cut crosses no dot and no
 * text. Arrow labels are placed last, horizontally, at the first point along their arrow where their
 * box overlaps no dot, text, process line or other label and lies within one page; when there is
 * none, the label is left out (the HTML still names the call). Immutable once built; not thread-safe
 * while building.
 */
final class Layout {

  /** The font of process names. */
  static final Font NAME_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);
  /** The font of Lamport timestamps above the dots. */
  static final Font LAMPORT_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  /** The font of event labels below the dots. */
  static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  /** The font of arrow labels: the smallest text of the picture, 10 px at 100%. */
  static final Font ARROW_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
  static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
  static final Font SUBTITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  static final FontRenderContext FRC = new FontRenderContext(null, true, true);

  static final double DOT_RADIUS = 5;
  static final double ROW_GAP = 120;
  static final double MIN_COLUMN_GAP = 24;
  static final double PAD = 8;
  /** Event texts start this far left of their dot's centre. */
  static final double TEXT_DX = 4;
  static final double RIGHT_MARGIN = 60;
  static final double LEGEND_HEIGHT = 96;
  static final double MIN_WIDTH = 1480;
  /**
   * The widest stretch of time on one page, in pixels: with the names and margins a page is about
   * 1,900 pixels wide, one screen or projector at 100%.
   */
  static final double PAGE_WIDTH = 1700;
  /** Half the height of the band around a process line that arrow labels keep out of. */
  static final double LINE_BAND = 9;

  /** How an event is drawn. */
  enum Shape {
    SEND,
    RECEIVE,
    ACTION,
    DELIVER,
    JOIN,
    LEAVE,
    FAILED,
    /** A replica's {@code leader} action: it became the Raft leader. */
    LEADER,
    /** A participant's {@code failover} action: it moved to another replica. */
    FAILOVER
  }

  /**
   * A piece of text of the picture.
   *
   * @param text what is written (log text escaped and, if long, cut with an ellipsis)
   * @param font its font
   * @param x its left edge (pixels)
   * @param baseline its baseline (pixels)
   */
  record Text(String text, Font font, double x, double baseline) {
    /** The rectangle it covers, with the white halo drawn behind it. */
    Box box() {
      LineMetrics lm = font.getLineMetrics(text, FRC);
      return new Box(x - 2, baseline - lm.getAscent() - 1, x + textWidth(text, font) + 2, baseline + lm.getDescent() + 1);
    }
  }

  /**
   * A drawn event; {@code text} is the label below the dot, or null, and {@code text2} its second
   * line, or null.
   */
  record Node(int event, int row, double x, double y, Shape shape, Text lamport, Text text, Text text2, boolean violation) {
    /** The rectangle of the label's lines, or null when there is none. */
    Box textBox() {
      if (text == null) {
        return null;
      }
      Box a = text.box();
      if (text2 == null) {
        return a;
      }
      Box b = text2.box();
      return new Box(Math.min(a.x1(), b.x1()), a.y1(), Math.max(a.x2(), b.x2()), b.y2());
    }

    /** The rectangle the dot (and its violation ring) covers. */
    Box dot() {
      double h = violation ? 11 : shape == Shape.JOIN ? 9.5 : 7;
      return new Box(x - h, y - h, x + h, y + h);
    }
  }

  /**
   * A drawn arrow. {@code send} or {@code receive} is -1 for a stub to an event that is not drawn;
   * {@code lost} marks a send that was never received; {@code label} is null when left out.
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
      boolean lost,
      Text label) {}

  /**
   * A process line. {@code startX}/{@code endX} are NaN when the process lived outside what is
   * drawn; {@code crashX} is where a server removed it, or NaN.
   */
  record Row(int process, String name, double y, double startX, double endX, double crashX, Text crashText) {
    boolean hasLine() {
      return !Double.isNaN(startX) && endX > startX;
    }
  }

  /**
   * A dotted link from a participant's line to its next incarnation's ({@code Bob} to {@code Bob-2}):
   * from the end of the earlier line, or from its row at most {@link #LINK_REACH} pixels before the
   * later line starts.
   */
  record Link(int fromRow, int toRow, double x1, double y1, double x2, double y2, Text label) {}

  /**
   * A page of the SVG and PNG: the part {@code from <= x < to} of the picture (pixels).
   *
   * @param minLamport the smallest Lamport timestamp drawn on it, or -1 when empty
   * @param maxLamport the largest, or -1
   * @param events the number of events drawn on it
   */
  record Page(double from, double to, long minLamport, long maxLamport, int events) {}

  final RunModel model;
  final DiagramOptions options;
  final List<Row> rows = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();
  final List<Arrow> arrows = new ArrayList<>();
  final List<Link> links = new ArrayList<>();
  final List<Page> pages = new ArrayList<>();
  final String title;
  final List<String> subtitle = new ArrayList<>();
  String warning;
  /** The width of the whole picture, unpaged (pixels). */
  double width;
  double top;
  double plotLeft;
  double plotRight;
  double legendTop;
  int omittedArrowLabels;

  private int[] rowOf;
  private final List<Double> pageStarts = new ArrayList<>();
  private LabelPlacer placer;
  /** The crash labels of removed participants, by row. */
  private final Map<Integer, Text> crashes = new HashMap<>();

  private final Selection selection;

  private Layout(RunModel model, DiagramOptions options, String title) {
    this.model = model;
    this.options = options;
    this.title = title;
    this.selection = new Selection(model, options);
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

  /** Every rectangle covered by a dot or a text (titles and legend excepted), for tests. */
  List<Box> boxes() {
    List<Box> all = new ArrayList<>();
    for (Node n : nodes) {
      all.add(n.dot());
      all.add(n.lamport().box());
      if (n.text() != null) {
        all.add(n.text().box());
      }
      if (n.text2() != null) {
        all.add(n.text2().box());
      }
    }
    for (Arrow a : arrows) {
      if (a.label() != null) {
        all.add(a.label().box());
      }
    }
    for (Row r : rows) {
      if (r.crashText() != null) {
        all.add(r.crashText().box());
      }
    }
    for (Link k : links) {
      if (k.label() != null) {
        all.add(k.label().box());
      }
    }
    return all;
  }

  private void build(BitSet violations, String summaryLine) {
    int np = model.processes().size();
    rowOf = new int[np];
    Arrays.fill(rowOf, -1);
    List<Integer> visible = Incarnations.rowOrder(model.processes(), selection::process);
    for (int r = 0; r < visible.size(); r++) {
      rowOf[visible.get(r)] = r;
    }
    int[] order = options.layout() == LayoutKind.CAUSAL ? CausalOrder.of(model) : lamportOrder();
    List<Integer> picked = new ArrayList<>();
    for (int i : order) {
      if (rowOf[model.processOf(i)] >= 0 && selection.event(i)) {
        picked.add(i);
      }
    }
    int candidateEvents = picked.size();
    if (picked.size() > options.maxEvents()) {
      long lastL = model.event(picked.get(options.maxEvents() - 1)).lamport();
      picked = new ArrayList<>(picked.subList(0, options.maxEvents()));
      warning =
          "Showing the first " + options.maxEvents() + " of " + candidateEvents
              + " selected events (" + (options.layout() == LayoutKind.CAUSAL ? "in causal order, the last at" : "up to")
              + " L=" + lastL + "). Use --from/--to, --processes or --hide-responses to see the rest.";
    }

    subtitle.add(summaryLine);
    subtitle.add(describeSelection(picked, visible.size(), np));
    double nameWidth = 0;
    for (int p : visible) {
      nameWidth = Math.max(nameWidth, textWidth(rowName(p), NAME_FONT));
    }
    plotLeft = 24 + nameWidth + 30;
    top = 96;
    placer = new LabelPlacer(plotLeft, pageStarts);

    Map<Integer, Node> nodeOf = placeColumns(columns(picked), violations);
    buildRows(visible, nodeOf, order);
    buildArrows(nodeOf);
    buildLinks();
    placeLabels();
    buildPages();
    legendTop = rowY(Math.max(visible.size() - 1, 0)) + 70;
    width = Math.max(plotRight + RIGHT_MARGIN, MIN_WIDTH);
  }

  private int[] lamportOrder() {
    Integer[] all = new Integer[model.eventCount()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    Arrays.sort(all, Comparator.comparingLong((Integer i) -> model.event(i).lamport())
        .thenComparingInt(i -> rowOf[model.processOf(i)])
        .thenComparingInt(i -> i));
    return Arrays.stream(all).mapToInt(Integer::intValue).toArray();
  }

  private String describeSelection(List<Integer> picked, int shownProcesses, int np) {
    long minL = Long.MAX_VALUE;
    long maxL = Long.MIN_VALUE;
    for (int i : picked) {
      minL = Math.min(minL, model.event(i).lamport());
      maxL = Math.max(maxL, model.event(i).lamport());
    }
    String range = picked.isEmpty() ? "no events" : "L=" + minL + ".." + maxL;
    boolean windowed = options.from() != null || options.to() != null;
    return (options.layout() == LayoutKind.CAUSAL ? "Causal layout" : "Lamport layout")
        + " \u00b7 " + (windowed ? "window " : "") + range
        + " \u00b7 " + picked.size() + " events drawn"
        + (options.hideResponses() ? " \u00b7 response legs hidden" : "")
        + (selection.hiddenProbes() > 0 ? " \u00b7 " + selection.hiddenProbes() + " probes hidden" : "")
        + (options.processes().isEmpty() ? "" : " \u00b7 " + shownProcesses + " of " + np + " processes");
  }

  /** Groups the picked events (in layout order) into columns. */
  private List<List<Integer>> columns(List<Integer> picked) {
    List<List<Integer>> columns = new ArrayList<>();
    List<Integer> column = new ArrayList<>();
    BitSet usedRows = new BitSet();
    for (int i : picked) {
      int row = rowOf[model.processOf(i)];
      boolean fits = !column.isEmpty() && !usedRows.get(row);
      if (fits) {
        if (options.layout() == LayoutKind.LAMPORT) {
          fits = model.event(column.get(0)).lamport() == model.event(i).lamport();
        } else {
          for (int c : column) {
            if (model.happensBefore(c, i)) {
              fits = false;
              break;
            }
          }
        }
      }
      if (!fits && !column.isEmpty()) {
        columns.add(column);
        column = new ArrayList<>();
        usedRows.clear();
      }
      column.add(i);
      usedRows.set(row);
    }
    if (!column.isEmpty()) {
      columns.add(column);
    }
    return columns;
  }

  /** Places the columns left to right with the per-line skyline, starting pages as needed. */
  private Map<Integer, Node> placeColumns(List<List<Integer>> columns, BitSet violations) {
    int rowCount = rowOf.length == 0 ? 0 : Arrays.stream(rowOf).max().getAsInt() + 1;
    double[] above = new double[rowCount];
    double[] below = new double[rowCount];
    Arrays.fill(above, plotLeft);
    Arrays.fill(below, plotLeft);
    double lastX = plotLeft - MIN_COLUMN_GAP + 12;
    double pageStart = plotLeft;
    pageStarts.add(pageStart);
    boolean pageEmpty = true;
    double[] lastOnRow = new double[rowCount];
    Arrays.fill(lastOnRow, Double.NaN);
    Map<Integer, Node> nodeOf = new HashMap<>();
    for (List<Integer> column : columns) {
      List<Node> drafts = new ArrayList<>();
      double x = lastX + MIN_COLUMN_GAP;
      for (int i : column) {
        int row = rowOf[model.processOf(i)];
        Node d = node(i, row, 0, violations.get(i));
        drafts.add(d);
        x = Math.max(x, above[row] + PAD + (d.x() - d.lamport().box().x1()));
        if (d.text() != null || leavesDownwards(i, row)) {
          x = Math.max(x, below[row] + PAD + TEXT_DX);
        }
      }
      double reach = x;
      for (Node d : drafts) {
        reach = Math.max(reach, x + rightOf(d));
        int q = crashedRow(d.event());
        if (q >= 0) {
          reach = Math.max(reach, crashText(d.event(), crashX(x, lastOnRow[q]), q).box().x2());
        }
      }
      if (!pageEmpty && reach > pageStart + PAGE_WIDTH) {
        double used = lastX;
        for (int r = 0; r < rowCount; r++) {
          used = Math.max(used, Math.max(above[r], below[r]));
        }
        pageStart = used + 2 * PAD;
        pageStarts.add(pageStart);
        x = Math.max(x, pageStart + 20);
        for (Node d : drafts) {
          x = Math.max(x, pageStart + 2 - leftOf(d));
        }
      }
      for (Node d : drafts) {
        Node n = node(d.event(), d.row(), x, d.violation());
        above[n.row()] = n.lamport().box().x2();
        if (n.text() != null) {
          below[n.row()] = n.textBox().x2();
        }
        lastOnRow[n.row()] = x;
        nodeOf.put(n.event(), n);
        nodes.add(n);
        placer.occupy(n.dot());
        placer.occupy(n.lamport().box());
        if (n.text() != null) {
          placer.occupy(n.textBox());
        }
      }
      for (Node d : drafts) {
        // A removal ends the removed participant's line in a cross labelled right of it.
        int q = crashedRow(d.event());
        if (q >= 0) {
          double cx = crashX(x, lastOnRow[q]);
          Text label = crashText(d.event(), cx, q);
          crashes.put(q, label);
          above[q] = Math.max(above[q], label.box().x2());
          below[q] = Math.max(below[q], label.box().x2());
          placer.occupy(label.box());
          placer.occupy(new Box(cx - 10, rowY(q) - 10, cx + 10, rowY(q) + 10));
        }
      }
      pageEmpty = false;
      lastX = x;
    }
    double contentRight = lastX;
    for (int r = 0; r < rowCount; r++) {
      contentRight = Math.max(contentRight, Math.max(above[r], below[r]));
    }
    plotRight = contentRight + 40;
    return nodeOf;
  }

  /** The row of the participant that event i (a server's {@code remove} action) removed, or -1. */
  private int crashedRow(int i) {
    LoggedEvent e = model.event(i);
    if (!e.isAction("remove") || e.peer() == null) {
      return -1;
    }
    int p = model.processIndex(e.peer());
    return p >= 0 ? rowOf[p] : -1;
  }

  /** Where the cross goes: at the removal, but never before the participant's last drawn event. */
  private static double crashX(double removalX, double lastOnRow) {
    return Double.isNaN(lastOnRow) ? removalX : Math.max(removalX, lastOnRow + 14);
  }

  private Text crashText(int removal, double crashX, int row) {
    return new Text("crashed (removed at L=" + model.event(removal).lamport() + ")", LABEL_FONT, crashX + 14,
        rowY(row) + 4);
  }

  /** The leftmost pixel of a draft node's texts and dot, relative to its x (negative). */
  private static double leftOf(Node d) {
    double l = Math.min(d.lamport().box().x1(), d.dot().x1());
    return d.text() == null ? l : Math.min(l, d.textBox().x1());
  }

  private static double rightOf(Node d) {
    double r = d.lamport().box().x2();
    return d.text() == null ? r : Math.max(r, d.textBox().x2());
  }

  /** Whether event i's arrow leaves its line downwards (through the text below it). */
  private boolean leavesDownwards(int i, int row) {
    if (model.event(i).isSend()) {
      int[] rs = model.receivers(i);
      if (rs.length == 0) {
        return true;
      }
      for (int r : rs) {
        if (rowOf[model.processOf(r)] > row) {
          return true;
        }
      }
      return false;
    }
    int other = model.partner(i);
    return other >= 0 && rowOf[model.processOf(other)] > row;
  }

  /** Whether an arrow meets event i's dot from a row above. */
  private boolean fromAbove(int i, int row) {
    int[] others = model.event(i).isSend() ? model.receivers(i)
        : model.partner(i) >= 0 ? new int[] {model.partner(i)} : new int[0];
    for (int o : others) {
      int r = rowOf[model.processOf(o)];
      if (r >= 0 && r < row) {
        return true;
      }
    }
    return false;
  }

  private Node node(int i, int row, double x, boolean violation) {
    double y = rowY(row);
    Shape shape = shapeOf(i);
    // Fixed distances from the line, clear of the largest dot (a violation ring, 11 px): texts of
    // neighbouring events then never meet a dot, whatever their shapes.
    String number = Long.toString(model.event(i).lamport());
    double w = textWidth(number, LAMPORT_FONT);
    // Out of the way of an arrow that meets the dot from above: one that arrives comes from the
    // upper left, one that leaves goes to the upper right.
    boolean fromAbove = fromAbove(i, row);
    double left = !fromAbove ? x - w / 2 : model.event(i).isReceive() ? x + 3 : x - w - 3;
    Text lamport = new Text(number, LAMPORT_FONT, left, y - 15);
    String label = EventLabels.label(model, i, options.labelChars());
    Text text = null;
    Text text2 = null;
    if (label != null) {
      String[] lines = EventLabels.wrap(label, LABEL_FONT, WRAP_WIDTH);
      text = new Text(lines[0], LABEL_FONT, x - TEXT_DX, y + 26);
      if (lines.length > 1) {
        text2 = new Text(lines[1], LABEL_FONT, x - TEXT_DX, y + 42);
      }
    }
    return new Node(i, row, x, y, shape, lamport, text, text2, violation);
  }

  /** Labels wider than this many pixels are written on two lines. */
  static final double WRAP_WIDTH = 170;

  /**
   * Process lines: a line runs from the process's first event to its last (or to its removal), over
   * the stretch of the picture where those events are or would be in the layout's order. An event
   * that is not drawn (outside the window, cut, hidden) stands at the next drawn event for the start
   * and at the previous one for the end, or at the picture's edge when it comes before or after all
   * of them. So a participant that left before the window, or joined after it, has no line in it.
   */
  private void buildRows(List<Integer> visible, Map<Integer, Node> nodeOf, int[] order) {
    int n = order.length;
    int[] pos = new int[model.eventCount()];
    for (int k = 0; k < n; k++) {
      pos[order[k]] = k;
    }
    // The position of the first drawn event at or after each position, and of the last at or before.
    int[] next = new int[n + 1];
    next[n] = -1;
    for (int k = n - 1; k >= 0; k--) {
      next[k] = nodeOf.containsKey(order[k]) ? k : next[k + 1];
    }
    int[] previous = new int[n];
    for (int k = 0; k < n; k++) {
      previous[k] = nodeOf.containsKey(order[k]) ? k : k > 0 ? previous[k - 1] : -1;
    }
    int firstDrawn = n == 0 ? -1 : next[0];
    int lastDrawn = n == 0 ? -1 : previous[n - 1];
    Map<Integer, Integer> removal = new HashMap<>();
    for (int i = 0; i < model.eventCount(); i++) {
      LoggedEvent e = model.event(i);
      int p = e.isAction("remove") && e.peer() != null ? model.processIndex(e.peer()) : -1;
      if (p >= 0) {
        removal.merge(p, i, (x, y) -> pos[x] >= pos[y] ? x : y);
      }
    }
    for (int row = 0; row < visible.size(); row++) {
      int p = visible.get(row);
      double y = rowY(row);
      double start = Double.NaN;
      double end = Double.NaN;
      if (model.firstEventOf(p) < model.endOf(p) && firstDrawn >= 0) {
        int first = model.firstEventOf(p);
        int last = model.endOf(p) - 1;
        if (removal.containsKey(p) && pos[removal.get(p)] > pos[last]) {
          last = removal.get(p);
        }
        Node f = nodeOf.get(first);
        Node l = nodeOf.get(last);
        int startAt = next[pos[first]];
        int endAt = previous[pos[last]];
        start = f != null ? f.x() - 18
            : startAt < 0 ? Double.POSITIVE_INFINITY
            : startAt == firstDrawn ? plotLeft : nodeOf.get(order[startAt]).x() - 18;
        end = l != null && !removal.containsKey(p) ? l.x() + 18
            : endAt < 0 ? Double.NEGATIVE_INFINITY
            : endAt == lastDrawn && pos[last] > lastDrawn ? plotRight : nodeOf.get(order[endAt]).x() + 18;
      }
      Text crashText = crashes.get(row);
      double crash = Double.NaN;
      if (crashText != null) {
        crash = crashText.x() - 14;
        end = crash;
      }
      if (!(end > start)) {
        start = Double.NaN;
        end = Double.NaN;
      }
      rows.add(new Row(p, rowName(p), y, start, end, crash, crashText));
    }
  }

  /** A row's name: the process, and for a replica {@code (replica)}, or {@code (replica, restarted)}. */
  String rowName(int p) {
    String name = model.processes().get(p);
    String replica = model.replicaOf(name);
    String escaped = PrintableText.escape(name);
    return replica == null ? escaped : escaped + (replica.equals(name) ? " (replica)" : " (replica, restarted)");
  }

  private void buildArrows(Map<Integer, Node> nodeOf) {
    for (Node n : nodes) {
      int i = n.event();
      LoggedEvent e = model.event(i);
      int other = model.partner(i);
      int[] receivers = e.isSend() ? model.receivers(i) : new int[0];
      if (e.isSend()) {
        if (receivers.length > 0) {
          for (int rc : receivers) {
            int op = model.processOf(rc);
            if (op == model.processOf(i) || replay(rc)) {
              continue; // a replica applying its own proposal, or replaying an entry: no long arrow
            }
            Node r = nodeOf.get(rc);
            if (r != null) {
              arrows.add(arrow(i, rc, n.row(), r.row(), n.x(), n.y(), r.x(), r.y(), e, false, false));
            } else if (rowOf[op] >= 0 && !(options.hideResponses() && "response".equals(e.leg()))
                && !selection.hiddenProbe(i)) {
              double ty = rowY(rowOf[op]);
              arrows.add(arrow(i, -1, n.row(), rowOf[op], n.x(), n.y(), n.x() + 60, n.y() + (ty - n.y()) * 0.45, e, true, false));
            }
          }
        } else {
          int op = e.peer() == null ? -1 : model.processIndex(e.peer());
          double ty = op >= 0 && rowOf[op] >= 0 ? rowY(rowOf[op]) : n.y() + (n.row() == 0 ? 1 : -1) * ROW_GAP * 0.5;
          arrows.add(arrow(i, -1, n.row(), -1, n.x(), n.y(), n.x() + 40, n.y() + (ty - n.y()) * 0.45, e, false, true));
        }
      } else if (e.isReceive() && other >= 0 && replay(i)) {
        // A restarted replica applies again what its earlier incarnation applied: a short stub
        // from the row of the entry's proposer, not an arrow across the whole run.
        int op = model.processOf(other);
        if (rowOf[op] >= 0) {
          double sy = rowY(rowOf[op]);
          arrows.add(arrow(-1, i, rowOf[op], n.row(), n.x() - 40, n.y() + (sy - n.y()) * 0.3, n.x(), n.y(), model.event(other), true, false));
        }
      } else if (e.isReceive() && other >= 0 && nodeOf.get(other) == null && !model.isOwnReceive(i)) {
        int op = model.processOf(other);
        if (rowOf[op] >= 0) {
          double sy = rowY(rowOf[op]);
          arrows.add(arrow(-1, i, rowOf[op], n.row(), n.x() - 60, n.y() + (sy - n.y()) * 0.45, n.x(), n.y(), e, true, false));
        }
      }
    }
  }

  /**
   * Whether receive {@code i} is a replay: a restarted replica's ({@code s1-2}) receive of an entry
   * that an earlier incarnation of the same replica had applied already.
   */
  boolean replay(int i) {
    LoggedEvent e = model.event(i);
    int s = model.partner(i);
    String replica = model.replicaOf(e.process());
    if (!e.isReceive() || s < 0 || replica == null || replica.equals(e.process())
        || !RunModel.isMulticast(model.event(s))) {
      return false;
    }
    for (int r : model.receivers(s)) {
      int q = model.processOf(r);
      if (q < model.processOf(i) && replica.equals(model.replicaOf(model.processes().get(q)))) {
        return true;
      }
    }
    return false;
  }

  /** The longest horizontal stretch of a rejoin link (pixels). */
  static final double LINK_REACH = 90;

  /** Links each drawn incarnation ({@code Bob-2}) to the previous one ({@code Bob}). */
  private void buildLinks() {
    for (int row = 1; row < rows.size(); row++) {
      Row later = rows.get(row);
      Row earlier = rows.get(row - 1);
      if (!later.hasLine() || !earlier.hasLine()
          || !Incarnations.follows(model.processes().get(later.process()), model.processes().get(earlier.process()))) {
        continue;
      }
      double end = Double.isNaN(earlier.crashX()) ? earlier.endX() : earlier.crashX();
      // From the earlier line's end, or, when that is long before (pages before), a short step
      // down from its row to where the later incarnation starts.
      double x1 = Math.max(end, later.startX() - LINK_REACH);
      String laterName = model.processes().get(later.process());
      links.add(new Link(row - 1, row, x1, earlier.y(), later.startX(), later.y(),
          new Text((model.isReplica(laterName) ? "restarted as " : "rejoined as ")
              + PrintableText.escape(laterName), ARROW_FONT, 0, 0)));
    }
  }


  private Arrow arrow(
      int send, int receive, int fromRow, int toRow, double x1, double y1, double x2, double y2,
      LoggedEvent e, boolean stub, boolean lost) {
    return new Arrow(
        send, receive, fromRow, toRow, x1, y1, x2, y2,
        e.rpc() == null ? "?" : PrintableText.escape(e.rpc()),
        "response".equals(e.leg()),
        e.status() == null || "OK".equals(e.status()) ? null : PrintableText.escape(e.status()),
        stub, lost, null);
  }

  /** The text of an arrow's label: the RPC, a non-OK status, "lost". */
  static String arrowText(Arrow a) {
    return a.rpc() + (a.status() == null ? "" : " " + a.status()) + (a.lost() ? " lost" : "");
  }

  /**
   * Places arrow and link labels, the most telling first (failures, then requests, then responses),
   * each at the first free point along its line.
   */
  private void placeLabels() {
    for (Row r : rows) {
      if (r.hasLine()) {
        placer.occupy(new Box(r.startX(), r.y() - LINE_BAND, r.endX(), r.y() + LINE_BAND));
      }
    }
    List<Integer> byPriority = new ArrayList<>();
    for (int a = 0; a < arrows.size(); a++) {
      byPriority.add(a);
    }
    byPriority.sort(Comparator.comparingInt((Integer a) -> priority(arrows.get(a))));
    for (int a : byPriority) {
      Arrow arrow = arrows.get(a);
      Text label = placer.place(arrowText(arrow), arrow.x1(), arrow.y1(), arrow.x2(), arrow.y2());
      if (label == null && arrow.status() != null) {
        label = placer.place(arrow.status(), arrow.x1(), arrow.y1(), arrow.x2(), arrow.y2());
      }
      if (label == null) {
        omittedArrowLabels++;
      }
      arrows.set(a, new Arrow(arrow.send(), arrow.receive(), arrow.fromRow(), arrow.toRow(), arrow.x1(),
          arrow.y1(), arrow.x2(), arrow.y2(), arrow.rpc(), arrow.response(), arrow.status(), arrow.stub(),
          arrow.lost(), label));
    }
    for (int k = 0; k < links.size(); k++) {
      Link l = links.get(k);
      Text label = placer.place(l.label().text(), l.x1(), l.y1(), l.x2(), l.y2());
      links.set(k, new Link(l.fromRow(), l.toRow(), l.x1(), l.y1(), l.x2(), l.y2(), label));
    }
  }

  private static int priority(Arrow a) {
    return a.status() != null || a.lost() ? 0 : a.response() ? 2 : 1;
  }

  private void buildPages() {
    for (int k = 0; k < pageStarts.size(); k++) {
      double from = pageStarts.get(k);
      double to = k + 1 < pageStarts.size() ? pageStarts.get(k + 1) : plotRight;
      long min = Long.MAX_VALUE;
      long max = -1;
      int count = 0;
      for (Node n : nodes) {
        if (n.x() >= from && n.x() < to) {
          long l = model.event(n.event()).lamport();
          min = Math.min(min, l);
          max = Math.max(max, l);
          count++;
        }
      }
      pages.add(new Page(from, to, count == 0 ? -1 : min, max, count));
    }
  }

  static double rowY(int row) {
    return 126 + row * ROW_GAP;
  }

  private Shape shapeOf(int i) {
    LoggedEvent e = model.event(i);
    if (e.isSend()) {
      return Shape.SEND;
    }
    if (e.isReceive()) {
      return e.messageLamport() == null && e.status() != null && !"OK".equals(e.status()) ? Shape.FAILED : Shape.RECEIVE;
    }
    if (e.isAction("leader") && model.isReplica(e.process())) {
      return Shape.LEADER;
    }
    if (e.isAction("failover")) {
      return Shape.FAILOVER;
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
}
