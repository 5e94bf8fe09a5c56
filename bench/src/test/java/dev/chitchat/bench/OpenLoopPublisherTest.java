package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenLoopPublisherTest {

  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
      r -> new Thread(r, "test-loop"));

  @AfterEach
  void stop() {
    loop.shutdownNow();
  }

  /** One call of {@link OpenLoopPublisher.Publish}, with when and where it happened. */
  private record Call(long index, long scheduledAt, long lateNanos, long calledAt, String thread) {}

  private List<Call> publishAll(OpenLoopSchedule schedule, long end) throws InterruptedException {
    List<Call> calls = new ArrayList<>(); // written on the loop's thread only
    OpenLoopPublisher publisher = new OpenLoopPublisher(loop, schedule, end,
        (k, at, late) -> calls.add(
            new Call(k, at, late, System.nanoTime(), Thread.currentThread().getName())));
    publisher.start();
    assertThat(publisher.awaitDone(10, TimeUnit.SECONDS)).isTrue();
    // the latch's countDown happens-before await's return, so the list is complete and visible
    return calls;
  }

  @Test
  void everyMessageBeforeTheEndGoesOutInOrderOnTheLoopAndNeverEarly() throws Exception {
    long start = System.nanoTime();
    // 2,000/s for 100 ms: messages at 0.5, 1.0, ... 99.5 ms
    List<Call> calls = publishAll(new OpenLoopSchedule(start, 2000, 0), start + 100_000_000);

    assertThat(calls).hasSize(199);
    for (int i = 0; i < calls.size(); i++) {
      Call c = calls.get(i);
      assertThat(c.index()).isEqualTo(i);
      assertThat(c.scheduledAt()).isEqualTo(start + (i + 1) * 500_000L);
      assertThat(c.lateNanos()).isNotNegative();
      assertThat(c.calledAt()).isGreaterThanOrEqualTo(c.scheduledAt());
      assertThat(c.thread()).isEqualTo("test-loop");
    }
  }

  @Test
  void messagesAlreadyDueGoOutAtOnceAndCountAsLate() throws Exception {
    long now = System.nanoTime();
    // started a second ago at 100/s: about 100 messages are due before the first run
    List<Call> calls = publishAll(new OpenLoopSchedule(now - 1_000_000_000L, 100, 0), now);

    assertThat(calls).hasSize(99);
    assertThat(calls.get(0).lateNanos()).isGreaterThanOrEqualTo(990_000_000L);
    assertThat(calls).extracting(Call::index).isSorted();
  }
}
