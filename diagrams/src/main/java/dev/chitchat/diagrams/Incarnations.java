package dev.chitchat.diagrams;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A participant that joins again runs as a new process, {@code Bob-2}, {@code Bob-3}, ... (a
 * restarted server likewise: {@code server-2}); these are its incarnations, drawn right below the
 * first. Stateless.
 */
final class Incarnations {

  private static final Pattern NUMBERED = Pattern.compile("(.+)-(\\d{1,8})");

  private Incarnations() {}

  /**
   * The processes (indexes into {@code names}) that {@code shown} accepts, in the order of {@code
   * names} except that each later incarnation follows its first directly, in number order.
   */
  static List<Integer> rowOrder(List<String> names, IntPredicate shown) {
    Map<String, Integer> index = new HashMap<>();
    for (int p = 0; p < names.size(); p++) {
      index.put(names.get(p), p);
    }
    int[] base = new int[names.size()];
    int[] number = new int[names.size()];
    for (int p = 0; p < names.size(); p++) {
      base[p] = p;
      Matcher m = NUMBERED.matcher(names.get(p));
      if (m.matches() && index.containsKey(m.group(1))) {
        base[p] = index.get(m.group(1));
        number[p] = Integer.parseInt(m.group(2));
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int p = 0; p < names.size(); p++) {
      if (shown.test(p)) {
        order.add(p);
      }
    }
    order.sort(Comparator.comparingInt((Integer p) -> base[p]).thenComparingInt(p -> number[p]));
    return order;
  }

  /** Whether {@code later} ({@code Bob-2}) is an incarnation after {@code earlier} ({@code Bob}, {@code Bob-1}). */
  static boolean follows(String later, String earlier) {
    Matcher m = NUMBERED.matcher(later);
    if (!m.matches()) {
      return false;
    }
    String base = m.group(1);
    return earlier.equals(base) || NUMBERED.matcher(earlier).matches() && earlier.startsWith(base + "-");
  }
}
