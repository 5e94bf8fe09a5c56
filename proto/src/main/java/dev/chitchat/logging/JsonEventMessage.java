package dev.chitchat.logging;

import com.google.common.io.CharStreams;
import com.google.gson.stream.JsonWriter;
import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventDetails;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.logging.log4j.message.AsynchronouslyFormattable;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.util.StringBuilderFormattable;

/**
 * One clock event as the fields of its JSON Lines object, after {@code "time"}: every present field
 * in alphabetical order, as {@code "key":value} pairs separated by commas, strings escaped as JSON
 * requires, absent fields left out. {@link LogSetup} wraps it as {@code {"time":"<UTC
 * time>",<fields>}}: the time comes from log4j2's own clock and date format, the fields from Gson.
 *
 * <p>Written into log4j2's buffer ({@link StringBuilderFormattable}) by Gson's streaming {@link
 * JsonWriter}. Immutable, so an asynchronous logger formats it on its background thread.
 */
@AsynchronouslyFormattable
final class JsonEventMessage implements Message, StringBuilderFormattable {

  private static final long serialVersionUID = 1L;

  private final transient ClockEvent event;

  JsonEventMessage(ClockEvent event) {
    this.event = event;
  }

  @Override
  public void formatTo(StringBuilder b) {
    EventDetails d = event.details();
    int start = b.length();
    try {
      JsonWriter w = new JsonWriter(CharStreams.asWriter(b));
      w.beginObject();
      string(w, LogFields.ACTION, d.action());
      string(w, LogFields.AUTH, d.auth());
      string(w, LogFields.CALL_ID, d.callId());
      string(w, LogFields.KIND, d.kind().wireName());
      w.name(LogFields.LAMPORT).value(event.lamport());
      string(w, LogFields.LEG, d.leg() == null ? null : d.leg().wireName());
      number(w, LogFields.MESSAGE_LAMPORT, event.messageLamport());
      string(w, LogFields.PEER, d.peer());
      string(w, LogFields.PROCESS, event.process());
      number(w, LogFields.REFUSED_LAMPORT, event.refusedLamport());
      string(w, LogFields.RPC, d.rpc());
      number(w, LogFields.SEQ, d.seq());
      string(w, LogFields.STATUS, d.status());
      string(w, LogFields.TEXT, d.text());
      w.endObject();
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringBuilder does not fail
    }
    // Gson wrote a whole object, {...}; the layout's pattern opens it with the time and closes it.
    b.deleteCharAt(start);
    b.setLength(b.length() - 1);
  }

  private static void string(JsonWriter w, String key, String value) throws IOException {
    if (value != null) {
      w.name(key).value(value);
    }
  }

  private static void number(JsonWriter w, String key, Long value) throws IOException {
    if (value != null) {
      w.name(key).value(value.longValue());
    }
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
