package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.chitchat.logging.LoggedEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicated chat's logs (docs/cluster.md), written by {@link ClusterRunBuilder}: the multicast
 * of Replicate entries, a replica's restart as a new incarnation in the same file, check 3 across a
 * participant's failover, Raft order against Lamport order, and the picture.
 */
class ClusterTest {

  @TempDir Path dir;

  private RunModel model(ClusterRunBuilder run) throws Exception {
    return RunModel.read(run.write(dir));
  }

  private static int indexOf(List<String> lines, String... parts) {
    for (int i = 0; i < lines.size(); i++) {
      boolean all = true;
      for (String p : parts) {
        all &= lines.get(i).contains(p);
      }
      if (all) {
        return i;
      }
    }
    throw new AssertionError("no line with " + List.of(parts));
  }

  @Test
  void aClusterRunWithALeaderChangeAFailoverAndARestartPassesEveryCheck() throws Exception {
    RunModel m = model(ClusterRunBuilder.demo());
    CheckReport report = ClockChecker.check(m);

    assertThat(report.violations()).isEmpty();
    assertThat(report.notes()).isEmpty();
    // 3 joins, 7 publishes, 1 leave: each once, although every replica applied it (s1 twice).
    assertThat(report.chatEvents()).isEqualTo(11);
    // Replicas first (a restarted one right below itself), then participants in join order.
    assertThat(m.processes()).containsExactly("s1", "s1-2", "s2", "s3", "Ann", "Bob", "Cid");
    assertThat(m.replicas()).containsEntry("s1-2", "s1").containsEntry("s2", "s2");
    assertThat(m.servers()).containsExactlyInAnyOrder("s1", "s1-2", "s2", "s3");
  }

  @Test
  void aPublishRetriedUnderItsMessageIdIsADuplicateOfItsSeqNotASecondEvent() throws Exception {
    ClusterRunBuilder run = new ClusterRunBuilder("s1", "s2", "s3").leader("s1", 1)
        .join("Ann", "s1").join("Bob", "s2").publish("Ann", "hello")
        .retryLastPublish("Ann", "hello").publish("Bob", "hi");
    CheckReport report = ClockChecker.check(model(run));

    assertThat(report.violations()).isEmpty();
    assertThat(report.chatEvents()).isEqualTo(4);
  }

  @Test
  void aReplicateSendIsPairedWithOneReceivePerReplicaAndItsProposersOwnReceiveIsNoMessage() throws Exception {
    RunModel m = model(ClusterRunBuilder.demo());
    int send = -1;
    for (int i = 0; i < m.eventCount(); i++) {
      if (RunModel.isMulticast(m.event(i)) && "join".equals(m.event(i).action())) {
        send = i;
        break;
      }
    }
    int[] receives = m.receivers(send);
    List<String> at = new ArrayList<>();
    for (int r : receives) {
      at.add(m.processes().get(m.processOf(r)));
      assertThat(m.partner(r)).isEqualTo(send);
      assertThat(m.happensBefore(send, r)).isTrue();
    }
    // Ann's join, proposed by s1: applied by s1 itself, s2, s3, and again by s1 after its restart.
    assertThat(at).containsExactlyInAnyOrder("s1", "s2", "s3", "s1-2");
    assertThat(m.isOwnReceive(receives[0])).isTrue();
    int finalSend = send;
    assertThat(m.messages()).filteredOn(msg -> msg.send() == finalSend).hasSize(3);
  }

  @Test
  void aRestartedReplicaIsANewIncarnationThatAppliesTheEntriesAgain() throws Exception {
    ClusterRunBuilder run = ClusterRunBuilder.demo();
    RunModel m = model(run);
    int s12 = m.processIndex("s1-2");
    LoggedEvent first = m.event(m.firstEventOf(s12));

    // The same file, after the first incarnation's lines; a clock from 0 merging the entry's time.
    assertThat(first.file().getFileName()).hasToString("s1.jsonl");
    assertThat(first.line()).isGreaterThan(m.endOf(m.processIndex("s1")) - m.firstEventOf(m.processIndex("s1")));
    assertThat(first.lamport()).isEqualTo(first.messageLamport() + 1);
    assertThat(first.rpc()).isEqualTo(RunModel.REPLICATE);
    // The replay of an entry that s1 had applied: not drawn as an arrow across the run.
    Layout l = Diagrams.layout(m, ClockChecker.check(m), "t", DiagramOptions.defaults());
    assertThat(l.replay(m.firstEventOf(s12))).isTrue();
    assertThat(l.arrows).noneMatch(a -> a.receive() == m.firstEventOf(s12) && !a.stub());
    assertThat(l.arrows).anyMatch(a -> a.stub() && a.toRow() == 1 && a.rpc().equals("Replicate"));
    assertThat(l.links).anyMatch(k -> k.label() == null || k.label().text().equals("restarted as s1-2"));
  }

