package dev.chitchat.rpc;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Optional;

/**
 * Carries the Lamport clock on every outgoing call (the client half of the clock rules; the server
 * half is {@link ClockServerInterceptor}).
 *
 * <ul>
 *   <li>When the call starts, the request is sent: {@code L := L + 1}, and {@code L} travels in the
 *       {@code lamport-time} header together with a new {@code call-id}.
 *   <li>When the call closes, with a response or with an error status (the server's, or a local one
 *       such as {@code DEADLINE_EXCEEDED} or {@code UNAVAILABLE}): {@code L := max(L, Lresponse) + 1},
 *       where {@code Lresponse} is the {@code lamport-time} trailer (or {@code L + 1} when the
 *       response carried none). This happens before the application sees the result.
 * </ul>
 *
 * <p>Thread-safe; one instance may serve any number of channels and calls.
 */
public final class ClockClientInterceptor implements ClientInterceptor {

  private final LamportClock clock;
  private final String peer;

  /**
   * @param clock this process's clock; its {@link dev.chitchat.clock.MergeBound} decides whether a
   *     response's time is merged (one beyond it is logged as refused, and the call's result is
   *     still delivered); a missing or malformed one is ticked as a receive that carried no time
   * @param peer the name of the process at the other end, for the logs, or {@code null} to use the
   *     channel's authority until the response names the peer
   */
  public ClockClientInterceptor(LamportClock clock, String peer) {
    this.clock = clock;
    this.peer = peer;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    String rpc = method.getBareMethodName();
    String target = peer != null ? peer : next.authority();
    String label = callOptions.getOption(CallMetadata.LABEL_OPTION);
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        String callId = CallMetadata.newCallId();
        EventDetails sent = EventDetails.sendRequest(rpc, callId, target);
        if (label != null) {
          headers.put(CallMetadata.LABEL, label);
          sent = sent.withText(label);
        }
        long sentAt = clock.tick(sent);
        headers.put(CallMetadata.LAMPORT_TIME, Long.toString(sentAt));
        headers.put(CallMetadata.CALL_ID, callId);
        headers.put(CallMetadata.PROCESS, clock.process());
        super.start(new ResponseListener<>(responseListener, rpc, callId, target), headers);
      }
    };
  }

  private final class ResponseListener<RespT> extends SimpleForwardingClientCallListener<RespT> {
    private final String rpc;
    private final String callId;
    private final String target;

    ResponseListener(ClientCall.Listener<RespT> delegate, String rpc, String callId, String target) {
      super(delegate);
      this.rpc = rpc;
      this.callId = callId;
      this.target = target;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      String from = Optional.ofNullable(trailers.get(CallMetadata.PROCESS)).orElse(target);
      EventDetails details =
          EventDetails.receiveResponse(
              rpc, callId, from, status.getCode().name(), status.getDescription());
      Optional<Long> responseTime = CallMetadata.parseLamport(trailers.get(CallMetadata.LAMPORT_TIME));
      if (responseTime.isPresent()) {
        clock.tryReceive(responseTime.get(), details);
      } else {
        clock.receiveWithoutTime(details);
      }
      super.onClose(status, trailers);
    }
  }
}
