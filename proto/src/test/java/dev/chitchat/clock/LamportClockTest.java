package dev.chitchat.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class LamportClockTest {

  private final List<ClockEvent> log = new ArrayList<>();
  private final LamportClock clock = new LamportClock("p", log::add);

  @Test
  void startsAtZeroAndEverySendOrActionAddsOne() {
    assertThat(clock.time()).isZero();

    assertThat(clock.tick(EventDetails.action("publish", "hi"))).isEqualTo(1);
    assertThat(clock.tick(EventDetails.sendRequest("Publish", "c", "server"))).isEqualTo(2);

    assertThat(clock.time()).isEqualTo(2);
    assertThat(log).extracting(ClockEvent::lamport).containsExactly(1L, 2L);
    assertThat(log.get(0).process()).isEqualTo("p");
    assertThat(log.get(0).messageLamport()).isNull();
  }

  @Test
  void aReceiveJumpsPastTheMessagesTimestamp() {
    clock.tick(EventDetails.action("a", null));

    assertThat(clock.receive(10, EventDetails.receiveRequest("Join", "c", "q"))).isEqualTo(11);
    assertThat(log.get(1).messageLamport()).isEqualTo(10L);
  }

  @Test
  void aReceiveOfAnOlderTimestampStillAddsOne() {
    for (int i = 0; i < 5; i++) {
      clock.tick(EventDetails.action("a", null));
    }

    assertThat(clock.receive(2, EventDetails.receiveRequest("Join", "c", "q"))).isEqualTo(6);
    assertThat(clock.receiveWithoutTime(EventDetails.receiveResponse("Join", "c", "q", "UNAVAILABLE", null)))
        .isEqualTo(7);
    assertThat(log.get(6).messageLamport()).isNull();
  }

  @Test
  void aTickCanDescribeItselfWithItsOwnTimestamp() {
    clock.tick(EventDetails.action("a", null));

    long at = clock.tick(l -> EventDetails.action("join", "joined at Lamport time " + l));

    assertThat(at).isEqualTo(2);
    assertThat(log.get(1).details().text()).isEqualTo("joined at Lamport time 2");
  }

  @Test
  void refusesTimestampsOutsideItsRangeAndStaysUnchanged() {
    clock.tick(EventDetails.action("a", null));

    assertThatThrownBy(() -> clock.receive(-1, EventDetails.receiveRequest("Join", "c", "q")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> clock.receive(LamportClock.MAX_TIME, EventDetails.receiveRequest("Join", "c", "q")))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(clock.time()).isEqualTo(1);
    assertThat(log).hasSize(1);
  }

  @Test
  void stopsAtItsMaximumInsteadOfOverflowing() {
    clock.receive(LamportClock.MAX_TIME - 1, EventDetails.receiveRequest("Join", "c", "q"));

    assertThat(clock.time()).isEqualTo(LamportClock.MAX_TIME);
    assertThatThrownBy(() -> clock.tick(EventDetails.action("a", null)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void manyThreadsTickingAndMergingNeverRepeatOrDecrease() throws Exception {
    List<ClockEvent> recorded = new ArrayList<>();
    LamportClock shared = new LamportClock("p", recorded::add); // called under the clock's lock
    int threads = 8;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<long[]>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      results.add(pool.submit(() -> {
        start.await();
        long[] seen = new long[perThread];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < perThread; i++) {
          seen[i] = random.nextBoolean()
              ? shared.tick(EventDetails.action("a", null))
              : shared.receive(random.nextLong(0, 2L * threads * perThread),
                  EventDetails.receiveRequest("Join", "c", "q"));
        }
        return seen;
      }));
    }
    start.countDown();
    List<Long> all = new ArrayList<>();
    for (Future<long[]> result : results) {
      long[] seen = result.get();
      for (int i = 1; i < seen.length; i++) {
        assertThat(seen[i]).as("per-thread order").isGreaterThan(seen[i - 1]);
      }
      for (long v : seen) {
        all.add(v);
      }
    }
    pool.shutdown();

    assertThat(all).hasSize(threads * perThread).doesNotHaveDuplicates();
    assertThat(recorded).hasSize(threads * perThread);
    for (int i = 1; i < recorded.size(); i++) {
      assertThat(recorded.get(i).lamport()).isGreaterThan(recorded.get(i - 1).lamport());
      ClockEvent e = recorded.get(i);
      long expected = e.messageLamport() == null
          ? recorded.get(i - 1).lamport() + 1
          : Math.max(recorded.get(i - 1).lamport(), e.messageLamport()) + 1;
      assertThat(e.lamport()).isEqualTo(expected);
    }
  }

  @Test
  void theServersBoundMergesSmallStepsAlwaysAndLargeOnesUpToARisingCeiling() {
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    java.util.List<ClockEvent> events = new java.util.ArrayList<>();
    LamportClock clock = new LamportClock("server", events::add, MergeBound.SERVER, nanos::get);
    long ceiling = 1L << 52;

    assertThat(clock.tryReceive(ceiling, EventDetails.receiveRequest("Join", "a", "Ann"))).hasValue(ceiling + 1);
    // Past the ceiling: only steps of up to 4096 ticks.
    assertThat(clock.tryReceive(ceiling + 1 + 4096, EventDetails.receiveRequest("Join", "b", "Ann")))
        .hasValue(ceiling + 4098);
    assertThat(clock.tryReceive(ceiling + 4098 + 4097, EventDetails.receiveRequest("Join", "c", "Ann")))
        .isEmpty();
    assertThat(clock.time()).isEqualTo(ceiling + 4099);
    assertThat(events.get(2).refusedLamport()).isEqualTo(ceiling + 4098 + 4097);
    assertThat(events.get(2).messageLamport()).isNull();
    assertThatThrownBy(() -> clock.receive(ceiling + 10_000, EventDetails.receiveRequest("Join", "d", "Ann")))
        .isInstanceOf(IllegalArgumentException.class);

    // A second later the ceiling has risen by 1,000,000 ticks.
    nanos.set(1_000_000_000L);
    assertThat(clock.ceiling()).isEqualTo(ceiling + 1_000_000);
    assertThat(clock.tryReceive(ceiling + 1_000_000, EventDetails.receiveRequest("Join", "e", "Ann")))
        .hasValue(ceiling + 1_000_001);
  }

  @Test
  void theCeilingNeverPassesTheMaximum() {
    assertThat(MergeBound.SERVER.ceilingAt(Long.MAX_VALUE / 2)).isEqualTo(LamportClock.MAX_TIME);
    assertThat(MergeBound.NONE.allows(0, LamportClock.MAX_TIME - 1, 0)).isTrue();
    // Exhausting a server's clock from its ceiling takes 2^52 / 4097 accepted messages.
    assertThat((LamportClock.MAX_TIME - MergeBound.SERVER.ceiling()) / (MergeBound.SERVER.step() + 1))
        .isGreaterThan(1_000_000_000_000L);
  }
}
