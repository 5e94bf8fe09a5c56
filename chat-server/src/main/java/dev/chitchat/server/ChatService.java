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
 * description. The statuses are listed in {@code chitchat.proto}. Handlers never block.
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
    Outcome outcome =
        room.join(
            request.getName(),
            Integer.toUnsignedLong(request.getPort()),
            request.getCallbackSecret(),
            CallInfo.current("Join"));
    if (outcome.isRefused()) {
      responses.onError(outcome.refusal().asRuntimeException());
      return;
    }
    responses.onNext(
        JoinResponse.newBuilder()
            .setSessionToken(outcome.session())
            .setJoined(outcome.event())
            .setServerId(room.serverId())
            .build());
    responses.onCompleted();
  }

  @Override
  public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
    if (oversized(request, "Publish", responses)) {
      return;
    }
    Outcome outcome =
        room.publish(request.getMessageId(), request.getText(), CallInfo.current("Publish"));
    if (outcome.isRefused()) {
      responses.onError(outcome.refusal().asRuntimeException());
      return;
    }
    responses.onNext(PublishResponse.newBuilder().setEvent(outcome.event()).build());
    responses.onCompleted();
  }

  @Override
  public void leave(LeaveRequest request, StreamObserver<LeaveResponse> responses) {
    Outcome outcome = room.leave(CallInfo.current("Leave"));
    if (outcome.isRefused()) {
      responses.onError(outcome.refusal().asRuntimeException());
      return;
    }
    responses.onNext(LeaveResponse.newBuilder().setLeft(outcome.event()).build());
    responses.onCompleted();
  }
}
