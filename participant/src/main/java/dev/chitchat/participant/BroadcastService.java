package dev.chitchat.participant;

import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ParticipantGrpc;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.CallMetadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A participant's {@code Participant} gRPC service: accepts Broadcasts only from the server it
 * joined, recognised by the callback secret it sent in Join, and hands the events to {@link
 * Deliveries}. Thread-safe.
 *
 * <p>Statuses: {@code UNAUTHENTICATED} without the right {@code authorization: Bearer <secret>};
 * {@code INVALID_ARGUMENT} when the batch is not in increasing sequence order.
 */
public final class BroadcastService extends ParticipantGrpc.ParticipantImplBase {

  private final byte[] secret;
  private final Deliveries deliveries;
  private final LamportClock clock;
  private final java.util.function.Consumer<String> contact;

  /**
   * @param secret the callback secret sent in Join
   * @param deliveries where the events go
   * @param clock the participant's clock: a refused Broadcast ticks it once, as a {@code refuse}
   *     action
   * @param contact called with the server id of every Broadcast from the server, probes included:
   *     the server is alive; on the handler's thread, so it must be quick
   */
  public BroadcastService(String secret, Deliveries deliveries, LamportClock clock,
      java.util.function.Consumer<String> contact) {
    this.secret = secret.getBytes(StandardCharsets.US_ASCII);
    this.deliveries = deliveries;
    this.clock = clock;
    this.contact = contact;
  }

  private static final String NOT_THE_SERVER =
      "Broadcast refused: only the chat server this participant joined may call it.";

  /**
   * The gate in front of the participant's clock: a Broadcast that does not present the callback
   * secret is refused with {@code UNAUTHENTICATED} before its Lamport time is merged; one that does
   * comes from the chat server this participant joined (the secret was sent to it alone), which is
   * then authenticated under the process name it declares ({@code server}, or {@code server-2}
   * after a restart), or {@code server} if it declares none. Install it in the participant's {@link
   * dev.chitchat.rpc.ClockServerInterceptor}. Thread-safe.
   */
  public CallAuthenticator authenticator() {
    return (rpc, headers, remote) ->
        CallMetadata.bearerOf(headers).filter(this::isSecret).isPresent()
            ? CallAuthenticator.Verdict.authenticated(
                java.util.Optional.ofNullable(headers.get(CallMetadata.PROCESS))
                    .filter(name -> !name.isBlank() && name.length() <= 64)
                    .orElse("server"))
            : CallAuthenticator.Verdict.refused(Status.UNAUTHENTICATED.withDescription(NOT_THE_SERVER));
  }

  private boolean isSecret(String presented) {
    return MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void broadcast(BroadcastRequest request, StreamObserver<BroadcastResponse> responses) {
    // The authenticator refused every other caller before its time was merged; this guards a
    // service wired without it.
    String presented = CallMetadata.BEARER_CONTEXT.get();
    if (presented == null || !isSecret(presented)) {
      refuse(responses, Status.UNAUTHENTICATED, NOT_THE_SERVER);
      return;
    }
    long previous = 0;
    for (ChatEvent event : request.getEventsList()) {
      if (event.getSequence() <= previous) {
        refuse(responses, Status.INVALID_ARGUMENT,
            "Broadcast events must be in increasing sequence order.");
        return;
      }
      previous = event.getSequence();
    }
    contact.accept(request.getServerId());
    long through =
        deliveries.deliver(
            request.getServerId(),
            request.getEventsList(),
            "Broadcast",
            CallMetadata.CALL_ID_CONTEXT.get(),
            CallMetadata.PEER_CONTEXT.get());
    responses.onNext(BroadcastResponse.newBuilder().setDeliveredThrough(through).build());
    responses.onCompleted();
  }

  private void refuse(StreamObserver<BroadcastResponse> responses, Status status, String reason) {
    clock.tick(
        EventDetails.action("refuse", reason)
            .inCall("Broadcast", CallMetadata.CALL_ID_CONTEXT.get(), CallMetadata.PEER_CONTEXT.get()));
    responses.onError(status.withDescription(reason).asRuntimeException());
  }
}
