package dev.chitchat.rpc;

import dev.chitchat.clock.LamportClock;
import io.grpc.Context;
import io.grpc.Metadata;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The gRPC metadata that Chitty-Chat adds to every call, and the {@link Context} keys under which a
 * server handler finds what the interceptors read from it. See {@code docs/protocol.md}.
 *
 * <p>Thread-safe: holds only constants.
 */
public final class CallMetadata {

  /** The sender's Lamport timestamp (decimal), on every request header and response trailer. */
  public static final Metadata.Key<String> LAMPORT_TIME =
      Metadata.Key.of("lamport-time", Metadata.ASCII_STRING_MARSHALLER);

  /** The id that pairs a request's send with its receive in the logs, on every request. */
  public static final Metadata.Key<String> CALL_ID =
      Metadata.Key.of("call-id", Metadata.ASCII_STRING_MARSHALLER);

  /** The sending process's name, on every request header and response trailer (for the logs only). */
  public static final Metadata.Key<String> PROCESS =
      Metadata.Key.of("chitchat-process", Metadata.ASCII_STRING_MARSHALLER);

  /** A label for the logs, e.g. {@code probe}: logged as the text of the call's request events. */
  public static final Metadata.Key<String> LABEL =
      Metadata.Key.of("chitchat-label", Metadata.ASCII_STRING_MARSHALLER);

  /** The call option that {@link ClockClientInterceptor} sends as the {@link #LABEL} header. */
  public static final io.grpc.CallOptions.Key<String> LABEL_OPTION =
      io.grpc.CallOptions.Key.create("chitchat-label");

  /** {@code Bearer <token>}: the session token, or on Broadcast the callback secret. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The call id of the call being served. */
  public static final Context.Key<String> CALL_ID_CONTEXT = Context.key("chitchat-call-id");

  /**
   * Who sent the call being served: the identity its {@link CallAuthenticator} authenticated, else
   * the name (or address) it declared.
   */
  public static final Context.Key<String> PEER_CONTEXT = Context.key("chitchat-peer");

  /** The transport address the call being served came from. */
  public static final Context.Key<SocketAddress> REMOTE_ADDRESS_CONTEXT =
      Context.key("chitchat-remote-address");

  /** The bearer credential the call being served presented, if any. */
  public static final Context.Key<String> BEARER_CONTEXT = Context.key("chitchat-bearer");

  private static final String BEARER_PREFIX = "Bearer ";
  private static final SecureRandom RANDOM = new SecureRandom();

  private CallMetadata() {}

  /** A new random call id: 16 hexadecimal digits (64 random bits). */
  public static String newCallId() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** A new random secret or token: 48 hexadecimal digits (192 random bits), safe in headers. */
  public static String newSecret() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Metadata that presents {@code credential} as {@code authorization: Bearer <credential>}. */
  public static Metadata bearer(String credential) {
    Metadata metadata = new Metadata();
    metadata.put(AUTHORIZATION, BEARER_PREFIX + credential);
    return metadata;
  }

  /** The credential of an {@code authorization: Bearer ...} header, if present and well formed. */
  public static Optional<String> bearerOf(Metadata headers) {
    String value = headers.get(AUTHORIZATION);
    if (value == null || !value.regionMatches(true, 0, BEARER_PREFIX, 0, BEARER_PREFIX.length())) {
      return Optional.empty();
    }
    String credential = value.substring(BEARER_PREFIX.length()).trim();
    return credential.isEmpty() ? Optional.empty() : Optional.of(credential);
  }

  /**
   * Parses a {@code lamport-time} value: decimal digits only, 0 to {@code LamportClock.MAX_TIME -
   * 1}. Whether the clock then merges it is the receiving clock's {@link
   * dev.chitchat.clock.MergeBound}'s decision.
   *
   * @return the timestamp in Lamport ticks, or empty if absent, not a plain decimal number, or out
   *     of range
   */
  public static Optional<Long> parseLamport(String value) {
    if (value == null || value.isEmpty() || value.length() > 16) {
      return Optional.empty();
    }
    long parsed = 0; // 16 decimal digits at most, so no overflow
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return Optional.empty();
      }
      parsed = parsed * 10 + (c - '0');
    }
    return parsed < LamportClock.MAX_TIME ? Optional.of(parsed) : Optional.empty();
  }
}
