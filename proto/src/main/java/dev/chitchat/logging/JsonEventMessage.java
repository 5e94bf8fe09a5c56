package dev.chitchat.logging;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventDetails;
import org.apache.logging.log4j.message.AsynchronouslyFormattable;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.util.StringBuilderFormattable;

/**
 * One clock event as the fields of its JSON Lines object, after {@code "time"}: every present field
 * in alphabetical order, as {@code "key":value} pairs separated by commas, strings escaped as JSON
 * requires. {@link LogSetup} wraps it as {@code {"time":"<UTC time>",<fields>}}.
 *
 * <p>Written straight into log4j2's buffer ({@link StringBuilderFormattable}) rather than through
 * {@code JsonTemplateLayout} or Gson: either cost more per line, enough to lower the load
 * benchmark's throughput with logging on by more than a tenth (the comparison is in {@code
 * docs/performance.md}). Immutable, so an asynchronous logger formats it on its background thread.
 */
@AsynchronouslyFormattable
final class JsonEventMessage implements Message, StringBuilderFormattable {

  private static final long serialVersionUID = 1L;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final transient ClockEvent event;

  JsonEventMessage(ClockEvent event) {
    this.event = event;
  }

  @Override
  public void formatTo(StringBuilder b) {
    EventDetails d = event.details();
    int start = b.length();
    string(b, start, LogFields.ACTION, d.action());
    string(b, start, LogFields.AUTH, d.auth());
    string(b, start, LogFields.CALL_ID, d.callId());
    string(b, start, LogFields.KIND, d.kind().wireName());
    number(b, start, LogFields.LAMPORT, event.lamport());
    string(b, start, LogFields.LEG, d.leg() == null ? null : d.leg().wireName());
    number(b, start, LogFields.MESSAGE_LAMPORT, event.messageLamport());
    string(b, start, LogFields.PEER, d.peer());
    string(b, start, LogFields.PROCESS, event.process());
    number(b, start, LogFields.REFUSED_LAMPORT, event.refusedLamport());
    string(b, start, LogFields.RPC, d.rpc());
    number(b, start, LogFields.SEQ, d.seq());
    string(b, start, LogFields.STATUS, d.status());
    string(b, start, LogFields.TEXT, d.text());
  }

  private static void key(StringBuilder b, int start, String key) {
    if (b.length() > start) {
      b.append(',');
    }
    b.append('"').append(key).append("\":");
  }

  private static void number(StringBuilder b, int start, String key, Long value) {
    if (value != null) {
      number(b, start, key, value.longValue());
    }
  }

  private static void number(StringBuilder b, int start, String key, long value) {
    key(b, start, key);
    b.append(value);
  }

  private static void string(StringBuilder b, int start, String key, String value) {
    if (value == null) {
      return;
    }
    key(b, start, key);
    b.append('"');
    int n = value.length();
    int plain = 0;
    while (plain < n && needsNoEscape(value.charAt(plain))) {
      plain++;
    }
    if (plain == n) { // the common case: copied in one step
      b.append(value).append('"');
      return;
    }
    b.append(value, 0, plain);
    for (int i = plain; i < n; i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20) {
            b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static boolean needsNoEscape(char c) {
    return c >= 0x20 && c != '"' && c != '\\';
  }

  @Override
  public String getFormattedMessage() {
    StringBuilder b = new StringBuilder(160);
    formatTo(b);
    return b.toString();
  }

  @Override
  public String getFormat() {
    return "";
  }

  @Override
  public Object[] getParameters() {
    return null;
  }

  @Override
  public Throwable getThrowable() {
    return null;
  }
}
