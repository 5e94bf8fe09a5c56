package dev.chitchat.server;

import dev.chitchat.proto.replication.Command;
import java.util.concurrent.CompletableFuture;

/**
 * Gives each accepted action its place in the chat's total order and applies it, through {@link
 * ChatRoom#apply}, on every process that holds the chat. Two kinds: {@link LocalOrdering} (a server
 * without peers or data directory: the order of one lock) and {@link RaftOrdering} (replicas of a
 * Raft group: the order in which Raft commits). Thread-safe.
 */
interface Ordering {

  /**
   * Orders {@code command} and completes, once this process has applied it, with what applying it
   * did here. Fills in the command's proposer and Lamport time.
   *
   * @param call the call the command serves, or {@code null} for the process's own action
   * @param text what the command does, for the log (a chat line, "Ann joins", ...)
   * @return completes exceptionally with a {@link io.grpc.StatusException} ({@code UNAVAILABLE})
   *     when the command could not be ordered in time; it may still be ordered later
   */
  CompletableFuture<ChatState.Applied> submit(Command.Builder command, CallInfo call, String text);

  /** Whether stopping this process ends the chat (a SERVER_STOPPING event) or only leaves it. */
  boolean endsChatOnStop();
}
