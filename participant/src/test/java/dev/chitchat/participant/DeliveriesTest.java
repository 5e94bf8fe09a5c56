package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeliveriesTest {

  private final List<ClockEvent> log = new ArrayList<>();
  private final List<String> screen = new ArrayList<>();
  private final LamportClock clock = new LamportClock("Alex", log::add);
  private final Deliveries deliveries = new Deliveries(clock, screen::add, event -> {});

  private static ChatEvent message(long seq, long lamport, String from, String text) {
    return ChatEvent.newBuilder().setSequence(seq).setLamportTime(lamport)
        .setKind(ChatEvent.Kind.MESSAGE).setParticipant(from).setText(text).build();
  }

  private static ChatEvent joined(long seq, long lamport, String who) {
    return ChatEvent.newBuilder().setSequence(seq).setLamportTime(lamport)
        .setKind(ChatEvent.Kind.JOINED).setParticipant(who)
        .setText("Participant " + who + " joined Chitty-Chat at Lamport time " + lamport).build();
  }

  @Test
  void showsEachEventWithTheParticipantsOwnLamportTimeAndTheSendersTime() {
    clock.tick(dev.chitchat.clock.EventDetails.action("join", null));

    long through = deliveries.deliver(
        List.of(joined(1, 5, "Alex"), message(2, 8, "Alex", "Hello World!")), "Broadcast", "c1", "server");

    assertThat(through).isEqualTo(2);
    assertThat(screen).containsExactly(
        "[L=2] Participant Alex joined Chitty-Chat at Lamport time 5",
        "[L=3] Alex: Hello World! (sent at L=8)");
    assertThat(log).filteredOn(e -> "deliver".equals(e.details().action()))
        .extracting(e -> e.details().seq(), e -> e.details().callId())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, "c1"), org.assertj.core.groups.Tuple.tuple(2L, "c1"));
  }

  @Test
  void aRetriedBatchIsNotDeliveredTwice() {
    deliveries.deliver(List.of(message(1, 1, "a", "one"), message(2, 2, "a", "two")), "Broadcast", "c1", "s");
    deliveries.deliver(List.of(message(1, 1, "a", "one"), message(2, 2, "a", "two"),
        message(3, 3, "a", "three")), "Broadcast", "c2", "s");

    assertThat(deliveries.delivered()).extracting(d -> d.event().getSequence()).containsExactly(1L, 2L, 3L);
    assertThat(screen).hasSize(3);
  }

  @Test
  void aJumpInSequenceNumbersIsLoggedAsAGap() {
    deliveries.deliver(List.of(message(1, 1, "a", "one")), "Broadcast", "c1", "s");
    deliveries.deliver(List.of(message(4, 4, "a", "four")), "Broadcast", "c2", "s");

    assertThat(log).filteredOn(e -> "gap".equals(e.details().action()))
        .extracting(e -> e.details().text())
        .containsExactly("missing events 2..3 before 4");
  }

  @Test
  void escapesControlCharactersBeforeShowingAnything() {
    deliveries.deliver(List.of(message(1, 1, "Eve", "hi \u001B[2J\u001B[H gotcha")), "Broadcast", "c", "s");

    assertThat(screen.get(0)).contains("hi \\u001B[2J\\u001B[H gotcha").doesNotContain("\u001B");
  }

  @Test
  void awaitThroughReturnsOnceTheEventsAreDelivered() throws Exception {
    assertThat(deliveries.awaitThrough(1, Duration.ofMillis(1))).isFalse();
    deliveries.deliver(List.of(message(1, 1, "a", "one")), "Broadcast", "c1", "s");

    assertThat(deliveries.awaitThrough(1, Duration.ofMillis(1))).isTrue();
    assertThat(deliveries.awaitThrough(0, Duration.ZERO)).isTrue();
  }
}
