package dev.chitchat.rules;

/**
 * Makes text safe to show on a terminal or in a one-line log: every control character (Unicode
 * category Cc, e.g. ESC, which starts ANSI escape sequences), every bidirectional-override
 * character (U+202A..U+202E, U+2066..U+2069), every line or paragraph separator, and every unpaired
 * surrogate is replaced by a visible escape such as {@code \u001B}. Everything else is kept.
 * Stateless and thread-safe.
 */
public final class PrintableText {

  private PrintableText() {}

  /** Returns {@code text} with every unsafe code point escaped; {@code null} stays {@code null}. */
  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = null;
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      int width = Character.charCount(cp);
      if (isUnsafe(cp)) {
        if (out == null) {
          out = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        out.append(String.format("\\u%04X", cp));
      } else if (out != null) {
        out.appendCodePoint(cp);
      }
      i += width;
    }
    return out == null ? text : out.toString();
  }

  /** Whether {@code codePoint} would be escaped by {@link #escape}. */
  public static boolean isUnsafe(int codePoint) {
    if (codePoint >= 0x20 && codePoint < 0x7F) {
      return false; // printable ASCII: the common case, decided without a Unicode table lookup
    }
    int type = Character.getType(codePoint);
    return type == Character.CONTROL
        || type == Character.SURROGATE
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || (codePoint >= 0x202A && codePoint <= 0x202E)
        || (codePoint >= 0x2066 && codePoint <= 0x2069);
  }
}
