package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderTableSizeZeroTest {

  private static final int HEADER_TABLE_SIZE = 0x1;
  private static final int INITIAL_WINDOW_SIZE = 0x4;
  private static final int MAX_HEADER_LIST_SIZE = 0x6;

  /** A frame: 9-byte header and payload (RFC 9113 §4.1). */
  private static ByteBuf frame(int type, int flags, int stream, byte[] payload) {
    ByteBuf buf = Unpooled.buffer();
    buf.writeMedium(payload.length);
    buf.writeByte(type);
    buf.writeByte(flags);
    buf.writeInt(stream);
    buf.writeBytes(payload);
    return buf;
  }

  private static ByteBuf settings(Map<Integer, Long> values) {
    ByteBuf payload = Unpooled.buffer();
    values.forEach((id, value) -> payload.writeShort(id).writeInt((int) (long) value));
    byte[] bytes = new byte[payload.readableBytes()];
    payload.readBytes(bytes);
    return frame(0x4, 0, 0, bytes);
  }

  /** The settings of one SETTINGS frame, in order; asserts it is exactly one frame. */
  private static Map<Integer, Long> parseSettings(ByteBuf frame) {
    int length = frame.readUnsignedMedium();
    assertThat(frame.readUnsignedByte()).as("type").isEqualTo((short) 0x4);
    frame.skipBytes(5);
    assertThat(frame.readableBytes()).isEqualTo(length);
    Map<Integer, Long> values = new LinkedHashMap<>();
    while (frame.isReadable()) {
      values.put(frame.readUnsignedShort(), frame.readUnsignedInt());
    }
    frame.release();
    return values;
  }

  @Test
  void addsAHeaderTableSizeOfZeroToTheFirstSettingsFrame() {
    EmbeddedChannel channel = new EmbeddedChannel(new HeaderTableSizeZero());
    channel.writeOutbound(settings(Map.of(MAX_HEADER_LIST_SIZE, 8192L)));

    assertThat(parseSettings(channel.readOutbound()))
        .containsExactly(Map.entry(MAX_HEADER_LIST_SIZE, 8192L), Map.entry(HEADER_TABLE_SIZE, 0L));
    assertThat(channel.pipeline().get(HeaderTableSizeZero.class)).isNull();
  }

  @Test
  void replacesAHeaderTableSizeAlreadyThere() {
    Map<Integer, Long> given = new LinkedHashMap<>();
    given.put(HEADER_TABLE_SIZE, 4096L);
    given.put(INITIAL_WINDOW_SIZE, 1_048_576L);
    EmbeddedChannel channel = new EmbeddedChannel(new HeaderTableSizeZero());
    channel.writeOutbound(settings(given));

    assertThat(parseSettings(channel.readOutbound()))
        .containsExactly(
            Map.entry(INITIAL_WINDOW_SIZE, 1_048_576L), Map.entry(HEADER_TABLE_SIZE, 0L));
  }

  @Test
  void letsTheClientPrefacePassAndRewritesTheSettingsAfterIt() {
    EmbeddedChannel channel = new EmbeddedChannel(new HeaderTableSizeZero());
    channel.writeOutbound(Http2CodecUtil.connectionPrefaceBuf(), settings(Map.of()));

    ByteBuf preface = channel.readOutbound();
    assertThat(preface).isEqualTo(Http2CodecUtil.connectionPrefaceBuf());
    preface.release();
    assertThat(parseSettings(channel.readOutbound()))
        .containsExactly(Map.entry(HEADER_TABLE_SIZE, 0L));
  }

  @Test
  void touchesOnlyTheFirstFrameAndLeavesLaterSettingsAsTheyAre() {
    EmbeddedChannel channel = new EmbeddedChannel(new HeaderTableSizeZero());
    channel.writeOutbound(settings(Map.of()), settings(Map.of(HEADER_TABLE_SIZE, 4096L)));

    assertThat(parseSettings(channel.readOutbound()))
        .containsExactly(Map.entry(HEADER_TABLE_SIZE, 0L));
    assertThat(parseSettings(channel.readOutbound()))
        .containsExactly(Map.entry(HEADER_TABLE_SIZE, 4096L));
  }

  @Test
  void passesAnythingElseUnchangedAndLeaves() {
    ByteBuf ack = frame(0x4, 0x1, 0, new byte[0]);
    ByteBuf ping = frame(0x6, 0, 0, new byte[8]);
    ByteBuf settingsOnAStream = frame(0x4, 0, 3, new byte[0]);
    for (ByteBuf first : new ByteBuf[] {ack, ping, settingsOnAStream}) {
      ByteBuf expected = first.copy();
      EmbeddedChannel channel = new EmbeddedChannel(new HeaderTableSizeZero());
      channel.writeOutbound(first);

      ByteBuf written = channel.readOutbound();
      assertThat(written).isEqualTo(expected);
      written.release();
      assertThat(channel.pipeline().get(HeaderTableSizeZero.class)).isNull();
    }
  }

  @Test
  void leavesTwoFramesInOneBufferAlone() {
    ByteBuf two = settings(Map.of());
    two.writeBytes(frame(0x6, 0, 0, new byte[8]));
    ByteBuf expected = two.copy();
    EmbeddedChannel channel = new EmbeddedChannel(new HeaderTableSizeZero());
    channel.writeOutbound(two);

    assertThat((ByteBuf) channel.readOutbound()).isEqualTo(expected);
  }
}
