package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.replication.AttachCommand;
import dev.chitchat.proto.replication.Command;
import dev.chitchat.proto.replication.JoinCommand;
import dev.chitchat.proto.replication.LeaveCommand;
import dev.chitchat.proto.replication.PublishCommand;
import dev.chitchat.proto.replication.RemoveCommand;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The chat's replicated state machine, command by command: what every replica computes alike. */
class ChatStateTest {

  private final AtomicLong clock = new AtomicLong();
  private final List<String> ticks = new ArrayList<>();
  private int entries;

  /** A stamp like a replica's: one tick per applied command; the event's time is the entry's. */
  private final ChatState.Stamp stamp = (action, seq, textAt) -> {
    long at = clock.incrementAndGet();
    ticks.add(action + (seq == null ? "" : " #" + seq));
    return at;
  };

  private Command.Builder entry(String replica) {
    return Command.newBuilder().setEntryId("e" + ++entries).setProposer(replica).setReplica(replica);
  }

  private ChatState.Applied join(ChatState state, String name, String key, String replica) {
    return state.apply(entry(replica).setJoin(JoinCommand.newBuilder().setName(name)
        .setProcess(name).setSession("token-" + name + "-" + key).setClientKey(key)
        .setMaxParticipants(10)).build(), stamp);
  }

  private ChatState.Applied publish(ChatState state, String session, String id, String text) {
    return state.apply(entry("s1").setPublish(PublishCommand.newBuilder().setSession(session)
        .setMessageId(id).setText(text)).build(), stamp);
  }

  private ChatState.Applied attach(ChatState state, String session, String name, long through) {
    return state.apply(entry("s2").setAttach(AttachCommand.newBuilder().setSession(session)
        .setName(name).setDeliveredThrough(through)).build(), stamp);
  }

  @Test
  void everyCommandTicksOnceAndEventsAreNumberedWithoutGaps() {
    ChatState state = new ChatState();
    String ann = join(state, "Ann", "k1", "s1").session();
    join(state, "Bob", "k2", "s2");
    publish(state, ann, "m1", "hello");
    state.apply(entry("s1").setLeave(LeaveCommand.newBuilder().setSession(ann)).build(), stamp);

    assertThat(ticks).containsExactly("join #1", "join #2", "publish #3", "leave #4");
    assertThat(state.lastSequence()).isEqualTo(4);
    assertThat(state.chatId()).isEqualTo("e1");
    assertThat(state.members()).extracting(m -> m.name).containsExactly("Bob");
  }

  @Test
  void aJoinRetriedWithTheSameSecretIsTheSameMemberAndAnotherSecretIsRefused() {
    ChatState state = new ChatState();
    ChatState.Applied first = join(state, "Ann", "k1", "s1");
    ChatState.Applied retried = join(state, "Ann", "k1", "s3");
    ChatState.Applied other = join(state, "Ann", "k9", "s2");

    assertThat(retried.fresh()).isFalse();
    assertThat(retried.session()).isEqualTo(first.session());
    assertThat(retried.member().replica).isEqualTo("s3");
    assertThat(retried.replay()).containsExactly(first.event());
    assertThat(other.refusal().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(state.lastSequence()).isEqualTo(1);
    assertThat(ticks).containsExactly("join #1", "duplicate #1", "refuse");
  }

  @Test
  void aRetriedMessageIdIsTheFirstEventAgainAndADifferentTextUnderItIsRefused() {
    ChatState state = new ChatState();
    String ann = join(state, "Ann", "k1", "s1").session();
    ChatEvent first = publish(state, ann, "m1", "hello").event();

    ChatState.Applied again = publish(state, ann, "m1", "hello");
    assertThat(again.fresh()).isFalse();
    assertThat(again.event()).isEqualTo(first);
    assertThat(publish(state, ann, "m1", "other").refusal().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(state.lastSequence()).isEqualTo(2);
  }

  @Test
  void aMovingMemberGetsWhatItMissedAndOneAwayTooLongIsToldToJoinAnew() {
    ChatState state = new ChatState(3);
    String ann = join(state, "Ann", "k1", "s1").session();
    String bob = join(state, "Bob", "k2", "s1").session();
    for (int i = 1; i <= 4; i++) {
      publish(state, bob, "b" + i, "message " + i);
    }
    // Events 4, 5 and 6 are retained.
    ChatState.Applied moved = attach(state, ann, "Ann", 3);
    assertThat(moved.replay()).extracting(ChatEvent::getSequence).containsExactly(4L, 5L, 6L);
    assertThat(moved.member().replica).isEqualTo("s2");
    assertThat(moved.member().attachment).isEqualTo(2);

    ChatState.Applied tooLate = attach(state, ann, "Ann", 2);
    assertThat(tooLate.refusal().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(tooLate.refusal().getDescription()).contains("away too long", "event 3");
    assertThat(attach(state, ann, "Bob", 6).refusal().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(attach(state, ann, "Ann", 6).replay()).isEmpty();
  }

  @Test
  void aRemovalForAnEarlierAttachmentIsIgnoredSoEachRemovalIsAnnouncedOnce() {
    ChatState state = new ChatState();
    String ann = join(state, "Ann", "k1", "s1").session();
    attach(state, ann, "Ann", 1); // attachment 2, on s2
    RemoveCommand stale = RemoveCommand.newBuilder().setSession(ann).setReason("connection lost")
        .setAttachment(1).build();
    RemoveCommand current = stale.toBuilder().setAttachment(2).build();

    assertThat(state.apply(entry("s1").setRemove(stale).build(), stamp).event()).isNull();
    ChatState.Applied removed = state.apply(entry("s3").setRemove(current).build(), stamp);
    ChatState.Applied again = state.apply(entry("s2").setRemove(current).build(), stamp);

    assertThat(removed.event().getReason()).isEqualTo("connection lost");
    assertThat(again.event()).isNull();
    assertThat(state.lastSequence()).isEqualTo(2);
    assertThat(state.unauthenticated(ann)).contains("removed", "connection lost");
  }

  @Test
  void aStateRestoredFromItsSnapshotGoesOnExactlyLikeTheOriginal() {
    ChatState original = new ChatState();
    String ann = join(original, "Ann", "k1", "s1").session();
    String bob = join(original, "Bob", "k2", "s2").session();
    publish(original, ann, "m1", "hello");
    original.apply(entry("s1").setRemove(RemoveCommand.newBuilder().setSession(bob)
        .setReason("too slow")).build(), stamp);

    ChatState restored = new ChatState();
    restored.restore(original.snapshot());

    assertThat(restored.snapshot()).isEqualTo(original.snapshot());
    assertThat(publish(restored, ann, "m1", "hello").fresh()).isFalse();
    assertThat(restored.unauthenticated(bob)).contains("too slow");
    assertThat(publish(restored, ann, "m2", "next").event().getSequence())
        .isEqualTo(publish(original, ann, "m2", "next").event().getSequence()).isEqualTo(5);
  }
}
