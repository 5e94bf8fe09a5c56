package dev.chitchat.diagrams;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Diagrams#render} wrote and found. An immutable value.
 *
 * @param svgPages the SVG pages: {@code diagram.svg}, then {@code diagram-2.svg}, ...
 * @param pngPages the PNG pages, the same pictures: {@code diagram.png}, {@code diagram-2.png}, ...
 * @param html {@code diagram.html}, the interactive page (the whole picture, unpaged)
 * @param mermaidParts the Mermaid sequence diagram: {@code diagram.mmd}, then {@code
 *     diagram-2.mmd}, ... (each within Mermaid's default text limit and valid alone)
 * @param shiviz {@code shiviz.log}, for ShiViz
 * @param processes the process names, server first
 * @param events the number of events read
 * @param messages the number of matched messages (send/receive pairs)
 * @param drawnEvents the number of events drawn (after window, process selection and cap)
 * @param warning why the drawing was cut, or {@code null}
 * @param report the checks' result
 */
public record DiagramResult(
    List<Path> svgPages,
    List<Path> pngPages,
    Path html,
    List<Path> mermaidParts,
    Path shiviz,
    List<String> processes,
    int events,
    int messages,
    int drawnEvents,
    String warning,
    CheckReport report) {

  public DiagramResult {
    processes = List.copyOf(processes);
    svgPages = List.copyOf(svgPages);
    pngPages = List.copyOf(pngPages);
    mermaidParts = List.copyOf(mermaidParts);
  }

  /** The first SVG page, {@code diagram.svg}. */
  public Path svg() {
    return svgPages.get(0);
  }

  /** The first PNG page, {@code diagram.png}. */
  public Path png() {
    return pngPages.get(0);
  }

  /** The first Mermaid part, {@code diagram.mmd}. */
  public Path mermaid() {
    return mermaidParts.get(0);
  }

  /** The files written: the SVG and PNG pages, the HTML, the Mermaid parts and the ShiViz log. */
  public List<Path> files() {
    List<Path> all = new java.util.ArrayList<>(svgPages);
    all.addAll(pngPages);
    all.add(html);
    all.addAll(mermaidParts);
    all.add(shiviz);
    return List.copyOf(all);
  }
}
