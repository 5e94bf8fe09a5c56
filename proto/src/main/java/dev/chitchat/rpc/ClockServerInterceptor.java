package dev.chitchat.rpc;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * Carries the Lamport clock on every incoming call (the server half of the clock rules; the client
 * half is {@link ClockClientInterceptor}).
 *
 * <ul>
 *   <li>When a call arrives, the request is received: {@code L := max(L, Lrequest) + 1}, where
 *       {@code Lrequest} is the {@code lamport-time} header, if the caller may move the clock (see
 *       below).
 *   <li>When the call closes, with a response or with any error status, the response is sent: {@code
 *       L := L + 1}, and {@code L} travels in the {@code lamport-time} trailer.
 * </ul>
 *
 * <p>Before merging, the interceptor asks the process's {@link CallAuthenticator}. A call it
 * refuses (e.g. a Publish without a valid session token) is received without merging: {@code L :=
 * L + 1}, the carried time logged as {@code refusedLamport}, then a {@code refuse} action, and the
 * call is closed with the authenticator's status. A timestamp beyond the clock's {@link
 * dev.chitchat.clock.MergeBound} is likewise not merged, and the call is closed with {@code
 * OUT_OF_RANGE}. A {@code lamport-time} header that is missing or not a decimal number below
 * {@link LamportClock#MAX_TIME} is received without a time and closed with {@code
 * INVALID_ARGUMENT}. The handler finds the call id, the peer (the authenticated identity when there
 * is one, else the declared name), the peer's address and any bearer credential in the {@link
 * Context} (see {@link CallMetadata}).
 *
 * <p>Install it as the outermost interceptor, so that refusals by other interceptors tick too.
 * Thread-safe.
 */
public final class ClockServerInterceptor implements ServerInterceptor {

  private final LamportClock clock;
  private final CallAuthenticator authenticator;

  /**
   * @param clock this process's clock, whose {@link dev.chitchat.clock.MergeBound} applies to
   *     every request
   * @param authenticator decides which callers may move the clock
   */
  public ClockServerInterceptor(LamportClock clock, CallAuthenticator authenticator) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String rpc = call.getMethodDescriptor().getBareMethodName();
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String callId =
        Optional.ofNullable(headers.get(CallMetadata.CALL_ID))
            .filter(id -> !id.isBlank() && id.length() <= 64)
            .orElseGet(CallMetadata::newCallId);
    String declared =
        Optional.ofNullable(headers.get(CallMetadata.PROCESS))
            .filter(name -> !name.isBlank() && name.length() <= 64)
            .orElse(String.valueOf(remote));
    String rawTime = headers.get(CallMetadata.LAMPORT_TIME);
    Optional<Long> requestTime = CallMetadata.parseLamport(rawTime);
    EventDetails received = EventDetails.receiveRequest(rpc, callId, declared);
    String label = headers.get(CallMetadata.LABEL);
    if (label != null && label.length() <= 32) {
      received = received.withText(label);
    }

    if (requestTime.isEmpty()) {
      clock.receiveWithoutTime(received);
      String why =
          rawTime == null
              ? "Missing lamport-time header: every Chitty-Chat call carries the caller's Lamport time."
              : "Invalid lamport-time header \"" + abbreviate(rawTime) + "\": expected a decimal number"
                  + " from 0 to " + (LamportClock.MAX_TIME - 1) + ".";
      return refuse(call, rpc, callId, declared, null, Status.INVALID_ARGUMENT.withDescription(why));
    }
    long time = requestTime.get();
    CallAuthenticator.Verdict verdict = authenticator.authenticate(rpc, headers, remote);
    if (verdict.isRefused()) {
      clock.refuseMerge(time, received);
      return refuse(call, rpc, callId, declared, verdict.refusal().getDescription(), verdict.refusal());
    }
    String identity = verdict.identity();
    String peer = identity != null ? identity : declared;
    if (clock.tryReceive(time, received.withAuth(identity)).isEmpty()) {
      String why =
          "Lamport time " + time + " is too far ahead of " + clock.process() + "'s clock: it merges a"
              + " time at most " + clock.bound().step() + " ticks ahead of its own, or at most "
              + clock.ceiling() + ".";
      return refuse(call, rpc, callId, peer, why, Status.OUT_OF_RANGE.withDescription(why));
    }
    // One Context for the values, not nested ones: this runs for every call.
    Context context =
        Context.current()
            .withValues(
                CallMetadata.CALL_ID_CONTEXT, callId,
                CallMetadata.PEER_CONTEXT, peer,
                CallMetadata.REMOTE_ADDRESS_CONTEXT, remote,
                CallMetadata.BEARER_CONTEXT, CallMetadata.bearerOf(headers).orElse(null));
    return Contexts.interceptCall(
        context, new TickingServerCall<>(call, rpc, callId, peer), headers, next);
  }

  /**
   * Closes a call that never reaches the service: ticks a {@code refuse} action when {@code reason}
   * is given (as the service does for the refusals it makes), then the response.
   */
  private <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
      ServerCall<ReqT, RespT> call, String rpc, String callId, String peer, String reason,
      Status status) {
    if (reason != null) {
      clock.tick(EventDetails.action("refuse", reason).inCall(rpc, callId, peer));
    }
    new TickingServerCall<>(call, rpc, callId, peer).close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private static String abbreviate(String value) {
    return value.length() <= 24 ? value : value.substring(0, 24) + "...";
  }

  private final class TickingServerCall<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
    private final String rpc;
    private final String callId;
    private final String peer;

    TickingServerCall(ServerCall<ReqT, RespT> delegate, String rpc, String callId, String peer) {
      super(delegate);
      this.rpc = rpc;
      this.callId = callId;
      this.peer = peer;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      long sentAt =
          clock.tick(
              EventDetails.sendResponse(
                  rpc, callId, peer, status.getCode().name(), status.getDescription()));
      trailers.put(CallMetadata.LAMPORT_TIME, Long.toString(sentAt));
      trailers.put(CallMetadata.PROCESS, clock.process());
      super.close(status, trailers);
    }
  }
}
