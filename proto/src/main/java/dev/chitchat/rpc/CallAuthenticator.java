package dev.chitchat.rpc;

import io.grpc.Metadata;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * Decides, before a call's Lamport timestamp is merged, whether the caller may move this process's
 * clock at all: {@link ClockServerInterceptor} asks it for every incoming call, so an
 * unauthenticated request is refused before it can push the clock (see {@code docs/clocks.md}).
 *
 * <p>Implementations must be thread-safe and must not block: they run on the transport's threads
 * for every call.
 */
@FunctionalInterface
public interface CallAuthenticator {

  /** Lets every call merge, none authenticated: for tests and for processes that take no calls. */
  CallAuthenticator ANYONE = (rpc, headers, remote) -> Verdict.anonymous();

  /**
   * The verdict on one incoming call.
   *
   * @param rpc the bare RPC method name, e.g. {@code Publish}
   * @param headers the call's request headers ({@link CallMetadata#bearerOf} reads its credential)
   * @param remote the transport address the call came from, or {@code null}
   */
  Verdict authenticate(String rpc, Metadata headers, SocketAddress remote);

  /**
   * What the interceptor does with a call: merge its timestamp (the caller authenticated as {@code
   * identity}, or anonymous when {@code identity} is {@code null}), or refuse it with {@code
   * refusal} before merging. An immutable value.
   *
   * @param identity who the caller is by authentication, or {@code null}
   * @param refusal the status to close the call with, or {@code null} to let it through
   */
  record Verdict(String identity, Status refusal) {

    /** The call may merge; its caller is not authenticated (e.g. a Join). */
    public static Verdict anonymous() {
      return new Verdict(null, null);
    }

    /** The call may merge; its caller is {@code identity} by authentication. */
    public static Verdict authenticated(String identity) {
      return new Verdict(Objects.requireNonNull(identity, "identity"), null);
    }

    /**
     * The call is refused before its timestamp is merged.
     *
     * @param status a non-OK status with a human-readable description
     */
    public static Verdict refused(Status status) {
      if (status.isOk()) {
        throw new IllegalArgumentException("a refusal needs a non-OK status");
      }
      return new Verdict(null, status);
    }

    /** Whether the call is refused. */
    public boolean isRefused() {
      return refusal != null;
    }
  }
}
