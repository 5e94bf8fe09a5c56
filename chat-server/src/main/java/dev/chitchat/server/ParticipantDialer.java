package dev.chitchat.server;

import io.grpc.ManagedChannel;
import java.net.SocketAddress;

/**
 * Opens the channel on which the server calls a participant's Broadcast service: at the address the
 * participant's Join came from, on the port it declared. Never at a host the participant names, so
 * nobody can make the server call a third machine.
 */
@FunctionalInterface
public interface ParticipantDialer {

  /**
   * Opens a channel to a participant. Must not block.
   *
   * @param joinedFrom the transport address of the Join call
   * @param port the participant's declared port, 1 to 65535
   * @throws IllegalArgumentException if the address cannot be dialled back (e.g. an unknown
   *     address type); the Join is then refused with {@code INVALID_ARGUMENT}
   */
  ManagedChannel dial(SocketAddress joinedFrom, int port);
}
