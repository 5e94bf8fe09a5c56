package dev.chitchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code participant --server} takes one address, or the replicas of a chat, comma-separated. */
class ParticipantServersTest {

  @Test
  void oneAddressOrSeveralInTheirOrder() {
    assertThat(ParticipantCommand.endpoints("localhost:50051"))
        .containsExactly(new Endpoint("localhost", 50051));
    assertThat(ParticipantCommand.endpoints("a:1, b:2,[::1]:3").stream().map(Endpoint::target))
        .containsExactly("a:1", "b:2", "[::1]:3");
  }

  @Test
  void aBadOrRepeatedAddressIsAUserError() {
    assertThatThrownBy(() -> ParticipantCommand.endpoints("a:1,"))
        .isInstanceOf(UserError.class).hasMessageContaining("is not HOST:PORT");
    assertThatThrownBy(() -> ParticipantCommand.endpoints("a:1,a:1"))
        .isInstanceOf(UserError.class).hasMessage("Server address \"a:1\" is given twice in --server.");
  }

  @Test
  void helpSaysHowFailoverWorks() {
    String help = new CommandLine(new ParticipantCommand()).getUsageMessage();
    assertThat(help).contains("HOST:PORT[,HOST:PORT...]", "moves to",
        "Server s1 lost: moved to s2 (localhost:50052), nothing missed.");
  }
}
