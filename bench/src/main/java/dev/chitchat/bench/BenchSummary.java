package dev.chitchat.bench;

import com.google.common.math.Quantiles;
import com.google.common.primitives.Doubles;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The spread of the key figures over repeated runs of the same benchmark ({@code chitchat bench
 * --runs K}): one summary per logging setting, with the median, the least and the greatest value
 * of each figure. On a machine whose p99 varies a lot between identical runs, the median over runs
 * is what to compare between commits, not one run.
 *
 * @param logging "off", or how the JSON Lines were written ({@link BenchResult#logging})
 * @param runs how many runs this summary covers, at least 1
 * @param toLastP99 p99 latency to the last participant, in ms
 * @param toLastP50 p50 latency to the last participant, in ms
 * @param deliveriesPerSecond deliveries per second
 * @param cpuMicrosPerDelivery the JVM's CPU time per delivery, in microseconds
 */
public record BenchSummary(
    String logging,
    int runs,
    Spread toLastP99,
    Spread toLastP50,
    Spread deliveriesPerSecond,
    Spread cpuMicrosPerDelivery) {

  /**
   * The median (Guava's {@link Quantiles#median}: the mean of the two middle values when the count
   * is even), the least and the greatest of a figure over the runs, in the figure's own unit.
   */
  public record Spread(double median, double min, double max) {

    static Spread of(List<BenchResult> results, ToDoubleFunction<BenchResult> figure) {
      double[] values = results.stream().mapToDouble(figure).toArray();
      return new Spread(
          Quantiles.median().compute(values), Doubles.min(values), Doubles.max(values));
    }

    JsonObject json() {
      JsonObject o = new JsonObject();
      o.addProperty("median", BenchResult.round(median, 3));
      o.addProperty("min", BenchResult.round(min, 3));
      o.addProperty("max", BenchResult.round(max, 3));
      return o;
    }
  }

  /**
   * One summary per logging setting, in the order the settings first appear in {@code results}.
   *
   * @param results the runs, in any order; at least one
   * @throws IllegalArgumentException if {@code results} is empty
   */
  public static List<BenchSummary> of(List<BenchResult> results) {
    if (results.isEmpty()) {
      throw new IllegalArgumentException("no runs to summarise");
    }
    Map<String, List<BenchResult>> byLogging = new LinkedHashMap<>();
    for (BenchResult r : results) {
      byLogging.computeIfAbsent(r.logging(), k -> new ArrayList<>()).add(r);
    }
    List<BenchSummary> summaries = new ArrayList<>();
    byLogging.forEach(
        (logging, runs) ->
            summaries.add(
                new BenchSummary(
                    logging,
                    runs.size(),
                    Spread.of(runs, r -> r.toLast().p99()),
                    Spread.of(runs, r -> r.toLast().p50()),
                    Spread.of(runs, BenchResult::deliveriesPerSecond),
                    Spread.of(runs, BenchResult::cpuMicrosPerDelivery))));
    return List.copyOf(summaries);
  }

  /**
   * One line for the table, in the form {@code logging buffered, 5 runs: to last p99 median M ms
   * (MIN-MAX), p50 median M ms (MIN-MAX); deliveries/s median M (MIN-MAX); cpu us/d median M
   * (MIN-MAX)}: the median, then the least and the greatest in brackets.
   */
  public String line() {
    return String.format(
        Locale.ROOT,
        "logging %s, %d runs: to last p99 median %.2f ms (%.2f-%.2f), p50 median %.2f ms"
            + " (%.2f-%.2f); deliveries/s median %.0f (%.0f-%.0f); cpu us/d median %.2f"
            + " (%.2f-%.2f)",
        logging, runs,
        toLastP99.median, toLastP99.min, toLastP99.max,
        toLastP50.median, toLastP50.min, toLastP50.max,
        deliveriesPerSecond.median, deliveriesPerSecond.min, deliveriesPerSecond.max,
        cpuMicrosPerDelivery.median, cpuMicrosPerDelivery.min, cpuMicrosPerDelivery.max);
  }

  /** This summary as one JSON object. */
  public JsonObject json() {
    JsonObject o = new JsonObject();
    o.addProperty("logging", logging);
    o.addProperty("runs", runs);
    o.add("toLastP99Ms", toLastP99.json());
    o.add("toLastP50Ms", toLastP50.json());
    o.add("deliveriesPerSecond", deliveriesPerSecond.json());
    o.add("cpuMicrosPerDelivery", cpuMicrosPerDelivery.json());
    return o;
  }
}
