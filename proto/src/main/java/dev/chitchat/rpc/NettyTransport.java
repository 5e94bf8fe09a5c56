package dev.chitchat.rpc;

import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The TCP transport of a Chitty-Chat process: gRPC over Netty, every server and channel of the
 * process on one event-loop group that this object owns (so their number of threads is set in one
 * place), plaintext ({@link InsecureServerCredentials}, {@link InsecureChannelCredentials}), epoll
 * where Netty's native transport is available and NIO elsewhere. Everything is set through
 * grpc-java's public builder API.
 *
 * <p>Every server and channel has a fixed HTTP/2 flow-control window of {@link
 * NettyChannelBuilder#DEFAULT_FLOW_CONTROL_WINDOW} bytes (gRPC's initial window). gRPC's default
 * auto-tunes the window for bulk transfers on long, fast links, answering DATA frames with PING
 * frames to estimate the bandwidth-delay product; Chitty-Chat's calls carry a few kilobytes at
 * most, so those pings would be pure overhead.
 *
 * <p>Thread-safe. {@link #close()} shuts the event-loop group down; close it after every server
 * and channel built from it has terminated. Its threads are daemon threads, so a transport that is
 * never closed does not keep the JVM alive.
 */
public final class NettyTransport implements AutoCloseable {

  private final EventLoopGroup group;
  private final boolean epoll;

  private NettyTransport(EventLoopGroup group, boolean epoll) {
    this.group = group;
    this.epoll = epoll;
  }

  /**
   * Starts an event-loop group for servers and channels.
   *
   * @param threads the number of event-loop threads; 0 for Netty's default (2 per CPU)
   * @param name the threads' name prefix, e.g. {@code chitchat-server}
   * @throws IllegalArgumentException if {@code threads} is negative
   */
  public static NettyTransport create(int threads, String name) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be 0 or more, not " + threads);
    }
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new NettyTransport(
        new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), io), epoll);
  }

  /**
   * A server builder for {@code port} (0 for a free one) on all interfaces, plaintext, on this
   * transport's threads.
   *
   * @param port 0 to 65535
   * @throws IllegalArgumentException if {@code port} is out of range
   * @see #serverBuilder(InetSocketAddress)
   */
  public NettyServerBuilder serverBuilder(int port) {
    // The wildcard address, as NettyServerBuilder.forPort would use.
    return serverBuilder(new InetSocketAddress(port));
  }

  /**
   * A server builder that listens only on {@code address} (an address of this host, or the wildcard
   * address for all interfaces; port 0 for a free one), plaintext, on this transport's threads.
   * Nothing is bound until the built server starts: an address that is not on this host, or a port
   * in use, makes {@link io.grpc.Server#start()} throw an {@link java.io.IOException} ({@code Failed
   * to bind to address ...}) whose cause says why: a {@link java.net.BindException} with NIO, Netty's
   * own {@code IOException} with the system's message (e.g. {@code bind(..) failed with error(-99):
   * Cannot assign requested address}) with epoll.
   *
   * @param address where to listen: a resolved address and a port from 0 to 65535
   */
  public NettyServerBuilder serverBuilder(InetSocketAddress address) {
    return NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
        .channelType(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .flowControlWindow(NettyChannelBuilder.DEFAULT_FLOW_CONTROL_WINDOW);
  }

  /** A channel builder for {@code host:port}, plaintext, on this transport's threads. */
  public NettyChannelBuilder channelBuilder(String host, int port) {
    return configure(NettyChannelBuilder.forAddress(host, port, InsecureChannelCredentials.create()));
  }

  /**
   * A channel builder for a gRPC target ({@code host:port} or a URI), plaintext, on this
   * transport's threads.
   */
  public NettyChannelBuilder channelBuilder(String target) {
    return configure(NettyChannelBuilder.forTarget(target, InsecureChannelCredentials.create()));
  }

  /**
   * Shuts the event-loop group down without a quiet period and waits up to 2 s for its threads.
   * Idempotent.
   */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  private NettyChannelBuilder configure(NettyChannelBuilder builder) {
    return builder
        .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        .eventLoopGroup(group)
        .flowControlWindow(NettyChannelBuilder.DEFAULT_FLOW_CONTROL_WINDOW);
  }
}
