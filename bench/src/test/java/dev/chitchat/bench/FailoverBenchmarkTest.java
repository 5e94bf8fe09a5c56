package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.chitchat.bench.FailoverBenchmark.Logs;
import dev.chitchat.bench.FailoverBenchmark.Spread;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failover benchmark's reading of the logs, on synthetic JSON Lines. No processes. */
class FailoverBenchmarkTest {

  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  @TempDir Path dir;

  /** One log line: time as seconds after T0 (negative: before), then the fields given. */
  private static String line(double at, String process, String... fields) {
    JsonObject o = new JsonObject();
    o.addProperty("time", T0.plusNanos(Math.round(at * 1e9)).toString());
    o.addProperty("process", process);
    o.addProperty("lamport", 1);
    for (int i = 0; i < fields.length; i += 2) {
      if (fields[i].equals("seq")) {
        o.addProperty("seq", Long.parseLong(fields[i + 1]));
      } else {
        o.addProperty(fields[i], fields[i + 1]);
      }
    }
    return o.toString();
  }

  private static String leader(double at, String process, String text) {
    return line(at, process, "kind", "action", "action", "leader", "text", text);
  }

  private static String applied(double at, String replica, String proposer, long seq, String text) {
    return line(at, replica, "kind", "receive", "rpc", "Replicate", "leg", "request",
        "callId", "e" + seq, "peer", proposer, "action", "publish", "seq", Long.toString(seq),
        "text", text);
  }

  private static String typed(double at, String who, String text) {
    return line(at, who, "kind", "action", "action", "publish", "text", text);
  }

  private static String sent(double at, String who, String rpc, String callId) {
    return line(at, who, "kind", "send", "rpc", rpc, "leg", "request", "callId", callId,
        "peer", "127.0.0.1:5001");
  }

  private static String answered(double at, String who, String rpc, String callId, String status) {
    return line(at, who, "kind", "receive", "rpc", rpc, "leg", "response", "callId", callId,
        "peer", "s2", "status", status);
  }

  private static String delivered(double at, String who, long seq) {
    return line(at, who, "kind", "action", "rpc", "Broadcast", "action", "deliver",
        "seq", Long.toString(seq), "text", "x");
  }

  /** s1 leads and is killed at T0; s2 leads next. Ann was on s1 and moves to s2. */
  private static Logs aKill() {
    Logs logs = new Logs(Path.of("unused"));
    List.of(
        leader(-10, "s1", "s1 leads term 1"),
        applied(-0.005, "s1", "s1", 5, "Ann says 1"),
        applied(-0.004, "s2", "s1", 5, "Ann says 1"),
        leader(1.8, "s2", "s2 leads term 2"),
        applied(2.4, "s2", "s2", 6, "Ben says 1"),
        applied(2.41, "s3", "s2", 6, "Ben says 1"),
        // Ann: a late answer to a message committed before the kill, then the move
        typed(-0.01, "Ann", "Ann says 1"),
        sent(-0.009, "Ann", "Publish", "a1"),
        delivered(0.05, "Ann", 5),
        answered(0.01, "Ann", "Publish", "a1", "OK"),
        line(0.1, "Ann", "kind", "action", "action", "failover",
            "text", "moved from s1 to 127.0.0.1:5002; resume the session after event #5"),
        sent(0.11, "Ann", "Join", "j1"),
        answered(2.6, "Ann", "Join", "j1", "OK"),
        delivered(2.65, "Ann", 6),
        // Ben, on s2: his message waits for the new leader
        typed(-0.001, "Ben", "Ben says 1"),
        sent(-0.0009, "Ben", "Publish", "b1"),
        answered(1.0, "Ben", "Publish", "b0", "UNAVAILABLE"),
        answered(2.5, "Ben", "Publish", "b1", "OK"),
        delivered(2.55, "Ben", 6),
        // Cat: an answer no replica's log explains (yet), later than Ben's
        typed(0.5, "Cat", "Cat says 1"),
        sent(0.51, "Cat", "Publish", "c1"),
        answered(3.0, "Cat", "Publish", "c1", "OK"))
        .forEach(logs::add);
    return logs;
  }

  @Test
  void theLeaderIsTheNewestTermInAnyReplicasLog() {
    Logs logs = aKill();

    assertThat(FailoverBenchmark.leader(logs)).hasValueSatisfying(l -> {
      assertThat(l.id()).isEqualTo("s2");
      assertThat(l.term()).isEqualTo(2);
      assertThat(FailoverBenchmark.ms(T0, l.time())).isEqualTo(1800);
    });
    assertThat(FailoverBenchmark.lastSeq(logs)).isEqualTo(6);
    assertThat(logs.replicaProcesses()).containsExactly("s1", "s2", "s3");
  }

  @Test
  void theAckIsTheFirstOkPublishAfterTheKillForAMessageNotCommittedBeforeIt() {
    FailoverBenchmark.Ack ack =
        FailoverBenchmark.firstAck(aKill(), List.of("Ann", "Ben", "Cat"), T0).orElseThrow();

    // not Ann's answer at +10 ms: "Ann says 1" was applied 5 ms before the kill
    assertThat(ack.participant()).isEqualTo("Ben");
    assertThat(FailoverBenchmark.ms(T0, ack.time())).isEqualTo(2500);
    assertThat(ack.seq()).isEqualTo(6);
  }

