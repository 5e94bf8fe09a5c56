package dev.chitchat.rpc;

import dev.chitchat.clock.LamportClock;
import io.grpc.BindableService;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import java.util.Objects;

/**
 * The one entry point to Chitty-Chat's Lamport clock stack for gRPC, in the manner of
 * OpenTelemetry's {@code GrpcTelemetry}: it configures server builders and channel builders so that
 * every request, response and refusal ticks the process's {@link LamportClock} (Lamport 1978) by
 * the rules of {@code docs/clocks.md}. Every process builds its servers and channels through one
 * instance, so none can be built without the clock.
 *
 * <p>Server half: {@link ClockServerInterceptor} (outermost, with the process's {@link
 * CallAuthenticator}) and {@link MalformedRequests}' refusal of unparseable requests, installed on
 * the builder for all its services; each service is added through {@link #guard}. Client half:
 * {@link ClockClientInterceptor}. Immutable and thread-safe.
 */
public final class GrpcClocks {

  private final LamportClock clock;
  private final CallAuthenticator authenticator;

  private GrpcClocks(LamportClock clock, CallAuthenticator authenticator) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
  }

  /**
   * The clock stack of a process.
   *
   * @param clock the process's clock; its {@link dev.chitchat.clock.MergeBound} applies to every
   *     received timestamp
   * @param authenticator decides, before a request's timestamp is merged, who may move the clock
   */
  public static GrpcClocks create(LamportClock clock, CallAuthenticator authenticator) {
    return new GrpcClocks(clock, authenticator);
  }

  /** The process's clock. */
  public LamportClock clock() {
    return clock;
  }

  /**
   * Installs the server half on {@code builder}, for every service it will serve: the clock
   * interceptor runs first, so that every refusal, the malformed-request refusal included, ticks.
   * Add services with {@link #guard}.
   *
   * @return {@code builder}
   */
  public ServerBuilder<?> configureServerBuilder(ServerBuilder<?> builder) {
    // ServerBuilder.intercept: the interceptor added last runs first.
    builder.intercept(MalformedRequests.interceptor(clock));
    builder.intercept(new ClockServerInterceptor(clock, authenticator));
    return builder;
  }

  /**
   * {@code service} with request parsing that never fails below the interceptors, so an
   * unparseable request is refused with {@code INVALID_ARGUMENT} and ticked like any refusal.
   */
  public ServerServiceDefinition guard(BindableService service) {
    return MalformedRequests.guard(service.bindService());
  }

  /**
   * Installs the client half on {@code builder}.
   *
   * @param peer the name of the process at the other end, for the logs, or {@code null} to use the
   *     channel's authority until a response names the peer
   * @return {@code builder}
   */
  public ManagedChannelBuilder<?> configureChannelBuilder(ManagedChannelBuilder<?> builder, String peer) {
    builder.intercept(newClientInterceptor(peer));
    return builder;
  }

  /**
   * The client half as an interceptor, for a channel that already exists.
   *
   * @param peer as for {@link #configureChannelBuilder}
   */
  public ClientInterceptor newClientInterceptor(String peer) {
    return new ClockClientInterceptor(clock, peer);
  }
}
