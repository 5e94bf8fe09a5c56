package dev.chitchat.server;

import dev.chitchat.rpc.NettyTransport;
import io.grpc.ManagedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.Executor;

/**
 * Dials participants over TCP through a {@link NettyTransport}:
 * the IP address of the Join's connection, and the declared port. Callbacks run on the given
 * executor. Thread-safe.
 */
public final class NetworkDialer implements ParticipantDialer {

  private final NettyTransport transport;
  private final Executor executor;
  private final int maxInboundBytes;

  /**
   * @param transport the event loops and settings of the channels; must outlive them
   * @param executor runs the channels' callbacks; must not be used for blocking work
   * @param maxInboundBytes the largest response accepted from a participant, in bytes
   */
  public NetworkDialer(NettyTransport transport, Executor executor, int maxInboundBytes) {
    this.transport = transport;
    this.executor = executor;
    this.maxInboundBytes = maxInboundBytes;
  }

  @Override
  public ManagedChannel dial(SocketAddress joinedFrom, int port) {
    if (!(joinedFrom instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      throw new IllegalArgumentException(
          "Cannot call back a participant that joined from " + joinedFrom + ".");
    }
    return transport
        .channelBuilder(inet.getAddress().getHostAddress(), port)
        .executor(executor)
        .maxInboundMessageSize(maxInboundBytes)
        // ParticipantLink retries and gives up by itself; gRPC's retry layer would only buffer
        // a copy of every Broadcast.
        .disableRetry()
        .build();
  }
}
