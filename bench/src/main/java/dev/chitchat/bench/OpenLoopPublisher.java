package dev.chitchat.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The open loop's publisher: publishes each message of an {@link OpenLoopSchedule} at its time,
 * from a timer on a single-threaded scheduler. A late wake-up still counts against the latency: the
 * message's time is its scheduled one, and {@link Publish} is told how late it went out. Messages
 * that fell due meanwhile go out at once, in order; the publisher never spins (a spinning thread
 * would take one of the machine's cores from the chat).
 *
 * <p>Thread-safe to start and await; {@link #run()} runs only on the given scheduler's thread, so
 * the scheduler must be single-threaded.
 */
final class OpenLoopPublisher implements Runnable {

  /** Publishes one message; called on the scheduler's thread, must not block. */
  @FunctionalInterface
  interface Publish {
    /**
     * @param index the message's number, from 0
     * @param scheduledAt its scheduled time (nanoTime)
     * @param lateNanos how long after that time it goes out, nanoseconds
     */
    void publish(long index, long scheduledAt, long lateNanos);
  }

  private final ScheduledExecutorService loop;
  private final OpenLoopSchedule schedule;
  private final long end;
  private final Publish publish;
  private final CountDownLatch done = new CountDownLatch(1);
  private long at;

  /**
   * @param loop a single-threaded scheduler
   * @param schedule the messages' times
   * @param end no message scheduled at or after this time (nanoTime) is published
   * @param publish what publishing a message means
   */
  OpenLoopPublisher(
      ScheduledExecutorService loop, OpenLoopSchedule schedule, long end, Publish publish) {
    this.loop = loop;
    this.schedule = schedule;
    this.end = end;
    this.publish = publish;
  }

  /** Starts publishing; returns at once. Call once. */
  void start() {
    at = schedule.next();
    loop.execute(this); // happens-before the first run, so `at` is visible there
  }

  /** Publishes every message that is due, then sets a timer for the next one. */
  @Override
  public void run() {
    try {
      while (at < end) {
        long now = System.nanoTime();
        if (at > now) {
          loop.schedule(this, at - now, TimeUnit.NANOSECONDS);
          return;
        }
        publish.publish(schedule.index(), at, now - at);
        at = schedule.next();
      }
      done.countDown();
    } catch (RuntimeException e) {
      done.countDown(); // nobody waits for a publisher that has stopped
      throw e;
    }
  }

  /**
   * Waits until the last message has been published, for at most {@code timeout}.
   *
   * @return whether it was
   */
  boolean awaitDone(long timeout, TimeUnit unit) throws InterruptedException {
    return done.await(timeout, unit);
  }
}
