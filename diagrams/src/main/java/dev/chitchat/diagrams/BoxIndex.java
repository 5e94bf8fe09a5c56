package dev.chitchat.diagrams;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The occupied rectangles of a diagram in a uniform grid of {@value #CELL}-pixel cells, so that
 * asking whether a new label would overlap one costs time proportional to its neighbours, not to the
 * whole picture. Not thread-safe.
 */
final class BoxIndex {

  private static final double CELL = 64;

  private final Map<Long, List<Box>> cells = new HashMap<>();

  /** Records {@code b} as occupied. */
  void add(Box b) {
    forCells(b, key -> cells.computeIfAbsent(key, k -> new ArrayList<>()).add(b));
  }

  /** Whether {@code b} overlaps a recorded rectangle. */
  boolean overlapsAny(Box b) {
    boolean[] hit = new boolean[1];
    forCells(b, key -> {
      if (!hit[0]) {
        for (Box o : cells.getOrDefault(key, List.of())) {
          if (o.overlaps(b)) {
            hit[0] = true;
            return;
          }
        }
      }
    });
    return hit[0];
  }

  private static void forCells(Box b, java.util.function.LongConsumer action) {
    long cx1 = (long) Math.floor(b.x1() / CELL);
    long cx2 = (long) Math.floor(b.x2() / CELL);
    long cy1 = (long) Math.floor(b.y1() / CELL);
    long cy2 = (long) Math.floor(b.y2() / CELL);
    for (long cx = cx1; cx <= cx2; cx++) {
      for (long cy = cy1; cy <= cy2; cy++) {
        action.accept((cx << 24) ^ (cy & 0xFFFFFF));
      }
    }
  }
}
