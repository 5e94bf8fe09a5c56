package dev.chitchat.diagrams;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Diagrams#render} wrote and found. An immutable value.
 *
 * @param svg {@code diagram.svg}
 * @param png {@code diagram.png}, the same picture
 * @param html {@code diagram.html}, the interactive page
 * @param mermaid {@code diagram.mmd}, a Mermaid sequence diagram
 * @param shiviz {@code shiviz.log}, for ShiViz
 * @param processes the process names, server first
 * @param events the number of events read
 * @param messages the number of matched messages (send/receive pairs)
 * @param drawnEvents the number of events drawn (after window, process selection and cap)
 * @param warning why the drawing was cut, or {@code null}
 * @param report the checks' result
 */
public record DiagramResult(
    Path svg,
    Path png,
    Path html,
    Path mermaid,
    Path shiviz,
    List<String> processes,
    int events,
    int messages,
    int drawnEvents,
    String warning,
    CheckReport report) {

  public DiagramResult {
    processes = List.copyOf(processes);
  }

  /** The files written, in the order svg, png, html, mermaid, shiviz. */
  public List<Path> files() {
    return List.of(svg, png, html, mermaid, shiviz);
  }
}
