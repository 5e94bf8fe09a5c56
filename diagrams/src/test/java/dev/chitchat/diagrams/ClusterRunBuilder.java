package dev.chitchat.diagrams;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Simulates a run of a replicated chat (docs/cluster.md) with real Lamport clocks and writes the
 * JSON Lines logs its processes would write: replicas {@code s1}, {@code s2}, ... that propose every
 * command as a Replicate send ({@code peer: replicas}, a fresh call id, the command as {@code action},
 * the announcement or message as {@code text}) and apply it as a receive on every live replica, the
 * proposer included ({@code peer}: the proposer, {@code seq} when it created a chat event); a
 * {@code leader} action; participants attached to one replica each, which Broadcasts to them; a
 * participant's {@code failover} and its Join with resume to another replica, which then sends it the
 * events it missed; a replica killed and restarted, appending to its own log with a clock from 0 and
 * applying every committed entry again. Tests break the logs by editing {@link #lines}.
 */
final class ClusterRunBuilder {

  /** A committed (or lost) entry. */
  private static final class Entry {
    final String callId;
    final String proposer;
    final long sendL;
    String action;
    final String text;
    Long seq;

    Entry(String callId, String proposer, long sendL, String action, String text) {
      this.callId = callId;
      this.proposer = proposer;
      this.sendL = sendL;
      this.action = action;
      this.text = text;
    }
  }

  private final SimulatedLogs logs = new SimulatedLogs();
  private final Set<String> alive = new LinkedHashSet<>();
  private final Map<String, String> attached = new LinkedHashMap<>();
  /** Events each member has yet to be sent (its replica was down), in order. */
  private final Map<String, List<long[]>> pending = new LinkedHashMap<>();
  private final Map<Long, String> chatLines = new LinkedHashMap<>();
  private final List<Entry> committed = new ArrayList<>();
  private long seq;
  private long calls;

  ClusterRunBuilder(String... replicas) {
    for (String r : replicas) {
      process(r);
      alive.add(r);
    }
  }

  private void process(String name) {
    logs.process(name);
  }

  /** The lines of a process's log (all its incarnations), mutable. */
  List<String> lines(String process) {
    return logs.lines(process);
  }

  private void emit(JsonObject o) {
    logs.emit(o);
  }

  private JsonObject action(String process, String action, String text) {
    return logs.action(process, action, text);
  }

  private JsonObject send(String from, String to, String rpc, String leg, String callId, String status) {
    return logs.send(from, to, rpc, leg, callId, status);
  }

  private JsonObject receive(
      String at, String from, String rpc, String leg, String callId, String status, Long carried) {
    return logs.receive(at, from, rpc, leg, callId, status, carried);
  }

  private String newCall() {
    return "k" + (++calls);
  }

  /** {@code s} leads: the action a replica logs when it becomes the Raft leader. */
  ClusterRunBuilder leader(String s, int term) {
    emit(action(s, "leader", s + " leads term " + term));
    return this;
  }

  /** Proposes a command: the Replicate send (its Lamport time is the chat event's). */
  private Entry propose(String s, String action, String text, boolean logged) {
    String id = newCall();
    JsonObject o = send(s, "replicas", RunModel.REPLICATE, "request", id, null);
    long l = o.get("lamport").getAsLong();
    String t = text.replace("%L", Long.toString(l));
    o.addProperty("action", action);
    o.addProperty("text", t);
    if (logged) {
      emit(o);
    }
    return new Entry(id, s, l, action, t);
  }

  /** Commits an entry: every live replica applies it (a receive), in the order given. */
  private void commit(Entry en, boolean createsEvent) {
    if (createsEvent) {
      en.seq = ++seq;
    }
    committed.add(en);
    List<String> appliers = new ArrayList<>();
    if (alive.contains(en.proposer)) {
      appliers.add(en.proposer);
    }
    for (String r : alive) {
      if (!r.equals(en.proposer)) {
        appliers.add(r);
      }
    }
    for (String r : appliers) {
      apply(r, en);
    }
  }

  private void apply(String r, Entry en) {
    JsonObject o = receive(r, en.proposer, RunModel.REPLICATE, "request", en.callId, null, en.sendL);
    o.addProperty("action", en.action);
    if (en.seq != null) {
      o.addProperty("seq", en.seq);
    }
    emit(o);
  }

  /** A call from a participant to its replica; {@code replicaSide} runs between receive and response. */
  private void call(String who, String replica, String rpc, Runnable replicaSide) {
    String id = newCall();
    JsonObject req = send(who, replica, rpc, "request", id, null);
    emit(req);
    emit(receive(replica, who, rpc, "request", id, null, req.get("lamport").getAsLong()));
    replicaSide.run();
    JsonObject resp = send(replica, who, rpc, "response", id, "OK");
    emit(resp);
    emit(receive(who, replica, rpc, "response", id, "OK", resp.get("lamport").getAsLong()));
  }

  ClusterRunBuilder join(String who, String via) {
    process(who);
    emit(action(who, "join", "join as " + who + " with callback port 6101"));
    Entry[] en = new Entry[1];
    call(who, via, "Join", () -> {
      en[0] = propose(via, "join", "Participant " + who + " joined Chitty-Chat at Lamport time %L", true);
      commit(en[0], true);
    });
    attached.put(who, via);
    pending.put(who, new ArrayList<>());
    broadcast(en[0].seq, en[0].text);
    return this;
  }

  ClusterRunBuilder publish(String who, String message) {
    emit(action(who, "publish", message));
    Entry[] en = new Entry[1];
    call(who, attached.get(who), "Publish", () -> {
      en[0] = propose(attached.get(who), "publish", message, true);
      commit(en[0], true);
    });
    broadcast(en[0].seq, who + ": " + message);
    return this;
  }

  /**
   * {@code who} publishes again under its last message's id (its answer was lost): the replica
   * proposes it again and every replica applies it as a {@code duplicate} of that message's seq,
   * broadcasting nothing.
   */
  ClusterRunBuilder retryLastPublish(String who, String message) {
    long earlier = seq;
    call(who, attached.get(who), "Publish", () -> {
      Entry en = propose(attached.get(who), "publish", message, true);
      en.action = "duplicate";
      en.seq = earlier;
      commit(en, false);
    });
    return this;
  }

  /**
   * Two participants publish at once through their replicas: both proposals are sent before either
   * is committed, and Raft commits the one with the higher Lamport time first.
   */
  ClusterRunBuilder concurrentPublish(String first, String m1, String second, String m2) {
    emit(action(first, "publish", m1));
    emit(action(second, "publish", m2));
    String id1 = newCall();
    String id2 = newCall();
    String r1 = attached.get(first);
    String r2 = attached.get(second);
    JsonObject q1 = send(first, r1, "Publish", "request", id1, null);
    emit(q1);
    JsonObject q2 = send(second, r2, "Publish", "request", id2, null);
    emit(q2);
    emit(receive(r1, first, "Publish", "request", id1, null, q1.get("lamport").getAsLong()));
    Entry e1 = propose(r1, "publish", m1, true);
    emit(receive(r2, second, "Publish", "request", id2, null, q2.get("lamport").getAsLong()));
    Entry e2 = propose(r2, "publish", m2, true);
    // Raft commits the proposal with the higher Lamport time first: seq order and Lamport order
    // of the two (concurrent) events differ.
    Entry hi = e1.sendL >= e2.sendL ? e1 : e2;
    commit(hi, true);
    commit(hi == e1 ? e2 : e1, true);
    JsonObject a1 = send(r1, first, "Publish", "response", id1, "OK");
    emit(a1);
    emit(receive(first, r1, "Publish", "response", id1, "OK", a1.get("lamport").getAsLong()));
    JsonObject a2 = send(r2, second, "Publish", "response", id2, "OK");
    emit(a2);
    emit(receive(second, r2, "Publish", "response", id2, "OK", a2.get("lamport").getAsLong()));
    if (e1.seq < e2.seq) {
      broadcast(e1.seq, first + ": " + m1);
      broadcast(e2.seq, second + ": " + m2);
    } else {
      broadcast(e2.seq, second + ": " + m2);
      broadcast(e1.seq, first + ": " + m1);
    }
    return this;
  }

  ClusterRunBuilder leave(String who) {
    emit(action(who, "leave", who + " leaves"));
    Entry[] en = new Entry[1];
    call(who, attached.get(who), "Leave", () -> {
      en[0] = propose(attached.get(who), "leave", "Participant " + who + " left Chitty-Chat at Lamport time %L", true);
      commit(en[0], true);
    });
    attached.remove(who);
    pending.remove(who);
    broadcast(en[0].seq, en[0].text);
    return this;
  }

  /** Replica {@code s} is killed (SIGKILL): it logs nothing more until {@link #restart}. */
  ClusterRunBuilder kill(String s) {
    alive.remove(s);
    return this;
  }

  /**
   * A participant's Publish through {@code s}, which proposes the entry and is killed before its
   * log line is written; the others commit and apply it. The participant's call fails.
   */
  ClusterRunBuilder publishAndKillProposer(String who, String message) {
    String s = attached.get(who);
    emit(action(who, "publish", message));
    String id = newCall();
    JsonObject req = send(who, s, "Publish", "request", id, null);
    emit(req);
    emit(receive(s, who, "Publish", "request", id, null, req.get("lamport").getAsLong()));
    Entry en = propose(s, "publish", message, false);
    alive.remove(s);
    commit(en, true);
    JsonObject failed = receive(who, s, "Publish", "response", id, "UNAVAILABLE", null);
    failed.addProperty("text", "io exception");
    emit(failed);
    broadcast(en.seq, who + ": " + message);
    return this;
  }

  /**
   * Replica {@code s} is started again: it appends to its log with a clock from 0 and applies every
   * committed entry again, in order (Raft replays its log into the state machine).
   */
  ClusterRunBuilder restart(String s) {
    logs.restart(s);
    alive.add(s);
    for (Entry en : new ArrayList<>(committed)) {
      apply(s, en);
    }
    return this;
  }

  /**
   * {@code who} notices its replica is dead, moves to {@code to} (a Join with resume, committed as an
   * {@code attach} entry that creates no event), and {@code to} sends it the events it missed.
   */
  ClusterRunBuilder failover(String who, String to) {
    return failover(who, to, 0);
  }

  /** A failover whose new replica, wrongly, leaves out the first {@code skip} events missed. */
  ClusterRunBuilder failover(String who, String to, int skip) {
    String from = attached.get(who);
    emit(action(who, "failover", "moved from " + from + " to " + to));
    call(who, to, "Join", () -> commit(propose(to, "attach", who + " attached to " + to, true), false));
    attached.put(who, to);
    List<long[]> missed = pending.get(who);
    missed.subList(0, Math.min(skip, missed.size())).clear();
    if (!missed.isEmpty()) {
      sendBroadcast(to, who, new ArrayList<>(missed));
      missed.clear();
    }
    return this;
  }

  private void broadcast(long s, String text) {
    chatLines.put(s, text);
    for (Map.Entry<String, String> a : attached.entrySet()) {
      String who = a.getKey();
      if (!alive.contains(a.getValue())) {
        pending.get(who).add(new long[] {s});
        continue;
      }
      sendBroadcast(a.getValue(), who, List.<long[]>of(new long[] {s}));
    }
  }

  /** One Broadcast of some events from a replica to a participant, delivered and answered. */
  private void sendBroadcast(String replica, String who, List<long[]> events) {
    String id = newCall();
    JsonObject req = send(replica, who, "Broadcast", "request", id, null);
    emit(req);
    emit(receive(who, replica, "Broadcast", "request", id, null, req.get("lamport").getAsLong()));
    for (long[] e : events) {
      JsonObject d = action(who, "deliver", chatLines.get(e[0]));
      d.addProperty("callId", id);
      d.addProperty("peer", replica);
      d.addProperty("rpc", "Broadcast");
      d.addProperty("seq", e[0]);
      emit(d);
    }
    JsonObject resp = send(who, replica, "Broadcast", "response", id, "OK");
    emit(resp);
    emit(receive(replica, who, "Broadcast", "response", id, "OK", resp.get("lamport").getAsLong()));
  }

  /** Writes {@code <process>.jsonl} for every process into {@code dir}. */
  Path write(Path dir) throws IOException {
    return logs.write(dir);
  }

  /**
   * The cluster run of the tests: three replicas, a leader change after s1 is killed, a participant
   * that fails over from s1 to s2, two concurrent publishes that Raft commits in the order opposite
   * to their Lamport times, s1 restarted (a new incarnation applying every entry again), a proposal
   * whose proposer was killed before logging it, and a leave.
   */
  static ClusterRunBuilder demo() {
    return new ClusterRunBuilder("s1", "s2", "s3")
        .leader("s1", 1)
        .join("Ann", "s1")
        .join("Bob", "s2")
        .join("Cid", "s3")
        .publish("Ann", "hello from s1")
        .publish("Bob", "hi Ann")
        .kill("s1")
        .leader("s2", 2)
        .publish("Bob", "s1 is gone")
        .failover("Ann", "s2")
        .publish("Ann", "back, through s2")
        .concurrentPublish("Cid", "first in Raft order", "Bob", "second in Raft order")
        .restart("s1")
        .publish("Cid", "s1 is back")
        .leave("Cid");
  }
}
