package dev.chitchat.participant;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link ParticipantNode} is configured with, built in one place by {@link #builder}.
 * Immutable.
 *
 * @param name the chat name (the server checks it: 1 to 32 ASCII letters, digits, {@code -}, {@code
 *     _} or {@code .})
 * @param declaredPort the port declared in Join when the Broadcast server's own port is not known
 *     (an in-process server in tests); ignored when the server listens on TCP
 * @param rpcDeadline the deadline of each attempt of each call to the chat server
 * @param drainTimeout how long {@link ParticipantNode#leave} waits for the events created before
 *     the leave to be delivered
 * @param serverTimeout how long without any Broadcast (probes included) before the chat server
 *     counts as lost
 * @param rejoin whether to join again by itself, with backoff, after losing the server or being
 *     removed, and to keep trying after a failed first join
 * @param firstRejoinDelay the wait before the first automatic rejoin; it doubles after each failed
 *     attempt, up to {@code maxRejoinDelay}
 * @param maxRejoinDelay the longest wait between two automatic rejoins
 * @param publishAttempts how many times one message is sent, under the same message id, when its
 *     response may have been lost (at least 1; see {@link PublishRetry})
 * @param servers the addresses of the chat server's replicas, in the order they are tried (e.g.
 *     {@code localhost:50051}); each is a target for the channel factory given to {@link
 *     ParticipantNode}. Empty when the participant is built with one channel builder. With more
 *     than one the participant joins through the first that answers and moves to the next when
 *     its replica stops answering ({@link ParticipantNode}).
 */
public record ParticipantSettings(
    String name,
    int declaredPort,
    Duration rpcDeadline,
    Duration drainTimeout,
    Duration serverTimeout,
    boolean rejoin,
    Duration firstRejoinDelay,
    Duration maxRejoinDelay,
    int publishAttempts,
    List<String> servers) {

  /**
   * @throws IllegalArgumentException if a duration is not positive, the rejoin delays are out of
   *     order, {@code publishAttempts} is less than 1, or a server address is blank or repeated
   */
  public ParticipantSettings {
    Objects.requireNonNull(name, "name");
    servers = List.copyOf(servers);
    if (servers.stream().anyMatch(String::isBlank) || servers.stream().distinct().count() < servers.size()) {
      throw new IllegalArgumentException("server addresses must be non-blank and distinct: " + servers);
    }
    for (Duration d : new Duration[] {rpcDeadline, drainTimeout, serverTimeout, firstRejoinDelay,
        maxRejoinDelay}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("durations must be positive, not " + d);
      }
    }
    if (maxRejoinDelay.compareTo(firstRejoinDelay) < 0) {
      throw new IllegalArgumentException("maxRejoinDelay is shorter than firstRejoinDelay");
    }
    if (publishAttempts < 1) {
      throw new IllegalArgumentException("publishAttempts must be at least 1");
    }
  }

  /**
   * Settings for {@code name} with the defaults: declared port 0, 5 s deadline, 5 s drain, 5 s
   * server timeout, no automatic rejoin (0.5 s doubling to 5 s when enabled), 3 publish attempts,
   * no server addresses (one channel builder given to the participant).
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Builds {@link ParticipantSettings}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private int declaredPort;
    private Duration rpcDeadline = Duration.ofSeconds(5);
    private Duration drainTimeout = Duration.ofSeconds(5);
    private Duration serverTimeout = Duration.ofSeconds(5);
    private boolean rejoin;
    private Duration firstRejoinDelay = Duration.ofMillis(500);
    private Duration maxRejoinDelay = Duration.ofSeconds(5);
    private int publishAttempts = 3;
    private List<String> servers = List.of();

    private Builder(String name) {
      this.name = name;
    }

    /** See {@link ParticipantSettings#declaredPort}. */
    public Builder declaredPort(int port) {
      this.declaredPort = port;
      return this;
    }

    /** See {@link ParticipantSettings#rpcDeadline}. */
    public Builder rpcDeadline(Duration deadline) {
      this.rpcDeadline = deadline;
      return this;
    }

    /** See {@link ParticipantSettings#drainTimeout}. */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = timeout;
      return this;
    }

    /** See {@link ParticipantSettings#serverTimeout}. */
    public Builder serverTimeout(Duration timeout) {
      this.serverTimeout = timeout;
      return this;
    }

    /** See {@link ParticipantSettings#rejoin}. */
    public Builder rejoin(boolean rejoin) {
      this.rejoin = rejoin;
      return this;
    }

    /** See {@link ParticipantSettings#firstRejoinDelay} and {@link ParticipantSettings#maxRejoinDelay}. */
    public Builder rejoinDelays(Duration first, Duration max) {
      this.firstRejoinDelay = first;
      this.maxRejoinDelay = max;
      return this;
    }

    /** See {@link ParticipantSettings#publishAttempts}. */
    public Builder publishAttempts(int attempts) {
      this.publishAttempts = attempts;
      return this;
    }

    /** See {@link ParticipantSettings#servers}. */
    public Builder servers(List<String> addresses) {
      this.servers = List.copyOf(addresses);
      return this;
    }

    /** See {@link ParticipantSettings#servers}. */
    public Builder servers(String... addresses) {
      return servers(List.of(addresses));
    }

    /** @throws IllegalArgumentException as the record's constructor */
    public ParticipantSettings build() {
      return new ParticipantSettings(name, declaredPort, rpcDeadline, drainTimeout, serverTimeout,
          rejoin, firstRejoinDelay, maxRejoinDelay, publishAttempts, servers);
    }
  }
}
