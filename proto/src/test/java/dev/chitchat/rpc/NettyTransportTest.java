package dev.chitchat.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real TCP on loopback, port 0: calls work between a {@link NettyTransport} and gRPC's defaults,
 * and its fixed flow-control window sends no bandwidth-probing pings.
 */
class NettyTransportTest {

  private static final Metadata.Key<String> ECHO =
      Metadata.Key.of("x-echo", Metadata.ASCII_STRING_MARSHALLER);

  private static final MethodDescriptor<String, String> SAY =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Say")
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .build();

  private final NettyTransport transport = NettyTransport.create(2, "netty-transport-test");

  @AfterEach
  void close() {
    transport.close();
  }

  @Test
  void callsCarryTheirHeadersBetweenTransportsAndWithGrpcsDefaultsEitherSide() throws Exception {
    Server ours = echoServer(transport.serverBuilder(0));
    Server plain =
        echoServer(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()));
    ManagedChannel toOurs = transport.channelBuilder("127.0.0.1", ours.getPort()).build();
    ManagedChannel plainToOurs =
        Grpc.newChannelBuilder("127.0.0.1:" + ours.getPort(), InsecureChannelCredentials.create())
            .build();
    ManagedChannel oursToPlain = transport.channelBuilder("127.0.0.1", plain.getPort()).build();
    try {
      for (ManagedChannel channel : new ManagedChannel[] {toOurs, plainToOurs, oursToPlain}) {
        // Several calls on one connection.
        for (int i = 0; i < 5; i++) {
          String value = "value-" + i + "-" + channel.hashCode();
          assertThat(echo(channel, "hello " + i, value))
              .isEqualTo(Map.of("response", "hello " + i, "header", value));
        }
      }
    } finally {
      for (ManagedChannel channel : new ManagedChannel[] {toOurs, plainToOurs, oursToPlain}) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      ours.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aServerSendsNoBandwidthProbingPings() throws Exception {
    Server server = echoServer(transport.serverBuilder(0));
    try (Socket socket = rawClient(server)) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      firstSettings(in);
      frame(out, 0x4, 0x1, 0, new byte[0]); // SETTINGS ACK
      frame(out, 0x1, 0x4, 1, requestHeaders()); // HEADERS, END_HEADERS
      frame(out, 0x0, 0x1, 1, grpcMessage("hello")); // DATA, END_STREAM
      out.flush();

      // gRPC's flow-control auto-tuning would answer the DATA with a PING (a bandwidth probe).
      List<Integer> frames = framesUntil(in, 0x1, 1, true);
      assertThat(frames).contains(0x0).doesNotContain(0x6);
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void aChannelSendsNoBandwidthProbingPings() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(5000);
      ManagedChannel channel =
          transport.channelBuilder("127.0.0.1", listener.getLocalPort()).build();
      try {
        var first = ClientCalls.futureUnaryCall(channel.newCall(SAY, CallOptions.DEFAULT), "a");
        try (Socket socket = listener.accept()) {
          socket.setSoTimeout(5000);
          DataInputStream in = new DataInputStream(socket.getInputStream());
          DataOutputStream out = new DataOutputStream(socket.getOutputStream());
          in.readFully(new byte[PREFACE.length]);
          frame(out, 0x4, 0, 0, new byte[0]);
          frame(out, 0x4, 0x1, 0, new byte[0]);
          out.flush();
          // Netty's clients number their streams from 3 (1 is for an HTTP/1.1 upgrade).
          framesUntil(in, 0x0, 3, true); // the request, to its last DATA frame
          frame(out, 0x1, 0x4, 3, responseHeaders());
          frame(out, 0x0, 0, 3, grpcMessage("b"));
          frame(out, 0x1, 0x5, 3, trailers()); // END_STREAM, END_HEADERS
          out.flush();
          assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("b");

          // A second call: its HEADERS come after any PING that the response's DATA caused.
          var second =
              ClientCalls.futureUnaryCall(channel.newCall(SAY, CallOptions.DEFAULT), "c");
          assertThat(framesUntil(in, 0x1, 5, false)).doesNotContain(0x6);
          second.cancel(true);
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aServerForOneAddressListensOnlyThere() throws Exception {
    Server server =
        echoServer(
            transport.serverBuilder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    try {
      assertThat(List.<Object>copyOf(server.getListenSockets()))
          .containsExactly(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()));
      try (Socket reached = new Socket(InetAddress.getLoopbackAddress(), server.getPort())) {
        assertThat(reached.isConnected()).isTrue();
      }
      InetAddress other = nonLoopbackAddress();
      assumeTrue(other != null, "this machine has no address but loopback");
      // Not listening there: the connection is refused at once (a local address, no timeout).
      assertThatThrownBy(() -> new Socket(other, server.getPort()).close())
          .isInstanceOf(ConnectException.class);
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aServerForAnAddressNotOnThisHostFailsToStart() throws Exception {
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): documentation only, on no real interface.
    ServerBuilder<?> builder =
        transport.serverBuilder(new InetSocketAddress(
            InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 7}), 0));

    // The cause is a BindException with NIO, Netty's native IOException with epoll.
    assertThatThrownBy(() -> echoServer(builder))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("203.0.113.7")
        .cause().isInstanceOf(IOException.class);
  }

  @Test
  void refusesANegativeThreadCount() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> NettyTransport.create(-1, "x"))
        .withMessageContaining("threads");
  }

  /** An address of this machine that is not loopback (nor link-local), or null if none. */
  private static InetAddress nonLoopbackAddress() throws SocketException {
    List<InetAddress> addresses = new ArrayList<>();
    for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
      if (nic.isUp()) {
        addresses.addAll(nic.inetAddresses().toList());
      }
    }
    return addresses.stream()
        .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress())
        .findFirst()
        .orElse(null);
  }

  /** Calls Say with an {@code x-echo} header; the response and the header's echo in trailers. */
  private static Map<String, String> echo(Channel channel, String text, String header) {
    Metadata headers = new Metadata();
    headers.put(ECHO, header);
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    Channel intercepted =
        ClientInterceptors.intercept(
            channel,
            MetadataUtils.newAttachHeadersInterceptor(headers),
            MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));
    String response =
        ClientCalls.blockingUnaryCall(
            intercepted, SAY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), text);
    return Map.of("response", response, "header", trailers.get().get(ECHO));
  }

  /** A server whose Say returns the request and puts the request's x-echo into the trailers. */
  private static Server echoServer(ServerBuilder<?> builder) throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(
                SAY,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext(request);
                      response.onCompleted();
                    }))
            .build();
    ServerInterceptor echoHeader =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String value = headers.get(ECHO);
            return next.startCall(
                new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                  @Override
                  public void close(io.grpc.Status status, Metadata trailers) {
                    if (value != null) {
                      trailers.put(ECHO, value);
                    }
                    super.close(status, trailers);
                  }
                },
                headers);
          }
        };
    return builder.addService(ServerInterceptors.intercept(service, echoHeader)).build().start();
  }

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A raw HTTP/2 connection to {@code server} that has sent the preface and an empty SETTINGS. */
  private static Socket rawClient(Server server) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getPort());
    socket.setSoTimeout(5000);
    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
    out.write(PREFACE);
    frame(out, 0x4, 0, 0, new byte[0]);
    out.flush();
    return socket;
  }

  /** Writes one HTTP/2 frame (RFC 9113 §4.1). */
  private static void frame(DataOutputStream out, int type, int flags, int stream, byte[] payload)
      throws IOException {
    out.writeByte(payload.length >>> 16);
    out.writeShort(payload.length & 0xffff);
    out.writeByte(type);
    out.writeByte(flags);
    out.writeInt(stream);
    out.write(payload);
  }

  /**
   * Reads frames up to and including the first of {@code type} on {@code stream} (with END_STREAM
   * when {@code endStream}), and returns the types of all frames read.
   */
  private static List<Integer> framesUntil(
      DataInputStream in, int type, int stream, boolean endStream) throws IOException {
    List<Integer> types = new ArrayList<>();
    while (true) {
      int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
      int t = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int s = in.readInt() & 0x7fffffff;
      in.readFully(new byte[length]);
      types.add(t);
      assertThat(t).as("RST_STREAM or GOAWAY").isNotIn(0x3, 0x7);
      if (t == type && s == stream && (!endStream || (flags & 0x1) != 0)) {
        return types;
      }
    }
  }

  /** A header block of HPACK literals without indexing (RFC 7541 §6.2.2), no Huffman coding. */
  private static byte[] headerBlock(Object... fields) {
    java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < fields.length; i += 2) {
      if (fields[i] instanceof Integer staticIndex) { // the name from the static table (< 15)
        block.write(staticIndex);
      } else {
        block.write(0);
        string(block, (String) fields[i]);
      }
      string(block, (String) fields[i + 1]);
    }
    return block.toByteArray();
  }

  private static void string(java.io.ByteArrayOutputStream block, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    block.write(bytes.length); // under 127
    block.writeBytes(bytes);
  }

  private static byte[] requestHeaders() {
    byte[] fields =
        headerBlock(4, "/test.Echo/Say", "content-type", "application/grpc", "te", "trailers");
    byte[] block = new byte[fields.length + 2];
    block[0] = (byte) 0x83; // :method POST (static table, indexed)
    block[1] = (byte) 0x86; // :scheme http
    System.arraycopy(fields, 0, block, 2, fields.length);
    return block;
  }

  private static byte[] responseHeaders() {
    byte[] fields = headerBlock("content-type", "application/grpc");
    byte[] block = new byte[fields.length + 1];
    block[0] = (byte) 0x88; // :status 200
    System.arraycopy(fields, 0, block, 1, fields.length);
    return block;
  }

  private static byte[] trailers() {
    return headerBlock("grpc-status", "0");
  }

  /** A gRPC length-prefixed message: uncompressed, 4-byte length, the UTF-8 text. */
  private static byte[] grpcMessage(String text) {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    byte[] message = new byte[5 + body.length];
    message[4] = (byte) body.length;
    System.arraycopy(body, 0, message, 5, body.length);
    return message;
  }

  /** Reads frames until the first SETTINGS frame without ACK, and returns its settings. */
  private static Map<Integer, Long> firstSettings(DataInputStream in) throws IOException {
    while (true) {
      int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      in.readInt();
      byte[] payload = new byte[length];
      in.readFully(payload);
      if (type == 0x4 && (flags & 0x1) == 0) {
        Map<Integer, Long> settings = new HashMap<>();
        DataInputStream p = new DataInputStream(new ByteArrayInputStream(payload));
        for (int i = 0; i < length / 6; i++) {
          settings.put(p.readUnsignedShort(), Integer.toUnsignedLong(p.readInt()));
        }
        return settings;
      }
    }
  }

  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
