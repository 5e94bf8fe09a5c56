package dev.chitchat.participant;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The user's actions that talk to the server (publish, join), run one at a time on a thread of
 * their own in the order they were typed, so that the input loop never waits for the server and
 * the user's messages still reach it in order. Thread-safe.
 */
final class Outbox {

  private final ExecutorService thread;

  Outbox(String name) {
    this.thread = Executors.newSingleThreadExecutor(
        new ThreadFactoryBuilder().setNameFormat(name + "-outbox").setDaemon(true).build());
  }

  /** Queues {@code action} after everything queued before it. */
  void submit(Runnable action) {
    thread.execute(action);
  }

  /**
   * Waits until everything queued has run: each action is bounded by its calls' deadlines, so
   * this ends. Nothing may be queued afterwards.
   */
  void drain() throws InterruptedException {
    thread.shutdown();
    while (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
      // Still publishing: every attempt has a deadline, so the queue drains.
    }
  }
}
