package dev.chitchat.participant;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.chitchat.rpc.GrpcClocks;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The participant's own gRPC server, which serves {@link BroadcastService} to the chat server.
 * It is built only through {@link GrpcClocks}, so every Broadcast, refusal and malformed request
 * ticks the participant's clock. Lifecycle as in grpc-java's examples: {@link #start}, {@link
 * #stop}. Handlers run on a pool of two threads: a delivery may wait on a slow screen, and a probe
 * should still be answered meanwhile. Thread-safe.
 */
final class BroadcastServer {

  /** Broadcasts carry at most 512 events of at most 128 code points each: well below this. */
  private static final int MAX_INBOUND_BYTES = 4 * 1024 * 1024;

  private final ExecutorService executor;
  private final Server server;
  private final int declaredPort;

  /**
   * @param builder the transport (TCP or in-process); this object owns the server it builds
   * @param clocks the participant's clock stack, whose authenticator is {@code
   *     service.authenticator()}
   * @param declaredPort the port to report when the transport has none (in-process)
   */
  BroadcastServer(ServerBuilder<?> builder, GrpcClocks clocks, BroadcastService service,
      int declaredPort, String name) {
    this.declaredPort = declaredPort;
    this.executor = Executors.newFixedThreadPool(2, new ThreadFactoryBuilder()
        .setNameFormat(name + "-broadcast-%d").setDaemon(true).build());
    this.server = clocks.configureServerBuilder(builder)
        .executor(executor)
        .maxInboundMessageSize(MAX_INBOUND_BYTES)
        .addService(clocks.guard(service))
        .build();
  }

  /**
   * Starts serving.
   *
   * @throws IOException if the address or port cannot be bound
   */
  void start() throws IOException {
    server.start();
  }

  /** The port declared in Join: the one the server listens on (the chosen one for port 0). */
  int port() {
    return server.getPort() > 0 ? server.getPort() : declaredPort;
  }

  /** Stops taking calls and waits up to 5 s for calls in progress. */
  void stop() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    executor.shutdown();
  }
}
