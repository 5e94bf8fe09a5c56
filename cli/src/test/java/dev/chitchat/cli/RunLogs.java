package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.logging.LoggedEvent;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What the end-to-end tests read from a run's logs, and the properties they assert of every run. */
final class RunLogs {

  private RunLogs() {}

  /** The events by process, each in file order. */
  static Map<String, List<LoggedEvent>> byProcess(List<LoggedEvent> events) {
    return events.stream()
        .collect(Collectors.groupingBy(LoggedEvent::process, LinkedHashMap::new, Collectors.toList()));
  }

  /** The sequence numbers each process delivered, in order. */
  static Map<String, List<Long>> delivered(Map<String, List<LoggedEvent>> byProcess) {
    Map<String, List<Long>> delivered = new HashMap<>();
    byProcess.forEach((process, events) -> delivered.put(process,
        events.stream().filter(e -> e.isAction("deliver")).map(LoggedEvent::seq).toList()));
    return delivered;
  }

  /** The server's actions that created chat events, by sequence number. */
  static Map<Long, LoggedEvent> serverActions(Map<String, List<LoggedEvent>> byProcess) {
    return byProcess.get("server").stream()
        .filter(e -> e.seq() != null && "action".equals(e.kind()))
        .collect(Collectors.toMap(LoggedEvent::seq, e -> e));
  }

  /** Asserts that every participant delivered the same text for each event; returns the texts. */
  static Map<Long, String> sameTextEverywhere(
      Map<String, List<LoggedEvent>> byProcess, List<String> participants) {
    Map<Long, String> textOf = new HashMap<>();
    for (String p : participants) {
      byProcess.get(p).stream().filter(e -> e.isAction("deliver")).forEach(e -> {
        String earlier = textOf.putIfAbsent(e.seq(), e.text());
        assertThat(earlier == null || earlier.equals(e.text())).as("same text for #" + e.seq()).isTrue();
      });
    }
    return textOf;
  }

  /**
   * L strictly increases along each process, and every receive is later than its send (paired by
   * call id and leg) and carried exactly its timestamp.
   *
   * @param callerMadeStatuses whether a receive may have no send because the caller's own gRPC
   *     made up its status (UNAVAILABLE or DEADLINE_EXCEEDED: the peer never answered)
   */
  static void assertClockCondition(List<LoggedEvent> all, Map<String, List<LoggedEvent>> byProcess,
      boolean callerMadeStatuses) {
    byProcess.forEach((process, events) -> {
      for (int i = 1; i < events.size(); i++) {
        assertThat(events.get(i).lamport()).as(events.get(i).location())
            .isGreaterThan(events.get(i - 1).lamport());
      }
    });
    Map<String, LoggedEvent> sends = new HashMap<>();
    all.stream().filter(LoggedEvent::isSend).forEach(e -> sends.put(e.callId() + "/" + e.leg(), e));
    List<LoggedEvent> receives = all.stream().filter(LoggedEvent::isReceive).toList();
    assertThat(receives).isNotEmpty();
    for (LoggedEvent receive : receives) {
      LoggedEvent send = sends.get(receive.callId() + "/" + receive.leg());
      if (send == null && callerMadeStatuses) {
        assertThat(receive.status()).as(receive.location()).isIn("UNAVAILABLE", "DEADLINE_EXCEEDED");
        continue;
      }
      assertThat(send).as("send of " + receive.location()).isNotNull();
      assertThat(receive.lamport()).as(receive.location()).isGreaterThan(send.lamport());
      assertThat(receive.messageLamport()).isEqualTo(send.lamport());
    }
  }
}
