package dev.chitchat.diagrams;

import java.util.Set;

/**
 * What to draw. An immutable value; {@link #defaults()} draws everything up to {@link
 * #DEFAULT_MAX_EVENTS} events.
 *
 * @param from the first Lamport time drawn (inclusive, Lamport ticks), or {@code null} for the start
 * @param to the last Lamport time drawn (inclusive, Lamport ticks), or {@code null} for the end
 * @param processes the processes to draw, or empty for all
 * @param hideResponses whether to leave out response legs (their arrows and their send and receive
 *     events)
 * @param maxEvents the most events drawn; the earliest (in the layout's order) are kept and the picture
 *     says that it was cut
 * @param labelChars the most characters (code points) of an event's text drawn under it, on up to
 *     two lines and cut with an ellipsis (the HTML's tooltip shows all)
 * @param showProbes whether to draw the server's probes (empty Broadcasts to idle participants,
 *     labelled {@code probe}); hidden by default, as they say nothing about the chat
 * @param layout the horizontal order of the events: {@link LayoutKind#CAUSAL} (the default) or
 *     {@link LayoutKind#LAMPORT}
 */
public record DiagramOptions(
    Long from, Long to, Set<String> processes, boolean hideResponses, int maxEvents, int labelChars,
    boolean showProbes, LayoutKind layout) {

  /** The default cap on drawn events: a picture that is still readable and quick to write. */
  public static final int DEFAULT_MAX_EVENTS = 2000;

  /** The default number of characters (code points) of an event's text drawn under it. */
  public static final int DEFAULT_LABEL_CHARS = 48;

  public DiagramOptions {
    layout = layout == null ? LayoutKind.CAUSAL : layout;
    processes = processes == null ? Set.of() : Set.copyOf(processes);
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be at least 1, was " + maxEvents);
    }
    if (labelChars < 4) {
      throw new IllegalArgumentException("labelChars must be at least 4, was " + labelChars);
    }
    if (from != null && to != null && from > to) {
      throw new IllegalArgumentException("--from " + from + " is after --to " + to);
    }
  }

  /** Everything, capped at {@link #DEFAULT_MAX_EVENTS}. */
  public static DiagramOptions defaults() {
    return new DiagramOptions(null, null, Set.of(), false, DEFAULT_MAX_EVENTS, DEFAULT_LABEL_CHARS, false, LayoutKind.CAUSAL);
  }

  /** This, drawing Lamport times {@code from..to} (either may be {@code null}). */
  public DiagramOptions window(Long from, Long to) {
    return new DiagramOptions(from, to, processes, hideResponses, maxEvents, labelChars, showProbes, layout);
  }

  /** This, drawing only the named processes (empty: all). */
  public DiagramOptions processes(Set<String> names) {
    return new DiagramOptions(from, to, names, hideResponses, maxEvents, labelChars, showProbes, layout);
  }

  /** This, with or without response legs. */
  public DiagramOptions hideResponses(boolean hide) {
    return new DiagramOptions(from, to, processes, hide, maxEvents, labelChars, showProbes, layout);
  }

  /** This, drawing at most {@code max} events. */
  public DiagramOptions maxEvents(int max) {
    return new DiagramOptions(from, to, processes, hideResponses, max, labelChars, showProbes, layout);
  }

  /** This, drawing at most {@code chars} characters of chat text per event. */
  public DiagramOptions labelChars(int chars) {
    return new DiagramOptions(from, to, processes, hideResponses, maxEvents, chars, showProbes, layout);
  }

  /** This, with the given horizontal order. */
  public DiagramOptions layout(LayoutKind kind) {
    return new DiagramOptions(from, to, processes, hideResponses, maxEvents, labelChars, showProbes, kind);
  }

  /** This, drawing the server's probes too. */
  public DiagramOptions showProbes(boolean show) {
    return new DiagramOptions(from, to, processes, hideResponses, maxEvents, labelChars, show, layout);
  }
}
