package dev.chitchat.server;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventLog;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.MergeBound;
import dev.chitchat.participant.ParticipantNode;
import dev.chitchat.participant.ParticipantSettings;
import dev.chitchat.participant.Screen;
import dev.chitchat.rpc.CallMetadata;
import dev.chitchat.rpc.ClockClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A chat server and real participants, all in-process: the server dials participant "port" P at
 * the in-process server named {@code <prefix>-participant-P}. Close it in {@code @AfterEach}.
 */
final class InProcessChat implements AutoCloseable {

  /** An event log that keeps every event in memory, in record order. */
  static final class Recorder implements EventLog {
    final List<ClockEvent> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void record(ClockEvent event) {
      events.add(event);
    }

    List<ClockEvent> snapshot() {
      synchronized (events) {
        return List.copyOf(events);
      }
    }
  }

  /** One participant and what it showed. */
  record Member(ParticipantNode node, Recorder log, List<String> screen) {}

  private static final AtomicInteger NEXT = new AtomicInteger();

  final String prefix = "chat-" + NEXT.incrementAndGet();
  final Recorder serverLog = new Recorder();
  private final ServerConfig config;
  ChatServer server;
  private final List<Member> members = new CopyOnWriteArrayList<>();
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
  private final AtomicInteger nextPort = new AtomicInteger(40000);

  InProcessChat() throws Exception {
    // Tests of failure detection configure their own timeouts; elsewhere nobody is removed for
    // being slow on a loaded machine.
    this(ServerConfig.builder().port(0).rateLimit(0)
        .failureTimeout(java.time.Duration.ofSeconds(60))
        .broadcastDeadline(java.time.Duration.ofSeconds(30))
        .build());
  }

  InProcessChat(ServerConfig config) throws Exception {
    this.config = config;
    server = startServer(new LamportClock("server", serverLog, MergeBound.SERVER));
  }

  /** Starts a server on this chat's in-process name with {@code clock}. */
  ChatServer startServer(LamportClock clock) throws Exception {
    return
        new ChatServer(
                config,
                clock,
                InProcessServerBuilder.forName(prefix),
                executor ->
                    (joinedFrom, port) ->
                        InProcessChannelBuilder.forName(prefix + "-participant-" + port)
                            .executor(executor)
                            .build())
            .start();
  }

  /** Simulates a crash and a restart: stops the server unannounced and starts a new one. */
  ChatServer restart(LamportClock clock) throws Exception {
    server.stop();
    server = startServer(clock);
    return server;
  }

  /** A channel to the server whose calls tick {@code clock}. */
  ManagedChannel channel(LamportClock clock) {
    ManagedChannel channel =
        InProcessChannelBuilder.forName(prefix)
            .intercept(new ClockClientInterceptor(clock, "server"))
            .build();
    channels.add(channel);
    return channel;
  }

  /** A screen that blocks every line until {@code resume} opens: a participant that stops reading. */
  static Screen blockingUntil(java.util.concurrent.CountDownLatch resume) {
    return line -> {
      try {
        resume.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /** Starts a participant's Broadcast server (not yet joined). */
  Member participant(String name) throws Exception {
    return participant(name, null);
  }

  /** Starts a participant whose screen also passes every line to {@code also} (which may block). */
  Member participant(String name, Screen also) throws Exception {
    return participant(name, also, settings -> {});
  }

  /** Starts a participant whose settings {@code settings} adjusts (e.g. how it watches the server). */
  Member participant(String name, Screen also,
      java.util.function.Consumer<ParticipantSettings.Builder> settings) throws Exception {
    int port = nextPort.incrementAndGet();
    Recorder log = new Recorder();
    LamportClock clock = new LamportClock(name, log);
    List<String> screen = new CopyOnWriteArrayList<>();
    Screen display = line -> {
      screen.add(line);
      if (also != null) {
        also.show(line);
      }
    };
    ParticipantSettings.Builder builder = ParticipantSettings.builder(name).declaredPort(port);
    settings.accept(builder);
    ParticipantNode node =
        new ParticipantNode(
            builder.build(),
            clock,
            InProcessChannelBuilder.forName(prefix),
            InProcessServerBuilder.forName(prefix + "-participant-" + port),
            display);
    node.start();
    Member member = new Member(node, log, screen);
    members.add(member);
    return member;
  }

  /** Starts a participant and joins. */
  Member joined(String name) throws Exception {
    Member member = participant(name);
    member.node().join();
    return member;
  }

  @Override
  public void close() throws Exception {
    for (Member member : members) {
      member.node().stop();
    }
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    server.stop();
  }
}
