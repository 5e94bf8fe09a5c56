package dev.chitchat.rules;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validation rules of the wire contract, shared by the server (which enforces them) and the
 * participant's command line (which checks its own arguments early). Each check returns the
 * human-readable reason for a refusal, or empty when the value is valid; reasons quote user input
 * only in escaped form. Lengths are counted in Unicode code points. Stateless and thread-safe.
 */
public final class ChatRules {

  /** The longest chat message, in Unicode code points. */
  public static final int MAX_MESSAGE_CODE_POINTS = 128;

  /** The longest participant name, in characters. */
  public static final int MAX_NAME_LENGTH = 32;

  /** The shortest callback secret, in characters. */
  public static final int MIN_SECRET_LENGTH = 16;

  /** The longest callback secret, in characters. */
  public static final int MAX_SECRET_LENGTH = 256;

  /** The longest message id, in characters. */
  public static final int MAX_MESSAGE_ID_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");
  private static final Pattern SECRET = Pattern.compile("[\\x21-\\x7E]{16,256}");

  private ChatRules() {}

  /**
   * Checks a participant name: 1 to 32 ASCII letters, digits, {@code -}, {@code _} or {@code .}.
   * ASCII only, so that names are safe in file names and headers and cannot be look-alikes of
   * each other.
   */
  public static Optional<String> checkName(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("Name is empty. Use 1 to 32 letters, digits, '-', '_' or '.'.");
    }
    if (!NAME.matcher(name).matches()) {
      return Optional.of(
          "Name \"" + abbreviate(name) + "\" is not allowed. Use 1 to 32 letters, digits, '-', '_' or '.'.");
    }
    return Optional.empty();
  }

  /** Checks a callback port as declared in Join: 1 to 65535. */
  public static Optional<String> checkPort(long port) {
    if (port < 1 || port > 65535) {
      return Optional.of("Port " + port + " is out of range. Use 1 to 65535.");
    }
    return Optional.empty();
  }

  /** Checks a callback secret: 16 to 256 printable ASCII characters. */
  public static Optional<String> checkSecret(String secret) {
    if (secret == null || !SECRET.matcher(secret).matches()) {
      return Optional.of("Callback secret must be 16 to 256 printable ASCII characters.");
    }
    return Optional.empty();
  }

  /** Checks a message id: 1 to 64 characters (code points) with no control characters. */
  public static Optional<String> checkMessageId(String id) {
    if (id == null || id.isEmpty() || characters(id) > MAX_MESSAGE_ID_LENGTH) {
      return Optional.of("Message id must be 1 to " + MAX_MESSAGE_ID_LENGTH + " characters.");
    }
    if (id.codePoints().anyMatch(PrintableText::isUnsafe)) {
      return Optional.of("Message id contains a control character.");
    }
    return Optional.empty();
  }

  /**
   * Checks a chat message: 1 to 128 Unicode code points (not bytes, not UTF-16 units) with no
   * control or bidirectional-override characters and no unpaired surrogates.
   */
  public static Optional<String> checkMessage(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.of("Message is empty.");
    }
    int length = text.codePointCount(0, text.length());
    if (length > MAX_MESSAGE_CODE_POINTS) {
      return Optional.of(
          "Message too long (" + length + " characters). Limit is " + MAX_MESSAGE_CODE_POINTS + ".");
    }
    int position = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      position++;
      if (PrintableText.isUnsafe(cp)) {
        return Optional.of(
            String.format(
                "Message contains a control character (U+%04X) at character %d.", cp, position));
      }
      i += Character.charCount(cp);
    }
    if (text.isBlank()) {
      return Optional.of("Message is blank.");
    }
    return Optional.empty();
  }

  /** The code-point length of {@code text}. */
  public static int characters(String text) {
    return text.codePointCount(0, text.length());
  }

  private static String abbreviate(String value) {
    String shown = value.codePointCount(0, value.length()) > 40
        ? value.substring(0, value.offsetByCodePoints(0, 40)) + "..."
        : value;
    return PrintableText.escape(shown);
  }
}
