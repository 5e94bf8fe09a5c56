package dev.chitchat.rpc;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real TCP on loopback, port 0: what a {@link NettyTransport} announces and that calls work. */
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
  void aServerAnnouncesAHeaderTableSizeOfZero() throws Exception {
    Server server = echoServer(transport.serverBuilder(0));
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getPort())) {
      socket.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 0x4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
      out.flush();

      assertThat(firstSettings(new DataInputStream(socket.getInputStream())))
          .containsEntry(0x1, 0L);
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void aChannelAnnouncesAHeaderTableSizeOfZero() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(5000);
      ManagedChannel channel =
          transport.channelBuilder("127.0.0.1", listener.getLocalPort()).build();
      try {
        channel.getState(true); // connect
        try (Socket socket = listener.accept()) {
          socket.setSoTimeout(5000);
          DataInputStream in = new DataInputStream(socket.getInputStream());
          byte[] preface = new byte[24];
          in.readFully(preface);
          assertThat(new String(preface, StandardCharsets.US_ASCII))
              .isEqualTo("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

          assertThat(firstSettings(in)).containsEntry(0x1, 0L);
        }
      } finally {
        channel.shutdownNow();
      }
    }
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
        // Several calls on one connection: with a dynamic table the later ones would index.
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
  void refusesANegativeThreadCount() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> NettyTransport.create(-1, "x"))
        .withMessageContaining("threads");
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
                    trailers.put(ECHO, value);
                    super.close(status, trailers);
                  }
                },
                headers);
          }
        };
    return builder.addService(ServerInterceptors.intercept(service, echoHeader)).build().start();
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
