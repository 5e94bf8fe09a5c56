package dev.chitchat.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventDetails;
import org.junit.jupiter.api.Test;

class QuietProbesTest {

  private final QuietProbes quiet = new QuietProbes();

  private static ClockEvent event(EventDetails details) {
    return new ClockEvent("server", 1, null, details);
  }

  @Test
  void aSuccessfulProbeIsQuietOnBothSides() {
    // The server's side: the labelled request, then its OK response.
    assertThat(quiet.test(event(EventDetails.sendRequest("Broadcast", "p1", "Alex").withText("probe")))).isTrue();
    assertThat(quiet.test(event(EventDetails.receiveResponse("Broadcast", "p1", "Alex", "OK", null)))).isTrue();
    // The participant's side: the labelled receive, then its OK answer.
    assertThat(quiet.test(event(EventDetails.receiveRequest("Broadcast", "p2", "server").withText("probe")))).isTrue();
    assertThat(quiet.test(event(EventDetails.sendResponse("Broadcast", "p2", "server", "OK", null)))).isTrue();
  }

  @Test
  void aFailedProbeAndEverythingElseAreShown() {
    quiet.test(event(EventDetails.sendRequest("Broadcast", "p1", "Alex").withText("probe")));
    assertThat(quiet.test(event(EventDetails.receiveResponse(
        "Broadcast", "p1", "Alex", "DEADLINE_EXCEEDED", "deadline exceeded")))).isFalse();
    assertThat(quiet.test(event(EventDetails.sendRequest("Broadcast", "b1", "Alex")))).isFalse();
    assertThat(quiet.test(event(EventDetails.receiveResponse("Broadcast", "b1", "Alex", "OK", null)))).isFalse();
    assertThat(quiet.test(event(EventDetails.action("deliver", "hi")))).isFalse();
  }
}
