package dev.chitchat.participant;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches the chat server from the participant's side, on one timer thread: every fifth of the
 * server timeout it asks whether the server has gone quiet for the timeout (then it calls {@code
 * onSilence}), and it runs the automatic rejoins, with resilience4j's exponential backoff between
 * failed attempts (and the rounds of a failover to another replica). A check that comes far too late means this process was suspended (SIGSTOP, a
 * debugger, a sleeping laptop): then the server is given a fresh timeout rather than blamed for our
 * pause. Thread-safe.
 */
final class ServerWatch {

  private final Membership membership;
  private final Duration timeout;
  private final Runnable onSilence;
  private final IntervalFunction backoff;
  private final ScheduledExecutorService timer;
  private long lastCheck = System.nanoTime();
  private int failedRejoins;
  private boolean rejoinScheduled;

  /**
   * @param onSilence called on the timer thread when the server has been quiet for the timeout
   */
  ServerWatch(ParticipantSettings settings, Membership membership, Runnable onSilence) {
    this.membership = membership;
    this.timeout = settings.serverTimeout();
    this.onSilence = onSilence;
    this.backoff = IntervalFunction.ofExponentialBackoff(
        settings.firstRejoinDelay(), 2.0, settings.maxRejoinDelay());
    this.timer = Executors.newSingleThreadScheduledExecutor(new ThreadFactoryBuilder()
        .setNameFormat(settings.name() + "-watch").setDaemon(true).build());
  }

  /** Starts the periodic check. */
  void start() {
    long period = Math.max(10, timeout.toMillis() / 5);
    timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
  }

  private void check() {
    long now = System.nanoTime();
    long sinceCheck;
    synchronized (this) {
      sinceCheck = now - lastCheck;
      lastCheck = now;
    }
    if (sinceCheck > 2 * timeout.toNanos() / 5 + TimeUnit.MILLISECONDS.toNanos(500)) {
      membership.forgiveSilence();
      return;
    }
    if (membership.silentFor(timeout.toNanos())) {
      onSilence.run();
    }
  }

  /**
   * Runs {@code attempt} after the next backoff delay (0.5 s, 1 s, 2 s, ... up to the maximum with
   * the defaults), unless one is already waiting or the watch has stopped.
   *
   * @param attempt returns whether it is done (joined, or no longer out); if not, it is scheduled
   *     again after a longer delay
   */
  synchronized void scheduleRejoin(java.util.function.BooleanSupplier attempt) {
    if (rejoinScheduled) {
      return;
    }
    schedule(attempt, backoff.apply(++failedRejoins)); // 1-based: the first wait is the initial one
  }

  /**
   * Runs {@code attempt} at once on the timer thread, then as {@link #scheduleRejoin} while it is
   * not done (the failover to another replica: the first round at once, later rounds with the
   * backoff). Does nothing if an attempt is already waiting or the watch has stopped.
   */
  synchronized void scheduleNow(java.util.function.BooleanSupplier attempt) {
    if (rejoinScheduled) {
      return;
    }
    schedule(attempt, 0);
  }

  private void schedule(java.util.function.BooleanSupplier attempt, long delay) {
    rejoinScheduled = true;
    try {
      timer.schedule(() -> {
        synchronized (this) {
          rejoinScheduled = false;
        }
        if (attempt.getAsBoolean()) {
          synchronized (this) {
            failedRejoins = 0;
          }
        } else {
          scheduleRejoin(attempt);
        }
      }, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      rejoinScheduled = false; // stopping
    }
  }

  /** Resets the backoff: the participant is in the chat again. */
  synchronized void rejoined() {
    failedRejoins = 0;
  }

  /** Stops the checks and any pending rejoin. */
  void stop() {
    timer.shutdownNow();
  }
}
