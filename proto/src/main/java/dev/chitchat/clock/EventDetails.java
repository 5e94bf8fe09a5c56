package dev.chitchat.clock;

import java.util.Objects;

/**
 * What happened at one tick of a {@link LamportClock}, apart from the timestamp itself. An immutable
 * value; the optional fields are {@code null} when they do not apply.
 *
 * @param kind send, receive or action
 * @param rpc the RPC method name ({@code Join}, {@code Publish}, {@code Leave}, {@code Broadcast}), or
 *     {@code null} for an action outside any call
 * @param leg request or response, {@code null} for an action
 * @param callId the id that pairs a send with its receive, or {@code null}
 * @param peer the other process of a send or receive (its name when known, else its address)
 * @param action for an action: {@code join}, {@code publish}, {@code leave}, {@code deliver},
 *     {@code refuse}, ...
 * @param seq the chat event's sequence number, when the tick concerns one
 * @param status for a response leg: the gRPC status code name, e.g. {@code OK}
 * @param text human-readable text: the chat line, the announcement or the error message
 * @param auth for a received request: who the receiver authenticated the caller as (the session
 *     token's participant on the server, {@code server} for a Broadcast with the callback secret),
 *     next to the name it declared in {@code peer}; {@code null} when the call was not
 *     authenticated (a Join, or a refused call)
 */
public record EventDetails(
    EventKind kind,
    String rpc,
    Leg leg,
    String callId,
    String peer,
    String action,
    Long seq,
    String status,
    String text,
    String auth) {

  public EventDetails {
    Objects.requireNonNull(kind, "kind");
  }

  /** Details without an authenticated identity. */
  public EventDetails(EventKind kind, String rpc, Leg leg, String callId, String peer, String action,
      Long seq, String status, String text) {
    this(kind, rpc, leg, callId, peer, action, seq, status, text, null);
  }

  /** A request is about to be sent. */
  public static EventDetails sendRequest(String rpc, String callId, String peer) {
    return new EventDetails(EventKind.SEND, rpc, Leg.REQUEST, callId, peer, null, null, null, null);
  }

  /** A request has arrived. */
  public static EventDetails receiveRequest(String rpc, String callId, String peer) {
    return new EventDetails(EventKind.RECEIVE, rpc, Leg.REQUEST, callId, peer, null, null, null, null);
  }

  /** A response (status {@code OK}) or an error status is about to be sent. */
  public static EventDetails sendResponse(
      String rpc, String callId, String peer, String status, String text) {
    return new EventDetails(EventKind.SEND, rpc, Leg.RESPONSE, callId, peer, null, null, status, text);
  }

  /** A response or an error status has arrived (or the call failed locally). */
  public static EventDetails receiveResponse(
      String rpc, String callId, String peer, String status, String text) {
    return new EventDetails(
        EventKind.RECEIVE, rpc, Leg.RESPONSE, callId, peer, null, null, status, text);
  }

  /** A local action is attempted. */
  public static EventDetails action(String action, String text) {
    return new EventDetails(EventKind.ACTION, null, null, null, null, action, null, null, text);
  }

  /** This event, concerning chat event number {@code seq}. */
  public EventDetails withSeq(long seq) {
    return new EventDetails(kind, rpc, leg, callId, peer, action, seq, status, text, auth);
  }

  /** This event, with the caller authenticated as {@code identity} (may be {@code null}). */
  public EventDetails withAuth(String identity) {
    return new EventDetails(kind, rpc, leg, callId, peer, action, seq, status, text, identity);
  }

  /** This event, labelled {@code label} as its text (e.g. {@code probe}). */
  public EventDetails withText(String label) {
    return new EventDetails(kind, rpc, leg, callId, peer, action, seq, status, label, auth);
  }

  /** This event, attributed to the call {@code callId} of method {@code rpc} from {@code peer}. */
  public EventDetails inCall(String rpc, String callId, String peer) {
    return new EventDetails(kind, rpc, leg, callId, peer, action, seq, status, text, auth);
  }
}