  @Test
  void check3HoldsAcrossTheFailoverAndDeliveriesComeFromBothReplicas() throws Exception {
    RunModel m = model(ClusterRunBuilder.demo());
    int ann = m.processIndex("Ann");
    List<String> from = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    for (int i = m.firstEventOf(ann); i < m.endOf(ann); i++) {
      if (m.event(i).isAction("deliver")) {
        from.add(m.event(i).peer());
        seqs.add(m.event(i).seq());
      }
    }
    assertThat(from).contains("s1", "s2");
    assertThat(seqs).isSorted().doesNotHaveDuplicates().hasSize(11);
    assertThat(ClockChecker.check(m).count(Check.DELIVERY)).isZero();
  }

  @Test
  void raftOrderAndLamportOrderOfConcurrentProposalsDifferWithoutAViolation() throws Exception {
    RunModel m = model(ClusterRunBuilder.demo());
    // The Lamport time of each chat event (its Replicate send), by seq.
    List<long[]> bySeq = new ArrayList<>();
    for (int i = 0; i < m.eventCount(); i++) {
      if (RunModel.isMulticast(m.event(i)) && m.receivers(i).length > 0 && m.event(m.receivers(i)[0]).seq() != null) {
        bySeq.add(new long[] {m.event(m.receivers(i)[0]).seq(), m.event(i).lamport(), i});
      }
    }
    bySeq.sort(Comparator.comparingLong(a -> a[0]));
    boolean inverted = false;
    for (int k = 1; k < bySeq.size(); k++) {
      if (bySeq.get(k)[1] < bySeq.get(k - 1)[1]) {
        inverted = true;
        // The two proposals are concurrent: Raft's order is consistent with happens-before only.
        assertThat(m.concurrent((int) bySeq.get(k)[2], (int) bySeq.get(k - 1)[2])).isTrue();
      }
    }
    assertThat(inverted).as("a later seq with a smaller Lamport time").isTrue();
    assertThat(ClockChecker.check(m).consistent()).isTrue();
  }

  @Test
  void aReplicateReceiveNotAfterItsSendIsAViolation() throws Exception {
    ClusterRunBuilder run = ClusterRunBuilder.demo();
    List<String> s3 = run.lines("s3");
    int k = indexOf(s3, "\"kind\":\"receive\"", "\"rpc\":\"Replicate\"", "\"action\":\"publish\"");
    JsonObject o = JsonParser.parseString(s3.get(k)).getAsJsonObject();
    long carried = o.get("msgLamport").getAsLong();
    // Every later line of s3 keeps its time; this one now claims to be at the send's time.
    o.addProperty("lamport", carried);
    s3.set(k, o.toString());

    CheckReport report = ClockChecker.check(RunModel.read(run.write(dir)));

    assertThat(report.violations())
        .filteredOn(f -> f.check() == Check.MESSAGES)
        .extracting(Finding::toString)
        .anySatisfy(t -> assertThat(t).startsWith("s3.jsonl:" + (k + 1) + ": [check 2] receive at L=" + carried
            + " is not after its send at L=" + carried));
  }

  @Test
  void aMemberThatMissedAnEventAfterItsFailoverIsReported() throws Exception {
    // s2 resumes Ann after the wrong event: #6 ("s1 is gone", which s1 never sent her) is skipped.
    ClusterRunBuilder run = new ClusterRunBuilder("s1", "s2", "s3")
        .join("Ann", "s1").join("Bob", "s2").publish("Ann", "one")
        .kill("s1").publish("Bob", "s1 is gone").failover("Ann", "s2", 1)
        .publish("Bob", "after the failover");

    CheckReport report = ClockChecker.check(model(run));

    assertThat(report.violations()).extracting(Finding::toString).singleElement().satisfies(t ->
        assertThat(t).contains("[check 3] Ann was a member but never delivered #4 (publish: s1 is gone)"));
  }

  @Test
  void aMulticastThatAReplicaNeverAppliedIsANote() throws Exception {
    ClusterRunBuilder run = new ClusterRunBuilder("s1", "s2", "s3")
        .join("Ann", "s1").kill("s3").publish("Ann", "s3 is down").leave("Ann");

    CheckReport report = ClockChecker.check(model(run));

    assertThat(report.violations()).isEmpty();
    assertThat(report.notes()).extracting(Finding::toString)
        .anyMatch(t -> t.contains("[check 4] Replicate publish #2 was applied by s1, s2 but not by s3"))
        .anyMatch(t -> t.contains("Replicate leave #3 was applied by s1, s2 but not by s3"));
  }

