package dev.chitchat.server;

import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import io.grpc.stub.StreamObserver;

/**
 * The {@code ChatServer} gRPC service: turns each call into an attempted action of the {@link
 * ChatRoom} and its outcome into a response or an error {@link io.grpc.Status} with a human-readable
 * description. The statuses are listed in {@code chitchat.proto}. Handlers never block: in a
 * cluster the answer is sent when the command is committed and applied here, from Ratis's thread.
 * Thread-safe.
 */
final class ChatService extends ChatServerGrpc.ChatServerImplBase {

  private final ChatRoom room;
  private final int maxRequestBytes;

  /**
   * @param room the chat
   * @param maxRequestBytes larger requests are refused with {@code RESOURCE_EXHAUSTED}
   */
  ChatService(ChatRoom room, int maxRequestBytes) {
    this.room = room;
    this.maxRequestBytes = maxRequestBytes;
  }

  /** Refuses an oversized request; returns whether it did. */
  private <T> boolean oversized(
      com.google.protobuf.MessageLite request, String rpc, StreamObserver<T> responses) {
    int bytes = request.getSerializedSize();
    if (bytes <= maxRequestBytes) {
      return false;
    }
    responses.onError(room.refuseOversize(bytes, CallInfo.current(rpc)).refusal().asRuntimeException());
    return true;
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> responses) {
    if (oversized(request, "Join", responses)) {
      return;
    }
    room.join(
            request.getName(),
            Integer.toUnsignedLong(request.getPort()),
            request.getCallbackSecret(),
            request.getResumeSession(),
            request.getDeliveredThrough(),
            CallInfo.current("Join"))
        .thenAccept(outcome -> answer(outcome, responses, () -> JoinResponse.newBuilder()
            .setSessionToken(outcome.session())
            .setJoined(outcome.event())
            .setServerId(room.serverId())
            .setReplica(room.process())
            .build()));
  }

  @Override
  public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
    if (oversized(request, "Publish", responses)) {
      return;
    }
    room.publish(request.getMessageId(), request.getText(), CallInfo.current("Publish"))
        .thenAccept(outcome -> answer(outcome, responses,
            () -> PublishResponse.newBuilder().setEvent(outcome.event()).build()));
  }

  @Override
  public void leave(LeaveRequest request, StreamObserver<LeaveResponse> responses) {
    room.leave(CallInfo.current("Leave"))
        .thenAccept(outcome -> answer(outcome, responses,
            () -> LeaveResponse.newBuilder().setLeft(outcome.event()).build()));
  }

  /** Answers with the response, or with the outcome's refusal status. */
  private static <T> void answer(Outcome outcome, StreamObserver<T> responses,
      java.util.function.Supplier<T> response) {
    if (outcome.isRefused()) {
      responses.onError(outcome.refusal().asRuntimeException());
      return;
    }
    responses.onNext(response.get());
    responses.onCompleted();
  }
}
