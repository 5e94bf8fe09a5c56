package dev.chitchat.rpc;

import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The TCP transport of every Chitty-Chat process: gRPC over Netty, on an event-loop group that this
 * object owns, with HTTP/2's dynamic header table turned off in both directions of every
 * connection, and a fixed flow-control window.
 *
 * <p><b>Why.</b> HPACK (RFC 7541) compresses HTTP/2 headers against a per-connection dynamic
 * table that the sender fills and the receiver mirrors. Chitty-Chat's headers change on every call
 * ({@code lamport-time}, {@code call-id}, gRPC's {@code grpc-timeout}), so each call inserts new
 * entries that are never used again, evicts old ones, and makes every lookup walk tables spread
 * over the heap. With 1,000 participants the server keeps 2,000 such tables warm: in the benchmark
 * (docs/performance.md) the tables took about a fifth of the CPU samples, and their short-lived
 * entries, promoted and dropped by the thousand, made each young collection pause about 40 ms.
 * With no dynamic table, headers are encoded from HPACK's static table and as literals: more
 * bytes on the wire (a Broadcast's request headers are a few hundred bytes instead of a few dozen),
 * less CPU, and no state per connection.
 *
 * <p><b>How.</b> A receiver asks its peer not to use the table by announcing {@code
 * SETTINGS_HEADER_TABLE_SIZE = 0} (RFC 9113 §6.5.2); the peer's encoder then sends a table-size
 * update to 0 and indexes nothing (RFC 7541 §4.2, §6.3). grpc-java 1.85 has no option for that
 * setting (an open pull request would add one: grpc/grpc-java#12973, {@code
 * disableHpackDynamicTable()}), so this class puts a small handler at the socket end of each
 * connection's Netty pipeline that adds the setting to the connection's first SETTINGS frame and
 * then removes itself. It touches nothing else: the preface, every later frame and every frame
 * read pass unchanged. Any HTTP/2 peer must honour the setting; a peer that is not a Chitty-Chat
 * process needs no change.
 *
 * <p><b>Flow control.</b> Every server and channel has a fixed HTTP/2 flow-control window of
 * {@link NettyChannelBuilder#DEFAULT_FLOW_CONTROL_WINDOW} bytes (1 MiB, gRPC's initial window).
 * gRPC's default, auto-tuning (a bandwidth-delay-product estimate), answers DATA frames with PING
 * frames to measure the round trip and widens the window for bulk transfers on long, fast links.
 * Chitty-Chat's calls carry a few kilobytes at most, so the pings are pure overhead; and in the
 * load benchmark, the rarely taken branch of the ping logic made the JIT throw away its compiled
 * code for the whole read path mid-run (docs/performance.md).
 *
 * <p>Plaintext only ({@link InsecureChannelCredentials}, {@link InsecureServerCredentials}), like
 * the rest of Chitty-Chat. The channel type is epoll where Netty's native transport is available,
 * NIO elsewhere.
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
   * transport's threads. Its connections announce {@code SETTINGS_HEADER_TABLE_SIZE = 0} and have a
   * fixed flow-control window.
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
   * address for all interfaces; port 0 for a free one), plaintext, on this transport's threads. Its
   * connections announce {@code SETTINGS_HEADER_TABLE_SIZE = 0} and have a fixed flow-control
   * window. Nothing is bound until the built server starts: an address that is not on this host, or
   * a port in use, makes {@link io.grpc.Server#start()} throw an {@link java.io.IOException}
   * ({@code Failed to bind to address ...}) whose cause says why: a {@link java.net.BindException}
   * with NIO, Netty's own {@code IOException} with the system's message (e.g. {@code bind(..) failed
   * with error(-99): Cannot assign requested address}) with epoll.
   *
   * @param address where to listen: a resolved address and a port from 0 to 65535
   */
  public NettyServerBuilder serverBuilder(InetSocketAddress address) {
    return NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
        .channelFactory(serverChannels())
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .flowControlWindow(NettyChannelBuilder.DEFAULT_FLOW_CONTROL_WINDOW);
  }

  /**
   * A channel builder for {@code host:port}, plaintext, on this transport's threads. Its
   * connections announce {@code SETTINGS_HEADER_TABLE_SIZE = 0} and have a fixed flow-control
   * window.
   */
  public NettyChannelBuilder channelBuilder(String host, int port) {
    return NettyChannelBuilder.forAddress(host, port, InsecureChannelCredentials.create())
        .channelFactory(clientChannels())
        .eventLoopGroup(group)
        .flowControlWindow(NettyChannelBuilder.DEFAULT_FLOW_CONTROL_WINDOW);
  }

  /**
   * A channel builder for a gRPC target ({@code host:port} or a URI), plaintext, on this
   * transport's threads. Its connections announce {@code SETTINGS_HEADER_TABLE_SIZE = 0} and have
   * a fixed flow-control window.
   */
  public NettyChannelBuilder channelBuilder(String target) {
    return NettyChannelBuilder.forTarget(target, InsecureChannelCredentials.create())
        .channelFactory(clientChannels())
        .eventLoopGroup(group)
        .flowControlWindow(NettyChannelBuilder.DEFAULT_FLOW_CONTROL_WINDOW);
  }

  /**
   * One of this transport's event-loop threads as a single-threaded scheduler (each call takes the
   * next thread in turn). Its tasks and timers run on that thread between its I/O, so a timer there
   * needs no thread of its own. Tasks must be short and must not block: every connection served by
   * that thread waits for them. Thread-safe.
   */
  public ScheduledExecutorService eventLoop() {
    return group.next();
  }

  /**
   * Shuts the event-loop group down without a quiet period and waits up to 2 s for its threads.
   * Idempotent.
   */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  private ChannelFactory<Channel> clientChannels() {
    return () -> {
      Channel channel = epoll ? new EpollSocketChannel() : new NioSocketChannel();
      channel.pipeline().addFirst(new HeaderTableSizeZero());
      return channel;
    };
  }

  private ChannelFactory<ServerChannel> serverChannels() {
    return () -> {
      ServerChannel channel = epoll ? new EpollServerSocketChannel() : new NioServerSocketChannel();
      // Added before Netty's acceptor, so it sees each accepted connection first.
      channel.pipeline().addLast(ACCEPTED);
      return channel;
    };
  }

  /** Puts a {@link HeaderTableSizeZero} at the socket end of each accepted connection. */
  private static final ChannelHandler ACCEPTED =
      new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object accepted) {
          if (accepted instanceof Channel child) {
            child.pipeline().addFirst(new HeaderTableSizeZero());
          }
          ctx.fireChannelRead(accepted);
        }

        @Override
        public boolean isSharable() {
          return true;
        }
      };
}
