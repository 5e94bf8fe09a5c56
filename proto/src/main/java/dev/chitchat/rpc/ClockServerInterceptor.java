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
 *       {@code Lrequest} is the {@code lamport-time} header.
 *   <li>When the call closes, with a response or with any error status, the response is sent: {@code
 *       L := L + 1}, and {@code L} travels in the {@code lamport-time} trailer.
 * </ul>
 *
 * <p>A request whose {@code lamport-time} header is missing, malformed, or above the receiver's
 * limit ({@link CallMetadata#SERVER_ACCEPTED_TIME} or {@link
 * CallMetadata#PARTICIPANT_ACCEPTED_TIME}) is still received (ticked as a receive that carried no time) and is then
 * closed with {@code INVALID_ARGUMENT}. The handler finds the call id, the peer and its address, and
 * any bearer credential in the {@link Context} (see {@link CallMetadata}).
 *
 * <p>Install it as the outermost interceptor, so that refusals by other interceptors tick too.
 * Thread-safe.
 */
public final class ClockServerInterceptor implements ServerInterceptor {

  private final LamportClock clock;
  private final long maxAccepted;

  /**
   * @param clock this process's clock
   * @param maxAccepted the largest {@code lamport-time} accepted, in Lamport ticks
   */
  public ClockServerInterceptor(LamportClock clock, long maxAccepted) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxAccepted = maxAccepted;
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
    String peer =
        Optional.ofNullable(headers.get(CallMetadata.PROCESS))
            .filter(name -> !name.isBlank() && name.length() <= 64)
            .orElse(String.valueOf(remote));
    String rawTime = headers.get(CallMetadata.LAMPORT_TIME);
    Optional<Long> requestTime = CallMetadata.parseLamport(rawTime, maxAccepted);
    EventDetails received = EventDetails.receiveRequest(rpc, callId, peer);
    String label = headers.get(CallMetadata.LABEL);
    if (label != null && label.length() <= 32) {
      received = new EventDetails(
          received.kind(), rpc, received.leg(), callId, peer, null, null, null, label);
    }
    if (requestTime.isPresent()) {
      clock.receive(requestTime.get(), received);
    } else {
      clock.receiveWithoutTime(received);
    }

    ServerCall<ReqT, RespT> ticking = new TickingServerCall<>(call, rpc, callId, peer);
    if (requestTime.isEmpty()) {
      String why =
          rawTime == null
              ? "Missing lamport-time header: every Chitty-Chat call carries the caller's Lamport time."
              : "Invalid lamport-time header \"" + abbreviate(rawTime) + "\": expected a decimal number"
                  + " from 0 to " + maxAccepted + ".";
      ticking.close(Status.INVALID_ARGUMENT.withDescription(why), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    // One Context for the four values, not four nested ones: this runs for every call.
    Context context =
        Context.current()
            .withValues(
                CallMetadata.CALL_ID_CONTEXT, callId,
                CallMetadata.PEER_CONTEXT, peer,
                CallMetadata.REMOTE_ADDRESS_CONTEXT, remote,
                CallMetadata.BEARER_CONTEXT, CallMetadata.bearerOf(headers).orElse(null));
    return Contexts.interceptCall(context, ticking, headers, next);
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
