package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventKind;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The server's pacing of Broadcasts to one participant ({@link ServerConfig#broadcastInterval}). */
class BroadcastPacingTest {

  private static ServerConfig pacedBy(Duration interval) {
    return ServerConfig.defaults().withPort(0).withRateLimit(0)
        .withFailureTimeout(Duration.ofSeconds(60))
        .withBroadcastDeadline(Duration.ofSeconds(30))
        .withBroadcastInterval(interval);
  }

  /** The deliveries a participant made, in order: their texts and the calls that carried them. */
  private static List<ClockEvent> deliveries(InProcessChat.Member member) {
    return member.log().snapshot().stream()
        .filter(e -> e.details().kind() == EventKind.ACTION
            && "deliver".equals(e.details().action()))
        .toList();
  }

  @Test
  void aParticipantNotCalledWithinTheIntervalIsCalledAtOnce() throws Exception {
    // An interval far longer than the test: had the first Broadcast waited for it, the await
    // below would time out.
    try (InProcessChat chat = new InProcessChat(pacedBy(Duration.ofMinutes(10)))) {
      InProcessChat.Member alex = chat.joined("Alex");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(deliveries(alex)).singleElement()
              .satisfies(e -> assertThat(e.details().text()).contains("Participant Alex joined")));
    }
  }

  @Test
  void messagesQueuedWithinTheIntervalRideInOneLaterBroadcastInOrder() throws Exception {
    try (InProcessChat chat = new InProcessChat(pacedBy(Duration.ofSeconds(1)))) {
      InProcessChat.Member alex = chat.joined("Alex");
      InProcessChat.Member bob = chat.joined("Bob");
      // Bob's join reaches Alex in a call paced after Alex's own; the five messages are published
      // within milliseconds of it, well inside the next interval.
      await().atMost(Duration.ofSeconds(10)).until(() -> deliveries(alex).size() == 2);
      for (int i = 1; i <= 5; i++) {
        assertThat(bob.node().publish("message " + i).sent()).isTrue();
      }

      await().atMost(Duration.ofSeconds(10)).until(() -> deliveries(alex).size() == 7);
      List<ClockEvent> messages = deliveries(alex).subList(2, 7);
      assertThat(messages).extracting(e -> e.details().text())
          .containsExactlyElementsOf(
              IntStream.rangeClosed(1, 5).mapToObj(i -> "Bob: message " + i).toList());
      // Without pacing each synchronous publish would typically get a call of its own.
      assertThat(messages.stream().map(e -> e.details().callId()).distinct()).hasSize(1);
    }
  }
}