  @Test
  void aReplicateReceiveWhoseProposerWasKilledBeforeLoggingItIsANote() throws Exception {
    ClusterRunBuilder run = new ClusterRunBuilder("s1", "s2", "s3")
        .join("Ann", "s1").join("Bob", "s2").publishAndKillProposer("Ann", "lost line")
        .failover("Ann", "s2").publish("Bob", "got it");

    CheckReport report = ClockChecker.check(model(run));

    assertThat(report.violations()).isEmpty();
    assertThat(report.notes()).extracting(Finding::message)
        .anyMatch(t -> t.startsWith("receive of Replicate publish #3 from s1") && t.contains("has no send"));
    assertThat(report.count(Check.DELIVERY)).isZero();
  }

  @Test
  void aRunWithoutReplicasHasNoReplicasAndIsCheckedAsBefore() throws Exception {
    // Without Replicate events nothing changes: the server is one chat, no log is cut.
    RunModel m = RunModel.read(RunBuilder.demo().write(dir));
    assertThat(m.replicas()).isEmpty();
    assertThat(m.processes()).containsExactly("server", "Alex", "Bob", "Carl");
    assertThat(ClockChecker.check(m).consistent()).isTrue();
  }

  @Test
  void thePictureGroupsTheReplicasMarksTheLeaderAndTheFailoverAndDrawsReplicateLight() throws Exception {
    RunModel m = model(ClusterRunBuilder.demo());
    Layout l = Diagrams.layout(m, ClockChecker.check(m), "t", DiagramOptions.defaults());

    assertThat(l.rows).extracting(Layout.Row::name).startsWith(
        "s1 (replica)", "s1-2 (replica, restarted)", "s2 (replica)", "s3 (replica)");
    assertThat(l.nodes).filteredOn(n -> n.shape() == Layout.Shape.LEADER)
        .extracting(n -> n.text().text()).containsExactly("leader (term 1)", "leader (term 2)");
    assertThat(l.nodes).filteredOn(n -> n.shape() == Layout.Shape.FAILOVER)
        .extracting(n -> n.text().text()).containsExactly("failover \u2192 s2");
    // One arrow per other replica, none to the proposer itself, all forward.
    List<Layout.Arrow> replicate = l.arrows.stream().filter(a -> a.rpc().equals("Replicate")).toList();
    assertThat(replicate).isNotEmpty().allMatch(a -> a.fromRow() != a.toRow() && a.x2() > a.x1());
    // No label overlaps another.
    List<Box> boxes = new ArrayList<>(l.boxes());
    boxes.sort(Comparator.comparingDouble(Box::x1));
    for (int a = 0; a < boxes.size(); a++) {
      for (int b = a + 1; b < boxes.size() && boxes.get(b).x1() < boxes.get(a).x2(); b++) {
        assertThat(boxes.get(a).overlaps(boxes.get(b))).as("%s overlaps %s", boxes.get(a), boxes.get(b)).isFalse();
      }
    }
  }

  @Test
  void everyOutputIsWrittenAndShiVizAndMermaidWriteOneMessagePerReceiver() throws Exception {
    Path run = ClusterRunBuilder.demo().write(dir.resolve("run"));
    DiagramResult r = Diagrams.render(List.of(run), dir.resolve("out"), DiagramOptions.defaults());

    assertThat(r.report().consistent()).isTrue();
    for (Path p : List.of(r.svg(), r.shiviz())) {
      assertThat(p).isNotEmptyFile();
    }
    assertThat(r.pngPages()).isNotEmpty();
    String html = Files.readString(r.html(), StandardCharsets.UTF_8);
    assertThat(html).contains("id=\"replicate\"", "s1-2 (replica, restarted)");
    String svg = Files.readString(r.svg(), StandardCharsets.UTF_8);
    assertThat(svg).contains("class='msg request replicate'");
    String mmd = String.join("\n", r.mermaidParts().stream().map(p -> {
      try {
        return Files.readString(p, StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).toList());
    assertThat(mmd).contains("Replicate request L=", "applies its own Replicate request join");
    String shiviz = Files.readString(r.shiviz(), StandardCharsets.UTF_8);
    assertThat(shiviz).contains("\ns1-2 {", "receive Replicate request from s1");
  }
}
