package dev.chitchat.diagrams;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.jfree.svg.SVGGraphics2D;

/**
 * The entry point for programs: reads a run's logs, checks them and writes the diagrams.
 *
 * <pre>{@code
 * DiagramResult r = Diagrams.render(runDir, runDir);
 * System.out.println("Diagram: " + r.svg());
 * }</pre>
 *
 * <p>Files written into the output directory: {@value #SVG}, {@value #PNG} (the same picture, drawn
 * by the same Java2D routine), {@value #HTML}, {@value #MERMAID} and {@value #SHIVIZ}. A picture
 * wider than a page ({@link Layout#PAGE_WIDTH}) continues in {@code diagram-2.svg}, {@code
 * diagram-2.png}, ...; a Mermaid file longer than Mermaid's default limit continues in {@code
 * diagram-2.mmd}, .... Existing files are replaced, and pages or parts of an earlier drawing that
 * this one does not have are deleted. Stateless and thread-safe (each call works on its own data);
 * the pages of one drawing are drawn in parallel on the common fork-join pool. AWT runs headless if
 * the caller set {@code java.awt.headless=true}, which is advisable on servers.
 */
public final class Diagrams {

  /** The SVG picture's file name. */
  public static final String SVG = "diagram.svg";
  /** The PNG picture's file name. */
  public static final String PNG = "diagram.png";
  /** The interactive page's file name. */
  public static final String HTML = "diagram.html";
  /** The Mermaid sequence diagram's file name. */
  public static final String MERMAID = "diagram.mmd";
  /** The ShiViz log's file name. */
  public static final String SHIVIZ = "shiviz.log";

  /** A PNG page is at most this many pixels wide or high; larger pages are scaled down. */
  public static final int MAX_PNG_PIXELS = 16_000;

  /**
   * Pixels per layout pixel in the PNG pages: the smallest text (10 layout pixels) is 15 pixels high
   * at 100%, and still 10 when a page is fitted to a 1,920-pixel screen or projector. A larger scale
   * looks the same when fitted, and costs its square in encoding time and file size.
   */
  public static final double PNG_SCALE = 1.5;

  private Diagrams() {}

  /**
   * Checks the logs of a run directory (or one {@code .jsonl} file).
   *
   * @throws IOException if a log cannot be read, or there is none ({@link RunModel.NoLogsException})
   */
  public static CheckReport check(Path runDir) throws IOException {
    return ClockChecker.check(RunModel.read(runDir));
  }

  /**
   * Reads every {@code *.jsonl} file of {@code runDir}, checks it and writes all the files (SVG and
   * PNG pages, HTML, Mermaid parts, ShiViz log) into {@code outDir} (created if missing), with
   * {@link DiagramOptions#defaults()}.
   *
   * @throws IOException if a log cannot be read, there is none ({@link RunModel.NoLogsException}),
   *     or an output cannot be written
   */
  public static DiagramResult render(Path runDir, Path outDir) throws IOException {
    return render(List.of(runDir), outDir, DiagramOptions.defaults());
  }

  /**
   * Like {@link #render(Path, Path)}, for run directories and/or {@code .jsonl} files, with options.
   */
  public static DiagramResult render(List<Path> inputs, Path outDir, DiagramOptions options)
      throws IOException {
    RunModel model = RunModel.read(inputs);
    return render(model, ClockChecker.check(model), titleOf(inputs), outDir, options);
  }

  static String titleOf(List<Path> inputs) {
    Path first = inputs.get(0).toAbsolutePath().normalize();
    Path name = first.getFileName();
    return "Chitty-Chat \u2014 Lamport space-time diagram of "
        + (name == null ? first.toString() : name.toString())
        + (inputs.size() > 1 ? " and " + (inputs.size() - 1) + " more" : "");
  }

