package dev.chitchat.diagrams;

import dev.chitchat.logging.LoggedEvent;
import dev.chitchat.rules.PrintableText;
import java.awt.Font;

/**
 * The text written under an event in the picture: a delivery's {@code #seq} and chat line, an
 * action's name (with {@code #seq} and the participant on a server), a refusal's reason, a failed
 * call's status. Log text is escaped ({@link PrintableText}), cut to a number of code points with an
 * ellipsis, and a long text is broken into two lines. Stateless.
 */
final class EventLabels {

  private static final java.util.regex.Pattern TERM = java.util.regex.Pattern.compile("term (\\d+)");
  private static final java.util.regex.Pattern MOVED_TO = java.util.regex.Pattern.compile("\\bto (\\S+)");

  private EventLabels() {}

  /** The label of event {@code i}, at most {@code maxChars} code points, or null when it has none. */
  static String label(RunModel model, int i, int maxChars) {
    LoggedEvent e = model.event(i);
    String label;
    if (e.isAction("leader")) {
      java.util.regex.Matcher t = TERM.matcher(e.text() == null ? "" : e.text());
      label = "leader" + (t.find() ? " (term " + t.group(1) + ")" : "");
    } else if (e.isAction("failover")) {
      java.util.regex.Matcher to = MOVED_TO.matcher(e.text() == null ? "" : e.text());
      label = "failover" + (to.find() ? " \u2192 " + to.group(1) : "");
    } else if (e.isSend() && RunModel.REPLICATE.equals(e.rpc())) {
      label = "propose " + (e.action() == null ? "" : e.action());
    } else if (e.isAction("deliver")) {
      label = (e.seq() == null ? "" : "#" + e.seq() + " ") + (e.text() == null ? "" : e.text());
    } else if ("action".equals(e.kind())) {
      String who = model.isServer(e.process()) && e.peer() != null ? " " + e.peer() : "";
      label = (e.seq() == null ? "" : "#" + e.seq() + " ") + e.action() + who;
      if (e.isAction("refuse") || e.isAction("gap")) {
        label = e.action() + (e.text() == null ? "" : ": " + e.text());
      }
    } else if (e.isReceive() && e.messageLamport() == null && e.status() != null && !"OK".equals(e.status())) {
      label = e.status();
    } else {
      return null;
    }
    return cut(PrintableText.escape(label), maxChars);
  }

  /** {@code s} cut to at most {@code max} code points, the last being an ellipsis when cut. */
  static String cut(String s, int max) {
    if (s.codePointCount(0, s.length()) <= max) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "\u2026";
  }

  /**
   * A label as one line when it is at most {@code width} pixels wide in {@code font}, else as two
   * lines broken at the space nearest its middle (in the middle, between code points, when no space
   * is near), so that a long chat line takes about half the width.
   */
  static String[] wrap(String label, Font font, double width) {
    if (Layout.textWidth(label, font) <= width) {
      return new String[] {label};
    }
    int middle = label.length() / 2;
    int best = -1;
    for (int k = label.indexOf(' '); k >= 0; k = label.indexOf(' ', k + 1)) {
      if (best < 0 || Math.abs(k - middle) < Math.abs(best - middle)) {
        best = k;
      }
    }
    if (best <= 0 || Math.abs(best - middle) > label.length() / 4) {
      int at = Character.isLowSurrogate(label.charAt(middle)) ? middle + 1 : middle;
      return new String[] {label.substring(0, at), label.substring(at)};
    }
    return new String[] {label.substring(0, best), label.substring(best + 1)};
  }
}
