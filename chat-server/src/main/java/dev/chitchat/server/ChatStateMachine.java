package dev.chitchat.server;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.EventKind;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.clock.Leg;
import dev.chitchat.proto.replication.ChatSnapshot;
import dev.chitchat.proto.replication.Command;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The chat as Apache Ratis's replicated state machine: applies each committed {@link Command} to
 * the {@link ChatRoom} in commit order, and saves and loads the chat's state as snapshots so the
 * Raft log does not grow without bound.
 *
 * <p>Applying an entry is a receive of the proposer's Replicate send (Lamport 1978: L := max(L,
 * L_entry) + 1), logged with the entry's id as call id, so the diagram draws an arrow from the
 * proposing replica to every replica. The chat event the entry creates carries the proposer's
 * L_entry, the same on every replica.
 *
 * <p>Threading: Ratis applies entries one at a time on its state machine updater thread; snapshots
 * are taken on that thread too. {@link #awaitApplied} may be called from any thread.
 */
final class ChatStateMachine extends BaseStateMachine {

  private static final Logger LOG = LogManager.getLogger(ChatStateMachine.class);

  private final ChatRoom room;
  private final LamportClock clock;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  /** Proposals of this replica waiting for their local apply, by entry id. */
  private final Map<String, CompletableFuture<ChatState.Applied>> waiting = new ConcurrentHashMap<>();
  private volatile RaftServer server;

  ChatStateMachine(ChatRoom room, LamportClock clock) {
    this.room = room;
    this.clock = clock;
  }

  /**
   * A future completed when this replica applies entry {@code entryId}; register it before
   * proposing.
   */
  CompletableFuture<ChatState.Applied> awaitApplied(String entryId) {
    return waiting.computeIfAbsent(entryId, id -> new CompletableFuture<>());
  }

  /** Stops waiting for entry {@code entryId} (its proposal failed or timed out). */
  void forget(String entryId) {
    waiting.remove(entryId);
  }

  @Override
  public void initialize(RaftServer raftServer, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(raftServer, groupId, raftStorage);
      this.server = raftServer;
      storage.init(raftStorage);
      load();
    });
  }

  /**
   * Stops applying while Ratis installs the leader's snapshot (a replica too far behind to catch up
   * from the log, which was purged up to the snapshot); {@link #reinitialize} resumes.
   */
  @Override
  public void pause() {
    getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSING);
    getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSED);
  }

  /** Loads the snapshot the leader installed and resumes applying. */
  @Override
  public void reinitialize() throws IOException {
    load();
    if (getLifeCycleState() == org.apache.ratis.util.LifeCycle.State.PAUSED) {
      getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
      getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
    }
  }

  /** Loads the latest snapshot into the room, if there is one. */
  private void load() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    Path path = snapshot.getFile().getPath();
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(path.toFile(), snapshot.getFile().getFileDigest());
    }
    ChatSnapshot chat;
    try (InputStream in = Files.newInputStream(path)) {
      chat = ChatSnapshot.parseFrom(in);
    }
    if (chat.getChatId().isEmpty() && snapshot.getIndex() > 0) {
      // Every entry sets the chat id: a snapshot after entries without one is not ours, or empty.
      // Loading it would silently make this replica diverge from the others.
      throw new IOException("The snapshot " + path + " at Raft index " + snapshot.getIndex()
          + " holds no chat (" + Files.size(path) + " bytes): not loading it");
    }
    room.restore(chat);
    updateLastAppliedTermIndex(snapshot.getTermIndex());
    LOG.info("Loaded the chat's snapshot at Raft index {}", snapshot.getIndex());
  }

  @Override
  public long takeSnapshot() {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    java.io.File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    try (OutputStream out = Files.newOutputStream(file.toPath())) {
      room.snapshot().writeTo(out);
    } catch (IOException e) {
      LOG.warn("Could not write the snapshot {}: {}", file, e.getMessage());
      return -1;
    }
    var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
        new org.apache.ratis.server.storage.FileInfo(file.toPath(), md5), last));
    return last.getIndex();
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    Command command;
    try {
      command = Command.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      LOG.error("Skipping an unreadable Raft entry at index {}: {}", entry.getIndex(), e.getMessage());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    ChatState.Applied applied = room.apply(command, (action, seq, textAt) -> {
      clock.receive(command.getLamportTime(), new EventDetails(EventKind.RECEIVE, "Replicate",
          Leg.REQUEST, command.getEntryId(), command.getProposer(), action, seq, null,
          textAt.apply(command.getLamportTime())));
      return command.getLamportTime();
    });
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    CompletableFuture<ChatState.Applied> proposer = waiting.remove(command.getEntryId());
    if (proposer != null) {
      proposer.complete(applied);
    }
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    if (!groupMemberId.getPeerId().equals(newLeaderId)) {
      return;
    }
    long term = -1;
    try {
      term = server.getDivision(groupMemberId.getGroupId()).getInfo().getCurrentTerm();
    } catch (IOException | RuntimeException e) {
      LOG.debug("No term for the new leader: {}", e.getMessage());
    }
    long t = term;
    String replica = newLeaderId.toString();
    clock.tick(EventDetails.action("leader", replica + " leads term " + t));
    LOG.info("Replica {} is the leader (term {})", replica, t);
  }
}
