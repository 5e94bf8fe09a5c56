package dev.chitchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.thirdparty.io.grpc.Attributes;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The Raft port takes calls from the peers' addresses only. */
class RaftPeersOnlyTest {

  /** A Raft call from {@code from}, recording how it was closed. */
  static final class Call extends ServerCall<Object, Object> {
    final Attributes attributes;
    Status closed;

    Call(String from) throws Exception {
      attributes = Attributes.newBuilder().set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR,
          new InetSocketAddress(InetAddress.getByName(from), 40000)).build();
    }

    @Override public Attributes getAttributes() { return attributes; }
    @Override public void request(int n) { }
    @Override public void sendHeaders(Metadata headers) { }
    @Override public void sendMessage(Object message) { }
    @Override public void close(Status status, Metadata trailers) { closed = status; }
    @Override public boolean isCancelled() { return false; }
    @Override public MethodDescriptor<Object, Object> getMethodDescriptor() { return null; }
  }

  private final RaftPeersOnly guard = new RaftPeersOnly(Set.of(
      InetAddress.getLoopbackAddress(), addressOf("10.0.0.2")));

  private static InetAddress addressOf(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aPeerIsLetThroughAndAnyOtherAddressIsRefusedBeforeRatisSeesTheCall() throws Exception {
    AtomicBoolean reachedRatis = new AtomicBoolean();
    Call peer = new Call("10.0.0.2");
    Call stranger = new Call("10.0.0.99");

    guard.interceptCall(peer, new Metadata(), (call, headers) -> {
      reachedRatis.set(true);
      return new ServerCall.Listener<>() {};
    });
    assertThat(reachedRatis).isTrue();
    assertThat(peer.closed).isNull();

    reachedRatis.set(false);
    guard.interceptCall(stranger, new Metadata(), (call, headers) -> {
      reachedRatis.set(true);
      return new ServerCall.Listener<>() {};
    });
    assertThat(reachedRatis).isFalse();
    assertThat(stranger.closed.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(stranger.closed.getDescription()).contains("peers only");
  }
}
