package dev.chitchat.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatRulesTest {

  private static final String EMOJI = "\uD83D\uDE00"; // one code point, two UTF-16 units, four bytes

  @Test
  void countsCodePointsNotBytesOrUtf16Units() {
    assertThat(ChatRules.checkMessage(EMOJI.repeat(128))).isEmpty();
    assertThat(ChatRules.checkMessage("\u00e6".repeat(128))).isEmpty();
    assertThat(ChatRules.checkMessage(EMOJI.repeat(129)))
        .contains("Message too long (129 characters). Limit is 128.");
    assertThat(ChatRules.checkMessage("a".repeat(354)))
        .contains("Message too long (354 characters). Limit is 128.");
  }

  @Test
  void refusesEmptyBlankAndControlCharacters() {
    assertThat(ChatRules.checkMessage("")).contains("Message is empty.");
    assertThat(ChatRules.checkMessage("   ")).contains("Message is blank.");
    assertThat(ChatRules.checkMessage("a\nb"))
        .contains("Message contains a control character (U+000A) at character 2.");
    assertThat(ChatRules.checkMessage(EMOJI + "\u001B[2J"))
        .contains("Message contains a control character (U+001B) at character 2.");
    assertThat(ChatRules.checkMessage("evil\u202Eexe")).isPresent();
    assertThat(ChatRules.checkMessage("lone \uD800 surrogate")).isPresent();
    assertThat(ChatRules.checkMessage("Hello World! \u00e6\u00f8\u00e5 " + EMOJI)).isEmpty();
  }

  @Test
  void namesAreOneToThirtyTwoAsciiLettersDigitsDashUnderscoreDot() {
    assertThat(ChatRules.checkName("Alex")).isEmpty();
    assertThat(ChatRules.checkName("a.b-c_9")).isEmpty();
    assertThat(ChatRules.checkName("x".repeat(32))).isEmpty();
    assertThat(ChatRules.checkName("x".repeat(33))).isPresent();
    assertThat(ChatRules.checkName("")).contains("Name is empty. Use 1 to 32 letters, digits, '-', '_' or '.'.");
    assertThat(ChatRules.checkName("Al ex")).isPresent();
    assertThat(ChatRules.checkName("\u0410lex")).isPresent(); // Cyrillic A, a look-alike
    assertThat(ChatRules.checkName("bad\u001B[31m").orElseThrow()).contains("\\u001B").doesNotContain("\u001B");
  }

  @Test
  void portsAreOneTo65535() {
    assertThat(ChatRules.checkPort(1)).isEmpty();
    assertThat(ChatRules.checkPort(65535)).isEmpty();
    assertThat(ChatRules.checkPort(0)).contains("Port 0 is out of range. Use 1 to 65535.");
    assertThat(ChatRules.checkPort(65536)).isPresent();
    assertThat(ChatRules.checkPort(-1)).isPresent();
  }

  @Test
  void secretsAndMessageIdsAreBounded() {
    assertThat(ChatRules.checkSecret("s".repeat(16))).isEmpty();
    assertThat(ChatRules.checkSecret("s".repeat(15))).isPresent();
    assertThat(ChatRules.checkSecret("s".repeat(257))).isPresent();
    assertThat(ChatRules.checkSecret("with space......")).isPresent();
    assertThat(ChatRules.checkMessageId("m-1")).isEmpty();
    assertThat(ChatRules.checkMessageId("")).isPresent();
    assertThat(ChatRules.checkMessageId("m".repeat(65))).isPresent();
    assertThat(ChatRules.checkMessageId(EMOJI.repeat(64))).isEmpty();
  }

  @Test
  void printableTextEscapesWhatCouldMoveTheCursor() {
    assertThat(PrintableText.escape("red \u001B[31m alert\r\n")).isEqualTo("red \\u001B[31m alert\\u000D\\u000A");
    assertThat(PrintableText.escape("bidi \u202E")).isEqualTo("bidi \\u202E");
    assertThat(PrintableText.escape("fine \u00e6 " + EMOJI)).isEqualTo("fine \u00e6 " + EMOJI);
    assertThat(PrintableText.escape(null)).isNull();
  }
}