  /** Writes all files for a model that was already read and checked. */
  static DiagramResult render(
      RunModel model, CheckReport report, String title, Path outDir, DiagramOptions options)
      throws IOException {
    Files.createDirectories(outDir);
    deleteOldParts(outDir);
    Layout layout = layout(model, report, title, options);

    List<Path> svgPages = new ArrayList<>();
    List<Path> pngPages = new ArrayList<>();
    for (int k = 0; k < layout.pages.size(); k++) {
      svgPages.add(outDir.resolve(numbered(SVG, k + 1)));
      pngPages.add(outDir.resolve(numbered(PNG, k + 1)));
    }
    // Pages are independent pictures of a read-only layout: drawn and encoded in parallel.
    try {
      IntStream.range(0, layout.pages.size()).parallel().forEach(k -> {
        try {
          Files.writeString(svgPages.get(k),
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg(layout, k) + "\n", StandardCharsets.UTF_8);
          ImageIO.write(png(layout, k), "png", pngPages.get(k).toFile());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }

    Path htmlFile = outDir.resolve(HTML);
    Files.writeString(htmlFile, HtmlExporter.export(layout), StandardCharsets.UTF_8);

    List<Path> mermaidParts = new ArrayList<>();
    List<String> parts = MermaidExporter.export(layout, MermaidExporter.MAX_CHARS);
    for (int k = 0; k < parts.size(); k++) {
      Path mmdFile = outDir.resolve(numbered(MERMAID, k + 1));
      Files.writeString(mmdFile, parts.get(k), StandardCharsets.UTF_8);
      mermaidParts.add(mmdFile);
    }

    Path shivizFile = outDir.resolve(SHIVIZ);
    try (BufferedWriter w = Files.newBufferedWriter(shivizFile, StandardCharsets.UTF_8)) {
      ShiVizExporter.export(model, w);
    }
    return new DiagramResult(
        svgPages, pngPages, htmlFile, mermaidParts, shivizFile, model.processes(), model.eventCount(),
        model.messages().size(), layout.nodes.size(), layout.warning, report);
  }

  /** {@code diagram.svg} for part 1, {@code diagram-2.svg} for part 2, and so on. */
  static String numbered(String file, int part) {
    if (part == 1) {
      return file;
    }
    int dot = file.lastIndexOf('.');
    return file.substring(0, dot) + "-" + part + file.substring(dot);
  }

  /** Removes the pages and parts of an earlier drawing, which may have had more. */
  private static void deleteOldParts(Path outDir) throws IOException {
    try (var listing = Files.list(outDir)) {
      for (Path f : (Iterable<Path>) listing::iterator) {
        if (f.getFileName().toString().matches("diagram-[0-9]+\\.(svg|png|mmd)")) {
          Files.delete(f);
        }
      }
    }
  }

  static Layout layout(RunModel model, CheckReport report, String title, DiagramOptions options) {
    BitSet flagged = new BitSet(model.eventCount());
    report.violations().forEach(v -> {
      if (v.event() >= 0) {
        flagged.set(v.event());
      }
    });
    String summary =
        model.processes().size() + " processes \u00b7 " + model.eventCount() + " events \u00b7 "
            + model.messages().size() + " messages \u00b7 " + report.chatEvents() + " chat events \u00b7 "
            + (report.consistent() ? "all checks pass" : report.violations().size() + " violations (red rings)");
    return Layout.of(model, options, flagged, title, summary);
  }

  /** Page {@code k} as an SVG element (no XML declaration), with ids, classes and data attributes. */
  static String svg(Layout layout, int k) {
    SVGGraphics2D g =
        new SVGGraphics2D(Math.ceil(DiagramPainter.pageWidth(layout, k)), Math.ceil(DiagramPainter.pageHeight(layout)));
    DiagramPainter.paint(g, layout, k);
    return g.getSVGElement("diagram");
  }

  /**
   * Page {@code k} as an image at {@link #PNG_SCALE} pixels per layout pixel; only a page taller
   * than {@link #MAX_PNG_PIXELS} (some hundred processes) is scaled down to fit.
   */
  static BufferedImage png(Layout layout, int k) {
    double width = DiagramPainter.pageWidth(layout, k);
    double height = DiagramPainter.pageHeight(layout);
    double scale = Math.min(PNG_SCALE, Math.min(MAX_PNG_PIXELS / width, MAX_PNG_PIXELS / height));
    int w = (int) Math.ceil(width * scale);
    int h = (int) Math.ceil(height * scale);
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.scale(scale, scale);
      DiagramPainter.paint(g, layout, k);
    } finally {
      g.dispose();
    }
    return image;
  }

  /**
   * A one-screen summary: processes, events, messages, the result of each check with up to {@code
   * maxListed} violations, and the files written (if any).
   */
  public static String summary(DiagramResult r, int maxListed) {
    StringBuilder b = new StringBuilder();
    b.append("Processes: ").append(r.processes().size()).append(" (")
        .append(r.processes().stream().map(ClockChecker::text).collect(Collectors.joining(", "))).append(")\n");
    b.append("Events:    ").append(r.events()).append(" (").append(r.drawnEvents()).append(" drawn)\n");
    b.append("Messages:  ").append(r.messages()).append(" matched send/receive pairs\n");
    appendChecks(b, r.report(), maxListed);
    if (r.warning() != null) {
      b.append(r.warning()).append('\n');
    }
    b.append("Diagram:   ").append(r.svg()).append('\n');
    if (r.svgPages().size() > 1) {
      b.append("Pages:     ").append(r.svgPages().size()).append(" (").append(r.svg().getFileName()).append(" to ")
          .append(r.svgPages().get(r.svgPages().size() - 1).getFileName()).append(", and .png)\n");
    }
    b.append("Also:      ").append(r.png().getFileName()).append(", ").append(r.html().getFileName())
        .append(", ").append(r.mermaid().getFileName())
        .append(r.mermaidParts().size() > 1 ? " (" + r.mermaidParts().size() + " parts)" : "")
        .append(", ").append(r.shiviz().getFileName()).append('\n');
    return b.toString();
  }

  static void appendChecks(StringBuilder b, CheckReport report, int maxListed) {
    b.append("Chat:      ").append(report.chatEvents()).append(" chat events, ").append(report.deliveries())
        .append(" deliveries\n");
    b.append("Violations: ").append(report.violations().size())
        .append(report.consistent() ? " (the logs are consistent)" : "")
        .append("; notes: ").append(report.notes().size()).append(" (expected around crashes and failed calls)\n");
    for (Check c : Check.values()) {
      long n = report.count(c);
      b.append(String.format("  check %d %-4s %s%n", c.number(), n == 0 ? "ok" : n + "!", c.description()));
    }
    report.violations().stream().limit(maxListed).forEach(v -> b.append("  ").append(v).append('\n'));
    if (report.violations().size() > maxListed) {
      b.append("  ... and ").append(report.violations().size() - maxListed).append(" more (use --check)\n");
    }
  }
}
