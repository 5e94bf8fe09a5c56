package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** People read sentences, not gRPC statuses or header names. */
class StatusTextTest {

  @Test
  void aMissingOrUnknownSessionIsToldAsNotBeingInTheChat() {
    assertThat(StatusText.describe(Status.UNAUTHENTICATED.withDescription(
        "Missing session token. Join first, then send it as 'authorization: Bearer <token>'.")))
        .isEqualTo("you are not in the chat. Type /join to join again.");
    assertThat(StatusText.describe(Status.UNAUTHENTICATED.withDescription(
        "Unknown session token: not a current participant (never joined, or already left).")))
        .isEqualTo("you are not in the chat. Type /join to join again.");
  }

  @Test
  void aRemovalKeepsItsReason() {
    Status removed = Status.UNAUTHENTICATED.withDescription(
        "You were removed from Chitty-Chat (too slow). Join again to continue.");

    assertThat(StatusText.describe(removed))
        .isEqualTo("you were removed from Chitty-Chat (too slow). Type /join to join again.");
    assertThat(StatusText.removal(removed)).isEqualTo("you were removed from Chitty-Chat (too slow)");
  }

  @Test
  void theServersRefusalsAndTransportFailuresReadAsBefore() {
    assertThat(StatusText.describe(Status.INVALID_ARGUMENT.withDescription(
        "Message too long (354 characters). Limit is 128.")))
        .isEqualTo("Message too long (354 characters). Limit is 128.");
    assertThat(StatusText.describe(Status.UNAVAILABLE.withDescription("io exception")))
        .isEqualTo("the chat server is unreachable (io exception)");
    assertThat(StatusText.describe(Status.UNAVAILABLE.withDescription("The chat server is shutting down.")))
        .isEqualTo("the chat server is shutting down");
    assertThat(StatusText.describe(Status.DEADLINE_EXCEEDED))
        .isEqualTo("the chat server did not answer in time");
    assertThat(StatusText.describe(Status.INVALID_ARGUMENT.withDescription("bell\u0007")))
        .isEqualTo("bell\\u0007");
  }
}
