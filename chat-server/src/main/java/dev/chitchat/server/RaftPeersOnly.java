package dev.chitchat.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Refuses Raft calls (Apache Ratis's own gRPC, which it shades) from any address that is not one of
 * the peers' hosts, with {@code PERMISSION_DENIED}, before Ratis sees them. An address check, not
 * authentication: a process on a peer's host passes. Thread-safe (immutable).
 */
final class RaftPeersOnly implements ServerInterceptor {

  private final Set<InetAddress> peers;

  /** @param peers the addresses the peers' hosts resolve to */
  RaftPeersOnly(Set<InetAddress> peers) {
    this.peers = Set.copyOf(peers);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null
        && !peers.contains(inet.getAddress())) {
      call.close(Status.PERMISSION_DENIED.withDescription(
          "Not a replica of this chat: Raft calls are taken from peers only."), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
