package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunModelTest {

  @TempDir Path dir;

  @Test
  void pairsMessagesAndDerivesVectorClocks() throws Exception {
    RunModel m = RunModel.read(new RunBuilder().join("Alex").join("Bob").write(dir));

    assertThat(m.processes()).containsExactly("server", "Alex", "Bob");
    // Alex: join, send Join, receive Join response; server: receive, join, send response.
    int alexJoin = m.firstEventOf(1);
    int alexSend = alexJoin + 1;
    int serverReceive = m.firstEventOf(0);
    assertThat(m.partner(alexSend)).isEqualTo(serverReceive);
    assertThat(m.partner(serverReceive)).isEqualTo(alexSend);
    assertThat(m.vectorClock(alexSend)).containsExactly(0, 2, 0);
    assertThat(m.vectorClock(serverReceive)).containsExactly(1, 2, 0);
    assertThat(m.happensBefore(alexJoin, serverReceive)).isTrue();
    assertThat(m.happensBefore(serverReceive, alexJoin)).isFalse();

    // Bob's delivery of his own join announcement and Alex's delivery of it are concurrent.
    int alexDeliver = find(m, "Alex", 2L);
    int bobDeliver = find(m, "Bob", 2L);
    assertThat(m.concurrent(alexDeliver, bobDeliver)).isTrue();
    assertThat(m.happensBefore(alexJoin, bobDeliver)).isTrue();
    // Own entries count the process's events: 1, 2, 3, ...
    for (int p = 0; p < m.processes().size(); p++) {
      for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
        assertThat(m.vectorEntry(i, p)).isEqualTo(m.positionOf(i) + 1);
      }
    }
    assertThat(m.droppedMessages()).isEmpty();
  }

  private static int find(RunModel m, String process, long seq) {
    int p = m.processIndex(process);
    for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
      if (m.event(i).isAction("deliver") && m.event(i).seq() == seq) {
        return i;
      }
    }
    throw new AssertionError();
  }
}
