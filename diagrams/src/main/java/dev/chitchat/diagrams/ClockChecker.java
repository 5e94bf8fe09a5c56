package dev.chitchat.diagrams;

import dev.chitchat.logging.EventLogReader;
import dev.chitchat.logging.LoggedEvent;
import dev.chitchat.rules.PrintableText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a run's logs against the Lamport clock rules (Lamport 1978: the clock condition, {@code a ->
 * b} implies {@code L(a) < L(b)}) and the chat's delivery rules; see {@link Check} for the five
 * checks. Stateless and thread-safe; one pass over the events, O(events + members x chat events).
 *
 * <p>Chat membership is read from the server's log: participant {@code P} is a member from the
 * server's {@code join} action for {@code P} (its sequence number included) until the server's {@code
 * leave} or {@code remove} action for {@code P} (excluded).
 */
public final class ClockChecker {

  private static final int MAX_TEXT = 60;

  private ClockChecker() {}

  /** Runs all checks. Never throws for bad logs: everything wrong is a {@link Finding}. */
  public static CheckReport check(RunModel m) {
    List<Finding> violations = new ArrayList<>();
    List<Finding> notes = new ArrayList<>();
    for (EventLogReader.Problem p : m.problems()) {
      violations.add(
          new Finding(
              Check.LOG_LINES,
              p.file().getFileName() + ":" + p.line(),
              -1,
              PrintableText.escape(p.message())));
    }
    checkProcessOrder(m, violations);
    checkMessages(m, violations);
    int[] counts = checkDelivery(m, violations, notes);
    checkUnmatched(m, violations, notes);
    return new CheckReport(violations, notes, counts[0], counts[1]);
  }

