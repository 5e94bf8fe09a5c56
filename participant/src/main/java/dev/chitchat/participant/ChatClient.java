package dev.chitchat.participant;

import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import dev.chitchat.rpc.CallMetadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A participant's calls to the {@code ChatServer}: blocking, each attempt with a deadline, the
 * session token presented after Join. Publish and Leave go to the current replica; Join to the
 * replica asked for. The channels carry the clock interceptor ({@link ServerChannel}), so every
 * call ticks the participant's Lamport clock on send and on receive.
 *
 * <p>Every method throws {@link StatusRuntimeException} with the server's status (see {@code
 * chitchat.proto}) or a local one ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}). Thread-safe.
 */
final class ChatClient {

  private final ServerChannel channels;
  private final ChatServerGrpc.ChatServerBlockingStub stub;
  private final Duration deadline;
  private final PublishRetry retry;
  private volatile String session;

  /**
   * @param channels to the server's replicas, through the participant's clock stack
   * @param deadline the deadline of every attempt
   * @param retry how a Publish whose outcome is in doubt is sent again
   */
  ChatClient(ServerChannel channels, Duration deadline, PublishRetry retry) {
    this.channels = channels;
    this.stub = ChatServerGrpc.newBlockingStub(channels.channel());
    this.deadline = deadline;
    this.retry = retry;
  }

  /**
   * Joins through replica {@code replica} (not necessarily the current one); on success remembers
   * the session token for later calls. Never retried here.
   *
   * @param resumeSession empty for a new session; else the current session's token, to continue it
   *     on this replica (failover)
   * @param deliveredThrough with {@code resumeSession}: the highest sequence number delivered
   */
  JoinResponse join(int replica, String name, int port, String callbackSecret,
      String resumeSession, long deliveredThrough) {
    JoinResponse response =
        withDeadline(ChatServerGrpc.newBlockingStub(channels.channel(replica)))
            .join(
                JoinRequest.newBuilder()
                    .setName(name)
                    .setPort(port)
                    .setCallbackSecret(callbackSecret)
                    .setResumeSession(resumeSession)
                    .setDeliveredThrough(resumeSession.isEmpty() ? 0 : deliveredThrough)
                    .build());
    session = response.getSessionToken();
    return response;
  }

  /** The session token of the last successful Join, or {@code null} before any. */
  String session() {
    return session;
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