  @Test
  void anAnswerNoReplicaExplainsCountsByItsTime() {
    FailoverBenchmark.Ack ack = FailoverBenchmark.firstAck(aKill(), List.of("Cat"), T0).orElseThrow();

    assertThat(FailoverBenchmark.ms(T0, ack.time())).isEqualTo(3000);
    assertThat(ack.seq()).isNull();
    assertThat(FailoverBenchmark.firstAck(aKill(), List.of("Ann"), T0)).isEmpty();
  }

  @Test
  void aParticipantThatMovedIsTimedFromItsFailoverActionToItsFirstDeliveryAfterIt() {
    Logs logs = aKill();

    FailoverBenchmark.Move move = FailoverBenchmark.move(logs, "Ann", T0).orElseThrow();

    assertThat(move.to()).isEqualTo("127.0.0.1:5002");
    assertThat(FailoverBenchmark.ms(T0, move.failover())).isEqualTo(100);
    assertThat(FailoverBenchmark.ms(T0, move.resumed())).isEqualTo(2600);
    // not the delivery at +50 ms, before the move (from the dying replica)
    assertThat(FailoverBenchmark.ms(T0, move.delivered())).isEqualTo(2650);
    assertThat(FailoverBenchmark.move(logs, "Ben", T0)).isEmpty();
    // a failover before the kill is not this kill's
    assertThat(FailoverBenchmark.move(logs, "Ann", T0.plusSeconds(1))).isEmpty();
  }

  @Test
  void aMoveNotYetResumedHasNoResumeOrDelivery() {
    Logs logs = new Logs(Path.of("unused"));
    logs.add(line(0.2, "Ann", "kind", "action", "action", "failover", "text", "moved from s1 to s2"));

    FailoverBenchmark.Move move = FailoverBenchmark.move(logs, "Ann", T0).orElseThrow();

    assertThat(move.to()).isEqualTo("s2");
    assertThat(move.resumed()).isNull();
    assertThat(move.delivered()).isNull();
  }

  @Test
  void publishedSinceNeedsARequestSentAfterTheInstantAndAnsweredOk() {
    Logs logs = aKill();

    assertThat(FailoverBenchmark.publishedSince(logs, "Ben", T0)).isFalse(); // sent before T0
    assertThat(FailoverBenchmark.publishedSince(logs, "Ben", T0.minusSeconds(1))).isTrue();
    assertThat(FailoverBenchmark.publishedSince(logs, "Cat", T0)).isTrue();
  }

  @Test
  void aRestartedReplicaHasCaughtUpWhenItAppliedTheLastEvent() {
    Logs logs = aKill();

    assertThat(FailoverBenchmark.caughtUp(logs, "s3", 6)).isTrue();
    assertThat(FailoverBenchmark.caughtUp(logs, "s3", 7)).isFalse();
    assertThat(FailoverBenchmark.caughtUp(logs, "s1-2", 0)).isTrue();
  }

  @Test
  void theLogsAreReadAsTheyGrowWholeLinesOnly() throws Exception {
    Path file = dir.resolve("s1-2.jsonl");
    String first = leader(1, "s1-2", "s1 leads term 4") + "\n";
    String second = applied(2, "s1-2", "s1", 9, "Ann says 9") + "\n";
    Files.writeString(file, first + second.substring(0, 20));
    Files.writeString(dir.resolve("Ann.out"), "not a log\n");
    Logs logs = new Logs(dir);

    logs.poll();
    assertThat(logs.of("s1-2")).hasSize(1);
    Files.write(file, (second.substring(20) + "not json\n").getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);
    logs.poll();
    logs.poll();

    assertThat(logs.of("s1-2")).hasSize(2);
    assertThat(logs.of("s1-2").get(1).seq()).isEqualTo(9);
    assertThat(FailoverBenchmark.leader(logs).orElseThrow().term()).isEqualTo(4);
  }

  @Test
  void linesThatAreNoEventsAreSkipped() {
    assertThat(FailoverBenchmark.Line.parse("not json")).isEmpty();
    assertThat(FailoverBenchmark.Line.parse("[1]")).isEmpty();
    assertThat(FailoverBenchmark.Line.parse("{\"process\":\"s1\"}")).isEmpty();
    assertThat(FailoverBenchmark.Line.parse("{\"time\":\"yesterday\",\"process\":\"s1\"}")).isEmpty();
  }

  @Test
  void theSpreadIsMedianWorstAndMin() {
    assertThat(Spread.of(List.of(5L, 1L, 3L, 2L))).isEqualTo(new Spread(4, 2.5, 5, 1));
    assertThat(Spread.of(List.of(7L, 1L, 3L))).isEqualTo(new Spread(3, 3, 7, 1));
    assertThat(Spread.of(List.of()).n()).isZero();
    assertThat(Spread.of(List.of()).format()).isEqualTo("no figures");
  }
}
