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
 * Writes {@code diagram.html}: one self-contained page (no network) with the SVG of {@link
 * DiagramPainter} inline and a small script. The script reads, for every drawn event, its process,
 * Lamport and vector timestamps, RPC and text from a JSON block built from the same {@link Layout};
 * hovering shows them, clicking an event rings its causal past, its causal future and the events
 * concurrent with it (Fidge/Mattern vector-clock comparison), and check boxes hide processes.
 *
 * <p>Escaping: the JSON block is written by Gson with HTML-safe escaping ({@code <}, {@code >},
 * {@code &}, {@code =}, {@code '} as {@code \\uXXXX}), the title is HTML-escaped, and the script
 * writes log text only through {@code textContent}. Stateless and thread-safe.
 */
final class HtmlExporter {

  private static final Gson GSON = new GsonBuilder().disableInnerClassSerialization().create();

  private HtmlExporter() {}

  static String export(Layout l, String svgElement) {
    String template;
    try (InputStream in = HtmlExporter.class.getResourceAsStream("diagram.html")) {
      if (in == null) {
        throw new IllegalStateException("diagram.html template missing from the jar");
      }
      template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return template
        .replace("{{TITLE}}", escapeHtml(l.title))
        .replace("{{DATA}}", data(l))
        .replace("{{SVG}}", svgElement);
  }

  static String data(Layout l) {
    RunModel m = l.model;
    JsonObject root = new JsonObject();
    JsonArray procs = new JsonArray();
    m.processes().forEach(procs::add);
    root.add("procs", procs);
    JsonArray shown = new JsonArray();
    l.rows.forEach(r -> shown.add(r.process()));
    root.add("shown", shown);
    JsonArray events = new JsonArray();
    for (Layout.Node n : l.nodes) {
      int i = n.event();
      LoggedEvent e = m.event(i);
      JsonObject o = new JsonObject();
      o.addProperty("i", i);
      o.addProperty("p", m.processOf(i));
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
      o.addProperty("x", Math.round(n.x() * 10) / 10.0);
      o.addProperty("y", Math.round(n.y() * 10) / 10.0);
      events.add(o);
    }
    root.add("events", events);
    return GSON.toJson(root);
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
