package dev.chitchat.diagrams;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.chitchat.logging.LoggedEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@code diagram.html}: one self-contained page (no network) that draws the whole {@link
 * Layout}, unpaged, with a script from a JSON block of the layout's geometry (pixels) and, for every
 * drawn event, its process, Lamport and vector timestamps, RPC and full text. The page keeps the
 * process names visible while scrolling, zooms, searches event texts, collapses runs of local events,
 * hides processes (the rows below close up) or highlights them; hovering an event shows everything
 * about it, clicking it rings its causal past, its causal future and the events concurrent with it
 * (Fidge/Mattern vector-clock comparison).
 *
 * <p>Escaping: the JSON block is written by Gson with HTML-safe escaping ({@code <}, {@code >},
 * {@code &}, {@code =}, {@code '} as {@code \\uXXXX}), the title is HTML-escaped, and the script
 * writes log text only through {@code textContent}. Stateless and thread-safe.
 */
final class HtmlExporter {

  private static final Gson GSON = new GsonBuilder().disableInnerClassSerialization().create();

  private HtmlExporter() {}

  static String export(Layout l) {
    String template;
    try (InputStream in = HtmlExporter.class.getResourceAsStream("diagram.html")) {
      if (in == null) {
        throw new IllegalStateException("diagram.html template missing from the jar");
      }
      template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return template.replace("{{TITLE}}", escapeHtml(l.title)).replace("{{DATA}}", data(l));
  }

  static String data(Layout l) {
    RunModel m = l.model;
    JsonObject root = new JsonObject();
    JsonArray procs = new JsonArray();
    m.processes().forEach(procs::add);
    root.add("procs", procs);
    JsonArray subtitle = new JsonArray();
    l.subtitle.forEach(subtitle::add);
    root.add("subtitle", subtitle);
    add(root, "warning", l.warning);
    root.addProperty("causal", l.options.layout() == LayoutKind.CAUSAL);
    root.addProperty("width", round(l.width));
    root.addProperty("plotLeft", round(l.plotLeft));
    root.addProperty("rowGap", Layout.ROW_GAP);
    root.addProperty("firstRowY", Layout.rowY(0));
    JsonArray rows = new JsonArray();
    for (Layout.Row r : l.rows) {
      JsonObject o = new JsonObject();
      o.addProperty("p", r.process());
      o.addProperty("name", r.name());
      if (r.hasLine()) {
        o.addProperty("x1", round(r.startX()));
        o.addProperty("x2", round(r.endX()));
      }
      if (!Double.isNaN(r.crashX())) {
        o.addProperty("cx", round(r.crashX()));
        o.add("ct", text(r.crashText(), r.y()));
      }
      rows.add(o);
    }
    root.add("rows", rows);
    JsonArray events = new JsonArray();
    for (Layout.Node n : l.nodes) {
      int i = n.event();
      LoggedEvent e = m.event(i);
      JsonObject o = new JsonObject();
      o.addProperty("i", i);
      o.addProperty("p", m.processOf(i));
      o.addProperty("row", n.row());
      o.addProperty("x", round(n.x()));
      o.addProperty("shape", n.shape().name().toLowerCase(java.util.Locale.ROOT));
      if (n.violation()) {
        o.addProperty("bad", true);
      }
      o.add("lt", text(n.lamport(), n.y()));
      if (n.text() != null) {
        o.add("tt", text(n.text(), n.y()));
        if (n.text2() != null) {
          o.add("tt2", text(n.text2(), n.y()));
        }
      }
      o.addProperty("l", e.lamport());
      JsonArray v = new JsonArray();
      for (int x : m.vectorClock(i)) {
        v.add(x);
      }
      o.add("v", v);
      o.addProperty("k", e.kind());
      add(o, "rpc", e.rpc());
      add(o, "leg", e.leg());
      add(o, "peer", e.peer());
      add(o, "action", e.action());
      add(o, "status", e.status());
      add(o, "text", e.text());
      if (e.seq() != null) {
        o.addProperty("seq", e.seq());
      }
      if (e.messageLamport() != null) {
        o.addProperty("ml", e.messageLamport());
      }
      o.addProperty("loc", e.location());
      events.add(o);
    }
    root.add("events", events);
    JsonArray arrows = new JsonArray();
    for (Layout.Arrow a : l.arrows) {
      JsonObject o = line(a.fromRow(), a.toRow(), a.x1(), a.y1(), a.x2(), a.y2(), a.label());
      o.addProperty("s", a.send());
      o.addProperty("r", a.receive());
      o.addProperty("rpc", a.rpc());
      o.addProperty("resp", a.response());
      add(o, "status", a.status());
      o.addProperty("stub", a.stub());
      o.addProperty("lost", a.lost());
      arrows.add(o);
    }
    root.add("arrows", arrows);
    JsonArray links = new JsonArray();
    for (Layout.Link k : l.links) {
      links.add(line(k.fromRow(), k.toRow(), k.x1(), k.y1(), k.x2(), k.y2(), k.label()));
    }
    root.add("links", links);
    return GSON.toJson(root);
  }

  /** A line between two rows: the rows, its ends (pixels) and its label, if any. */
  private static JsonObject line(int fromRow, int toRow, double x1, double y1, double x2, double y2, Layout.Text label) {
    JsonObject o = new JsonObject();
    o.addProperty("fr", fromRow);
    o.addProperty("tr", toRow);
    o.addProperty("x1", round(x1));
    o.addProperty("y1", round(y1));
    o.addProperty("x2", round(x2));
    o.addProperty("y2", round(y2));
    if (label != null) {
      o.add("lab", text(label, 0));
    }
    return o;
  }

  /** A text as {t, x, dy}: {@code dy} is its baseline relative to {@code y} (its row's line). */
  private static JsonObject text(Layout.Text t, double y) {
    JsonObject o = new JsonObject();
    o.addProperty("t", t.text());
    o.addProperty("x", round(t.x()));
    o.addProperty("dy", round(t.baseline() - y));
    return o;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static void add(JsonObject o, String key, String value) {
    if (value != null) {
      o.addProperty(key, value);
    }
  }

  static String escapeHtml(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
