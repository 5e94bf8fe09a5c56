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
 * A participant's calls to the {@code ChatServer}: blocking, each with a deadline, the session
 * token presented after Join. The channel passed in carries the clock interceptor, so every call
 * ticks the participant's Lamport clock on send and on receive.
 *
 * <p>Every method throws {@link StatusRuntimeException} with the server's status (see {@code
 * chitchat.proto}) or a local one ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}). Thread-safe
 * after {@link #join}.
 */
public final class ChatClient {

  private final ChatServerGrpc.ChatServerBlockingStub stub;
  private final Duration deadline;
  private volatile String session;

  /**
   * @param channel to the server, with the participant's {@link dev.chitchat.rpc.ClockClientInterceptor}
   * @param deadline the deadline of every call
   */
  public ChatClient(Channel channel, Duration deadline) {
    this.stub = ChatServerGrpc.newBlockingStub(channel);
    this.deadline = deadline;
  }

  /** Joins; on success remembers the session token for later calls. */
  public JoinResponse join(String name, int port, String callbackSecret) {
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

  /** Publishes a message under a client-chosen id (a retry with the same id is broadcast once). */
  public PublishResponse publish(String messageId, String text) {
    return authenticated()
        .publish(PublishRequest.newBuilder().setMessageId(messageId).setText(text).build());
  }

  /** Leaves; the session token is invalid afterwards. */
  public LeaveResponse leave() {
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
