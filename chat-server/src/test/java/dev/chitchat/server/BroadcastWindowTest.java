package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class BroadcastWindowTest {

  @Test
  void grantsFreePermitsAtOnceAndQueuesTheRestInRequestOrder() {
    BroadcastWindow window = new BroadcastWindow(2);
    List<String> granted = new ArrayList<>();

    window.request(() -> granted.add("a"));
    window.request(() -> granted.add("b"));
    window.request(() -> granted.add("c"));
    window.request(() -> granted.add("d"));

    assertThat(granted).containsExactly("a", "b");
    assertThat(window.inUse()).isEqualTo(2);
    assertThat(window.waiting()).isEqualTo(2);

    window.release(); // handed straight to c
    assertThat(granted).containsExactly("a", "b", "c");
    assertThat(window.inUse()).isEqualTo(2);

    window.release();
    window.release();
    window.release();
    assertThat(granted).containsExactly("a", "b", "c", "d");
    assertThat(window.inUse()).isZero();
    assertThat(window.waiting()).isZero();
  }

  @Test
  void grantsThatReleaseAtOnceAreHandedOutInTurnNotNested() {
    // A participant whose call fails at once releases from inside its grant; 100,000 of them
    // in a row must neither overflow the stack nor lose their order.
    BroadcastWindow window = new BroadcastWindow(1);
    List<Integer> granted = new ArrayList<>();
    window.request(() -> {});
    for (int i = 0; i < 100_000; i++) {
      int n = i;
      window.request(() -> {
        granted.add(n);
        window.release();
      });
    }
    window.release();

    assertThat(granted).hasSize(100_000).isSorted();
    assertThat(window.inUse()).isZero();
    assertThat(window.waiting()).isZero();
  }

  @Test
  void needsAtLeastOnePermit() {
    assertThatThrownBy(() -> new BroadcastWindow(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }

  @Test
  void withOneCallInFlightForAllParticipantsEveryoneStillGetsEverythingInOrder() throws Exception {
    ServerConfig config =
        ServerConfig.builder().port(0).rateLimit(0).maxInFlight(1)
            .failureTimeout(java.time.Duration.ofSeconds(60))
            .broadcastDeadline(java.time.Duration.ofSeconds(30))
            .build();
    try (InProcessChat chat = new InProcessChat(config)) {
      List<InProcessChat.Member> members = new ArrayList<>();
      for (String name : List.of("Alex", "Aske", "Bob", "Cleo")) {
        members.add(chat.joined(name));
      }
      int perMember = 25;
      ExecutorService pool = Executors.newFixedThreadPool(members.size());
      try {
        List<Future<Integer>> sent = new ArrayList<>();
        for (InProcessChat.Member m : members) {
          sent.add(pool.submit(() -> {
            int ok = 0;
            for (int i = 0; i < perMember; i++) {
              ok += m.node().publish("message " + i).sent() ? 1 : 0;
            }
            return ok;
          }));
        }
        for (Future<Integer> f : sent) {
          assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(perMember);
        }
      } finally {
        pool.shutdownNow();
      }

      long last = 4 + 4L * perMember; // 4 joins, then the messages
      // The last to join sees its own join (4) onwards; everyone sees every message, in order.
      for (InProcessChat.Member m : members) {
        long first = m.node().deliveries().delivered().get(0).event().getSequence();
        await().untilAsserted(() -> assertThat(
            m.node().deliveries().delivered().stream().map(d -> d.event().getSequence()).toList())
            .containsExactlyElementsOf(LongStream.rangeClosed(first, last).boxed().toList()));
      }
      assertThat(chat.server.participants()).hasSize(4);
    }
  }
}
