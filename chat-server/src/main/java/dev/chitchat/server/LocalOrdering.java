package dev.chitchat.server;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.replication.Command;
import java.util.concurrent.CompletableFuture;

/**
 * The order of a server without peers and without a data directory: commands are applied at once,
 * in the order they arrive, and nothing outlives the process. Each applied command is one action
 * tick of the server's clock, logged with its sequence number (Lamport 1978). Thread-safe: the
 * room applies under its lock.
 */
final class LocalOrdering implements Ordering {

  private final ChatRoom room;
  private final LamportClock clock;

  LocalOrdering(ChatRoom room, LamportClock clock) {
    this.room = room;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<ChatState.Applied> submit(Command.Builder command, CallInfo call,
      String text) {
    command.setProposer(clock.process()).setReplica(clock.process());
    ChatState.Applied applied = room.apply(command.build(), (action, seq, textAt) ->
        clock.tick(l -> {
          EventDetails details = EventDetails.action(action, textAt.apply(l));
          details = seq == null ? details : details.withSeq(seq);
          return call == null ? details : details.inCall(call.rpc(), call.callId(), call.peer());
        }));
    return CompletableFuture.completedFuture(applied);
  }

  @Override
  public boolean endsChatOnStop() {
    return true;
  }
}
