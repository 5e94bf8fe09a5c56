package dev.chitchat.server;

import dev.chitchat.rpc.CallMetadata;
import java.net.SocketAddress;

/**
 * Who made the call being served, as the clock interceptor found it: an immutable value.
 *
 * @param rpc the RPC method name
 * @param callId the call id, which pairs the call's events in the logs
 * @param peer the caller's process name (or address)
 * @param remoteAddress the transport address the call came from
 * @param bearer the bearer credential the call presented, or {@code null}
 */
record CallInfo(String rpc, String callId, String peer, SocketAddress remoteAddress, String bearer) {

  /** The call being served on this thread, read from the current gRPC {@link io.grpc.Context}. */
  static CallInfo current(String rpc) {
    return new CallInfo(
        rpc,
        CallMetadata.CALL_ID_CONTEXT.get(),
        CallMetadata.PEER_CONTEXT.get(),
        CallMetadata.REMOTE_ADDRESS_CONTEXT.get(),
        CallMetadata.BEARER_CONTEXT.get());
  }
}