  private static void checkProcessOrder(RunModel m, List<Finding> out) {
    for (int p = 0; p < m.processes().size(); p++) {
      long previous = 0;
      for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
        LoggedEvent e = m.event(i);
        long l = e.lamport();
        if (l <= previous) {
          out.add(
              finding(
                  Check.PROCESS_ORDER,
                  m,
                  i,
                  "Lamport time " + l + " does not increase (previous event of " + e.process()
                      + " had " + previous + ")"));
        } else if (!(e.isReceive() && e.messageLamport() != null) && l != previous + 1) {
          out.add(
              finding(
                  Check.PROCESS_ORDER,
                  m,
                  i,
                  "a " + e.kind() + " must tick by 1: expected L=" + (previous + 1) + ", found " + l));
        }
        previous = Math.max(previous, l);
      }
    }
  }

  private static void checkMessages(RunModel m, List<Finding> out) {
    for (int p = 0; p < m.processes().size(); p++) {
      for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
        LoggedEvent r = m.event(i);
        if (!r.isReceive() || r.messageLamport() == null) {
          continue;
        }
        long local = i == m.firstEventOf(p) ? 0 : m.event(i - 1).lamport();
        int s = m.partner(i);
        if (s >= 0) {
          LoggedEvent send = m.event(s);
          if (send.lamport() >= r.lamport()) {
            out.add(
                finding(
                    Check.MESSAGES,
                    m,
                    i,
                    "receive at L=" + r.lamport() + " is not after its send at L=" + send.lamport()
                        + " (" + send.location() + ")"));
          }
          if (r.messageLamport() != send.lamport()) {
            out.add(
                finding(
                    Check.MESSAGES,
                    m,
                    i,
                    "message carried L=" + r.messageLamport() + " but was sent at L="
                        + send.lamport() + " (" + send.location() + ")"));
          }
        }
        long expected = Math.max(local, r.messageLamport()) + 1;
        if (r.lamport() != expected && r.lamport() > local) {
          out.add(
              finding(
                  Check.MESSAGES,
                  m,
                  i,
                  "receive must be max(local " + local + ", message " + r.messageLamport()
                      + ") + 1 = " + expected + ", found " + r.lamport()));
        }
      }
    }
    for (RunModel.Message d : m.duplicateCallIds()) {
      out.add(
          finding(
              Check.MESSAGES,
              m,
              d.receive(),
              "call id " + text(m.event(d.receive()).callId()) + " (" + m.event(d.receive()).leg()
                  + ") is used twice; first at " + m.location(d.send())));
    }
    for (int r : m.droppedMessages()) {
      out.add(
          finding(
              Check.MESSAGES,
              m,
              r,
              "receive is part of a happens-before cycle: its send at " + m.location(m.partner(r))
                  + " happens after it"));
    }
  }

  /** Membership interval [from, to) in sequence numbers; to = Long.MAX_VALUE while still a member. */
  private record Interval(long from, long to, String endedBy) {}

  /**
   * One chat: the servers that number its events (one sequence of numbers), the names its
   * participants' {@code deliver} actions give as their {@code peer}, and whether it ended without
   * a {@code stop} (its last events may never have been delivered).
   *
   * @param label how findings name it: the server's name, or "the cluster"
   */
  private record Chat(String label, List<Integer> servers, Set<String> peers, boolean crashed, boolean cluster) {}

  /** A chat event as the chat's servers logged it: where first, what it did, and to whom. */
  private static final class ChatEvent {
    final int event;
    final String action;
    String member;
    boolean memberFromPeer;
    String text;

    ChatEvent(int event, String action) {
      this.event = event;
      this.action = action;
    }
  }

  /**
   * The chats of a run. Without replicas, every server is one (a restarted server numbers its events
   * from 1 again). The replicas of a cluster, all incarnations included, are one chat whatever the
   * replica: sequence numbers are per chat (docs/cluster.md), so an event is taken once however many
   * replicas applied it, and a participant's deliveries count whichever replica broadcast them.
   */
  private static List<Chat> chats(RunModel m) {
    List<Chat> chats = new ArrayList<>();
    Set<String> crashed = crashedServers(m);
    if (!m.replicas().isEmpty()) {
      List<Integer> servers = new ArrayList<>();
      Set<String> peers = new HashSet<>();
      boolean stopped = false;
      for (Map.Entry<String, String> r : m.replicas().entrySet()) {
        int p = m.processIndex(r.getKey());
        servers.add(p);
        peers.add(r.getKey());
        peers.add(r.getValue());
        for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
          stopped |= m.event(i).isAction("stop");
        }
      }
      chats.add(new Chat("the cluster", servers, peers, !stopped, true));
    }
    for (String server : m.servers()) {
      if (!m.isReplica(server)) {
        chats.add(new Chat(server, List.of(m.processIndex(server)), Set.of(server),
            crashed.contains(server), false));
      }
    }
    return chats;
  }

  /**
   * Check 3 for every chat of the run: a participant's deliveries belong to the chat of the server
   * that broadcast them, the {@code peer} of its {@code deliver} actions (when the run has one chat,
   * every delivery counts).
   */
  private static int[] checkDelivery(RunModel m, List<Finding> violations, List<Finding> notes) {
    int deliveries = 0;
    for (int i = 0; i < m.eventCount(); i++) {
      if (m.event(i).isAction("deliver")) {
        deliveries++;
      }
    }
    if (m.servers().isEmpty()) {
      if (deliveries > 0) {
        notes.add(
            new Finding(
                Check.DELIVERY, "(run)", -1, "no server log: deliveries are not checked"));
      }
      return new int[] {0, deliveries};
    }
    int created = 0;
    List<Chat> chats = chats(m);
    for (Chat chat : chats) {
      created += checkDelivery(m, chat, chats.size() == 1, violations, notes);
    }
    return new int[] {created, deliveries};
  }

  /**
   * The events of a chat by sequence number, from its servers' logs: a server's action with a
   * {@code seq} (as a single server logs them), and a replica's receive of a Replicate entry with a
   * {@code seq}. An idempotent retry ({@code duplicate} action) creates none. The member of a join,
   * leave or remove is the action's {@code peer}, else the participant named by the announcement text
   * of the entry (on the receive, or on its send).
   */
  private static TreeMap<Long, ChatEvent> chatEvents(RunModel m, Chat chat, List<Finding> violations) {
    TreeMap<Long, ChatEvent> created = new TreeMap<>();
    for (int server : chat.servers()) {
      Map<Long, Integer> assigned = new HashMap<>();
      for (int i = m.firstEventOf(server); i < m.endOf(server); i++) {
        LoggedEvent e = m.event(i);
        boolean action = "action".equals(e.kind()) && e.seq() != null && !e.isAction("duplicate");
        boolean applied = e.isReceive() && RunModel.REPLICATE.equals(e.rpc()) && e.seq() != null
            && !"duplicate".equals(e.action());
        if (!action && !applied) {
          continue;
        }
        if (action) {
          Integer previous = assigned.putIfAbsent(e.seq(), i);
          if (previous != null) {
            violations.add(
                finding(
                    Check.DELIVERY,
                    m,
                    i,
                    "sequence number " + e.seq() + " was assigned twice; first at "
                        + m.location(previous)));
            continue;
          }
        }
        String text = e.text();
        if (text == null && applied && m.partner(i) >= 0) {
          text = m.event(m.partner(i)).text();
        }
        String member = null;
        if (action && e.peer() != null) {
          member = e.peer();
        } else if ("join".equals(e.action()) || "leave".equals(e.action()) || "remove".equals(e.action())) {
          member = RunModel.announced(text);
        }
        ChatEvent c = created.get(e.seq());
        if (c == null) {
          c = new ChatEvent(i, e.action());
          created.put(e.seq(), c);
        } else if (c.action != null && e.action() != null && !c.action.equals(e.action())) {
          violations.add(
              finding(
                  Check.DELIVERY,
                  m,
                  i,
                  "#" + e.seq() + " is " + text(e.action()) + " here but " + text(c.action) + " at "
                      + m.location(c.event) + ": the servers disagree about the chat's events"));
          continue;
        }
        if (member != null && (c.member == null || (action && !c.memberFromPeer))) {
          c.member = member;
          c.memberFromPeer = action && e.peer() != null;
        }
        if (c.text == null) {
          c.text = text;
        }
      }
    }
    return created;
  }

  private static int checkDelivery(RunModel m, Chat chat, boolean onlyChat,
      List<Finding> violations, List<Finding> notes) {
    TreeMap<Long, ChatEvent> created = chatEvents(m, chat, violations);
    Map<String, List<Interval>> membership = new HashMap<>();
    Map<String, Long> openSince = new HashMap<>();
    for (Map.Entry<Long, ChatEvent> c : created.entrySet()) {
      String who = c.getValue().member;
      String action = c.getValue().action;
      if (who == null) {
        continue;
      }
      if ("join".equals(action)) {
        openSince.putIfAbsent(who, c.getKey());
      } else if ("leave".equals(action) || "remove".equals(action)) {
        Long since = openSince.remove(who);
        if (since != null) {
          membership
              .computeIfAbsent(who, k -> new ArrayList<>())
              .add(new Interval(since, c.getKey(), action));
        }
      }
    }
    openSince.forEach(
        (who, since) ->
            membership
                .computeIfAbsent(who, k -> new ArrayList<>())
                .add(new Interval(since, Long.MAX_VALUE, null)));

    String creator = chat.cluster() ? "no replica committed" : "the server never created";
    for (Map.Entry<String, List<Interval>> entry : membership.entrySet()) {
      String who = entry.getKey();
      List<Interval> intervals = entry.getValue();
      int p = m.processIndex(who);
      if (p < 0) {
        notes.add(
            new Finding(
                Check.DELIVERY,
                text(who),
                -1,
                "no log for participant " + text(who) + ": its deliveries are not checked"));
        continue;
      }
      Set<Long> delivered = new HashSet<>();
      long last = Long.MIN_VALUE;
      for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
        LoggedEvent e = m.event(i);
        if (!e.isAction("deliver") || e.seq() == null
            || !(onlyChat || chat.peers().contains(e.peer()))) {
          continue;
        }
        long seq = e.seq();
        if (!delivered.add(seq)) {
          violations.add(finding(Check.DELIVERY, m, i, who + " delivered #" + seq + " twice"));
          continue;
        }
        if (seq < last) {
          violations.add(
              finding(
                  Check.DELIVERY, m, i, who + " delivered #" + seq + " after #" + last + ": out of order"));
        }
        last = Math.max(last, seq);
        if (!created.containsKey(seq)) {
          violations.add(
              finding(Check.DELIVERY, m, i, who + " delivered #" + seq + ", which " + creator));
        } else if (intervalOf(intervals, seq) == null) {
          violations.add(
              finding(
                  Check.DELIVERY,
                  m,
                  i,
                  who + " delivered #" + seq + " but was not a member when it was created"));
        }
      }
      for (Map.Entry<Long, ChatEvent> c : created.entrySet()) {
        long seq = c.getKey();
        Interval in = intervalOf(intervals, seq);
        if (in == null || delivered.contains(seq)) {
          continue;
        }
        int at = c.getValue().event;
        String what = describeChatEvent(c.getValue());
        long lastInInterval = Long.MIN_VALUE;
        for (long d : delivered) {
          if (d >= in.from() && d < in.to()) {
            lastInInterval = Math.max(lastInInterval, d);
          }
        }
        if ((in.endedBy() == null && !chat.crashed()) || seq < lastInInterval) {
          violations.add(
              new Finding(
                  Check.DELIVERY,
                  m.event(at).location(),
                  at,
                  who + " was a member but never delivered #" + seq + " (" + what + ")"
                      + (in.endedBy() == null ? "" : ", though it delivered later events up to #" + lastInInterval)));
        } else {
          notes.add(
              new Finding(
                  Check.DELIVERY,
                  m.event(at).location(),
                  at,
                  who + " did not deliver #" + seq + " (" + what + ") before "
                      + (in.endedBy() == null ? chat.label() + (chat.cluster() ? " went down" : " crashed")
                          : in.endedBy().equals("leave") ? "it was gone (left)" : "it was removed")));
        }
      }
    }
    return created.size();
  }

  /**
   * The servers that crashed: when the run has several servers (a restart), those whose log has
   * no {@code stop} action. What they sent last, and what was sent to them last, may never have
   * arrived, and the events they ordered last may never have been delivered.
   */
  private static Set<String> crashedServers(RunModel m) {
    Set<String> crashed = new HashSet<>();
    if (m.servers().size() > 1) {
      for (String server : m.servers()) {
        int p = m.processIndex(server);
        boolean stopped = false;
        for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
          stopped |= m.event(i).isAction("stop");
        }
        if (!stopped) {
          crashed.add(server);
        }
      }
    }
    return crashed;
  }

  private static Interval intervalOf(List<Interval> intervals, long seq) {
    for (Interval in : intervals) {
      if (in.from() <= seq && seq < in.to()) {
        return in;
      }
    }
    return null;
  }

  private static String describeChatEvent(ChatEvent c) {
    String t = c.text == null ? "" : ": " + text(c.text);
    return c.action + (c.member == null ? "" : " " + text(c.member)) + t;
  }

  /**
   * Whether receive {@code i} is a request whose caller the receiver could not vouch for: refused
   * before merging, forged (declared name and authenticated identity differ), or unauthenticated
   * (a Join) with no send in the log of the process it names. Such calls are an attacker's, not a
   * fault of the honest processes' logs.
   */
  private static boolean untrusted(RunModel m, int i) {
    LoggedEvent e = m.event(i);
    if (!e.isReceive() || !"request".equals(e.leg())) {
      return false;
    }
    return e.refusedLamport() != null
        || e.isForged()
        || (e.auth() == null && e.messageLamport() != null && m.partner(i) < 0);
  }

  private static void checkUnmatched(RunModel m, List<Finding> violations, List<Finding> notes) {
    Map<String, Integer> failedCalls = new HashMap<>();
    Set<String> removed = new HashSet<>();
    Set<String> untrustedCalls = new HashSet<>();
    for (int i = 0; i < m.eventCount(); i++) {
      LoggedEvent e = m.event(i);
      if (e.isReceive() && e.messageLamport() == null && e.callId() != null) {
        failedCalls.putIfAbsent(e.callId(), i);
      }
      if (e.callId() != null && untrusted(m, i)) {
        untrustedCalls.add(e.callId());
      }
      if (e.isAction("remove") && e.peer() != null && m.isServer(e.process())) {
        removed.add(e.peer());
      }
    }
    Set<String> crashedServers = crashedServers(m);
    for (int i = 0; i < m.eventCount(); i++) {
      LoggedEvent e = m.event(i);
      if (e.isReceive() && e.refusedLamport() != null) {
        notes.add(finding(Check.UNMATCHED, m, i, e.rpc() + " " + e.leg() + " from " + text(e.peer())
            + " refused before merging its Lamport time (it carried L=" + e.refusedLamport() + ")"));
        continue;
      }
      if (e.isReceive() && e.isForged()) {
        notes.add(finding(Check.UNMATCHED, m, i, "forged call from " + text(e.auth()) + ": "
            + e.rpc() + " " + e.leg() + " declared as from " + text(e.peer())));
        continue;
      }
      if (RunModel.isMulticast(e)) {
        checkMulticast(m, i, notes);
        continue;
      }
      if (m.partner(i) >= 0) {
        continue;
      }
      if (e.isReceive() && RunModel.REPLICATE.equals(e.rpc()) && e.messageLamport() != null
          && e.peer() != null && m.processIndex(e.peer()) >= 0) {
        notes.add(finding(Check.UNMATCHED, m, i, "receive of Replicate " + text(e.action())
            + (e.seq() == null ? "" : " #" + e.seq()) + " from " + text(e.peer()) + " (carried L="
            + e.messageLamport() + ") has no send: " + text(e.peer()) + "'s log does not have the"
            + " proposal (it was killed before the line was written, or proposed it in an earlier"
            + " incarnation whose log was not read)"));
        continue;
      }
      if (e.isSend() && "response".equals(e.leg()) && untrustedCalls.contains(e.callId())) {
        notes.add(finding(Check.UNMATCHED, m, i, "send of " + e.rpc() + " response to "
            + text(e.peer()) + " has no receive: it answers a call that " + text(e.peer())
            + "'s log does not have (forged, or refused before merging)"));
      } else if (e.isReceive() && untrusted(m, i) && e.peer() != null && m.processIndex(e.peer()) >= 0) {
        notes.add(finding(Check.UNMATCHED, m, i, "unauthenticated " + e.rpc() + " request declared as"
            + " from " + text(e.peer()) + " has no send in " + text(e.peer()) + "'s log: forged, or"
            + " from a process that keeps no log"));
      } else if (e.isSend() && crashedServers.contains(e.process())) {
        notes.add(finding(Check.UNMATCHED, m, i, "send of " + e.rpc() + " " + e.leg() + " to "
            + text(e.peer()) + " has no receive: " + e.process()
            + " crashed (the run has a restarted server, and this one's log has no stop)"));
      } else if (e.isSend() && e.peer() != null && crashedServers.contains(e.peer())) {
        notes.add(finding(Check.UNMATCHED, m, i, "send of " + e.rpc() + " " + e.leg() + " to "
            + text(e.peer()) + " has no receive: " + e.peer() + " crashed"));
      } else if (e.isSend()) {
        String what = "send of " + e.rpc() + " " + e.leg() + " to " + text(e.peer()) + " has no receive";
        Integer failed = e.callId() == null ? null : failedCalls.get(e.callId());
        if (failed != null) {
          notes.add(
              finding(
                  Check.UNMATCHED,
                  m,
                  i,
                  what + ": the call ended without a response carrying a Lamport time"
                      + statusSuffix(m.event(failed).status()) + " at " + m.location(failed)));
        } else if (e.peer() != null && removed.contains(e.peer())) {
          notes.add(finding(Check.UNMATCHED, m, i, what + ": " + text(e.peer()) + " crashed and was removed"));
        } else if (e.peer() == null || m.processIndex(e.peer()) < 0) {
          notes.add(finding(Check.UNMATCHED, m, i, what + ": no log of " + text(e.peer()) + " was read"));
        } else {
          violations.add(finding(Check.UNMATCHED, m, i, what));
        }
      } else if (e.isReceive()) {
        if (e.messageLamport() == null) {
          notes.add(
              finding(
                  Check.UNMATCHED,
                  m,
                  i,
                  e.rpc() + " " + e.leg() + " from " + text(e.peer()) + " carried no Lamport time"
                      + (e.status() == null ? "" : ": " + e.status())
                      + ("response".equals(e.leg()) && !"OK".equals(e.status()) ? " (the call failed)" : "")));
        } else if (e.peer() == null || m.processIndex(e.peer()) < 0) {
          notes.add(
              finding(
                  Check.UNMATCHED,
                  m,
                  i,
                  "receive of " + e.rpc() + " " + e.leg() + " from " + text(e.peer())
                      + " has no send: no log of " + text(e.peer()) + " was read"));
        } else {
          violations.add(
              finding(
                  Check.UNMATCHED,
                  m,
                  i,
                  "receive of " + e.rpc() + " " + e.leg() + " from " + text(e.peer())
                      + " (carried L=" + e.messageLamport() + ") has no send"));
        }
      }
    }
  }

  /**
   * A multicast (Replicate) send: received by any number of replicas, its proposer included. A
   * replica that never applied it was down (or caught up from a snapshot, which applies no single
   * entry), and an entry that no replica applied was never committed (its proposer lost its
   * leadership or was killed first): notes, not violations.
   */
  private static void checkMulticast(RunModel m, int i, List<Finding> notes) {
    LoggedEvent e = m.event(i);
    int[] receives = m.receivers(i);
    String what = "Replicate " + text(e.action());
    if (receives.length == 0) {
      notes.add(finding(Check.UNMATCHED, m, i, what + " proposed by " + e.process() + " was applied"
          + " by no replica: never committed (the proposer lost its leadership or was killed first)"));
      return;
    }
    Set<String> applied = new java.util.TreeSet<>();
    Long seq = null;
    for (int r : receives) {
      applied.add(m.replicaOf(m.processes().get(m.processOf(r))));
      seq = seq == null ? m.event(r).seq() : seq;
    }
    Set<String> missing = new java.util.TreeSet<>(m.replicas().values());
    missing.removeAll(applied);
    if (!missing.isEmpty()) {
      notes.add(finding(Check.UNMATCHED, m, i, what + (seq == null ? "" : " #" + seq) + " was applied by "
          + String.join(", ", applied) + " but not by " + String.join(", ", missing)
          + " (down then, or caught up from a snapshot)"));
    }
  }

  private static Finding finding(Check check, RunModel m, int i, String message) {
    return new Finding(check, m.location(i), i, message);
  }

  /** Log text for a one-line message: control characters escaped, shortened. */
  static String text(String s) {
    if (s == null) {
      return "?";
    }
    String t = PrintableText.escape(s);
    return t.length() <= MAX_TEXT ? t : t.substring(0, MAX_TEXT - 3) + "...";
  }

  private static String statusSuffix(String status) {
    return status == null || "OK".equals(status) ? "" : " (" + status + ")";
  }
}
