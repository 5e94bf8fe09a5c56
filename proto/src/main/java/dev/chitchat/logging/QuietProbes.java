package dev.chitchat.logging;

import dev.chitchat.clock.ClockEvent;
import dev.chitchat.clock.EventDetails;
import dev.chitchat.clock.EventKind;
import dev.chitchat.clock.Leg;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Tells the events of a successful probe (the server's empty Broadcast to an idle participant,
 * labelled {@code probe}) from the rest, so that the console can leave them out: the request legs
 * carry the label, and a response leg belongs to a probe when its call id was seen on one. A probe
 * whose response is not {@code OK} is not quiet.
 *
 * <p>Not thread-safe: {@link Log4jEventLog} calls it under the clock's lock. Remembers at most the
 * 1,024 most recent probe call ids.
 */
final class QuietProbes implements Predicate<ClockEvent> {

  private static final int REMEMBERED = 1024;

  private final Set<String> probes =
      Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      });

  @Override
  public boolean test(ClockEvent event) {
    EventDetails d = event.details();
    if (d.callId() == null || d.leg() == null) {
      return false;
    }
    if (d.leg() == Leg.REQUEST) {
      if ("probe".equals(d.text())) {
        probes.add(d.callId());
        return true;
      }
      return false;
    }
    boolean probe = probes.contains(d.callId());
    if (probe && d.kind() == EventKind.RECEIVE) {
      probes.remove(d.callId()); // the caller's last event of the call
    }
    return probe && "OK".equals(d.status());
  }
}
