package dev.chitchat.diagrams;

/**
 * How the events of a space-time diagram are ordered from left to right.
 */
public enum LayoutKind {
  /**
   * A topological order of happens-before, concurrent events ordered by the wall-clock {@code time}
   * of their log lines ({@link CausalOrder}): every arrow points forward and each event is drawn
   * where it happened relative to the others, so a late joiner's row starts where it joined.
   */
  CAUSAL,
  /**
   * By Lamport timestamp alone (Lamport 1978): events with equal timestamps share a column. Every
   * arrow points forward too, but a process whose clock is low (a late joiner) is drawn early.
   */
  LAMPORT
}
