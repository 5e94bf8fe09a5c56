package dev.chitchat.participant;

import dev.chitchat.proto.BroadcastRequest;
import dev.chitchat.proto.BroadcastResponse;
import dev.chitchat.proto.ChatEvent;
import dev.chitchat.proto.ParticipantGrpc;
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

  /**
   * @param secret the callback secret sent in Join
   * @param deliveries where the events go
   */
  public BroadcastService(String secret, Deliveries deliveries) {
    this.secret = secret.getBytes(StandardCharsets.US_ASCII);
    this.deliveries = deliveries;
  }

  @Override
  public void broadcast(BroadcastRequest request, StreamObserver<BroadcastResponse> responses) {
    String presented = CallMetadata.BEARER_CONTEXT.get();
    if (presented == null
        || !MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.US_ASCII))) {
      responses.onError(
          Status.UNAUTHENTICATED
              .withDescription("Broadcast refused: only the chat server this participant joined may call it.")
              .asRuntimeException());
      return;
    }
    long previous = 0;
    for (ChatEvent event : request.getEventsList()) {
      if (event.getSequence() <= previous) {
        responses.onError(
            Status.INVALID_ARGUMENT
                .withDescription("Broadcast events must be in increasing sequence order.")
                .asRuntimeException());
        return;
      }
      previous = event.getSequence();
    }
    long through =
        deliveries.deliver(
            request.getEventsList(),
            "Broadcast",
            CallMetadata.CALL_ID_CONTEXT.get(),
            CallMetadata.PEER_CONTEXT.get());
    responses.onNext(BroadcastResponse.newBuilder().setDeliveredThrough(through).build());
    responses.onCompleted();
  }
}
