package dev.chitchat.diagrams;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGHints;

/**
 * The one drawing routine of the space-time diagram: paints a {@link Layout} with Java2D. {@link
 * DiagramWriter} runs it into JFreeSVG's {@link SVGGraphics2D} for {@code diagram.svg} and into a
 * {@link java.awt.image.BufferedImage} for {@code diagram.png}, so both show the same picture. When
 * the target is an {@link SVGGraphics2D}, every event, arrow and process line is wrapped in a group
 * ({@code <g>}) whose id, class and {@code data-*} attributes (event number, process index) let the
 * HTML page's script find it. A layout with several pages is painted one page at a time: each page
 * repeats the title, the process names and the legend, and shows its stretch of time, shifted to the
 * left edge; an arrow between two pages is drawn on both, cut at the page's edge. Coordinates are
 * pixels of the layout. Stateless; call from one thread per {@link Graphics2D}.
 */
final class DiagramPainter {

  static final Color INK = new Color(0x26, 0x32, 0x38);
  static final Color GRID = new Color(0xB0, 0xBE, 0xC5);
  static final Color VIOLATION = new Color(0xD3, 0x2F, 0x2F);
  static final Color JOIN = new Color(0x2E, 0x7D, 0x32);
  static final Color LEAVE = new Color(0xEF, 0x6C, 0x00);
  /** A replica's leader mark. */
  static final Color LEADER = new Color(0xF9, 0xA8, 0x25);
  /** A participant's failover mark. */
  static final Color FAILOVER = new Color(0x00, 0x89, 0x7B);
  /** Replicate arrows: grey and thin, under the chat's calls. */
  static final Color REPLICATE = new Color(0x78, 0x90, 0x9C, 150);
  private static final Color[] PROCESS_COLORS = {
    new Color(0x37, 0x47, 0x4F), new Color(0x15, 0x65, 0xC0), new Color(0x00, 0x83, 0x8F),
    new Color(0xAD, 0x14, 0x57), new Color(0x5D, 0x40, 0x37), new Color(0x28, 0x35, 0x93),
    new Color(0x82, 0x77, 0x17), new Color(0x00, 0x69, 0x5C)
  };

  private DiagramPainter() {}

  /** The colour of an RPC's arrows. */
  static Color rpcColor(String rpc) {
    return switch (rpc) {
      case "Join" -> JOIN;
      case "Publish" -> new Color(0x15, 0x65, 0xC0);
      case "Broadcast" -> new Color(0x6A, 0x1B, 0x9A);
      case "Leave" -> LEAVE;
      case RunModel.REPLICATE -> new Color(0x78, 0x90, 0x9C);
      default -> new Color(0x45, 0x5A, 0x64);
    };
  }

  static Color processColor(int process) {
    return PROCESS_COLORS[process % PROCESS_COLORS.length];
  }

  /** The width of page {@code k} of a layout (pixels). */
  static double pageWidth(Layout l, int k) {
    if (l.pages.size() == 1) {
      return l.width;
    }
    Layout.Page page = l.pages.get(k);
    return Math.max(l.plotLeft + (page.to() - page.from()) + Layout.RIGHT_MARGIN, Layout.MIN_WIDTH);
  }

  /** The height of every page of a layout (pixels): the rows, the legend and the list of pages. */
  static double pageHeight(Layout l) {
    return l.legendTop + Layout.LEGEND_HEIGHT + 16.0 * contents(l, pageWidth(l, 0)).size();
  }

