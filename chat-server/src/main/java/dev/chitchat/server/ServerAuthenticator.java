package dev.chitchat.server;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import dev.chitchat.rpc.CallAuthenticator;
import dev.chitchat.rpc.CallMetadata;
import io.github.bucket4j.Bucket;
import io.grpc.Metadata;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The chat server's gate in front of its Lamport clock: decides, before a request's timestamp is
 * merged, who the caller is and whether it may call at all.
 *
 * <ul>
 *   <li>{@code Join}: anyone, at most {@code joinsPerMinute} per source address (a token bucket of
 *       that many, refilled over a minute); more get {@code RESOURCE_EXHAUSTED}.
 *   <li>{@code Publish}, {@code Leave}: only with the session token of a current participant, who is
 *       then the call's authenticated identity (the process name it joined with). A missing or
 *       unknown token gets {@code UNAUTHENTICATED} and counts as a failed authentication of its
 *       source address; past {@code failuresPerMinute} of them a minute, its further failures get
 *       {@code RESOURCE_EXHAUSTED} instead. A valid token always passes, so a flood of bad tokens
 *       from a shared address (a NAT, or loopback) locks nobody out.
 * </ul>
 *
 * <p>Source addresses are compared by IP address, not port. At most 65,536 addresses are tracked;
 * one unseen for two minutes is forgotten (its bucket would be full again by then). Thread-safe and
 * non-blocking: it runs on the transport's threads for every call.
 */
final class ServerAuthenticator implements CallAuthenticator {

  private final ChatRoom room;
  private final int joinsPerMinute;
  private final int failuresPerMinute;
  private final LoadingCache<String, Bucket> joins;
  private final LoadingCache<String, Bucket> failures;

  /**
   * @param room whose session tokens authenticate Publish and Leave
   * @param joinsPerMinute joins allowed per source address per minute, 0 for no limit
   * @param failuresPerMinute failed authentications allowed per source address per minute, 0 for
   *     no limit
   */
  ServerAuthenticator(ChatRoom room, int joinsPerMinute, int failuresPerMinute) {
    this.room = room;
    this.joinsPerMinute = joinsPerMinute;
    this.failuresPerMinute = failuresPerMinute;
    this.joins = buckets(joinsPerMinute);
    this.failures = buckets(failuresPerMinute);
  }

  private static LoadingCache<String, Bucket> buckets(int perMinute) {
    return CacheBuilder.newBuilder()
        .maximumSize(65_536)
        .expireAfterAccess(Duration.ofMinutes(2))
        .build(CacheLoader.from(address -> Bucket.builder()
            .addLimit(limit -> limit.capacity(Math.max(1, perMinute))
                .refillGreedy(Math.max(1, perMinute), Duration.ofMinutes(1)))
            .build()));
  }

  @Override
  public Verdict authenticate(String rpc, Metadata headers, SocketAddress remote) {
    String address = addressOf(remote);
    switch (rpc) {
      case "Join" -> {
        if (joinsPerMinute > 0 && !joins.getUnchecked(address).tryConsume(1)) {
          return Verdict.refused(Status.RESOURCE_EXHAUSTED.withDescription(
              "Too many joins from " + address + ": the limit is " + joinsPerMinute
                  + " a minute per address. Try again in a minute."));
        }
        return Verdict.anonymous();
      }
      case "Publish", "Leave" -> {
        Optional<String> bearer = CallMetadata.bearerOf(headers);
        Optional<String> holder = bearer.flatMap(room::sessionHolder);
        if (holder.isPresent()) {
          return Verdict.authenticated(holder.get());
        }
        if (failuresPerMinute > 0 && !failures.getUnchecked(address).tryConsume(1)) {
          return Verdict.refused(tooManyFailures(address));
        }
        return Verdict.refused(
            Status.UNAUTHENTICATED.withDescription(room.unauthenticated(bearer.orElse(null))));
      }
      default -> {
        return Verdict.anonymous();
      }
    }
  }

  private Status tooManyFailures(String address) {
    return Status.RESOURCE_EXHAUSTED.withDescription(
        "Too many failed authentications from " + address + ": the limit is " + failuresPerMinute
            + " a minute per address. Join to get a session token, and try again in a minute.");
  }

  /** The IP address of a caller, or the address's text for other transports (in-process). */
  static String addressOf(SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress();
    }
    return String.valueOf(remote);
  }
}
