package dev.chitchat.bench;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelOutboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2CodecUtil;

/**
 * Adds {@code SETTINGS_HEADER_TABLE_SIZE = 0} (RFC 9113 §6.5.2) to the first SETTINGS frame that a
 * connection sends, then removes itself from the pipeline. See {@link HpackTableOff} for why.
 *
 * <p>It sits at the socket end of the pipeline and looks at whole outgoing buffers: a client's
 * connection preface passes unchanged; the next buffer, if it is exactly one SETTINGS frame (type
 * 0x4, no ACK flag, stream 0, a length that is a multiple of 6), is rewritten with the header
 * table size set to 0, replacing any value already there. Whatever that buffer is, the handler
 * then leaves the pipeline, so a connection pays for it once. Netty's HTTP/2 codec writes the
 * preface and its initial SETTINGS as buffers of their own, before any other frame.
 *
 * <p>One instance per connection; Netty calls it on the connection's event loop.
 */
final class HeaderTableSizeZero extends ChannelOutboundHandlerAdapter {

  private static final int FRAME_HEADER = Http2CodecUtil.FRAME_HEADER_LENGTH;
  private static final int SETTING = 6;
  private static final int SETTINGS_TYPE = 0x4;
  private static final int ACK = 0x1;
  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.write(msg, promise);
      return;
    }
    if (ByteBufUtil.equals(buf, PREFACE)) {
      ctx.write(msg, promise);
      return;
    }
    ctx.pipeline().remove(this);
    if (!isInitialSettings(buf)) {
      ctx.write(msg, promise);
      return;
    }
    ByteBuf rewritten = withHeaderTableSizeZero(ctx, buf);
    buf.release();
    ctx.write(rewritten, promise);
  }

  /** Whether {@code buf} holds exactly one non-ACK SETTINGS frame on stream 0. */
  private static boolean isInitialSettings(ByteBuf buf) {
    int start = buf.readerIndex();
    if (buf.readableBytes() < FRAME_HEADER) {
      return false;
    }
    int length = buf.getUnsignedMedium(start);
    return buf.getUnsignedByte(start + 3) == SETTINGS_TYPE
        && (buf.getUnsignedByte(start + 4) & ACK) == 0
        && (buf.getInt(start + 5) & 0x7fffffff) == 0
        && length % SETTING == 0
        && buf.readableBytes() == FRAME_HEADER + length;
  }

  private static ByteBuf withHeaderTableSizeZero(ChannelHandlerContext ctx, ByteBuf settings) {
    int start = settings.readerIndex();
    int length = settings.getUnsignedMedium(start);
    ByteBuf out = ctx.alloc().buffer(FRAME_HEADER + length + SETTING);
    out.writeMedium(0); // the length, set below
    out.writeBytes(settings, start + 3, FRAME_HEADER - 3);
    for (int at = start + FRAME_HEADER; at < start + FRAME_HEADER + length; at += SETTING) {
      if (settings.getUnsignedShort(at) != Http2CodecUtil.SETTINGS_HEADER_TABLE_SIZE) {
        out.writeBytes(settings, at, SETTING);
      }
    }
    out.writeShort(Http2CodecUtil.SETTINGS_HEADER_TABLE_SIZE);
    out.writeInt(0);
    out.setMedium(0, out.readableBytes() - FRAME_HEADER);
    return out;
  }
}