  /** Paints page {@code k} of the diagram (the whole diagram when it has one page), in pixels. */
  static void paint(Graphics2D g, Layout l, int k) {
    boolean svg = g instanceof SVGGraphics2D;
    Layout.Page page = l.pages.get(k);
    double width = pageWidth(l, k);
    double height = pageHeight(l);
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    g.setPaint(Color.WHITE);
    g.fill(new Rectangle2D.Double(0, 0, width, height));

    // Title, time axis, process names: on every page.
    g.setPaint(INK);
    g.setFont(Layout.TITLE_FONT);
    text(g, l.title + (l.pages.size() > 1 ? " \u2014 page " + (k + 1) + " of " + l.pages.size() : ""), 24f, 30f);
    g.setFont(Layout.SUBTITLE_FONT);
    float y = 50f;
    for (String line : l.subtitle) {
      text(g, line, 24f, y);
      y += 16f;
    }
    if (l.warning != null) {
      g.setPaint(VIOLATION);
      text(g, l.warning, 24f, y);
    }
    double axisY = l.top - 6;
    double axisRight = width - Layout.RIGHT_MARGIN / 2;
    g.setPaint(GRID);
    g.setStroke(new BasicStroke(1f));
    g.draw(new Line2D.Double(l.plotLeft, axisY, axisRight, axisY));
    arrowHead(g, l.plotLeft, axisY, axisRight, axisY, 8);
    g.setFont(Layout.ARROW_FONT);
    text(g, l.options.layout() == LayoutKind.CAUSAL
        ? "time \u2192 (causal layout: happens-before, concurrent events by wall-clock time; numbers are Lamport timestamps)"
        : "time \u2192 (Lamport layout: by Lamport timestamp)", (float) l.plotLeft, (float) axisY - 5f);
    for (Layout.Row row : l.rows) {
      g.setPaint(processColor(row.process()));
      g.setFont(Layout.NAME_FONT);
      text(g, row.name(), 24f, (float) row.y() + 5f);
    }

    // The page's stretch of time, shifted to start at the plot's left edge.
    double dx = l.plotLeft - page.from();
    double from = k == 0 ? page.from() - 30 : page.from();
    double to = page.to();
    java.awt.Shape savedClip = g.getClip();
    AffineTransform savedTransform = g.getTransform();
    g.clip(new Rectangle2D.Double(from + dx, l.top - 2, to - from + Layout.RIGHT_MARGIN / 2, l.legendTop - l.top - 8));
    g.translate(dx, 0);

    for (int r = 0; r < l.rows.size(); r++) {
      Layout.Row row = l.rows.get(r);
      begin(g, svg, "p" + r, "proc", "data-p", Integer.toString(row.process()));
      Color c = processColor(row.process());
      g.setPaint(new Color(c.getRed(), c.getGreen(), c.getBlue(), 150));
      g.setStroke(new BasicStroke(2f));
      if (row.hasLine() && row.endX() > from && row.startX() < to) {
        g.draw(new Line2D.Double(Math.max(row.startX(), from - 5), row.y(), Math.min(row.endX(), to + 5), row.y()));
      }
      if (!Double.isNaN(row.crashX()) && row.crashX() >= from && row.crashX() < to) {
        cross(g, row.crashX(), row.y(), 9, VIOLATION, 3f);
        label(g, row.crashText(), VIOLATION);
      }
      end(g, svg);
    }
    for (Layout.Link link : l.links) {
      if (Math.max(link.x1(), link.x2()) >= from && Math.min(link.x1(), link.x2()) < to) {
        g.setPaint(GRID);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f));
        g.draw(new Line2D.Double(link.x1(), link.y1(), link.x2(), link.y2()));
        if (link.label() != null && link.label().x() >= from && link.label().x() < to) {
          label(g, link.label(), INK);
        }
      }
    }

    // Arrows under the dots.
    for (int a = 0; a < l.arrows.size(); a++) {
      Layout.Arrow arrow = l.arrows.get(a);
      if (Math.max(arrow.x1(), arrow.x2()) < from || Math.min(arrow.x1(), arrow.x2()) >= to) {
        continue;
      }
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put("id", "m" + a);
      attrs.put("class", "msg " + (arrow.response() ? "response" : "request") + (arrow.stub() ? " stub" : "") + (arrow.lost() ? " lost" : "")
          + (RunModel.REPLICATE.equals(arrow.rpc()) ? " replicate" : ""));
      attrs.put("data-s", Integer.toString(arrow.send()));
      attrs.put("data-r", Integer.toString(arrow.receive()));
      attrs.put("data-ps", arrow.fromRow() < 0 ? "-1" : Integer.toString(l.rows.get(arrow.fromRow()).process()));
      attrs.put("data-pr", arrow.toRow() < 0 ? "-1" : Integer.toString(l.rows.get(arrow.toRow()).process()));
      if (svg) {
        g.setRenderingHint(SVGHints.KEY_BEGIN_GROUP, attrs);
      }
      drawArrow(g, arrow);
      end(g, svg);
    }
    // Arrow labels over all arrow lines, so that no line crosses a label.
    for (int a = 0; a < l.arrows.size(); a++) {
      Layout.Arrow arrow = l.arrows.get(a);
      Layout.Text label = arrow.label();
      if (label != null && label.x() >= from && label.x() < to) {
        begin(g, svg, "ml" + a, "msg-label", "data-m", "m" + a);
        Color base = rpcColor(arrow.rpc());
        Color c = arrow.status() != null || arrow.lost() ? VIOLATION
            : arrow.response() ? new Color(base.getRed(), base.getGreen(), base.getBlue(), 190) : base;
        label(g, label, c);
        end(g, svg);
      }
    }

    // Events.
    for (Layout.Node n : l.nodes) {
      if (n.x() < from || n.x() >= to) {
        continue;
      }
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put("id", "e" + n.event());
      attrs.put("class", "ev");
      attrs.put("data-i", Integer.toString(n.event()));
      attrs.put("data-p", Integer.toString(l.model.processOf(n.event())));
      if (svg) {
        g.setRenderingHint(SVGHints.KEY_BEGIN_GROUP, attrs);
      }
      drawNode(g, svg, n, l);
      end(g, svg);
    }
    g.setTransform(savedTransform);
    g.setClip(savedClip);

    drawLegend(g, l, width);
    g.setPaint(INK);
    g.setFont(Layout.SUBTITLE_FONT);
    float cy = (float) (l.legendTop + Layout.LEGEND_HEIGHT);
    for (String line : contents(l, width)) {
      text(g, line, 24f, cy);
      cy += 16f;
    }
  }

  /**
   * The list of pages, wrapped to the page width: which Lamport timestamps each page holds. Empty
   * when there is one page.
   */
  static java.util.List<String> contents(Layout l, double width) {
    java.util.List<String> lines = new java.util.ArrayList<>();
    if (l.pages.size() < 2) {
      return lines;
    }
    StringBuilder line = new StringBuilder(
        "Pages (diagram.svg/.png is page 1, diagram-N.svg/.png page N), Lamport timestamps on each:");
    for (int k = 0; k < l.pages.size(); k++) {
      Layout.Page p = l.pages.get(k);
      String item = "  " + (k + 1) + ": " + (p.events() == 0 ? "no events" : "L=" + p.minLamport() + ".." + p.maxLamport());
      if (Layout.textWidth(line + item, Layout.SUBTITLE_FONT) > width - 48) {
        lines.add(line.toString());
        line = new StringBuilder(item.strip());
      } else {
        line.append(item);
      }
    }
    lines.add(line.toString());
    return lines;
  }

  private static void begin(Graphics2D g, boolean svg, String id, String cls, String key, String value) {
    if (svg) {
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put("id", id);
      attrs.put("class", cls);
      attrs.put(key, value);
      g.setRenderingHint(SVGHints.KEY_BEGIN_GROUP, attrs);
    }
  }

  private static void end(Graphics2D g, boolean svg) {
    if (svg) {
      g.setRenderingHint(SVGHints.KEY_END_GROUP, "");
    }
  }

  private static void drawArrow(Graphics2D g, Layout.Arrow a) {
    Color base = rpcColor(a.rpc());
    Color color = a.response() ? new Color(base.getRed(), base.getGreen(), base.getBlue(), 120) : base;
    if (a.lost()) {
      color = VIOLATION;
    }
    if (RunModel.REPLICATE.equals(a.rpc()) && !a.lost()) {
      color = REPLICATE;
    }
    boolean replicate = RunModel.REPLICATE.equals(a.rpc());
    Stroke stroke = replicate
        ? new BasicStroke(0.9f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, a.stub() ? new float[] {3f, 3f} : null, 0f)
        :
        a.response() || a.stub()
            ? new BasicStroke(a.response() ? 1.2f : 1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 3f}, 0f)
            : new BasicStroke(1.7f);
    double dx = a.x2() - a.x1();
    double dy = a.y2() - a.y1();
    double len = Math.hypot(dx, dy);
    if (len < 1) {
      return;
    }
    double ux = dx / len;
    double uy = dy / len;
    double start = a.send() >= 0 ? Layout.DOT_RADIUS + 1 : 0;
    double stop = a.receive() >= 0 ? Layout.DOT_RADIUS + 2 : 0;
    double x1 = a.x1() + ux * start;
    double y1 = a.y1() + uy * start;
    double x2 = a.x2() - ux * stop;
    double y2 = a.y2() - uy * stop;
    g.setPaint(color);
    g.setStroke(stroke);
    g.draw(new Line2D.Double(x1, y1, x2, y2));
    g.setStroke(new BasicStroke(1f));
    if (a.lost()) {
      cross(g, x2, y2, 5, VIOLATION, 2f);
    } else {
      arrowHead(g, x1, y1, x2, y2, a.response() || replicate ? 7 : 9);
    }
  }

  private static void drawNode(Graphics2D g, boolean svg, Layout.Node n, Layout l) {
    double x = n.x();
    double y = n.y();
    double r = Layout.DOT_RADIUS;
    if (n.violation()) {
      g.setPaint(VIOLATION);
      g.setStroke(new BasicStroke(2.5f));
      g.draw(new Ellipse2D.Double(x - 10, y - 10, 20, 20));
    }
    Color pc = processColor(l.model.processOf(n.event()));
    if (svg) {
      g.setRenderingHint(SVGHints.KEY_ELEMENT_ID, "d" + n.event());
    }
    switch (n.shape()) {
      case SEND -> {
        g.setPaint(INK);
        g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
      }
      case RECEIVE -> {
        g.setPaint(Color.WHITE);
        g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
        g.setPaint(INK);
        g.setStroke(new BasicStroke(2f));
        g.draw(new Ellipse2D.Double(x - r + 1, y - r + 1, 2 * r - 2, 2 * r - 2));
      }
      case DELIVER -> {
        g.setPaint(pc);
        g.fill(new Ellipse2D.Double(x - r - 1.5, y - r - 1.5, 2 * r + 3, 2 * r + 3));
      }
      case ACTION -> {
        g.setPaint(pc);
        g.fill(diamond(x, y, r + 1.5));
      }
      case JOIN -> {
        g.setPaint(JOIN);
        g.fill(triangle(x, y, r + 4));
      }
      case LEAVE -> {
        g.setPaint(LEAVE);
        g.fill(new Rectangle2D.Double(x - r - 1, y - r - 1, 2 * r + 2, 2 * r + 2));
      }
      case FAILED -> {
        g.setPaint(Color.WHITE);
        g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
        cross(g, x, y, r, VIOLATION, 2f);
      }
      case LEADER -> {
        g.setPaint(LEADER);
        g.fill(star(x, y, r + 3));
        g.setPaint(INK);
        g.setStroke(new BasicStroke(1f));
        g.draw(star(x, y, r + 3));
      }
      case FAILOVER -> {
        g.setPaint(FAILOVER);
        g.fill(chevron(x, y, r + 2));
      }
    }
    label(g, n.lamport(), INK);
    if (n.text() != null) {
      Color c = n.shape() == Layout.Shape.FAILED ? VIOLATION : n.shape() == Layout.Shape.DELIVER ? pc : INK;
      label(g, n.text(), c);
      if (n.text2() != null) {
        label(g, n.text2(), c);
      }
    }
  }

  /**
   * Draws text. JFreeSVG's XML escaping leaves an {@code &} alone when it already starts one of the
   * five XML entities (so log text "&amp;lt;" would show as "<"); escaping every {@code &} first makes
   * the SVG show the log text exactly. {@code DiagramsTest} guards this.
   */
  static void text(Graphics2D g, String s, float x, float y) {
    g.drawString(g instanceof SVGGraphics2D ? s.replace("&", "&amp;") : s, x, y);
  }

  /** A text of the layout on a white halo that covers exactly its box. */
  static void label(Graphics2D g, Layout.Text t, Color color) {
    Box b = t.box();
    g.setPaint(new Color(255, 255, 255, 230));
    g.fill(new RoundRectangle2D.Double(b.x1(), b.y1(), b.x2() - b.x1(), b.y2() - b.y1(), 4, 4));
    g.setPaint(color);
    g.setFont(t.font());
    text(g, t.text(), (float) t.x(), (float) t.baseline());
  }

  static void arrowHead(Graphics2D g, double x1, double y1, double x2, double y2, double size) {
    double angle = Math.atan2(y2 - y1, x2 - x1);
    Path2D.Double head = new Path2D.Double();
    head.moveTo(x2, y2);
    head.lineTo(x2 - size * Math.cos(angle - 0.4), y2 - size * Math.sin(angle - 0.4));
    head.lineTo(x2 - size * Math.cos(angle + 0.4), y2 - size * Math.sin(angle + 0.4));
    head.closePath();
    g.fill(head);
  }

  static void cross(Graphics2D g, double x, double y, double r, Color c, float width) {
    g.setPaint(c);
    g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(new Line2D.Double(x - r, y - r, x + r, y + r));
    g.draw(new Line2D.Double(x - r, y + r, x + r, y - r));
  }

  static Path2D diamond(double x, double y, double r) {
    Path2D.Double d = new Path2D.Double();
    d.moveTo(x, y - r);
    d.lineTo(x + r, y);
    d.lineTo(x, y + r);
    d.lineTo(x - r, y);
    d.closePath();
    return d;
  }

  /** A five-pointed star: a replica became the leader. */
  static Path2D star(double x, double y, double r) {
    Path2D.Double p = new Path2D.Double();
    for (int k = 0; k < 10; k++) {
      double a = -Math.PI / 2 + k * Math.PI / 5;
      double d = k % 2 == 0 ? r : r * 0.45;
      if (k == 0) {
        p.moveTo(x + d * Math.cos(a), y + d * Math.sin(a));
      } else {
        p.lineTo(x + d * Math.cos(a), y + d * Math.sin(a));
      }
    }
    p.closePath();
    return p;
  }

  /** A right-pointing triangle: a participant moved to another replica. */
  static Path2D chevron(double x, double y, double r) {
    Path2D.Double t = new Path2D.Double();
    t.moveTo(x + r, y);
    t.lineTo(x - r * 0.8, y - r);
    t.lineTo(x - r * 0.8, y + r);
    t.closePath();
    return t;
  }

  static Path2D triangle(double x, double y, double r) {
    Path2D.Double t = new Path2D.Double();
    t.moveTo(x, y - r);
    t.lineTo(x + r, y + r * 0.8);
    t.lineTo(x - r, y + r * 0.8);
    t.closePath();
    return t;
  }

  /** Draws a legend symbol centred at (x, y). */
  @FunctionalInterface
  private interface Symbol {
    void draw(double x, double y);
  }

  private static void drawLegend(Graphics2D g, Layout l, double width) {
    double y0 = l.legendTop;
    g.setPaint(new Color(0xF5, 0xF7, 0xF8));
    g.fill(new Rectangle2D.Double(16, y0 - 4, width - 32, Layout.LEGEND_HEIGHT - 16));
    double r = Layout.DOT_RADIUS;
    double y = y0 + 18;
    g.setPaint(INK);
    g.setFont(Layout.LABEL_FONT.deriveFont(Font.BOLD));
    text(g, "Legend", 28f, (float) y + 4);
    double x = 100;
    x = item(g, x, y, "send", (cx, cy) -> {
      g.setPaint(INK);
      g.fill(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
    });
    x = item(g, x, y, "receive", (cx, cy) -> {
      g.setPaint(INK);
      g.setStroke(new BasicStroke(2f));
      g.draw(new Ellipse2D.Double(cx - r + 1, cy - r + 1, 2 * r - 2, 2 * r - 2));
    });
    x = item(g, x, y, "action (server: #seq of the chat event)", (cx, cy) -> {
      g.setPaint(processColor(0));
      g.fill(diamond(cx, cy, r + 1.5));
    });
    x = item(g, x, y, "deliver: #seq and the chat line", (cx, cy) -> {
      g.setPaint(processColor(1));
      g.fill(new Ellipse2D.Double(cx - r - 1.5, cy - r - 1.5, 2 * r + 3, 2 * r + 3));
    });
    x = item(g, x, y, "join", (cx, cy) -> {
      g.setPaint(JOIN);
      g.fill(triangle(cx, cy, r + 4));
    });
    x = item(g, x, y, "leave", (cx, cy) -> {
      g.setPaint(LEAVE);
      g.fill(new Rectangle2D.Double(cx - r - 1, cy - r - 1, 2 * r + 2, 2 * r + 2));
    });
    x = item(g, x, y, "crash, failed call, lost message", (cx, cy) -> cross(g, cx, cy, r + 1, VIOLATION, 2.5f));
    item(g, x, y, "event with a violation (see --check)", (cx, cy) -> {
      g.setPaint(VIOLATION);
      g.setStroke(new BasicStroke(2.5f));
      g.draw(new Ellipse2D.Double(cx - 9, cy - 9, 18, 18));
    });

    y = y0 + 50;
    x = 100;
    for (String rpc : new String[] {"Join", "Publish", "Broadcast", "Leave"}) {
      Color c = rpcColor(rpc);
      x = item(g, x, y, rpc + " request", (cx, cy) -> {
        g.setPaint(c);
        g.setStroke(new BasicStroke(1.7f));
        g.draw(new Line2D.Double(cx - 30, cy, cx + 6, cy));
        arrowHead(g, cx - 30, cy, cx + 6, cy, 9);
      }, 40);
    }
    x = item(g, x, y, "response (lighter, dashed)", (cx, cy) -> {
      g.setPaint(new Color(0x45, 0x5A, 0x64, 130));
      g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 3f}, 0f));
      g.draw(new Line2D.Double(cx - 30, cy, cx + 6, cy));
      arrowHead(g, cx - 30, cy, cx + 6, cy, 7);
    }, 40);
    if (!l.model.replicas().isEmpty()) {
      x = item(g, x, y, "Replicate (one per replica)", (cx, cy) -> {
        g.setPaint(REPLICATE);
        g.setStroke(new BasicStroke(0.9f));
        g.draw(new Line2D.Double(cx - 30, cy, cx + 6, cy));
        arrowHead(g, cx - 30, cy, cx + 6, cy, 7);
      }, 40);
      x = item(g, x, y, "leader", (cx, cy) -> {
        g.setPaint(LEADER);
        g.fill(star(cx, cy, r + 3));
      });
      x = item(g, x, y, "failover", (cx, cy) -> {
        g.setPaint(FAILOVER);
        g.fill(chevron(cx, cy, r + 2));
      });
    }
    g.setPaint(INK);
    g.setFont(Layout.LABEL_FONT);
    text(g, "Numbers above the dots are Lamport timestamps.", (float) x, (float) y + 4);
  }

  private static double item(Graphics2D g, double x, double y, String text, Symbol symbol) {
    return item(g, x, y, text, symbol, 0);
  }

  /** Draws one legend entry starting at x and returns where the next starts. */
  private static double item(Graphics2D g, double x, double y, String text, Symbol symbol, double extra) {
    symbol.draw(x + 8 + extra, y);
    g.setPaint(INK);
    g.setFont(Layout.LABEL_FONT);
    double tx = x + 22 + extra;
    text(g, text, (float) tx, (float) y + 4);
    return tx + Layout.textWidth(text, Layout.LABEL_FONT) + 26;
  }
}
