package dev.chitchat.bench.micro;

import dev.chitchat.clock.EventLog;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockClientInterceptor;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.ClockServerInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: what the clock interceptors add to a unary gRPC call, in nanoseconds per call, averaged.
 * Both benchmarks make the same blocking {@code Broadcast} call (one 64-character message) to a
 * participant service that only answers, over gRPC's in-process transport (no network, direct
 * executors on both sides): {@code plainCall} without interceptors,
 * {@code clockedCall} with {@link ClockClientInterceptor} on the channel and
 * {@link ClockServerInterceptor} on the server, their clocks unlogged. So the difference is the four
 * ticks, the {@code lamport-time}, {@code call-id} and {@code chitchat-process} headers and
 * trailers, and their parsing.
 *
 * <p>Run with {@code ./chitchat micro InterceptorBenchmark} (README, "Performance"). One trial forks
 * one JVM: 3 warm-up and 5 measured iterations of 2 s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager")
public class InterceptorBenchmark {

  static final BroadcastRequest REQUEST =
      BroadcastRequest.newBuilder()
          .setServerId("bench")
          .addEvents(ChatEvent.newBuilder()
              .setSequence(1)
              .setLamportTime(1)
              .setKind(ChatEvent.Kind.MESSAGE)
              .setParticipant("p01")
              .setText("0000001234abcdef 0007 " + ".".repeat(42)))
          .build();

  private Server plainServer;
  private Server clockedServer;
  private ManagedChannel plainChannel;
  private ManagedChannel clockedChannel;
  private ParticipantGrpc.ParticipantBlockingStub plain;
  private ParticipantGrpc.ParticipantBlockingStub clocked;

  /** Two in-process servers and their channels: one plain, one with the clock interceptors. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    String plainName = InProcessServerBuilder.generateName();
    String clockedName = InProcessServerBuilder.generateName();
    plainServer = server(plainName, answering()).start();
    LamportClock serverClock = new LamportClock("server", EventLog.NONE);
    clockedServer = server(clockedName, ServerInterceptors.intercept(answering(),
        new ClockServerInterceptor(serverClock, CallAuthenticator.ANYONE))).start();
    plainChannel = InProcessChannelBuilder.forName(plainName).directExecutor().build();
    clockedChannel = InProcessChannelBuilder.forName(clockedName).directExecutor().build();
    LamportClock participantClock = new LamportClock("p01", EventLog.NONE);
    plain = ParticipantGrpc.newBlockingStub(plainChannel);
    clocked = ParticipantGrpc.newBlockingStub(ClientInterceptors.intercept(clockedChannel,
        new ClockClientInterceptor(participantClock, "server")));
  }

  /** Shuts the channels and servers down. */
  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    plainChannel.shutdownNow();
    clockedChannel.shutdownNow();
    plainServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    clockedServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Benchmark
  public BroadcastResponse plainCall() {
    return plain.broadcast(REQUEST);
  }

  @Benchmark
  public BroadcastResponse clockedCall() {
    return clocked.broadcast(REQUEST);
  }

  private static Server server(String name, ServerServiceDefinition service) {
    return InProcessServerBuilder.forName(name).directExecutor().addService(service).build();
  }

  /** A participant service that answers every Broadcast at once, delivering nothing. */
  private static ServerServiceDefinition answering() {
    return new ParticipantGrpc.ParticipantImplBase() {
      @Override
      public void broadcast(
          BroadcastRequest request, StreamObserver<BroadcastResponse> response) {
        response.onNext(BroadcastResponse.newBuilder().setDeliveredThrough(1).build());
        response.onCompleted();
      }
    }.bindService();
  }
}
