package dev.chitchat.server;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.rpc.GrpcClocks;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The Chitty-Chat server process: serves {@code ChatServer} (Join, Publish, Leave) and calls back
 * every participant's {@code Broadcast}. Lifecycle as in grpc-java's examples: {@link #start}, then
 * {@link #blockUntilShutdown}; {@link #stop} (also run by the command line's shutdown hook) stops
 * taking calls and waits up to 5 s for calls in progress.
 *
 * <p>The transport is injected: {@code NettyTransport.serverBuilder} for TCP (or any gRPC server
 * builder), an in-process builder in tests, with a matching {@link ParticipantDialer}. The clock
 * stack ({@link GrpcClocks}) is installed on it here, with the chat's own {@link
 * ServerAuthenticator}. Thread-safe.
 *
 * <p>Threading: the handlers and the Broadcast callbacks run directly on the transport's threads
 * ({@code directExecutor}), without a hand-off to a pool, because none of them blocks (they take the
 * room's, a link's and the clock's locks briefly, and start calls without waiting for them), and a
 * hand-off costs more than the work on two cores. Retries and probes run on one scheduler thread.
 */
public final class ChatServer {

  private static final Logger LOG = LogManager.getLogger(ChatServer.class);

  private final ServerConfig config;
  private final LamportClock clock;
  private final Server server;
  private final ChatRoom room;
  private final GrpcClocks clocks;
  private final ScheduledExecutorService scheduler;
  private RaftOrdering raft;

  /**
   * @param config ports, deadlines and limits
   * @param clock the server's Lamport clock, which logs every tick; give it {@link
   *     dev.chitchat.clock.MergeBound#SERVER}, so that no forged timestamp can exhaust it
   * @param serverBuilder the transport to serve on (its port is the config's)
   * @param dialer how to reach participants; given the executor for the channels' callbacks (a
   *     direct executor: the callbacks never block)
   */
  public ChatServer(
      ServerConfig config,
      LamportClock clock,
      ServerBuilder<?> serverBuilder,
      Function<java.util.concurrent.Executor, ParticipantDialer> dialer) {
    this.config = config;
    this.clock = clock;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setNameFormat("chat-retry-%d").setDaemon(true).build());
    // The room makes the links' clock interceptors; the clock stack authenticates by the room's
    // sessions: each needs the other, so the room reads this.clocks when a participant joins.
    this.room =
        new ChatRoom(clock, this::clockInterceptor,
            dialer.apply(MoreExecutors.directExecutor()), scheduler, config, this::port);
    if (config.replication() == null) {
      room.orderWith(new LocalOrdering(room, clock));
    }
    this.clocks = GrpcClocks.create(clock,
        new ServerAuthenticator(room, config.joinsPerMinute(), config.authFailuresPerMinute()));
    this.server =
        clocks.configureServerBuilder(serverBuilder)
            .directExecutor()
            .maxInboundMessageSize(ServerConfig.TRANSPORT_MAX_BYTES)
            .maxInboundMetadataSize(8 * 1024)
            .addService(clocks.guard(new ChatService(room, config.maxRequestBytes())))
            .build();
  }

  private io.grpc.ClientInterceptor clockInterceptor(String participant) {
    return clocks.newClientInterceptor(participant);
  }

  /**
   * Starts serving.
   *
   * @throws IOException if the port cannot be bound (e.g. it is in use), or the Raft server cannot
   *     start ({@link ReplicationException}: its port in use, its data directory unusable)
   */
  public ChatServer start() throws IOException {
    if (config.replication() != null) {
      ServerConfig.Replication replication = config.replication();
      try {
        raft = new RaftOrdering(room, clock, replication, scheduler, room.moveGrace());
        room.orderWith(raft);
        raft.start();
      } catch (IOException | RuntimeException e) {
        closeRaft();
        throw new ReplicationException("Cannot start replica " + replication.id() + " (Raft address "
            + replication.peers().get(replication.id()) + ", data directory "
            + replication.dataDir() + "): " + rootMessage(e));
      }
    }
    try {
      server.start();
    } catch (IOException e) {
      closeRaft();
      throw e;
    }
    long checkMillis = Math.max(1, config.probeInterval().toMillis() / 2);
    scheduler.scheduleWithFixedDelay(
        room::checkParticipants, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
    LOG.info("Chitty-Chat server listening on port {} (process {})", server.getPort(), clock.process());
    return this;
  }

  /** The port the server listens on (the chosen one when the config said 0), or -1 in-process. */
  public int port() {
    return server.getPort();
  }

  /** The server's Lamport clock. */
  public LamportClock clock() {
    return clock;
  }

  /** Names of the current participants, in joining order. */
  public java.util.List<String> participants() {
    return room.participants();
  }

  /** The sequence number of the chat's last event as applied here, 0 before any. */
  public long lastSequence() {
    return room.lastSequence();
  }

  /**
   * Tells every participant that the server is stopping (a SERVER_STOPPING event), waits up to
   * {@code drain} for those broadcasts, then stops as {@link #stop()} does. Used on SIGTERM.
   */
  public void stopAnnounced(java.time.Duration drain) throws InterruptedException {
    room.stop();
    long deadline = System.nanoTime() + drain.toNanos();
    synchronized (this) {
      while (!room.drained() && System.nanoTime() < deadline) {
        wait(20); // the links' callbacks run on other threads; poll their backlog briefly
      }
    }
    stop();
  }

  /** Stops taking calls, waits up to 5 s for calls in progress, and closes every participant link. */
  public void stop() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    room.closeAll();
    closeRaft();
    scheduler.shutdownNow();
  }

  /** Why the Raft server of a replica could not start: its port, or its data directory. */
  public static final class ReplicationException extends IOException {
    ReplicationException(String message) {
      super(message);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  private void closeRaft() {
    if (raft != null) {
      raft.close();
    }
  }

  /** Blocks until the server has stopped. */
  public void blockUntilShutdown() throws InterruptedException {
    server.awaitTermination();
  }

  ServerConfig config() {
    return config;
  }
}
