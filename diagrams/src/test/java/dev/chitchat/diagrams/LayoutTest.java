package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.logging.LoggedEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layout's guarantees as docs/diagrams.md states them, on generated runs: arrows point forward,
 * each process's events left to right in its own order, the causal layout in wall-clock order where
 * the clocks agree with happens-before, late joiners drawn where they joined, no two labels or dots
 * overlapping, pages cut between labels, rows only over their process's lifetime, and a rejoined
 * participant next to its earlier incarnation.
 */
class LayoutTest {

  @TempDir Path tmp;

  private Layout layout(RunBuilder run, DiagramOptions options) throws Exception {
    RunModel m = RunModel.read(run.write(tmp.resolve("run-" + System.nanoTime())));
    return Diagrams.layout(m, ClockChecker.check(m), "test", options);
  }

  private static Map<Integer, Layout.Node> byEvent(Layout l) {
    Map<Integer, Layout.Node> map = new HashMap<>();
    l.nodes.forEach(n -> map.put(n.event(), n));
    return map;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void everyArrowPointsForwardAndEachProcessRunsLeftToRight(long seed) throws Exception {
    RunBuilder run = RandomRuns.of(seed, 60);
    for (LayoutKind kind : LayoutKind.values()) {
      Layout l = layout(run, DiagramOptions.defaults().layout(kind));
      Map<Integer, Layout.Node> at = byEvent(l);
      for (RunModel.Message msg : l.model.messages()) {
        assertThat(at.get(msg.send()).x()).as("%s: arrow %s", kind, msg).isLessThan(at.get(msg.receive()).x());
      }
      for (Layout.Arrow a : l.arrows) {
        assertThat(a.x2()).as("%s: arrow %s", kind, a).isGreaterThan(a.x1());
      }
      for (int p = 0; p < l.model.processes().size(); p++) {
        for (int i = l.model.firstEventOf(p) + 1; i < l.model.endOf(p); i++) {
          assertThat(at.get(i).x()).as("%s: event %d after %d", kind, i, i - 1).isGreaterThan(at.get(i - 1).x());
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void theCausalLayoutFollowsWallClockTimeWhereTheClocksAgreeWithHappensBefore(long seed) throws Exception {
    // RunBuilder's clock is one machine's: every event is logged after the events it depends on.
    Layout l = layout(RandomRuns.of(seed, 60), DiagramOptions.defaults());
    List<Layout.Node> byTime = new ArrayList<>(l.nodes);
    byTime.sort(Comparator.comparing((Layout.Node n) -> l.model.event(n.event()).time()));
    for (int k = 1; k < byTime.size(); k++) {
      assertThat(byTime.get(k).x())
          .as("event %d logged after event %d", byTime.get(k).event(), byTime.get(k - 1).event())
          .isGreaterThanOrEqualTo(byTime.get(k - 1).x());
    }
    // Events sharing a column are concurrent.
    Map<Double, List<Integer>> columns = new HashMap<>();
    l.nodes.forEach(n -> columns.computeIfAbsent(n.x(), x -> new ArrayList<>()).add(n.event()));
    columns.values().forEach(c -> {
      for (int a : c) {
        for (int b : c) {
          assertThat(a == b || l.model.concurrent(a, b)).as("events %d and %d share a column", a, b).isTrue();
        }
      }
    });
  }

  @Test
  void aLateJoinerIsDrawnWhereItJoinedNotAtTheStart() throws Exception {
    RunBuilder run = RunBuilder.demo();
    Layout causal = layout(run, DiagramOptions.defaults());
    Layout lamport = layout(run, DiagramOptions.defaults().layout(LayoutKind.LAMPORT));
    for (Layout l : List.of(causal, lamport)) {
      int carl = l.model.processIndex("Carl");
      int firstOfCarl = l.model.firstEventOf(carl);
      // Alex's "Hello World!" was published, by every clock, before Carl started.
      int publish = -1;
      for (int i = 0; i < l.model.eventCount(); i++) {
        LoggedEvent e = l.model.event(i);
        if (e.isAction("publish") && "server".equals(e.process()) && "Hello World!".equals(e.text())) {
          publish = i;
        }
      }
      assertThat(l.model.event(firstOfCarl).time()).isAfter(l.model.event(publish).time());
      boolean drawnAfter = byEvent(l).get(firstOfCarl).x() > byEvent(l).get(publish).x();
      // The Lamport layout draws Carl's L=1 before the server's L=14: the contrast the option shows.
      assertThat(drawnAfter).as(l.options.layout().toString()).isEqualTo(l == causal);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void noLabelOverlapsAnotherLabelOrADotAndNoneCrossesAPageCut(long seed) throws Exception {
    RunBuilder run = RandomRuns.of(seed, 80);
    List<DiagramOptions> variants = List.of(
        DiagramOptions.defaults(),
        DiagramOptions.defaults().layout(LayoutKind.LAMPORT),
        DiagramOptions.defaults().window(20L, 160L),
        DiagramOptions.defaults().hideResponses(true).labelChars(80),
        DiagramOptions.defaults().processes(Set.of("server", "Bob", "Carol")).labelChars(8),
        DiagramOptions.defaults().maxEvents(150));
    for (DiagramOptions options : variants) {
      Layout l = layout(run, options);
      // Event texts are never longer than labelChars code points, and cut only with an ellipsis.
      for (Layout.Node n : l.nodes) {
        if (n.text() != null) {
          String t = n.text().text();
          assertThat(t.codePointCount(0, t.length())).isLessThanOrEqualTo(options.labelChars());
          if (t.endsWith("\u2026")) {
            assertThat(t.codePointCount(0, t.length())).isEqualTo(options.labelChars());
          }
        }
      }
      // Most arrows keep their label (the others are left out, never drawn over something).
      assertThat(l.arrows.stream().filter(a -> a.label() != null).count()).isGreaterThan(l.arrows.size() / 2);
      List<Box> boxes = l.boxes();
      List<Box> sorted = new ArrayList<>(boxes);
      sorted.sort(Comparator.comparingDouble(Box::x1));
      for (int a = 0; a < sorted.size(); a++) {
        for (int b = a + 1; b < sorted.size() && sorted.get(b).x1() < sorted.get(a).x2(); b++) {
          assertThat(sorted.get(a).overlaps(sorted.get(b)))
              .as("%s: %s overlaps %s", options, sorted.get(a), sorted.get(b)).isFalse();
        }
      }
      for (Box b : boxes) {
        assertThat(l.pages.stream().anyMatch(p -> b.x1() >= p.from() - (p == l.pages.get(0) ? 40 : 0) && b.x2() <= p.to()))
            .as("%s: %s lies on one page", options, b).isTrue();
      }
      assertThat(l.pages.stream().mapToDouble(p -> p.to() - p.from()).max().orElse(0))
          .isLessThanOrEqualTo(Layout.PAGE_WIDTH + 700);
    }
  }

  @Test
  void aRowRunsFromItsProcesssFirstEventToItsLastOrItsRemoval() throws Exception {
    Layout l = layout(RunBuilder.demo().join("Dana").crash("Dana").publish("Carl", "Is Dana there?"), DiagramOptions.defaults());
    Map<Integer, Layout.Node> at = byEvent(l);
    for (Layout.Row row : l.rows) {
      int p = row.process();
      double first = at.get(l.model.firstEventOf(p)).x();
      double last = at.get(l.model.endOf(p) - 1).x();
      assertThat(row.startX()).as(row.name()).isEqualTo(first - 18);
      if (row.name().equals("Dana")) {
        assertThat(row.crashX()).isGreaterThan(last);
        assertThat(row.endX()).isEqualTo(row.crashX());
        assertThat(row.crashText().text()).startsWith("crashed (removed at L=");
      } else if (!row.name().equals("server")) {
        assertThat(row.endX()).as(row.name()).isEqualTo(last + 18);
        assertThat(row.crashX()).isNaN();
      }
    }
  }

  @Test
  void aProcessThatLeftBeforeTheWindowIsNotDrawnInIt() throws Exception {
    RunBuilder run = RunBuilder.demo().publish("Carl", "after Bob left").publish("Alex", "still here");
    Layout whole = layout(run, DiagramOptions.defaults());
    int bob = whole.model.processIndex("Bob");
    long bobLeft = whole.model.event(whole.model.endOf(bob) - 1).lamport();
    long end = 0;
    for (int i = 0; i < whole.model.eventCount(); i++) {
      end = Math.max(end, whole.model.event(i).lamport());
    }
    for (LayoutKind kind : LayoutKind.values()) {
      Layout window = layout(run, DiagramOptions.defaults().window(bobLeft + 1, end).layout(kind));
      Layout.Row bobRow = window.rows.stream().filter(r -> r.name().equals("Bob")).findFirst().orElseThrow();
      assertThat(bobRow.hasLine()).as(kind.toString()).isFalse();
      assertThat(window.nodes).noneMatch(n -> n.event() >= window.model.firstEventOf(bob) && n.event() < window.model.endOf(bob));
      // Alex lived before and inside the window: his line starts at the window's left edge.
      Layout.Row alexRow = window.rows.stream().filter(r -> r.name().equals("Alex")).findFirst().orElseThrow();
      assertThat(alexRow.startX()).isEqualTo(window.plotLeft);
    }
  }

  @Test
  void aParticipantThatJoinedAfterTheWindowIsNotDrawnInItThoughItsClockStartedLow() throws Exception {
    RunBuilder run = RunBuilder.demo().join("Bob-2").publish("Bob-2", "I am back");
    Layout whole = layout(run, DiagramOptions.defaults());
    int bob2 = whole.model.processIndex("Bob-2");
    // Bob-2's clock starts at 1, but it joined after everything up to the server's L=40.
    assertThat(whole.model.event(whole.model.firstEventOf(bob2)).lamport()).isEqualTo(1);
    Layout window = layout(run, DiagramOptions.defaults().window(10L, 40L));
    Layout.Row row = window.rows.stream().filter(r -> r.name().equals("Bob-2")).findFirst().orElseThrow();
    assertThat(row.hasLine()).isFalse();
    // The Lamport layout places Bob-2's L=1 before the window: there, it lived across it.
    Layout byLamport = layout(run, DiagramOptions.defaults().window(10L, 40L).layout(LayoutKind.LAMPORT));
    assertThat(byLamport.rows.stream().filter(r -> r.name().equals("Bob-2")).findFirst().orElseThrow().hasLine()).isTrue();
  }

  @Test
  void aRejoinedParticipantIsDrawnBelowItsEarlierIncarnationAndLinkedToIt() throws Exception {
    RunBuilder run = RunBuilder.demo().join("Bob-2").publish("Bob-2", "I am back").publish("Carl", "welcome back");
    Layout l = layout(run, DiagramOptions.defaults());
    List<String> rows = l.rows.stream().map(Layout.Row::name).toList();
    assertThat(rows).containsExactly("server", "Alex", "Bob", "Bob-2", "Carl");
    assertThat(l.links).singleElement().satisfies(link -> {
      assertThat(rows.get(link.fromRow())).isEqualTo("Bob");
      assertThat(rows.get(link.toRow())).isEqualTo("Bob-2");
      double end = l.rows.get(link.fromRow()).endX();
      assertThat(link.x1()).isEqualTo(Math.max(end, l.rows.get(link.toRow()).startX() - Layout.LINK_REACH));
      assertThat(link.x2()).isEqualTo(l.rows.get(link.toRow()).startX()).isGreaterThan(link.x1());
      assertThat(link.label().text()).isEqualTo("rejoined as Bob-2");
    });
  }

  @Test
  void mermaidWritesEachMessageAtItsReceiveAndSplitsIntoPartsThatStayUnderTheLimit() throws Exception {
    Layout l = layout(RandomRuns.of(3, 120), DiagramOptions.defaults().maxEvents(100_000));
    List<String> parts = MermaidExporter.export(l, 20_000);
    assertThat(parts).hasSizeGreaterThan(1).allSatisfy(p -> {
      assertThat(p.length()).isLessThanOrEqualTo(20_000);
      assertThat(p).startsWith("sequenceDiagram\n");
    });
    // Along every process, the Lamport timestamps its statements are placed at (the receive of a
    // message, the event of a note) increase: nothing appears out of its own process's order.
    Map<String, Long> lastAt = new HashMap<>();
    java.util.regex.Pattern message = java.util.regex.Pattern.compile("\\s+P\\d+--?>>(P\\d+): .* L=(\\d+) \\(sent at L=(\\d+)\\)");
    java.util.regex.Pattern note = java.util.regex.Pattern.compile("\\s+Note over (P\\d+): L=(\\d+) .*");
    int messages = 0;
    for (String part : parts) {
      for (String line : part.split("\n")) {
        java.util.regex.Matcher mm = message.matcher(line);
        java.util.regex.Matcher nm = note.matcher(line);
        java.util.regex.Matcher m = mm.matches() ? mm : nm.matches() ? nm : null;
        if (m == null) {
          continue;
        }
        messages += m == mm ? 1 : 0;
        if (m == mm) {
          assertThat(Long.parseLong(mm.group(3))).isLessThan(Long.parseLong(mm.group(2)));
        }
        long at = Long.parseLong(m.group(2));
        Long previous = lastAt.put(m.group(1), at);
        assertThat(previous == null || previous < at).as("%s after L=%s", line, previous).isTrue();
      }
    }
    assertThat(messages).isEqualTo(l.model.messages().size());
  }
}
