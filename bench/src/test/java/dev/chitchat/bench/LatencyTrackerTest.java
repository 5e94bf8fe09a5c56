package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.proto.ChatEvent;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** How deliveries reach the histograms and counters of the current measurement window. */
class LatencyTrackerTest {

  private static final long HOUR = TimeUnit.HOURS.toNanos(1);

  private static ChatEvent message(long seq, long sentAt, int publisher) {
    return ChatEvent.newBuilder()
        .setKind(ChatEvent.Kind.MESSAGE)
        .setSequence(seq)
        .setParticipant("p0" + (publisher + 1))
        .setText(LoadBenchmark.message(sentAt, publisher, 64))
        .build();
  }

  @Test
  void aWindowRecordsTheMessagesPublishedInItAndCountsTheDeliveriesMadeInIt() {
    long now = System.nanoTime();
    LatencyTracker tracker = new LatencyTracker(2, null);
    MeasurementWindow window = new MeasurementWindow(now - HOUR, now + HOUR, 2);
    tracker.measureIn(window);
    Consumer<ChatEvent> p1 = tracker.listener(0);
    Consumer<ChatEvent> p2 = tracker.listener(1);

    ChatEvent inWindow = message(1, now - 1000, 0);
    ChatEvent before = message(2, now - 2 * HOUR, 1);
    p1.accept(inWindow);
    assertThat(window.completed()).isZero(); // one of two participants has it
    p2.accept(inWindow);
    p1.accept(before);
    p2.accept(before);
    p1.accept(ChatEvent.newBuilder().setKind(ChatEvent.Kind.JOINED).setSequence(3).build());

    assertThat(window.perDelivery().getTotalCount()).isEqualTo(2);
    assertThat(window.toLast().getTotalCount()).isEqualTo(1);
    assertThat(window.toLast().getMaxValue()).isGreaterThanOrEqualTo(1000);
    assertThat(window.completed()).isEqualTo(1);
    assertThat(window.lastCompletion()).isGreaterThanOrEqualTo(now);
    assertThat(window.deliveries()).isEqualTo(4); // messages only, of any window
  }

  @Test
  void afterTheSwitchNothingMoreReachesTheOldWindow() {
    long now = System.nanoTime();
    LatencyTracker tracker = new LatencyTracker(1, null);
    MeasurementWindow rehearsal = new MeasurementWindow(now - HOUR, now, 1);
    MeasurementWindow window = new MeasurementWindow(now, now + HOUR, 1);
    tracker.measureIn(rehearsal);
    tracker.listener(0).accept(message(1, now - 5000, 0));

    tracker.measureIn(window);
    assertThat(tracker.window()).isSameAs(window);
    tracker.listener(0).accept(message(2, now - 4000, 0)); // published in the rehearsal, late
    tracker.listener(0).accept(message(3, now + 1, 0));

    assertThat(rehearsal.toLast().getTotalCount()).isEqualTo(1);
    assertThat(window.toLast().getTotalCount()).isEqualTo(1);
    assertThat(window.perDelivery().getTotalCount()).isEqualTo(1);
  }

  @Test
  void closedLoopPermitsComeBackWhenEveryParticipantHasTheMessageInAWindowOrNot() {
    Semaphore[] permits = {new Semaphore(0), new Semaphore(0)};
    LatencyTracker tracker = new LatencyTracker(2, permits);
    ChatEvent fromSecond = message(7, System.nanoTime(), 1); // before any window

    tracker.listener(0).accept(fromSecond);
    assertThat(permits[1].availablePermits()).isZero();
    tracker.listener(1).accept(fromSecond);

    assertThat(permits[1].availablePermits()).isEqualTo(1);
    assertThat(permits[0].availablePermits()).isZero();
  }

  @Test
  void theWindowCountsThePublishersSideAndAnEmptyWindowContainsNothing() {
    MeasurementWindow window = new MeasurementWindow(100, 200, 3);
    window.countIssued();
    window.countIssued();
    window.countAnswered(true);
    window.countAnswered(false);
    window.recordLag(5);
    window.recordLag(3);

    assertThat(window.issued()).isEqualTo(2);
    assertThat(window.answered()).isEqualTo(2);
    assertThat(window.ok()).isEqualTo(1);
    assertThat(window.maxLag()).isEqualTo(5);
    assertThat(window.contains(100)).isTrue();
    assertThat(window.contains(199)).isTrue();
    assertThat(window.contains(200)).isFalse();
    assertThat(new MeasurementWindow(100, 100, 1).contains(100)).isFalse();
  }
}
