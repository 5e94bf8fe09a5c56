package dev.chitchat.logging;

/**
 * The field names of the JSON Lines event logs, one object per clock event. The authoritative
 * description, with types and an example, is {@code docs/log-format.md}.
 */
public final class LogFields {
  /** Wall-clock time of the event, ISO-8601 in UTC with microseconds (written by log4j2). */
  public static final String TIME = "time";
  /** Name of the process whose clock ticked. */
  public static final String PROCESS = "process";
  /** Lamport timestamp after the tick (Lamport ticks, integer). */
  public static final String LAMPORT = "lamport";
  /** {@code send}, {@code receive} or {@code action}. */
  public static final String KIND = "kind";
  /** RPC method: {@code Join}, {@code Publish}, {@code Leave}, {@code Broadcast}. */
  public static final String RPC = "rpc";
  /** {@code request} or {@code response}. */
  public static final String LEG = "leg";
  /** Pairs a send with its receive. */
  public static final String CALL_ID = "callId";
  /** The other process of a send or receive. */
  public static final String PEER = "peer";
  /** For actions: {@code join}, {@code publish}, {@code leave}, {@code deliver}, {@code refuse}, ... */
  public static final String ACTION = "action";
  /** The chat event's sequence number (integer). */
  public static final String SEQ = "seq";
  /** gRPC status code name of a response leg. */
  public static final String STATUS = "status";
  /** For receives: the Lamport timestamp the message carried (integer). */
  public static final String MESSAGE_LAMPORT = "msgLamport";
  /** For a received request: who the receiver authenticated the caller as. */
  public static final String AUTH = "auth";
  /** For a receive refused before merging: the Lamport timestamp the message carried (integer). */
  public static final String REFUSED_LAMPORT = "refusedLamport";
  /** Chat text, announcement or error message. */
  public static final String TEXT = "text";

  private LogFields() {}
}
