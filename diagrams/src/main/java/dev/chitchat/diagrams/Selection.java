package dev.chitchat.diagrams;

import dev.chitchat.logging.LoggedEvent;
import java.util.HashSet;
import java.util.Set;

/**
 * Which processes and events of a run {@link DiagramOptions} select for drawing: the processes
 * named (all if none), the events in the Lamport window, without response legs if asked, and without
 * the server's probes of idle participants unless asked. Immutable; thread-safe.
 */
final class Selection {

  private final RunModel model;
  private final DiagramOptions options;
  /** Call ids of the server's probes (Broadcasts whose request is labelled "probe"), when hidden. */
  private final Set<String> probeCalls = new HashSet<>();

  Selection(RunModel model, DiagramOptions options) {
    this.model = model;
    this.options = options;
    if (!options.showProbes()) {
      for (int k = 0; k < model.eventCount(); k++) {
        LoggedEvent p = model.event(k);
        if ("Broadcast".equals(p.rpc()) && "request".equals(p.leg()) && "probe".equals(p.text())
            && p.callId() != null) {
          probeCalls.add(p.callId());
        }
      }
    }
  }

  /** Whether process {@code p} is drawn. */
  boolean process(int p) {
    return options.processes().isEmpty() || options.processes().contains(model.processes().get(p));
  }

  /** Whether event {@code i} belongs to a probe that is hidden. */
  boolean hiddenProbe(int i) {
    String callId = model.event(i).callId();
    return callId != null && probeCalls.contains(callId) && model.event(i).rpc() != null;
  }

  /** The number of probes hidden. */
  int hiddenProbes() {
    return probeCalls.size();
  }

  /** Whether event {@code i} is before the window ({@code --from}, Lamport ticks). */
  boolean beforeWindow(int i) {
    return options.from() != null && model.event(i).lamport() < options.from();
  }

  /** Whether event {@code i} is after the window ({@code --to}, Lamport ticks). */
  boolean afterWindow(int i) {
    return options.to() != null && model.event(i).lamport() > options.to();
  }

  /** Whether event {@code i} is drawn if its process is (before any {@code --max-events} cut). */
  boolean event(int i) {
    if (hiddenProbe(i) || beforeWindow(i) || afterWindow(i)) {
      return false;
    }
    return !(options.hideResponses() && "response".equals(model.event(i).leg()));
  }
}
