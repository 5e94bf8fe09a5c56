package dev.chitchat.server;

import java.time.Duration;

/**
 * How a {@link ChatServer} runs: an immutable value, made by a {@link Builder} ({@link #builder()}
 * starts from the defaults).
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
 * @param joinsPerMinute the most Join calls per source IP address per minute (a token bucket of
 *     that many, refilled over a minute), 0 for no limit
 * @param authFailuresPerMinute the most failed authentications (Publish or Leave without a current
 *     session token) per source IP address per minute, 0 for no limit
 * @param replication how this server keeps the chat in a Raft group, or {@code null} to keep it
 *     in memory only (a new chat each run)
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
    int joinsPerMinute,
    int authFailuresPerMinute,
    Replication replication) {

  /**
   * How a server keeps its chat in an Apache Ratis group (Raft: Ongaro and Ousterhout 2014).
   *
   * @param id this replica's id, one of {@code peers}' keys; also its process name
   * @param peers every replica's id and Raft address ({@code host:port}), this one's included; one
   *     entry for a single server that keeps its chat in {@code dataDir}
   * @param dataDir where this replica keeps its Raft log and snapshots
   * @param commitTimeout how long a call waits for its command to be committed and applied before
   *     it is answered {@code UNAVAILABLE}
   * @param snapshotEvery how many Raft log entries between two snapshots of the chat (the log is
   *     purged up to each)
   */
  public record Replication(String id, java.util.Map<String, String> peers,
      java.nio.file.Path dataDir, Duration commitTimeout, long snapshotEvery) {

    /** The number of entries between snapshots of {@link #of}: 10,000. */
    public static final long SNAPSHOT_EVERY = 10_000;

    /** With a snapshot every {@link #SNAPSHOT_EVERY} entries. */
    public Replication(String id, java.util.Map<String, String> peers, java.nio.file.Path dataDir,
        Duration commitTimeout) {
      this(id, peers, dataDir, commitTimeout, SNAPSHOT_EVERY);
    }

    public Replication {
      if (snapshotEvery < 1) {
        throw new IllegalArgumentException("snapshotEvery must be at least 1");
      }
      peers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(peers));
      if (!peers.containsKey(id)) {
        throw new IllegalArgumentException("--peers does not list this replica's --id " + id);
      }
    }

    /** With a 5 s commit timeout. */
    public static Replication of(String id, java.util.Map<String, String> peers,
        java.nio.file.Path dataDir) {
      return new Replication(id, peers, dataDir, Duration.ofSeconds(5));
    }
  }

  /** The transport's own cap on a request, in bytes: larger ones never reach the service. */
  public static final int TRANSPORT_MAX_BYTES = 1024 * 1024;

  /**
   * A builder with the defaults: port 50051, process "server", 2 s Broadcast deadline, 16 KiB
   * requests, batches of 512 events, participants removed 5 s after they stop answering or when
   * 1000 events are queued for them, 50 messages per second per participant, 256 participants, 64
   * Broadcasts in flight, 20 joins and 20 failed authentications per source address per minute.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults of {@link #builder()}. */
  public static ServerConfig defaults() {
    return builder().build();
  }

  /** How often idle participants are probed: a fifth of the failure timeout. */
  Duration probeInterval() {
    return failureTimeout.dividedBy(5);
  }

  ParticipantLink.Settings linkSettings() {
    Duration probe = probeInterval();
    Duration giveUp = failureTimeout.minus(probe).minus(probe.dividedBy(2));
    Duration deadline = broadcastDeadline.compareTo(giveUp) < 0 ? broadcastDeadline : giveUp;
    return new ParticipantLink.Settings(deadline, maxBatch, Duration.ofMillis(100), probe, 3, probe, giveUp);
  }

  /** Makes a {@link ServerConfig}; each setter returns the builder. Not thread-safe. */
  public static final class Builder {
    private int port = 50051;
    private String processName = "server";
    private Duration broadcastDeadline = Duration.ofSeconds(2);
    private int maxRequestBytes = 16 * 1024;
    private int maxBatch = 512;
    private Duration failureTimeout = Duration.ofSeconds(5);
    private int maxQueue = 1000;
    private int rateLimit = 50;
    private int maxParticipants = 256;
    private int maxInFlight = 64;
    private int joinsPerMinute = 20;
    private int authFailuresPerMinute = 20;
    private Replication replication;

    private Builder() {}

    /** The TCP port, 0 for any free one. */
    public Builder port(int value) {
      port = value;
      return this;
    }

    /** The process name in the logs. */
    public Builder processName(String value) {
      processName = value;
      return this;
    }

    /** The deadline of every Broadcast call. */
    public Builder broadcastDeadline(Duration value) {
      broadcastDeadline = value;
      return this;
    }

    /** The most events one Broadcast carries. */
    public Builder maxBatch(int value) {
      maxBatch = value;
      return this;
    }

    /** How soon a participant that stops answering is removed. */
    public Builder failureTimeout(Duration value) {
      failureTimeout = value;
      return this;
    }

    /** The most events queued for one participant, in events. */
    public Builder maxQueue(int value) {
      maxQueue = value;
      return this;
    }

    /** Messages per second per participant, 0 for no limit. */
    public Builder rateLimit(int value) {
      rateLimit = value;
      return this;
    }

    /** The most participants at once. */
    public Builder maxParticipants(int value) {
      maxParticipants = value;
      return this;
    }

    /** The most Broadcast calls in flight at once, server-wide. */
    public Builder maxInFlight(int value) {
      maxInFlight = value;
      return this;
    }

    /** Joins per source IP address per minute, 0 for no limit. */
    public Builder joinsPerMinute(int value) {
      joinsPerMinute = value;
      return this;
    }

    /** Failed authentications per source IP address per minute, 0 for no limit. */
    public Builder authFailuresPerMinute(int value) {
      authFailuresPerMinute = value;
      return this;
    }

    /** Keep the chat in a Raft group; {@code null} (the default) keeps it in memory only. */
    public Builder replication(Replication value) {
      this.replication = value;
      return this;
    }

    /** The configuration. */
    public ServerConfig build() {
      return new ServerConfig(port, processName, broadcastDeadline, maxRequestBytes, maxBatch,
          failureTimeout, maxQueue, rateLimit, maxParticipants, maxInFlight, joinsPerMinute,
          authFailuresPerMinute, replication);
    }
  }
}
