package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chitchat.diagrams.Diagrams;
import dev.chitchat.logging.EventLogReader;
import dev.chitchat.logging.LoggedEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.MountableFile;

/**
 * Every element in its own container: the images built from {@code docker/chitchat.Dockerfile} and
 * the built jar, a server container and participant containers on one Docker network, each
 * participant playing its part of a scenario ({@code --script}) and all of them writing their logs
 * to one bind-mounted directory, which the test then reads.
 *
 * <p>Skipped when there is no Docker engine, unless {@code CHITCHAT_REQUIRE_DOCKER=true} (as
 * {@code .ci/run} sets), which makes that a failure. The base image is {@code CHITCHAT_JRE_IMAGE}
 * (default {@code eclipse-temurin:17-jre}); nothing else is pulled. No port is published: the
 * containers talk only to each other, and the test watches their logs.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ContainersIT {

  private static final Path JAR = Path.of(System.getProperty("chitchat.jar", "target/chitchat.jar"));
  private static final Path DOCKERFILE =
      Path.of(System.getProperty("chitchat.dockerfile", "../docker/chitchat.Dockerfile"));
  private static final String BASE_IMAGE =
      System.getenv().getOrDefault("CHITCHAT_JRE_IMAGE", "eclipse-temurin:17-jre");
  private static final Duration RUN_LIMIT = Duration.ofMinutes(3);

  private static ImageFromDockerfile serverImage;
  private static ImageFromDockerfile participantImage;

  @TempDir Path work;
  private Path logs;
  private Network network;
  private final List<GenericContainer<?>> containers = new ArrayList<>();

  @BeforeAll
  static void dockerAndImages() {
    boolean docker;
    String why;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
      why = docker ? "" : "Testcontainers finds no Docker engine";
    } catch (RuntimeException | Error e) {
      docker = false;
      why = e.toString();
    }
    if (!docker && "true".equalsIgnoreCase(System.getenv("CHITCHAT_REQUIRE_DOCKER"))) {
      fail("CHITCHAT_REQUIRE_DOCKER=true but Docker is not usable: " + why);
    }
    assumeTrue(docker, "Container tests skipped: " + why
        + " (start a Docker engine to run them; CHITCHAT_REQUIRE_DOCKER=true turns this into a failure)");
    assertThat(JAR).as("the built jar; run ./mvnw package first").isRegularFile();
    serverImage = image("server");
    participantImage = image("participant");
  }

  /**
   * An image of one target of the Dockerfile; the build context holds only the Dockerfile and jar.
   * ({@code withDockerfile(Path)} would also parse the FROM lines and try to pull what they name.)
   */
  @SuppressWarnings("deprecation")
  private static ImageFromDockerfile image(String target) {
    return new ImageFromDockerfile("chitchat-it-" + target + ":latest", false)
        .withFileFromPath("docker/chitchat.Dockerfile", DOCKERFILE)
        .withFileFromPath("cli/target/chitchat.jar", JAR)
        .withDockerfilePath("docker/chitchat.Dockerfile")
        .withTarget(target)
        .withBuildArg("JRE_IMAGE", BASE_IMAGE);
  }

  @AfterEach
  void removeContainers() {
    containers.forEach(GenericContainer::stop);
    if (network != null) {
      network.close();
    }
  }

  @Test
  void aServerAndThreeParticipantContainersPlayAScenarioAndDeliverTheSameEventsInTheSameOrder()
      throws Exception {
    Path scenario = scenario("three.scenario",
        "Alex joins", "Alex: Hello World!", "Aske joins", "Aske: Hello Alex",
        "Alex: " + "x".repeat(354), "Bob joins", "Aske leaves", "Bob: one",
        "Bob: \u00e6\u00f8\u00e5 \uD83D\uDC4B", "Alex: goodbye", "Alex leaves", "Bob leaves");
    GenericContainer<?> server = startServer();
    GenericContainer<?> alex = startScripted("Alex", scenario);
    GenericContainer<?> aske = startScripted("Aske", scenario);
    GenericContainer<?> bob = startScripted("Bob", scenario);

    for (GenericContainer<?> participant : List.of(alex, aske, bob)) {
      assertThat(exitCode(participant)).as(() -> explain(participant, server)).isZero();
    }
    assertThat(alex.getLogs()).contains("Not sent: Message too long (354 characters). Limit is 128.");
    assertThat(bob.getLogs()).contains("You left Chitty-Chat (event #11 ");

    EventLogReader.Result read = new EventLogReader().read(logs);
    assertThat(read.problems()).isEmpty();
    Map<String, List<LoggedEvent>> byProcess = RunLogs.byProcess(read.events());
    assertThat(byProcess.keySet()).containsExactlyInAnyOrder("server", "Alex", "Aske", "Bob");
    RunLogs.assertClockCondition(read.events(), byProcess, true);

    // Everyone delivered the same events in the same order: the server's sequence order.
    Map<String, List<Long>> delivered = RunLogs.delivered(byProcess);
    assertThat(delivered.get("Alex")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(delivered.get("Aske")).containsExactly(3L, 4L, 5L);
    assertThat(delivered.get("Bob")).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
    Map<Long, String> textOf = RunLogs.sameTextEverywhere(byProcess, List.of("Alex", "Aske", "Bob"));

    // Join and leave texts carry the server's Lamport timestamp of the action.
    Map<Long, LoggedEvent> serverActions = RunLogs.serverActions(byProcess);
    assertThat(textOf.get(1L)).isEqualTo(
        "Participant Alex joined Chitty-Chat at Lamport time " + serverActions.get(1L).lamport());
    assertThat(textOf.get(6L)).isEqualTo(
        "Participant Aske left Chitty-Chat at Lamport time " + serverActions.get(6L).lamport());
    assertThat(textOf.get(10L)).isEqualTo(
        "Participant Alex left Chitty-Chat at Lamport time " + serverActions.get(10L).lamport());
    assertThat(textOf.get(2L)).isEqualTo("Alex: Hello World!");
    assertThat(textOf.get(8L)).isEqualTo("Bob: \u00e6\u00f8\u00e5 \uD83D\uDC4B");
    assertThat(byProcess.get("server")).anyMatch(e -> e.isAction("refuse")
        && "Message too long (354 characters). Limit is 128.".equals(e.text()));

    assertThat(server.isRunning()).isTrue();
    assertThat(Diagrams.check(logs).violations()).isEmpty();
  }

  @Test
  void aParticipantContainerKilledWithoutLeaveIsAnnouncedToTheOthersWhoChatOn()
      throws Exception {
    Path scenario = scenario("after-crash.scenario",
        "Alex joins", "Alex: is anyone there?", "Bob joins", "Bob: Aske went quiet",
        "Alex: still here", "Bob: bye", "Bob leaves", "Alex leaves");
    GenericContainer<?> server = startServer();
    // Aske chats by hand: its input stays open and empty, so it joins and then just listens.
    GenericContainer<?> aske = participant("Aske")
        .withCommand("--name", "Aske", "--server", "server:50051", "--port", "50061",
            "--log-dir", "/logs/run")
        .withCreateContainerCmdModifier(cmd -> cmd.withStdinOpen(true))
        .waitingFor(Wait.forLogMessage(".*Joined Chitty-Chat.*\\n", 1));
    aske.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> RunLogs.delivered(RunLogs.byProcess(
        new EventLogReader().read(logs).events())).getOrDefault("Aske", List.of()).contains(1L));
    // Witness, also by hand, is there to hear about it.
    GenericContainer<?> witness = participant("Witness")
        .withCommand("--name", "Witness", "--server", "server:50051", "--port", "50061",
            "--log-dir", "/logs/run")
        .withCreateContainerCmdModifier(cmd -> cmd.withStdinOpen(true))
        .waitingFor(Wait.forLogMessage(".*Joined Chitty-Chat.*\\n", 1));
    witness.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> RunLogs.delivered(RunLogs.byProcess(
        new EventLogReader().read(logs).events())).getOrDefault("Aske", List.of()).contains(2L));

    // SIGKILL: no shutdown hook, no Leave.
    aske.getDockerClient().killContainerCmd(aske.getContainerId()).exec();
    await().atMost(Duration.ofSeconds(30)).until(() -> !aske.isRunning());
    // The server notices (within its 5 s failure timeout), removes Aske and tells the others.
    await().atMost(Duration.ofSeconds(30)).until(() -> RunLogs.byProcess(new EventLogReader().read(logs).events())
        .getOrDefault("Witness", List.of()).stream().anyMatch(e -> e.isAction("deliver")
            && e.text().startsWith("Participant Aske left Chitty-Chat at Lamport time")
            && e.text().endsWith("(connection lost)")));

    GenericContainer<?> alex = startScripted("Alex", scenario);
    GenericContainer<?> bob = startScripted("Bob", scenario);
    assertThat(exitCode(alex)).as(() -> explain(alex, server)).isZero();
    assertThat(exitCode(bob)).as(() -> explain(bob, server)).isZero();

    // The server noticed: its Broadcasts to Aske failed (connection refused or no answer), and it
    // removed Aske with the reason.
    EventLogReader.Result read = new EventLogReader().read(logs);
    assertThat(read.problems()).isEmpty();
    Map<String, List<LoggedEvent>> byProcess = RunLogs.byProcess(read.events());
    assertThat(byProcess.get("Aske")).noneMatch(e -> "Leave".equals(e.rpc()));
    assertThat(byProcess.get("server")).as("failed Broadcasts to Aske in the server's log")
        .anyMatch(ContainersIT::failedBroadcastToAske);
    assertThat(byProcess.get("server")).anyMatch(e -> e.isAction("remove") && e.seq() == 3L
        && e.text().endsWith("(connection lost)"));
    witness.stop(); // SIGTERM: it leaves cleanly

    // Alex and Bob delivered every event of their membership once, in order.
    Map<String, List<Long>> delivered = RunLogs.delivered(byProcess);
    assertThat(delivered.get("Aske")).containsExactly(1L, 2L);
    assertThat(delivered.get("Witness")).startsWith(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
    assertThat(delivered.get("Alex")).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(delivered.get("Bob")).containsExactly(6L, 7L, 8L, 9L);
    RunLogs.sameTextEverywhere(byProcess, List.of("Alex", "Bob", "Witness"));
    RunLogs.assertClockCondition(read.events(), byProcess, true);
  }

  /**
   * Three replica containers (s1, s2, s3: one Raft group) and three participant containers, each
   * listing every replica, a different one first. The participants read their input from a file
   * that the test appends to. The container of the leader is killed mid-chat; a message published
   * after that is delivered to every participant.
   */
  @Test
  void threeReplicaContainersKeepTheChatGoingWhenTheLeadersContainerIsKilled() throws Exception {
    scenario("unused.scenario", "# the participants are typed to");
    Map<String, GenericContainer<?>> replicas = new LinkedHashMap<>();
    String peers = "s1=s1:6001,s2=s2:6001,s3=s3:6001";
    for (String id : List.of("s1", "s2", "s3")) {
      GenericContainer<?> replica = new GenericContainer<>(serverImage)
          .withNetwork(network)
          .withNetworkAliases(id)
          .withFileSystemBind(logs.getParent().toString(), "/logs", BindMode.READ_WRITE)
          .withCommand("--id", id, "--port", "50051", "--peers", peers,
              "--data-dir", "/logs/run/data/" + id, "--log-dir", "/logs/run", "--quiet");
      containers.add(replica);
      replica.start();
      replicas.put(id, replica);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> TestCluster.leader(read()).isPresent());

    List<String> names = List.of("Ann", "Ben", "Cat");
    List<String> order = List.of("s1", "s2", "s3");
    for (int k = 0; k < names.size(); k++) {
      String name = names.get(k);
      List<String> servers = new ArrayList<>();
      for (int i = 0; i < order.size(); i++) {
        servers.add(order.get((k + i) % order.size()) + ":50051");
      }
      Path input = logs.getParent().resolve(name + ".in");
      Files.writeString(input, "");
      GenericContainer<?> participant = participant(name)
          .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("/bin/sh", "-c"))
          // One argument for sh -c: withCommand(String) would split the script at its spaces.
          .withCommand(new String[] {"tail -n +1 -f /logs/" + name + ".in | java"
              + " -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager"
              + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar /opt/chitchat/chitchat.jar participant"
              + " --name " + name + " --server " + String.join(",", servers)
              + " --port 50061 --log-dir /logs/run --no-console-log"})
          .withLogConsumer(frame -> System.out.print(name + "| " + frame.getUtf8String()))
          .waitingFor(Wait.forLogMessage(".*Joined Chitty-Chat.*\\n", 1));
      participant.start();
    }

    type("Ann", "before the crash");
    awaitDelivered(names, "Ann: before the crash");
    Map.Entry<String, Long> leader = TestCluster.leader(read()).orElseThrow();
    GenericContainer<?> doomed = replicas.get(leader.getKey());
    doomed.getDockerClient().killContainerCmd(doomed.getContainerId()).exec();
    await().atMost(Duration.ofSeconds(30)).until(() -> !doomed.isRunning());

    type("Ben", "after the crash");
    awaitDelivered(names, "Ben: after the crash");
    assertThat(TestCluster.leader(read()).orElseThrow().getValue())
        .as("a new leader, of a later term").isGreaterThan(leader.getValue());
    for (String name : names) {
      List<Long> seqs = RunLogs.delivered(RunLogs.byProcess(read())).get(name);
      assertThat(seqs).as(name + "'s deliveries").isSorted().doesNotHaveDuplicates();
    }
  }

  private List<LoggedEvent> read() throws IOException {
    return new EventLogReader().read(logs).events();
  }

  private void type(String name, String line) throws IOException {
    Files.writeString(logs.getParent().resolve(name + ".in"), line + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private void awaitDelivered(List<String> names, String text) {
    await().atMost(Duration.ofSeconds(90)).until(() -> {
      List<LoggedEvent> all = read();
      return names.stream().allMatch(n -> all.stream().anyMatch(e -> e.process().equals(n)
          && e.isAction("deliver") && text.equals(e.text())));
    });
  }

  private static boolean failedBroadcastToAske(LoggedEvent e) {
    return e.isReceive() && "Broadcast".equals(e.rpc()) && "Aske".equals(e.peer())
        && ("UNAVAILABLE".equals(e.status()) || "DEADLINE_EXCEEDED".equals(e.status()));
  }

  private Path scenario(String file, String... steps) throws IOException {
    logs = work.resolve("logs").resolve("run");
    Files.createDirectories(logs);
    // Containers run as root and the test may not: everyone may write the run's directory.
    Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(logs.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
    Path scenario = work.resolve(file);
    Files.writeString(scenario, String.join("\n", steps) + "\n", StandardCharsets.UTF_8);
    network = Network.newNetwork();
    return scenario;
  }

  private GenericContainer<?> startServer() {
    GenericContainer<?> server = new GenericContainer<>(serverImage)
        .withNetwork(network)
        .withNetworkAliases("server")
        .withFileSystemBind(logs.getParent().toString(), "/logs", BindMode.READ_WRITE)
        .withCommand("--port", "50051", "--log-dir", "/logs/run", "--quiet")
        .waitingFor(Wait.forLogMessage(".*listening on port 50051.*\\n", 1));
    containers.add(server);
    server.start();
    return server;
  }

  private GenericContainer<?> participant(String name) {
    GenericContainer<?> participant = new GenericContainer<>(participantImage)
        .withNetwork(network)
        .withNetworkAliases(name.toLowerCase(java.util.Locale.ROOT))
        .withFileSystemBind(logs.getParent().toString(), "/logs", BindMode.READ_WRITE);
    containers.add(participant);
    return participant;
  }

  /** Starts a participant that plays its steps of the scenario, then exits. */
  private GenericContainer<?> startScripted(String name, Path scenario) {
    GenericContainer<?> participant = participant(name)
        .withCopyFileToContainer(MountableFile.forHostPath(scenario), "/scenarios/test.scenario")
        .withCommand("--name", name, "--server", "server:50051", "--port", "50061",
            "--log-dir", "/logs/run", "--script", "/scenarios/test.scenario", "--step-timeout", "60",
            "--no-console-log")
        // The container's address on the network, which faces the server (not 0.0.0.0).
        .waitingFor(Wait.forLogMessage(
            ".*listening for broadcasts on (?!0\\.0\\.0\\.0)[0-9.]+:50061.*\\n", 1));
    participant.start();
    return participant;
  }

  /** A participant's output, and the server's, for a failure message. */
  private static String explain(GenericContainer<?> participant, GenericContainer<?> server) {
    return "participant's output:\n" + participant.getLogs() + "\nserver "
        + (server.isRunning() ? "running" : "NOT running") + ", its output:\n" + server.getLogs();
  }

  /** Blocks until the container exits (the Docker API's wait, no polling) and returns its status. */
  private static int exitCode(GenericContainer<?> container) {
    return container.getDockerClient().waitContainerCmd(container.getContainerId()).start()
        .awaitStatusCode(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS);
  }
}
