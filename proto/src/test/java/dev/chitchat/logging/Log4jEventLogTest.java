package dev.chitchat.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Log4jEventLogTest {

  @TempDir Path runDir;

  @AfterEach
  void resetLogging() throws Exception {
    LogSetup.configure(new LogSetup.Options("test", null, false, false));
  }

  @Test
  void writesOneJsonObjectPerTickThatTheReaderReadsBack() throws Exception {
    Path file = LogSetup.configure(new LogSetup.Options("Alex", runDir, false, false));
    LamportClock clock = new LamportClock("Alex", new Log4jEventLog());

    clock.tick(EventDetails.action("publish", "Hej \"verden\" \u00e6\u00f8\u00e5 \uD83D\uDE00"));
    clock.tick(EventDetails.sendRequest("Publish", "c1", "server"));
    clock.receive(41, EventDetails.receiveResponse("Publish", "c1", "server", "OK", null));
    clock.tick(EventDetails.action("deliver", "Alex: hi").withSeq(7));

    assertThat(file).isEqualTo(runDir.resolve("Alex.jsonl"));
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("{\"time\":\"").contains("\"lamport\":1");
    assertThat(lines.get(2)).contains("\"msgLamport\":41", "\"lamport\":42", "\"status\":\"OK\"");
    assertThat(lines).noneMatch(line -> line.contains("null")); // absent fields are left out

    EventLogReader.Result result = new EventLogReader().read(runDir);
    assertThat(result.problems()).isEmpty();
    List<LoggedEvent> events = result.events();
    assertThat(events).extracting(LoggedEvent::lamport).containsExactly(1L, 2L, 42L, 43L);
    assertThat(events.get(0).text()).isEqualTo("Hej \"verden\" \u00e6\u00f8\u00e5 \uD83D\uDE00");
    assertThat(events.get(0).isAction("publish")).isTrue();
    assertThat(events.get(0).time()).isNotNull();
    assertThat(events.get(1).isSend()).isTrue();
    assertThat(events.get(1).rpc()).isEqualTo("Publish");
    assertThat(events.get(1).leg()).isEqualTo("request");
    assertThat(events.get(1).callId()).isEqualTo("c1");
    assertThat(events.get(1).peer()).isEqualTo("server");
    assertThat(events.get(1).seq()).isNull();
    assertThat(events.get(2).messageLamport()).isEqualTo(41L);
    assertThat(events.get(3).seq()).isEqualTo(7L);
    assertThat(events.get(3).location()).isEqualTo("Alex.jsonl:4");
  }

  @Test
  void escapesEveryCharacterJsonRequiresAndKeepsTheFieldOrder() throws Exception {
    Path file = LogSetup.configure(new LogSetup.Options("Bob", runDir, false, false));
    LamportClock clock = new LamportClock("Bob", new Log4jEventLog());
    String nasty = "q\"b\\s\n\r\t\b\f\u0001\u001f\u007f \u2028 \uD83D\uDC4B end";

    clock.receive(5, EventDetails.receiveResponse("Publish", "c2", "server", "INVALID_ARGUMENT", nasty));

    String line = Files.readAllLines(file, StandardCharsets.UTF_8).get(0);
    assertThat(line).matches("(?s)\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\",.*\\}");
    assertThat(line).contains("\"callId\":\"c2\",\"kind\":\"receive\",\"lamport\":6,\"leg\":\"response\","
        + "\"msgLamport\":5,\"peer\":\"server\",\"process\":\"Bob\",\"rpc\":\"Publish\","
        + "\"status\":\"INVALID_ARGUMENT\",\"text\":");
    assertThat(line).containsIgnoringCase("\\u0001\\u001f"); // JSON allows either case
    EventLogReader.Result result = new EventLogReader().read(runDir);
    assertThat(result.problems()).isEmpty();
    assertThat(result.events().get(0).text()).isEqualTo(nasty);
  }

  @Test
  void writesALongTextWhole() throws Exception {
    Path file = LogSetup.configure(new LogSetup.Options("Carol", runDir, false, false));
    String typed = "x".repeat(100_000); // a line typed before the server refuses it as too long

    new LamportClock("Carol", new Log4jEventLog()).tick(EventDetails.action("publish", typed));

    assertThat(Files.readString(file, StandardCharsets.UTF_8)).contains("\"text\":\"" + typed + "\"");
  }

  @Test
  void reportsLinesThatAreNotEvents() throws Exception {
    Path file = runDir.resolve("broken.jsonl");
    Files.writeString(
        file, "{\"process\":\"x\",\"lamport\":1,\"kind\":\"action\"}\nnot json\n{\"process\":\"x\"}\n");

    EventLogReader.Result result = new EventLogReader().read(file);

    assertThat(result.events()).hasSize(1);
    assertThat(result.problems())
        .extracting(EventLogReader.Problem::line)
        .containsExactly(2, 3);
  }

  @Test
  void picksAFreshProcessNameWhenTheFileExists() throws Exception {
    Files.writeString(runDir.resolve("Alex.jsonl"), "");
    Files.writeString(runDir.resolve("Alex-2.jsonl"), "");

    assertThat(LogSetup.uniqueProcessName("Bob", runDir)).isEqualTo("Bob");
    assertThat(LogSetup.uniqueProcessName("Alex", runDir)).isEqualTo("Alex-3");
  }
}
