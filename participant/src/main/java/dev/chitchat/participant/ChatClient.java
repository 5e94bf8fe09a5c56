package dev.chitchat.participant;

import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.rpc.CallMetadata;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A participant's calls to the {@code ChatServer}: blocking, each attempt with a deadline, the
 * session token presented after Join. The channel carries the clock interceptor ({@link
 * ServerChannel}), so every call ticks the participant's Lamport clock on send and on receive.
 *
 * <p>Every method throws {@link StatusRuntimeException} with the server's status (see {@code
 * chitchat.proto}) or a local one ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}). Thread-safe.
 */
final class ChatClient {

  private final ChatServerGrpc.ChatServerBlockingStub stub;
  private final Duration deadline;
  private final PublishRetry retry;
  private volatile String session;

  /**
   * @param channel to the server, through the participant's clock stack
   * @param deadline the deadline of every attempt
   * @param retry how a Publish whose outcome is in doubt is sent again
   */
  ChatClient(Channel channel, Duration deadline, PublishRetry retry) {
    this.stub = ChatServerGrpc.newBlockingStub(channel);
    this.deadline = deadline;
    this.retry = retry;
  }

  /** Joins; on success remembers the session token for later calls. Never retried here. */
  JoinResponse join(String name, int port, String callbackSecret) {
    JoinResponse response =
        withDeadline(stub)
            .join(
                JoinRequest.newBuilder()
                    .setName(name)
                    .setPort(port)
                    .setCallbackSecret(callbackSecret)
                    .build());
    session = response.getSessionToken();
    return response;
  }

  /**
   * Publishes a message under a client-chosen id, sending it again under the same id while its
   * outcome is in doubt ({@link PublishRetry}); the server broadcasts it once.
   */
  PublishResponse publish(String messageId, String text) {
    PublishRequest request = PublishRequest.newBuilder().setMessageId(messageId).setText(text).build();
    return retry.call(() -> authenticated().publish(request));
  }

  /** Leaves; the session token is invalid afterwards. */
  LeaveResponse leave() {
    return authenticated().leave(LeaveRequest.getDefaultInstance());
  }

  private ChatServerGrpc.ChatServerBlockingStub authenticated() {
    ChatServerGrpc.ChatServerBlockingStub call = withDeadline(stub);
    String token = session;
    return token == null
        ? call
        : call.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(CallMetadata.bearer(token)));
  }

  private ChatServerGrpc.ChatServerBlockingStub withDeadline(ChatServerGrpc.ChatServerBlockingStub s) {
    return s.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }
}
