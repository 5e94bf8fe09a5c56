package dev.chitchat.diagrams;

/**
 * An axis-aligned rectangle in layout pixels: what a label, a dot or a process line occupies.
 *
 * @param x1 left edge (pixels)
 * @param y1 top edge (pixels)
 * @param x2 right edge (pixels), at least {@code x1}
 * @param y2 bottom edge (pixels), at least {@code y1}
 */
record Box(double x1, double y1, double x2, double y2) {

  /** Whether the two rectangles share interior points (touching edges do not count). */
  boolean overlaps(Box o) {
    return x1 < o.x2 && o.x1 < x2 && y1 < o.y2 && o.y1 < y2;
  }

  /** Whether this lies within the horizontal range {@code from..to} (pixels). */
  boolean within(double from, double to) {
    return x1 >= from && x2 <= to;
  }
}
