package dev.chitchat.rpc;

import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.LamportClock;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Turns a request that cannot be parsed (not protobuf, or invalid UTF-8 in a {@code string} field,
 * which proto3 forbids) into a clear {@code INVALID_ARGUMENT}, answered through the normal call path
 * so that the clock interceptor ticks and logs it like any refusal. Left to itself, grpc-java
 * answers such a request {@code UNKNOWN} ("Application error processing RPC") below every
 * interceptor, with a stack trace in the log.
 *
 * <p>How: {@link #guard} gives every method a request marshaller that, instead of throwing,
 * returns the method's default message marked with an unknown field; {@link #interceptor} refuses
 * marked requests before the service sees them. Stateless and thread-safe.
 */
public final class MalformedRequests {

  /** The field number of the mark: the largest protobuf allows, never used by the contract. */
  static final int MARK = 536_870_911;

  /** The description of the refusal. */
  public static final String DESCRIPTION =
      "Request is not valid protobuf (for example, a text field is not valid UTF-8).";

  private MalformedRequests() {}

  /** The same service, whose requests never fail to parse but are marked when malformed. */
  public static ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServerServiceDefinition.Builder guarded =
        ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      add(guarded, method);
    }
    return guarded.build();
  }

  private static <Q, R> void add(
      ServerServiceDefinition.Builder builder, ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
    MethodDescriptor<Q, R> lenient =
        descriptor.toBuilder(
                new Lenient<>(descriptor.getRequestMarshaller()), descriptor.getResponseMarshaller())
            .build();
    builder.addMethod(lenient, method.getServerCallHandler());
  }

  /**
   * Refuses marked requests with {@code INVALID_ARGUMENT}, ticking {@code clock} once for the
   * refusal (a {@code refuse} action). Install it inside the clock interceptor.
   */
  public static ServerInterceptor interceptor(LamportClock clock) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new SimpleForwardingServerCallListener<>(delegate) {
          private boolean refused;

          @Override
          public void onMessage(Q message) {
            if (message instanceof Message m && m.getUnknownFields().hasField(MARK)) {
              refused = true;
              clock.tick(
                  EventDetails.action("refuse", DESCRIPTION)
                      .inCall(
                          call.getMethodDescriptor().getBareMethodName(),
                          CallMetadata.CALL_ID_CONTEXT.get(),
                          CallMetadata.PEER_CONTEXT.get()));
              call.close(Status.INVALID_ARGUMENT.withDescription(DESCRIPTION), new Metadata());
              return;
            }
            super.onMessage(message);
          }

          @Override
          public void onHalfClose() {
            if (!refused) {
              super.onHalfClose();
            }
          }

          @Override
          public void onReady() {
            if (!refused) {
              super.onReady();
            }
          }
        };
      }
    };
  }

  /** Parses like the original marshaller, but returns a marked default message on failure. */
  private static final class Lenient<Q> implements MethodDescriptor.PrototypeMarshaller<Q> {
    private final MethodDescriptor.Marshaller<Q> original;

    Lenient(MethodDescriptor.Marshaller<Q> original) {
      this.original = original;
    }

    @Override
    public InputStream stream(Q value) {
      return original.stream(value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Q parse(InputStream stream) {
      try {
        return original.parse(stream);
      } catch (RuntimeException e) {
        if (getMessagePrototype() instanceof Message prototype) {
          return (Q)
              prototype.toBuilder()
                  .setUnknownFields(
                      UnknownFieldSet.newBuilder()
                          .addField(MARK, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                          .build())
                  .build();
        }
        throw e;
      }
    }

    @Override
    public Q getMessagePrototype() {
      return original instanceof MethodDescriptor.PrototypeMarshaller<Q> p
          ? p.getMessagePrototype()
          : null;
    }

    @Override
    public Class<Q> getMessageClass() {
      return original instanceof MethodDescriptor.ReflectableMarshaller<Q> r
          ? r.getMessageClass()
          : null;
    }
  }
}
