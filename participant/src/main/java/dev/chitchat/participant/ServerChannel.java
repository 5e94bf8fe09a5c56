package dev.chitchat.participant;

import dev.chitchat.rpc.GrpcClocks;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The participant's channels to the chat server: one {@link ManagedChannel} per replica address,
 * each built lazily (on its first call) and only through {@link GrpcClocks}, so every call ticks
 * the participant's clock once per send and once per response or failure. One replica is the
 * current one: {@link #channel()} sends every new call there, and {@link #moveTo} switches it, so
 * a call made after a move (a Publish retried under the same message id) goes to the new replica.
 * A single server is the one-address case. Owned by the participant: {@link #shutdown} closes
 * every channel built. Thread-safe.
 *
 * <p>gRPC's own retries are off on these channels ({@code disableRetry}): they run below the clock
 * interceptor, so every wire attempt would repeat the call's one {@code call-id} and one {@code
 * lamport-time}, and the server would log two receives of one send, which {@code chitchat diagram
 * --check} reports as a call id used twice. Publish is retried by {@link PublishRetry} instead,
 * each attempt a call of its own.
 *
 * <p>It also notices when the current replica's connection is clearly gone: a channel that was
 * connected and then fails to reconnect (the replica's process died, so its port refuses) is
 * reported to the listener set by {@link #onGone}, with the {@link #epoch} it was current in.
 */
final class ServerChannel {

  private final List<String> addresses;
  private final Function<String, ManagedChannelBuilder<?>> builders;
  private final GrpcClocks clocks;
  private final ManagedChannel[] channels;
  private volatile int current;
  private volatile long epoch;
  private boolean shutdown;
  private volatile LongConsumer onGone = epoch -> {};

  /** Sends each new call to the channel of the current replica. */
  private final Channel switching = new Channel() {
    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      return channel(current).newCall(method, options);
    }

    @Override
    public String authority() {
      return channel(current).authority();
    }
  };

  /**
   * One channel, to one server.
   *
   * @param builder the transport, not yet configured with any interceptor
   */
  ServerChannel(ManagedChannelBuilder<?> builder, GrpcClocks clocks) {
    this(List.of(""), address -> builder, clocks);
  }

  /**
   * One channel per replica address, each built by {@code builders} when first used.
   *
   * @param addresses the replicas' addresses, in the order they are tried; at least one
   * @param builders the transport for an address, not yet configured with any interceptor
   * @throws IllegalArgumentException if {@code addresses} is empty
   */
  ServerChannel(List<String> addresses, Function<String, ManagedChannelBuilder<?>> builders,
      GrpcClocks clocks) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no server address");
    }
    this.addresses = List.copyOf(addresses);
    this.builders = builders;
    this.clocks = clocks;
    this.channels = new ManagedChannel[addresses.size()];
  }

  /** The channel to the current replica, for stubs: each new call goes to the replica current then. */
  Channel channel() {
    return switching;
  }

  /**
   * The channel to replica {@code index}, built now if it was not yet.
   *
   * @throws IllegalStateException after {@link #shutdown}
   */
  synchronized ManagedChannel channel(int index) {
    if (shutdown) {
      throw new IllegalStateException("the channels to the chat server are shut down");
    }
    ManagedChannel channel = channels[index];
    if (channel == null) {
      channel = clocks.configureChannelBuilder(builders.apply(addresses.get(index)), null)
          .disableRetry().build();
      channels[index] = channel;
      watch(index, channel, false);
    }
    return channel;
  }

  /** How many replica addresses there are. */
  int size() {
    return addresses.size();
  }

  /** The index of the current replica. */
  int current() {
    return current;
  }

  /**
   * How many times the current replica has changed. A failure seen in one epoch is about the
   * replica current then; after a move it no longer says anything about the new one.
   */
  long epoch() {
    return epoch;
  }

  /** Makes replica {@code index} the current one; a new epoch begins if it changed. */
  synchronized void moveTo(int index) {
    if (index != current) {
      current = index;
      epoch++;
    }
  }

  /**
   * The address of replica {@code index} as given, or (one channel given as a builder) the
   * authority the channel names.
   */
  String address(int index) {
    String address = addresses.get(index);
    return address.isEmpty() ? channel(index).authority() : address;
  }

  /**
   * Sets the listener told when the current replica's connection is clearly gone (it was
   * connected and reconnecting fails), with the epoch it was current in; called on a gRPC thread,
   * so it must be quick.
   */
  void onGone(LongConsumer listener) {
    onGone = listener;
  }

  /** Makes the next call to the current replica connect at once; see {@link #freshConnection(int)}. */
  void freshConnection() {
    freshConnection(current);
  }

  /**
   * Makes the next call to replica {@code index} connect at once. After a server was unreachable
   * its channel waits out gRPC's reconnect backoff (1 s growing to 2 min) and fails every call
   * meanwhile without trying; a restarted server would then be joined seconds late. A channel in
   * that state is sent back to idle, so the next call dials a fresh connection and fails only if
   * nothing answers.
   */
  void freshConnection(int index) {
    ManagedChannel channel = channel(index);
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      channel.resetConnectBackoff();
      channel.enterIdle();
    }
  }

  /**
   * Waits until the channel to a replica is connected, connecting every idle one; the first
   * replica, in order from the current one, found connected becomes the current one.
   *
   * @param timeout the longest wait
   * @return whether one connected in time; {@code false} also once the channels are shut down
   */
  boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int replicas = size();
    while (true) {
      CountDownLatch changed = new CountDownLatch(1);
      int first = current;
      boolean open = false;
      for (int step = 0; step < replicas; step++) {
        int index = (first + step) % replicas;
        ManagedChannel channel;
        try {
          channel = channel(index);
        } catch (IllegalStateException shutDown) {
          return false;
        }
        ConnectivityState state = channel.getState(true);
        if (state == ConnectivityState.READY) {
          moveTo(index);
          return true;
        }
        if (state != ConnectivityState.SHUTDOWN) {
          open = true;
          channel.notifyWhenStateChanged(state, changed::countDown);
        }
      }
      long left = deadline - System.nanoTime();
      if (!open || left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
  }

  /** Closes every channel built, waiting up to 2 s in all for calls in progress. */
  void shutdown() throws InterruptedException {
    ManagedChannel[] built;
    synchronized (this) {
      shutdown = true;
      built = channels.clone();
    }
    for (ManagedChannel channel : built) {
      if (channel != null) {
        channel.shutdown();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (ManagedChannel channel : built) {
      if (channel != null
          && !channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        channel.shutdownNow();
      }
    }
  }

  /**
   * Follows the state of replica {@code index}'s channel: once connected, a lost connection makes
   * it reconnect at once, and a failed reconnection while it is the current replica is reported.
   */
  private void watch(int index, ManagedChannel channel, boolean wasReady) {
    ConnectivityState state = channel.getState(false);
    boolean connected = wasReady;
    switch (state) {
      case SHUTDOWN -> {
        return;
      }
      case READY -> connected = true;
      case IDLE -> {
        if (connected) {
          channel.getState(true); // was connected: find out at once whether it still answers
        }
      }
      case TRANSIENT_FAILURE -> {
        if (connected && index == current) {
          onGone.accept(epoch);
        }
        connected = false;
      }
      default -> {}
    }
    boolean next = connected;
    channel.notifyWhenStateChanged(state, () -> watch(index, channel, next));
  }
}
