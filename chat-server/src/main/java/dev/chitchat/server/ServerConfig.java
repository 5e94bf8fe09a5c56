package dev.chitchat.server;

import java.time.Duration;

/**
 * How a {@link ChatServer} runs: an immutable value. Build it from {@link #defaults()} with the
 * {@code with...} methods.
 *
 * @param port the TCP port to listen on, 0 to pick a free one
 * @param processName the server's process name in the logs
 * @param broadcastDeadline the deadline of every Broadcast call
 * @param maxRequestBytes the largest request accepted, in bytes (larger ones get {@code
 *     RESOURCE_EXHAUSTED})
 * @param maxBatch the most events one Broadcast carries
 * @param failureTimeout how soon a participant that stops answering is removed ("connection
 *     lost"), counted from its last answer when it was idle; idle participants are probed every
 *     fifth of it
 * @param maxQueue the most events queued for one participant; one more removes it ("too slow")
 * @param rateLimit the most Publish calls per second per participant (with a burst of one second's
 *     worth), 0 for no limit
 * @param maxParticipants the most participants at once
 * @param maxInFlight the most Broadcast calls in flight at once, over all participants (each
 *     participant has at most one); with more participants than this, the server serves them in
 *     turn and each call carries more events (see {@code BroadcastWindow})
 * @param broadcastInterval the least time between the starts of two Broadcasts to the same
 *     participant, {@link Duration#ZERO} for none: events queued in between ride in the next call,
 *     so a busy participant gets fewer, fuller calls; an idle one is called at once
 * @param joinsPerMinute the most Join calls per source IP address per minute (a token bucket of
 *     that many, refilled over a minute), 0 for no limit
 * @param authFailuresPerMinute the most failed authentications (Publish or Leave without a current
 *     session token) per source IP address per minute, 0 for no limit
 */
public record ServerConfig(
    int port,
    String processName,
    Duration broadcastDeadline,
    int maxRequestBytes,
    int maxBatch,
    Duration failureTimeout,
    int maxQueue,
    int rateLimit,
    int maxParticipants,
    int maxInFlight,
    Duration broadcastInterval,
    int joinsPerMinute,
    int authFailuresPerMinute) {

  /** The transport's own cap on a request, in bytes: larger ones never reach the service. */
  public static final int TRANSPORT_MAX_BYTES = 1024 * 1024;

  /** The default of {@link #maxInFlight}: Broadcast calls in flight at once, server-wide. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 64;

  /** The default of {@link #broadcastInterval} in microseconds, for command-line defaults: 1 ms. */
  public static final long DEFAULT_BROADCAST_INTERVAL_MICROS = 1000;

  /**
   * The default of {@link #broadcastInterval}: 1 ms. At 10,000 messages/s to 10 participants it
   * more than halves the Broadcast calls (see {@code docs/performance.md}); an idle participant
   * never waits.
   */
  public static final Duration DEFAULT_BROADCAST_INTERVAL =
      Duration.ofNanos(DEFAULT_BROADCAST_INTERVAL_MICROS * 1000);

  /**
   * The defaults: port 50051, process "server", 2 s Broadcast deadline, 16 KiB requests, batches
   * of 512 events, participants removed 5 s after they stop answering or when 1000 events are
   * queued for them, 50 messages per second per participant, 256 participants, 64 Broadcasts in
   * flight, at least 1 ms between the starts of two Broadcasts to one participant, 20 joins and 20
   * failed authentications per source address per minute.
   */
  public static ServerConfig defaults() {
    return new ServerConfig(50051, "server", Duration.ofSeconds(2), 16 * 1024, 512,
        Duration.ofSeconds(5), 1000, 50, 256, DEFAULT_MAX_IN_FLIGHT, DEFAULT_BROADCAST_INTERVAL,
        20, 20);
  }

  /** This configuration with another port. */
  public ServerConfig withPort(int value) {
    return new ServerConfig(value, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, rateLimit, maxParticipants, maxInFlight, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another process name. */
  public ServerConfig withProcessName(String value) {
    return new ServerConfig(port, value, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, rateLimit, maxParticipants, maxInFlight, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another Broadcast deadline. */
  public ServerConfig withBroadcastDeadline(Duration value) {
    return new ServerConfig(port, processName, value, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, rateLimit, maxParticipants, maxInFlight, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another failure timeout. */
  public ServerConfig withFailureTimeout(Duration value) {
    return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        value, maxQueue, rateLimit, maxParticipants, maxInFlight, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another queue bound, in events. */
  public ServerConfig withMaxQueue(int value) {
    return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, value, rateLimit, maxParticipants, maxInFlight, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another rate limit, in messages per second (0: none). */
  public ServerConfig withRateLimit(int value) {
    return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, value, maxParticipants, maxInFlight, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another participant limit. */
  public ServerConfig withMaxParticipants(int value) {
    return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, rateLimit, value, maxInFlight, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another bound on Broadcasts in flight, server-wide. */
  public ServerConfig withMaxInFlight(int value) {
    return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, rateLimit, maxParticipants, value, broadcastInterval, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with another least interval between two Broadcasts to one participant. */
  public ServerConfig withBroadcastInterval(Duration value) {
    return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, rateLimit, maxParticipants, maxInFlight, value, joinsPerMinute,
        authFailuresPerMinute);
  }

  /** This configuration with other limits per source address, per minute (0: none). */
  public ServerConfig withAddressLimits(int joins, int authFailures) {
    return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
        failureTimeout, maxQueue, rateLimit, maxParticipants, maxInFlight, broadcastInterval, joins,
        authFailures);
  }

  /** How often idle participants are probed: a fifth of the failure timeout. */
  Duration probeInterval() {
    return failureTimeout.dividedBy(5);
  }

  ParticipantLink.Settings linkSettings() {
    Duration probe = probeInterval();
    Duration giveUp = failureTimeout.minus(probe).minus(probe.dividedBy(2));
    Duration deadline = broadcastDeadline.compareTo(giveUp) < 0 ? broadcastDeadline : giveUp;
    return new ParticipantLink.Settings(
        deadline, maxBatch, Duration.ofMillis(100), probe, 3, probe, giveUp, broadcastInterval);
  }
}
