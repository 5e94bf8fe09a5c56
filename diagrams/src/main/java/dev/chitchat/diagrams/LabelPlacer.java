package dev.chitchat.diagrams;

import java.util.List;

/**
 * Places the labels of arrows and links where they overlap nothing already drawn: the dots, texts,
 * process lines and labels recorded with {@link #occupy}. A label is written horizontally, centred
 * on the first of a few points along its line (the middle first) where its box is free and lies
 * within one page. Not thread-safe; one per {@link Layout}.
 */
final class LabelPlacer {

  /** Where along a line (0 = its start, 1 = its end) a label is tried, in order. */
  private static final double[] ALONG = {0.5, 0.38, 0.62, 0.26, 0.74, 0.15, 0.85};

  private final BoxIndex occupied = new BoxIndex();
  private final double plotLeft;
  private final List<Double> pageStarts;

  /**
   * @param plotLeft the left edge of the plot (pixels): no label goes left of it
   * @param pageStarts the left edges of the pages (pixels), ascending; read when placing, so pages
   *     added later count
   */
  LabelPlacer(double plotLeft, List<Double> pageStarts) {
    this.plotLeft = plotLeft;
    this.pageStarts = pageStarts;
  }

  /** Records a rectangle as taken. */
  void occupy(Box b) {
    occupied.add(b);
  }

  /**
   * A label in {@link Layout#ARROW_FONT} centred on the first free point of the segment from
   * ({@code x1}, {@code y1}) to ({@code x2}, {@code y2}), recorded as taken; or null when there is
   * none.
   */
  Layout.Text place(String text, double x1, double y1, double x2, double y2) {
    double w = Layout.textWidth(text, Layout.ARROW_FONT);
    for (double t : ALONG) {
      double cx = x1 + (x2 - x1) * t;
      double cy = y1 + (y2 - y1) * t;
      Layout.Text candidate = new Layout.Text(text, Layout.ARROW_FONT, cx - w / 2, cy + 3.5);
      Box b = candidate.box();
      if (!occupied.overlapsAny(b) && withinOnePage(b)) {
        occupied.add(b);
        return candidate;
      }
    }
    return null;
  }

  private boolean withinOnePage(Box b) {
    if (b.x1() < plotLeft) {
      return false;
    }
    for (int k = 0; k < pageStarts.size(); k++) {
      double from = pageStarts.get(k);
      double to = k + 1 < pageStarts.size() ? pageStarts.get(k + 1) : Double.MAX_VALUE;
      if (b.within(from, to)) {
        return true;
      }
    }
    return false;
  }
}
