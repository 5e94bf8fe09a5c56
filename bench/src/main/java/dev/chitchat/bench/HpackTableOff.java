package dev.chitchat.bench;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The benchmark's opt-in {@code --hpack-table-off}: every connection of the run announces {@code
 * SETTINGS_HEADER_TABLE_SIZE = 0} (RFC 9113 §6.5.2), so no peer's HPACK encoder (RFC 7541) keeps a
 * dynamic table for it.
 *
 * <p>Why: Chitty-Chat's headers change on every call ({@code lamport-time}, {@code call-id}), so
 * each call inserts table entries that are never used again. With 1,000 participants the server
 * and its peers keep thousands of such tables, whose entries are promoted and dropped by the
 * thousand, and each young collection pauses longer (the figures are in {@code
 * docs/performance.md}). grpc-java 1.85 has no option for the setting, so {@link
 * HeaderTableSizeZero} rewrites the bytes of each connection's first SETTINGS frame: tuning for a
 * benchmark figure, never on the main path of {@code chitchat server} or {@code participant}.
 *
 * <p>Stateless; the builders it configures must use the same kind of event loop (epoll where
 * Netty's native transport is available, NIO elsewhere), as {@code NettyTransport}'s do.
 */
final class HpackTableOff {

  private static final boolean EPOLL = Epoll.isAvailable();

  private HpackTableOff() {}

  /** {@code builder}, whose accepted connections announce a header table size of 0. */
  static NettyServerBuilder apply(NettyServerBuilder builder) {
    return builder.channelFactory(() -> {
      ServerChannel channel = EPOLL ? new EpollServerSocketChannel() : new NioServerSocketChannel();
      // Added before Netty's acceptor, so it sees each accepted connection first.
      channel.pipeline().addLast(ACCEPTED);
      return channel;
    });
  }

  /** {@code builder}, whose connections announce a header table size of 0. */
  static NettyChannelBuilder apply(NettyChannelBuilder builder) {
    return builder.channelFactory(() -> {
      Channel channel = EPOLL ? new EpollSocketChannel() : new NioSocketChannel();
      channel.pipeline().addFirst(new HeaderTableSizeZero());
      return channel;
    });
  }

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
