package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClockCheckerTest {

  @TempDir Path dir;

  private CheckReport check(RunBuilder run) throws Exception {
    return ClockChecker.check(RunModel.read(run.write(dir)));
  }

  private static void replace(List<String> lines, int index, String from, String to) {
    String line = lines.get(index);
    assertThat(line).contains(from);
    lines.set(index, line.replace(from, to));
  }

  private static int indexOf(List<String> lines, String... parts) {
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      boolean all = true;
      for (String p : parts) {
        all &= line.contains(p);
      }
      if (all) {
        return i;
      }
    }
    throw new AssertionError("no line with " + List.of(parts));
  }

  @Test
  void aWellBehavedRunPassesEveryCheck() throws Exception {
    CheckReport report = check(RunBuilder.demo());

    assertThat(report.violations()).isEmpty();
    assertThat(report.notes()).isEmpty();
    assertThat(report.chatEvents()).isEqualTo(8); // 3 joins, 4 publishes, 1 leave
    assertThat(report.deliveries()).isGreaterThan(9);
  }

  @Test
  void aCrashIsExplainedByNotesNotViolations() throws Exception {
    RunBuilder run =
        new RunBuilder().join("Alex").join("Bob").crash("Bob").publish("Alex", "anyone there?");

    CheckReport report = check(run);

    assertThat(report.violations()).isEmpty();
    assertThat(report.notes())
        .extracting(Finding::message)
        .anyMatch(m -> m.contains("Broadcast request to Bob has no receive: the call ended without a response carrying a Lamport time (UNAVAILABLE)"))
        .anyMatch(m -> m.contains("Bob did not deliver #3") && m.contains("removed"));
  }

  @Test
  void check1LamportTimeThatDoesNotIncreaseAlongAProcess() throws Exception {
    RunBuilder run = RunBuilder.demo();
    List<String> alex = run.lines("Alex");
    replace(alex, 3, "\"lamport\":", "\"lamport\":1");  // e.g. 7 becomes 17: the next line goes back
    CheckReport report = check(run);

    assertThat(report.violations())
        .filteredOn(f -> f.check() == Check.PROCESS_ORDER)
        .extracting(Finding::location, Finding::message)
        .anySatisfy(
            t -> {
              assertThat(t.toList().get(0)).isEqualTo("Alex.jsonl:5");
              assertThat((String) t.toList().get(1)).contains("does not increase");
            });
  }

  @Test
  void check1ASendMustTickByOne() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex");
    List<String> alex = run.lines("Alex");
    replace(alex, 1, "\"lamport\":2", "\"lamport\":3"); // the Join request send
    CheckReport report = check(run);

    assertThat(report.violations())
        .filteredOn(f -> f.check() == Check.PROCESS_ORDER)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.location()).isEqualTo("Alex.jsonl:2");
              assertThat(f.message()).contains("must tick by 1: expected L=2, found 3");
            });
  }

  @Test
  void check2AReceiveBeforeItsSendAndAWrongMax() throws Exception {
    Files.writeString(
        dir.resolve("A.jsonl"),
        """
        {"process":"A","lamport":1,"kind":"action","action":"publish"}
        {"process":"A","lamport":2,"kind":"action","action":"publish"}
        {"process":"A","lamport":3,"kind":"send","rpc":"Publish","leg":"request","callId":"x","peer":"B"}
        """);
    Files.writeString(
        dir.resolve("B.jsonl"),
        """
        {"process":"B","lamport":1,"kind":"action","action":"join"}
        {"process":"B","lamport":2,"kind":"receive","rpc":"Publish","leg":"request","callId":"x","peer":"A","msgLamport":1}
        """);

    CheckReport report = ClockChecker.check(RunModel.read(dir));

    assertThat(report.violations())
        .allMatch(f -> f.check() == Check.MESSAGES && f.location().equals("B.jsonl:2"))
        .extracting(Finding::message)
        .containsExactlyInAnyOrder(
            "receive at L=2 is not after its send at L=3 (A.jsonl:3)",
            "message carried L=1 but was sent at L=3 (A.jsonl:3)");
  }

  @Test
  void check2AReceiveThatDoesNotTakeTheMaximum() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex");
    List<String> server = run.lines("server");
    // The server's receive of the Join request: carried 2, local 0, so L must be 3.
    replace(server, 0, "\"msgLamport\":2", "\"msgLamport\":1");
    CheckReport report = check(run);

    assertThat(report.violations())
        .filteredOn(f -> f.check() == Check.MESSAGES)
        .extracting(Finding::toString)
        .containsExactlyInAnyOrder(
            "server.jsonl:1: [check 2] message carried L=1 but was sent at L=2 (Alex.jsonl:2)",
            "server.jsonl:1: [check 2] receive must be max(local 0, message 1) + 1 = 2, found 3");
  }

  @Test
  void check3AMemberThatNeverDeliveredAnEvent() throws Exception {
    RunBuilder run = RunBuilder.demo();
    List<String> carl = run.lines("Carl");
    int i = indexOf(carl, "\"deliver\"", "Lamport says hi");
    replace(carl, i, "\"action\":\"deliver\"", "\"action\":\"ignore\"");
    CheckReport report = check(run);

    assertThat(report.violations())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.check()).isEqualTo(Check.DELIVERY);
              assertThat(f.location()).startsWith("server.jsonl:");
              assertThat(f.message())
                  .isEqualTo("Carl was a member but never delivered #6 (publish Carl: Lamport says hi)");
            });
  }

  @Test
  void check3ADuplicateAndAnOutOfOrderDelivery() throws Exception {
    RunBuilder run = RunBuilder.demo();
    List<String> alex = run.lines("Alex");
    int first = indexOf(alex, "\"deliver\"", "\"seq\":2");
    int second = indexOf(alex, "\"deliver\"", "\"seq\":3");
    replace(alex, first, "\"seq\":2", "\"seq\":3");
    replace(alex, second, "\"seq\":3", "\"seq\":2");
    List<String> bob = run.lines("Bob");
    int bobs = indexOf(bob, "\"deliver\"", "\"seq\":4");
    replace(bob, bobs, "\"seq\":4", "\"seq\":3");

    CheckReport report = check(run);

    assertThat(report.violations())
        .allMatch(f -> f.check() == Check.DELIVERY)
        .extracting(Finding::message)
        .containsExactlyInAnyOrder(
            "Alex delivered #2 after #3: out of order",
            "Bob delivered #3 twice",
            "Bob was a member but never delivered #4 (join Carl: Participant Carl joined Chitty-Chat"
                + " at Lamport time " + lamportOfSeq(run, 4) + "), though it delivered later events up to #6");
  }

  private static String lamportOfSeq(RunBuilder run, int seq) {
    String line = run.lines("server").get(indexOf(run.lines("server"), "\"seq\":" + seq + ","));
    return line.replaceAll(".*\"lamport\":(\\d+).*", "$1");
  }

  @Test
  void check3ADeliveryToANonMember() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex").join("Bob");
    List<String> bob = run.lines("Bob");
    int i = indexOf(bob, "\"deliver\"", "\"seq\":2");
    replace(bob, i, "\"seq\":2", "\"seq\":1");

    CheckReport report = check(run);

    assertThat(report.violations())
        .extracting(Finding::message)
        .contains(
            "Bob delivered #1 but was not a member when it was created",
            "Bob was a member but never delivered #2 (join Bob: Participant Bob joined Chitty-Chat at Lamport time "
                + lamportOfSeq(run, 2) + ")");
  }

  @Test
  void check4ASendWithNoReceiveAndAReceiveWithNoSend() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex");
    List<String> server = run.lines("server");
    replace(server, 0, "\"callId\":\"c1\"", "\"callId\":\"c999\"");

    CheckReport report = check(run);

    assertThat(report.violations())
        .filteredOn(f -> f.check() == Check.UNMATCHED)
        .extracting(Finding::toString)
        .containsExactly("Alex.jsonl:2: [check 4] send of Join request to server has no receive");
    // A Join is not authenticated, so the checker cannot tell a lost send from a forged Join.
    assertThat(report.notes()).extracting(Finding::toString).contains(
        "server.jsonl:1: [check 4] unauthenticated Join request declared as from Alex has no send in"
            + " Alex's log: forged, or from a process that keeps no log");
  }

  @Test
  void check4AnAuthenticatedReceiveWithNoSendIsAViolation() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex").publish("Alex", "hi");
    List<String> server = run.lines("server");
    int publish = indexOf(server, "\"rpc\":\"Publish\",\"leg\":\"request\"");
    String callId = server.get(publish).replaceAll(".*\"callId\":\"([^\"]+)\".*", "$1");
    replace(server, publish, "\"callId\":\"" + callId + "\"", "\"callId\":\"c999\"");

    assertThat(check(run).violations()).extracting(Finding::toString)
        .anyMatch(v -> v.contains("receive of Publish request from Alex") && v.endsWith("has no send"));
  }

  @Test
  void check4AForgedCallIsReportedAsSuchAndNotAgainstTheNameItDeclared() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex").join("Mallory");
    // Mallory, with its own session token, declares itself as Alex: the server logs both names.
    List<String> server = run.lines("server");
    long l = lastLamport(server);
    server.add("{\"time\":\"2026-01-01T00:00:59Z\",\"process\":\"server\",\"lamport\":" + (l + 1)
        + ",\"kind\":\"receive\",\"rpc\":\"Publish\",\"leg\":\"request\",\"callId\":\"f1\","
        + "\"peer\":\"Alex\",\"auth\":\"Mallory\",\"msgLamport\":" + l + "}");
    server.add("{\"time\":\"2026-01-01T00:00:59Z\",\"process\":\"server\",\"lamport\":" + (l + 2)
        + ",\"kind\":\"send\",\"rpc\":\"Publish\",\"leg\":\"response\",\"callId\":\"f1\","
        + "\"peer\":\"Mallory\",\"status\":\"INVALID_ARGUMENT\"}");
    // A Broadcast without the callback secret, declaring the server: refused before merging.
    List<String> alex = run.lines("Alex");
    long a = lastLamport(alex);
    alex.add("{\"time\":\"2026-01-01T00:00:59Z\",\"process\":\"Alex\",\"lamport\":" + (a + 1)
        + ",\"kind\":\"receive\",\"rpc\":\"Broadcast\",\"leg\":\"request\",\"callId\":\"f2\","
        + "\"peer\":\"server\",\"refusedLamport\":2251799813685248}");
    alex.add("{\"time\":\"2026-01-01T00:00:59Z\",\"process\":\"Alex\",\"lamport\":" + (a + 2)
        + ",\"kind\":\"send\",\"rpc\":\"Broadcast\",\"leg\":\"response\",\"callId\":\"f2\","
        + "\"peer\":\"server\",\"status\":\"UNAUTHENTICATED\"}");

    CheckReport report = check(run);

    assertThat(report.violations()).isEmpty();
    assertThat(report.notes()).extracting(Finding::toString).contains(
        "server.jsonl:" + server.size() + ": [check 4] send of Publish response to Mallory has no"
            + " receive: it answers a call that Mallory's log does not have (forged, or refused before merging)",
        "server.jsonl:" + (server.size() - 1) + ": [check 4] forged call from Mallory: Publish request"
            + " declared as from Alex",
        "Alex.jsonl:" + (alex.size() - 1) + ": [check 4] Broadcast request from server refused before"
            + " merging its Lamport time (it carried L=2251799813685248)");
  }

  @Test
  void check3AnIdempotentRetryNamesItsEventWithoutAssigningItsNumberAgain() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex").publish("Alex", "hi");
    List<String> server = run.lines("server");
    long l = lastLamport(server);
    // The server's answer to a Publish retried under the same message id: the first event again.
    server.add("{\"time\":\"2026-01-01T00:00:59Z\",\"process\":\"server\",\"lamport\":" + (l + 1)
        + ",\"kind\":\"action\",\"action\":\"duplicate\",\"seq\":2,"
        + "\"text\":\"retry of message id m1, not broadcast again\"}");

    assertThat(check(run).violations()).isEmpty();
  }

  private static int indexOf(List<String> lines, String part) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(part)) {
        return i;
      }
    }
    throw new AssertionError("no line with " + part);
  }

  private static long lastLamport(List<String> lines) {
    return com.google.gson.JsonParser.parseString(lines.get(lines.size() - 1))
        .getAsJsonObject().get("lamport").getAsLong();
  }

  @Test
  void check0LinesThatAreNotEvents() throws Exception {
    RunBuilder run = new RunBuilder().join("Alex");
    run.lines("Alex").add("this is not json");
    CheckReport report = check(run);

    assertThat(report.violations())
        .singleElement()
        .satisfies(f -> assertThat(f.toString()).startsWith("Alex.jsonl:7: [check 0] not valid JSON"));
  }
}
