package dev.chitchat.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.chitchat.clock.EventLog;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.MergeBound;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.logging.Log4jEventLog;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.GrpcClocks;
import dev.chitchat.rpc.NettyTransport;
import dev.chitchat.server.ChatServer;
import dev.chitchat.server.NetworkDialer;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import dev.chitchat.server.ServerConfig;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs one load benchmark: a {@link ChatServer} and N {@link BenchParticipant}s in this JVM, each
 * with its own Broadcast server on a loopback TCP port (real gRPC through Netty), the server
 * configured for the load (no rate limit, room for N participants, a queue bound that fits). The
 * participants publish small messages, open loop at a fixed rate or closed loop as fast as their
 * messages are delivered, for the warm-up and then the measured time; a {@link LatencyTracker}
 * records publish-to-delivery latencies. Then every participant leaves and everything stops, so the
 * logs (when logging is on) form a complete run that {@code chitchat diagram --check} accepts.
 *
 * <p>With {@link BenchSettings#replicated()} the server is K replicas of one chat on Apache Ratis
 * (process names {@code s1} to {@code sK}, Raft on free loopback ports, data in a temporary
 * directory deleted afterwards); the run waits for a leader before the participants join, and
 * participant i joins and publishes through replica i mod K, which delivers to it.
 *
 * <p>Every wait is bounded: the run ends by itself. Not thread-safe: one run at a time per JVM
 * (it reconfigures log4j2).
 */
public final class LoadBenchmark {

  /** How long, after the window, messages may still take to reach every participant. */
  static final Duration DRAIN = Duration.ofSeconds(10);

  private final BenchSettings s;
  private final Consumer<String> progress;
  private final AtomicLong errors = new AtomicLong();
  private volatile long publishingEnd;

  private LoadBenchmark(BenchSettings settings, Consumer<String> progress) {
    this.s = settings;
    this.progress = progress;
  }

  /**
   * Runs the benchmark described by {@code settings}.
   *
   * @param progress told of each phase, for a human watching
   */
  public static BenchResult run(BenchSettings settings, Consumer<String> progress)
      throws IOException, InterruptedException {
    return new LoadBenchmark(settings, progress).run();
  }

  /** The process name of participant {@code i} (0-based) among {@code n}. */
  static String participantName(int i, int n) {
    int width = Math.max(2, String.valueOf(n).length());
    return String.format("p%0" + width + "d", i + 1);
  }

  private EventLog eventLog(String process) {
    return s.logging() ? new Log4jEventLog(RunLogs.loggerOf(process)) : EventLog.NONE;
  }

  private BenchResult run() throws IOException, InterruptedException {
    int n = s.participants();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      names.add(participantName(i, n));
    }
    Path logDir = null;
    if (s.logging()) {
      logDir = s.logDir() != null ? s.logDir() : Files.createTempDirectory("chitchat-bench-");
      List<String> processes = new ArrayList<>(serverNames());
      processes.addAll(names);
      RunLogs.configure(logDir, processes, s.writer());
    } else {
      RunLogs.configureNone();
    }

    int maxQueue = s.effectiveMaxQueue();
    NettyTransport transport = NettyTransport.create(s.eventLoops(), "bench-netty");
    Cluster cluster;
    try {
      cluster = startServers(transport, maxQueue);
    } catch (IOException | RuntimeException e) {
      transport.close();
      throw e;
    }
    List<ChatServer> servers = cluster.servers();
    Semaphore[] permits = new Semaphore[n];
    for (int i = 0; i < n; i++) {
      permits[i] = new Semaphore(s.window());
    }
    LatencyTracker tracker = new LatencyTracker(n, s.closedLoop() ? permits : null);
    List<BenchParticipant> nodes = new ArrayList<>();
    // The open loop's timer: one thread, see OpenLoopPublisher.
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setNameFormat("bench-open-loop").setDaemon(true).build());
    List<ManagedChannel> channels = new ArrayList<>();
    BenchResult result;
    try {
      progress.accept("starting " + n + " participants against " + cluster.describe());
      for (int i = 0; i < n; i++) {
        String name = names.get(i);
        LamportClock clock = new LamportClock(name, eventLog(name));
        // participant i joins, and publishes through, replica i mod the number of servers
        NettyChannelBuilder toServer = transport.channelBuilder(
            "127.0.0.1:" + servers.get(i % servers.size()).port());
        ManagedChannel channel =
            (s.hpackTableOff() ? HpackTableOff.apply(toServer) : toServer)
                .directExecutor()
                .disableRetry()
                .intercept(GrpcClocks.create(clock, CallAuthenticator.ANYONE).newClientInterceptor(null))
                .build();
        channels.add(channel);
        BenchParticipant node =
            new BenchParticipant(name, clock, channel, serverBuilder(transport, s.hpackTableOff()),
                Duration.ofSeconds(10), tracker.listener(i));
        node.start();
        node.join();
        nodes.add(node);
      }
      result = measure(servers.get(0), nodes, permits, tracker, maxQueue, timer);
    } finally {
      progress.accept("stopping: every participant leaves");
      timer.shutdownNow();
      for (BenchParticipant node : nodes) {
        try {
          if (!node.leave(DRAIN)) {
            progress.accept(node.name() + " left before every earlier message arrived");
          }
        } catch (RuntimeException e) {
          progress.accept(node.name() + " could not leave: " + e.getMessage());
        }
      }
      for (BenchParticipant node : nodes) {
        node.stop();
      }
      for (ManagedChannel channel : channels) {
        channel.shutdown();
      }
      cluster.stop();
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(2, TimeUnit.SECONDS);
      }
      transport.close();
      RunLogs.configureNone(); // flushes and closes the JSON Lines files
      if (logDir != null && !s.keepLogs()) {
        deleteRun(logDir, s.logDir() == null);
      }
    }
    return result;
  }

  /** The servers' process names: {@code server}, or the replicas' ids {@code s1} to {@code sK}. */
  private List<String> serverNames() {
    if (!s.replicated()) {
      return List.of("server");
    }
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= s.servers(); i++) {
      ids.add("s" + i);
    }
    return ids;
  }

  /** The servers of a run, started, and what stopping them takes. */
  private record Cluster(List<ChatServer> servers, Path dataDir) {
    String describe() {
      return servers.size() == 1 ? "127.0.0.1:" + servers.get(0).port()
          : servers.size() + " replicas (ChatServer ports "
              + servers.stream().map(x -> Integer.toString(x.port()))
                  .collect(java.util.stream.Collectors.joining(", ")) + ")";
    }

    /** Stops every server (each waits up to 5 s for calls), then deletes the Raft data. */
    void stop() throws InterruptedException {
      for (ChatServer server : servers) {
        server.stop();
      }
      if (dataDir != null) {
        deleteTree(dataDir);
      }
    }
  }

  /** How long the replicas may take to elect a leader before the run gives up. */
  static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Starts the run's one in-memory server, or its replicas (each with a free Raft port on
   * 127.0.0.1 and a data directory of its own under one temporary directory), and with replicas
   * waits until one of them leads (it logs a {@code leader} action), at most {@link
   * #ELECTION_TIMEOUT}.
   */
  private Cluster startServers(NettyTransport transport, int maxQueue)
      throws IOException, InterruptedException {
    List<String> ids = serverNames();
    Path dataDir = !s.replicated() ? null
        : s.raftDir() != null
            ? Files.createTempDirectory(Files.createDirectories(s.raftDir()), "chitchat-bench-raft-")
            : Files.createTempDirectory("chitchat-bench-raft-");
    java.util.Map<String, String> peers = new java.util.LinkedHashMap<>();
    if (s.replicated()) {
      int[] ports = dev.chitchat.rpc.FreePorts.onLoopback(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        peers.put(ids.get(i), "127.0.0.1:" + ports[i]);
      }
    }
    java.util.concurrent.CountDownLatch leader = new java.util.concurrent.CountDownLatch(1);
    List<ChatServer> servers = new ArrayList<>();
    try {
      for (String id : ids) {
        ServerConfig.Builder config =
            ServerConfig.builder()
                .port(0)
                .processName(id)
                .rateLimit(0)
                .joinsPerMinute(0)
                .authFailuresPerMinute(0)
                .maxParticipants(s.participants() + 1)
                .maxQueue(maxQueue)
                .broadcastDeadline(Duration.ofSeconds(5))
                .failureTimeout(Duration.ofSeconds(10))
                .maxInFlight(s.maxInFlight());
        EventLog log = eventLog(id);
        if (s.replicated()) {
          config.replication(new ServerConfig.Replication(
              id, peers, dataDir.resolve(id), Duration.ofSeconds(10)));
          // a replica logs a "leader" action when it takes office (ChatStateMachine)
          log = watchLeader(log, leader);
        }
        servers.add(new ChatServer(
                config.build(),
                new LamportClock(id, log, MergeBound.SERVER),
                serverBuilder(transport, s.hpackTableOff()),
                executor -> s.hpackTableOff()
                    ? (joinedFrom, port) -> HpackTableOff.apply(transport.channelBuilder(
                            ((java.net.InetSocketAddress) joinedFrom).getAddress().getHostAddress(), port))
                        .executor(executor).maxInboundMessageSize(64 * 1024).disableRetry().build()
                    : new NetworkDialer(transport, executor, 64 * 1024))
            .start());
      }
      if (s.replicated()) {
        progress.accept("waiting for the " + ids.size() + " replicas to elect a leader");
        if (!leader.await(ELECTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IOException("no replica became leader within "
              + ELECTION_TIMEOUT.toSeconds() + " s");
        }
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      for (ChatServer server : servers) {
        server.stop();
      }
      if (dataDir != null) {
        deleteTree(dataDir);
      }
      throw e;
    }
    return new Cluster(servers, dataDir);
  }

  /** {@code log}, and the latch counted down at the first {@code leader} action. */
  private static EventLog watchLeader(EventLog log, java.util.concurrent.CountDownLatch leader) {
    return event -> {
      if ("leader".equals(event.details().action())) {
        leader.countDown();
      }
      log.record(event);
    };
  }

  /** Deletes {@code dir} and everything in it; what cannot be deleted is left. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary directory: at worst the system's cleanup removes it later
    }
  }

  private BenchResult measure(
      ChatServer server, List<BenchParticipant> nodes, Semaphore[] permits,
      LatencyTracker tracker, int maxQueue, ScheduledExecutorService eventLoop)
      throws InterruptedException {
    int n = nodes.size();
    long start = System.nanoTime();
    long warmup = s.warmup().toNanos();
    // The rehearsal: the third quarter of the warm-up, measured like the window and then dropped
    // (see MeasurementWindow); the ramp is over by then.
    MeasurementWindow rehearsal =
        new MeasurementWindow(start + warmup / 2, start + warmup / 4 * 3, n);
    MeasurementWindow window =
        new MeasurementWindow(start + warmup, start + warmup + s.measure().toNanos(), n);
    publishingEnd = window.end();
    tracker.measureIn(rehearsal);
    progress.accept(String.format("publishing: %s, warm-up %d s, then measuring %d s",
        s.closedLoop() ? "closed loop, window " + s.window() + " per participant"
            : s.rate() + " messages/s open loop",
        s.warmup().toSeconds(), s.measure().toSeconds()));

    List<Thread> publishers = new ArrayList<>();
    OpenLoopPublisher openLoop = null;
    if (s.closedLoop()) {
      for (int i = 0; i < n; i++) {
        int index = i;
        publishers.add(thread("bench-publisher-" + i,
            () -> closedLoop(nodes.get(index), index, permits[index], tracker)));
      }
    } else {
      // message k from participant k mod N, the ramp in the first half of the warm-up
      openLoop = new OpenLoopPublisher(
          eventLoop, new OpenLoopSchedule(start, s.rate(), warmup / 2), publishingEnd,
          (k, at, lateNanos) -> {
            MeasurementWindow w = tracker.window();
            if (w.contains(at)) {
              w.recordLag(lateNanos);
            }
            int index = (int) (k % n);
            publish(nodes.get(index), index, at, null, tracker);
          });
    }
    publishers.forEach(Thread::start);
    if (openLoop != null) {
      openLoop.start();
    }

    sample(rehearsal);
    tracker.measureIn(window);
    Sample sample = sample(window);
    for (Thread t : publishers) {
      t.join(5000);
    }
    if (openLoop != null) {
      openLoop.awaitDone(5, TimeUnit.SECONDS);
    }
    long issued = window.issued();
    long drainDeadline = System.nanoTime() + DRAIN.toNanos();
    // The drain: poll the counters that the delivery threads update, every 5 ms, for at most DRAIN.
    while (System.nanoTime() < drainDeadline
        && (window.answered() < issued || window.completed() < window.ok())) {
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
    }
    long completed = window.completed();
    double seconds = s.measure().toNanos() / 1e9;
    long ok = window.ok();
    double drainMs =
        completed == 0 ? 0 : Math.max(0, window.lastCompletion() - window.end()) / 1e6;

    System.gc();
    double heapMb =
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    return new BenchResult(
        s,
        seconds,
        ok,
        errors.get(),
        ok / seconds,
        window.deliveries() / seconds,
        BenchResult.Latency.of(window.perDelivery()),
        BenchResult.Latency.of(window.toLast()),
        issued,
        Math.max(0, issued - sample.completedAtEnd()),
        drainMs,
        Math.max(0, ok - completed),
        window.maxLag() / 1e6,
        server.participants().size(),
        heapMb,
        maxQueue,
        sample.cpuNanos() / 1e3 / Math.max(1, window.deliveries() - sample.deliveriesAtStart()),
        sample.gc());
  }

  /** What the main thread sees of a window: CPU time and collections in it, and two counts. */
  private record Sample(
      long cpuNanos, BenchResult.Gc gc, long deliveriesAtStart, long completedAtEnd) {}

  /** Waits for the window to start and end, and samples the process's CPU time and GC over it. */
  private static Sample sample(MeasurementWindow w) throws InterruptedException {
    sleepUntil(w.start());
    long cpuStart = processCpuNanos();
    BenchResult.Gc gcStart = gcSoFar();
    long deliveriesStart = w.deliveries();
    sleepUntil(w.end());
    long cpu = processCpuNanos() - cpuStart;
    BenchResult.Gc gcEnd = gcSoFar();
    return new Sample(cpu,
        new BenchResult.Gc(gcEnd.collections() - gcStart.collections(),
            gcEnd.pauseMillis() - gcStart.pauseMillis()),
        deliveriesStart, w.completed());
  }

  /** Collections and their time since the JVM started, over all of its collectors. */
  private static BenchResult.Gc gcSoFar() {
    long count = 0;
    long millis = 0;
    for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, bean.getCollectionCount());
      millis += Math.max(0, bean.getCollectionTime());
    }
    return new BenchResult.Gc(count, millis);
  }

  /** Closed loop: publish whenever fewer than the window's messages are undelivered. */
  private void closedLoop(
      BenchParticipant node, int index, Semaphore permits, LatencyTracker tracker) {
    try {
      while (System.nanoTime() < publishingEnd) {
        if (!permits.tryAcquire(50, TimeUnit.MILLISECONDS)) {
          continue;
        }
        long now = System.nanoTime();
        if (now >= publishingEnd) {
          permits.release();
          return;
        }
        publish(node, index, now, permits, tracker);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void publish(BenchParticipant node, int index, long sentAt, Semaphore permits,
      LatencyTracker tracker) {
    MeasurementWindow w = tracker.window();
    boolean measured = w.contains(sentAt);
    if (measured) {
      w.countIssued();
    }
    Futures.addCallback(
        node.publish(message(sentAt, index, s.messageChars())),
        new FutureCallback<>() {
          @Override
          public void onSuccess(PublishResponse response) {
            if (measured) {
              w.countAnswered(true);
            }
          }

          @Override
          public void onFailure(Throwable t) {
            errors.incrementAndGet();
            if (permits != null) {
              permits.release();
            }
            if (measured) {
              w.countAnswered(false);
            }
          }
        },
        MoreExecutors.directExecutor());
  }

  /**
   * A message of {@code chars} ASCII characters: the publish time as 16 hex digits, a space, the
   * publisher's number as 4 digits, a space, then dots.
   */
  static String message(long sentAt, int publisher, int chars) {
    StringBuilder b = new StringBuilder(chars);
    String hex = Long.toHexString(sentAt);
    for (int i = hex.length(); i < 16; i++) {
      b.append('0');
    }
    b.append(hex).append(' ');
    String number = Integer.toString(publisher % 10_000);
    for (int i = number.length(); i < 4; i++) {
      b.append('0');
    }
    b.append(number).append(' ');
    while (b.length() < chars) {
      b.append('.');
    }
    return b.toString();
  }

  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : 0;
  }

  private static Thread thread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  private static void sleepUntil(long deadline) throws InterruptedException {
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
    }
  }

  private static void deleteRun(Path dir, boolean whole) throws IOException {
    if (!Files.isDirectory(dir)) {
      return; // removed by someone else: nothing left to delete
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(".jsonl")) {
          Files.deleteIfExists(f);
        }
      }
    }
    if (whole) {
      Files.deleteIfExists(dir);
    }
  }

  private static NettyServerBuilder serverBuilder(NettyTransport transport, boolean hpackTableOff) {
    NettyServerBuilder builder = transport.serverBuilder(0);
    return hpackTableOff ? HpackTableOff.apply(builder) : builder;
  }
}
