package dev.chitchat.participant;

import dev.chitchat.rpc.GrpcClocks;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The participant's channel to the chat server, built only through {@link GrpcClocks}, so every
 * call ticks the participant's clock once per send and once per response or failure. Owned by the
 * participant: {@link #shutdown} closes it. Thread-safe.
 *
 * <p>gRPC's own retries are off on this channel ({@code disableRetry}): they run below the clock
 * interceptor, so every wire attempt would repeat the call's one {@code call-id} and one {@code
 * lamport-time}, and the server would log two receives of one send, which {@code chitchat diagram
 * --check} reports as a call id used twice. Publish is retried by {@link PublishRetry} instead,
 * each attempt a call of its own.
 */
final class ServerChannel {

  private final ManagedChannel channel;

  ServerChannel(ManagedChannelBuilder<?> builder, GrpcClocks clocks) {
    this.channel = clocks.configureChannelBuilder(builder, null).disableRetry().build();
  }

  /** The channel, for stubs. */
  Channel channel() {
    return channel;
  }

  /**
   * Makes the next call connect at once. After the server was unreachable the channel waits out
   * gRPC's reconnect backoff (1 s growing to 2 min) and fails every call meanwhile without trying;
   * a restarted server would then be joined seconds late. A channel in that state is sent back to
   * idle, so the next call dials a fresh connection and fails only if nothing answers.
   */
  void freshConnection() {
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      channel.resetConnectBackoff();
      channel.enterIdle();
    }
  }

  /**
   * Waits until the channel is connected to the server, connecting if idle.
   *
   * @param timeout the longest wait
   * @return whether it connected in time; {@code false} also once the channel is shut down
   */
  boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY) {
      if (state == ConnectivityState.SHUTDOWN) {
        return false;
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      long left = deadline - System.nanoTime();
      if (left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS)) {
        return false;
      }
      state = channel.getState(true);
    }
    return true;
  }

  /** The server's address as the channel names it. */
  String authority() {
    return channel.authority();
  }

  /** Closes the channel, waiting up to 2 s for calls in progress. */
  void shutdown() throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
  }
}
