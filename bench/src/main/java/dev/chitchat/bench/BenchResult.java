package dev.chitchat.bench;

import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The figures of one benchmark run. Rates in messages/s (publishes) and events/s (deliveries);
 * latencies in milliseconds, from just before the Publish call (open loop: the scheduled time of
 * the call, so a late publisher counts against the latency) to the participant's delivery.
 *
 * @param settings what was run
 * @param seconds the measured time, in s
 * @param published Publish calls answered OK in the window
 * @param publishErrors Publish calls that failed in the whole run
 * @param publishesPerSecond published / seconds
 * @param deliveriesPerSecond deliveries (each participant's, of any message) in the window / seconds
 * @param delivery per-delivery latency, p50, p99, p99.9 and max
 * @param toLast latency to the last of the N participants, p50, p99, p99.9 and max
 * @param messagesMeasured messages published in the window
 * @param backlogAtEnd messages published in the window that had not reached every participant when
 *     the window closed
 * @param drainMillis how long after the window the last of them reached every participant, in ms
 * @param incomplete messages published in the window that never reached every participant (within
 *     the drain timeout)
 * @param publisherLagMillis open loop: the most a Publish call started after its scheduled time,
 *     in ms
 * @param participantsLeft participants still members at the end (N if none was removed)
 * @param heapUsedMb heap used after a full GC at the end of the window (the whole JVM: server and
 *     participants), in MB
 * @param maxQueue the server's queue bound that was used, in events
 * @param cpuMicrosPerDelivery CPU time the JVM used in the window (all threads: server,
 *     participants, publishers, logging) per delivery, in microseconds; less sensitive than the
 *     rates to other load on the machine
 * @param gc the garbage collections in the window: every one stops all threads, so their pauses
 *     show in the latency tail
 */
public record BenchResult(
    BenchSettings settings,
    double seconds,
    long published,
    long publishErrors,
    double publishesPerSecond,
    double deliveriesPerSecond,
    Latency delivery,
    Latency toLast,
    long messagesMeasured,
    long backlogAtEnd,
    double drainMillis,
    long incomplete,
    double publisherLagMillis,
    int participantsLeft,
    double heapUsedMb,
    int maxQueue,
    double cpuMicrosPerDelivery,
    Gc gc) {

  /**
   * Garbage collections in the measured window, as the JVM's collector beans count them.
   *
   * @param collections how many collections ran
   * @param pauseMillis their summed time, in ms (for the parallel and serial collectors, all of it
   *     stop-the-world pause)
   */
  public record Gc(long collections, double pauseMillis) {
    /** The average time of one collection, in ms; 0 when none ran. */
    public double averageMillis() {
      return collections == 0 ? 0 : pauseMillis / collections;
    }
  }

  /** Latency percentiles in ms. */
  public record Latency(long count, double p50, double p99, double p999, double max) {
    static Latency of(Histogram h) {
      return new Latency(
          h.getTotalCount(),
          ms(h.getValueAtPercentile(50)),
          ms(h.getValueAtPercentile(99)),
          ms(h.getValueAtPercentile(99.9)),
          ms(h.getMaxValue()));
    }

    private static double ms(long nanos) {
      return nanos / 1e6;
    }

    JsonObject json() {
      JsonObject o = new JsonObject();
      o.addProperty("count", count);
      o.addProperty("p50Ms", round(p50, 3));
      o.addProperty("p99Ms", round(p99, 3));
      o.addProperty("p999Ms", round(p999, 3));
      o.addProperty("maxMs", round(max, 3));
      return o;
    }
  }

  /**
   * "rate 10000/s" or "closed loop (window 64)", followed by ", 3 replicas" when the run started
   * replicas.
   */
  public String mode() {
    String mode = settings.closedLoop()
        ? "closed loop (window " + settings.window() + ")"
        : "rate " + settings.rate() + "/s";
    return settings.replicated() ? mode + ", " + settings.servers() + " replicas" : mode;
  }

  /** "off", or how the JSON Lines were written: "buffered", "flushed" or "async". */
  public String logging() {
    return !settings.logging() ? "off" : settings.writer().name().toLowerCase(Locale.ROOT);
  }

  /** This result as one JSON object (fractions rounded to what the measurement can tell). */
  public JsonObject json() {
    JsonObject o = new JsonObject();
    o.addProperty("mode", settings.closedLoop() ? "closed" : "rate");
    o.addProperty("rate", settings.rate());
    o.addProperty("window", settings.window());
    o.addProperty("participants", settings.participants());
    o.addProperty("servers", settings.servers());
    o.addProperty("messageChars", settings.messageChars());
    o.addProperty("logging", logging());
    o.addProperty("maxInFlight", settings.maxInFlight());
    o.addProperty("eventLoops",
        settings.eventLoops() > 0 ? Integer.toString(settings.eventLoops()) : "default");
    o.addProperty("warmupSeconds", settings.warmup().toSeconds());
    o.addProperty("seconds", round(seconds, 3));
    o.addProperty("maxQueue", maxQueue);
    o.addProperty("published", published);
    o.addProperty("publishErrors", publishErrors);
    o.addProperty("publishesPerSecond", round(publishesPerSecond, 1));
    o.addProperty("deliveriesPerSecond", round(deliveriesPerSecond, 1));
    o.add("delivery", delivery.json());
    o.add("toLast", toLast.json());
    o.addProperty("messagesMeasured", messagesMeasured);
    o.addProperty("backlogAtEnd", backlogAtEnd);
    o.addProperty("drainMs", round(drainMillis, 1));
    o.addProperty("incomplete", incomplete);
    o.addProperty("publisherLagMs", round(publisherLagMillis, 3));
    o.addProperty("participantsLeft", participantsLeft);
    o.addProperty("heapUsedMb", round(heapUsedMb, 1));
    o.addProperty("cpuMicrosPerDelivery", round(cpuMicrosPerDelivery, 3));
    o.addProperty("gcCollections", gc.collections());
    o.addProperty("gcMs", round(gc.pauseMillis(), 1));
    return o;
  }

  /** {@code value} rounded to {@code decimals} places, for the JSON. */
  static double round(double value, int decimals) {
    return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_EVEN).doubleValue();
  }
}
