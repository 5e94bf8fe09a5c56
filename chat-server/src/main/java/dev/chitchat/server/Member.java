package dev.chitchat.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One current participant as the server knows it. Mutable only through the {@link ChatRoom}, under
 * its lock.
 */
final class Member {

  /** How many recent message ids per participant are remembered for idempotent Publish. */
  static final int REMEMBERED_MESSAGE_IDS = 1024;

  final String name;
  final String process;
  final String session;
  final ParticipantLink link;
  final long joinedSeq;
  /** The participant's publish rate limit (a token bucket, full at the start), or {@code null}. */
  final io.github.bucket4j.Bucket rate;

  /** message id -> the event it created, oldest first, bounded. */
  final Map<String, dev.chitchat.proto.ChatEvent> published =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, dev.chitchat.proto.ChatEvent> eldest) {
          return size() > REMEMBERED_MESSAGE_IDS;
        }
      };

  Member(String name, String process, String session, ParticipantLink link, long joinedSeq,
      int messagesPerSecond) {
    this.name = name;
    this.process = process;
    this.session = session;
    this.link = link;
    this.joinedSeq = joinedSeq;
    this.rate = messagesPerSecond > 0
        ? io.github.bucket4j.Bucket.builder()
            .addLimit(limit -> limit.capacity(messagesPerSecond)
                .refillGreedy(messagesPerSecond, java.time.Duration.ofSeconds(1)))
            .build()
        : null;
  }
}
