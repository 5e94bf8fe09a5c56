package dev.chitchat.server;

import java.time.Duration;

/**
 * How a {@link ChatServer} runs: an immutable value.
 *
 * @param port the TCP port to listen on, 0 to pick a free one
 * @param processName the server's process name in the logs
 * @param broadcastDeadline the deadline of every Broadcast call
 * @param maxRequestBytes the largest request accepted, in bytes (larger ones get {@code
 *     RESOURCE_EXHAUSTED})
 * @param maxBatch the most events one Broadcast carries
 */
public record ServerConfig(
    int port, String processName, Duration broadcastDeadline, int maxRequestBytes, int maxBatch) {

  /** The defaults: port 50051, 5 s Broadcast deadline, 16 KiB requests, batches of 512 events. */
  public static ServerConfig defaults() {
    return new ServerConfig(50051, "server", Duration.ofSeconds(5), 16 * 1024, 512);
  }

  /** This configuration with another port. */
  public ServerConfig withPort(int newPort) {
    return new ServerConfig(newPort, processName, broadcastDeadline, maxRequestBytes, maxBatch);
  }

  ParticipantLink.Settings linkSettings() {
    return new ParticipantLink.Settings(
        broadcastDeadline, maxBatch, Duration.ofMillis(100), Duration.ofSeconds(2), 3);
  }
}
