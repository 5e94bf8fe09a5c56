package dev.chitchat.bench;

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

    String json() {
      return String.format(Locale.ROOT,
          "{\"count\":%d,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f}",
          count, p50, p99, p999, max);
    }
  }

  /** "rate 10000/s" or "closed loop (window 64)". */
  public String mode() {
    return settings.closedLoop()
        ? "closed loop (window " + settings.window() + ")"
        : "rate " + settings.rate() + "/s";
  }

  /** "off", or how the JSON Lines were written: "buffered", "flushed" or "async". */
  public String logging() {
    return !settings.logging() ? "off" : settings.writer().name().toLowerCase(Locale.ROOT);
  }

  /** This result as one JSON object. */
  public String json() {
    return String.format(Locale.ROOT,
        "{\"mode\":\"%s\",\"rate\":%d,\"window\":%d,\"participants\":%d,\"messageChars\":%d,"
            + "\"logging\":\"%s\",\"maxInFlight\":%d,\"eventLoops\":\"%s\",\"warmupSeconds\":%d,\"seconds\":%.3f,\"maxQueue\":%d,"
            + "\"published\":%d,\"publishErrors\":%d,\"publishesPerSecond\":%.1f,"
            + "\"deliveriesPerSecond\":%.1f,\"delivery\":%s,\"toLast\":%s,"
            + "\"messagesMeasured\":%d,\"backlogAtEnd\":%d,\"drainMs\":%.1f,\"incomplete\":%d,"
            + "\"publisherLagMs\":%.3f,\"participantsLeft\":%d,\"heapUsedMb\":%.1f,"
            + "\"cpuMicrosPerDelivery\":%.3f,\"gcCollections\":%d,\"gcMs\":%.1f}",
        settings.closedLoop() ? "closed" : "rate", settings.rate(), settings.window(),
        settings.participants(), settings.messageChars(), logging(), settings.maxInFlight(),
        settings.eventLoops() > 0 ? Integer.toString(settings.eventLoops()) : "default",
        settings.warmup().toSeconds(), seconds, maxQueue, published, publishErrors,
        publishesPerSecond, deliveriesPerSecond, delivery.json(), toLast.json(), messagesMeasured,
        backlogAtEnd, drainMillis, incomplete, publisherLagMillis, participantsLeft, heapUsedMb,
        cpuMicrosPerDelivery, gc.collections(), gc.pauseMillis());
  }
}
