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
 * Simulates a Chitty-Chat run with real Lamport clocks and writes the JSON Lines logs the processes
 * would write, following the conventions of the server and participants (join, publish, refuse,
 * leave, crash and removal, Broadcast fan-out with one delivery per event). Tests break the logs by
 * editing {@link #lines}.
 */
final class RunBuilder {

  private final SimulatedLogs logs = new SimulatedLogs();
  private final Set<String> members = new LinkedHashSet<>();
  private final Set<String> crashed = new LinkedHashSet<>();
  private long seq;
  private long calls;

  RunBuilder() {
    process("server");
  }

  private void process(String name) {
    logs.process(name);
  }

  /** The lines of a process's log, mutable. */
  List<String> lines(String process) {
    return logs.lines(process);
  }

  private void emit(JsonObject o) {
    logs.emit(o);
  }

  private JsonObject action(String process, String action, String text) {
    return logs.action(process, action, text);
  }

  /** A send; returns the Lamport time the message carries. */
  private long send(String from, String to, String rpc, String leg, String callId, String status) {
    JsonObject o = logs.send(from, to, rpc, leg, callId, status);
    emit(o);
    return o.get("lamport").getAsLong();
  }

  private void receive(
      String at, String from, String rpc, String leg, String callId, String status, Long carried) {
    emit(logs.receive(at, from, rpc, leg, callId, status, carried));
  }

  private String newCall() {
    return "c" + (++calls);
  }

  /** A request from a participant to the server; {@code serverSide} runs between receive and response. */
  private void call(String who, String rpc, String status, Runnable serverSide) {
    String id = newCall();
    long req = send(who, "server", rpc, "request", id, null);
    receive("server", who, rpc, "request", id, null, req);
    serverSide.run();
    long resp = send("server", who, rpc, "response", id, status);
    receive(who, "server", rpc, "response", id, status, resp);
  }

  private JsonObject serverEvent(String action, String peer, String text, String callId) {
    JsonObject o = action("server", action, null);
    o.addProperty("seq", ++seq);
    o.addProperty("peer", peer);
    if (callId != null) {
      o.addProperty("callId", callId);
    }
    o.addProperty("text", text.replace("%L", o.get("lamport").getAsString()));
    emit(o);
    return o;
  }

  RunBuilder join(String who) {
    process(who);
    emit(action(who, "join", null));
    long[] s = new long[1];
    String[] text = new String[1];
    call(
        who,
        "Join",
        "OK",
        () -> {
          JsonObject o = serverEvent("join", who, "Participant " + who + " joined Chitty-Chat at Lamport time %L", "c" + calls);
          s[0] = o.get("seq").getAsLong();
          text[0] = o.get("text").getAsString();
          members.add(who);
        });
    broadcast(s[0], text[0]);
    return this;
  }

  RunBuilder publish(String who, String message) {
    emit(action(who, "publish", message));
    long[] s = new long[1];
    call(
        who,
        "Publish",
        "OK",
        () -> s[0] = serverEvent("publish", who, message, null).get("seq").getAsLong());
    broadcast(s[0], who + ": " + message);
    return this;
  }

  RunBuilder refusedPublish(String who, String message) {
    emit(action(who, "publish", message));
    call(
        who,
        "Publish",
        "INVALID_ARGUMENT",
        () ->
            emit(
                action(
                    "server",
                    "refuse",
                    "Message too long (" + message.length() + " characters). Limit is 128.")));
    return this;
  }

  RunBuilder leave(String who) {
    emit(action(who, "leave", null));
    long[] s = new long[1];
    String[] text = new String[1];
    call(
        who,
        "Leave",
        "OK",
        () -> {
          members.remove(who);
          JsonObject o = serverEvent("leave", who, "Participant " + who + " left Chitty-Chat at Lamport time %L", null);
          s[0] = o.get("seq").getAsLong();
          text[0] = o.get("text").getAsString();
        });
    broadcast(s[0], text[0]);
    return this;
  }

  /** The participant stops without a word; the server notices at its next Broadcast to it. */
  RunBuilder crash(String who) {
    crashed.add(who);
    return this;
  }

  /**
   * Fans event {@code s} out: first every Broadcast request is sent, then each member receives it,
   * delivers and answers, then the server receives the answers (so the members' events are
   * concurrent with each other).
   */
  private void broadcast(long s, String text) {
    List<String> targets = new ArrayList<>(members);
    Map<String, String> ids = new LinkedHashMap<>();
    Map<String, Long> carried = new LinkedHashMap<>();
    for (String t : targets) {
      String id = newCall();
      ids.put(t, id);
      carried.put(t, send("server", t, "Broadcast", "request", id, null));
    }
    Map<String, Long> answers = new LinkedHashMap<>();
    for (String t : targets) {
      if (crashed.contains(t)) {
        continue;
      }
      receive(t, "server", "Broadcast", "request", ids.get(t), null, carried.get(t));
      JsonObject d = action(t, "deliver", text);
      d.addProperty("seq", s);
      emit(d);
      answers.put(t, send(t, "server", "Broadcast", "response", ids.get(t), "OK"));
    }
    List<String> removed = new ArrayList<>();
    for (String t : targets) {
      if (crashed.contains(t)) {
        receive("server", t, "Broadcast", "response", ids.get(t), "UNAVAILABLE", null);
        removed.add(t);
      } else {
        receive("server", t, "Broadcast", "response", ids.get(t), "OK", answers.get(t));
      }
    }
    for (String t : removed) {
      members.remove(t);
      crashed.remove(t);
      JsonObject o = serverEvent("remove", t, "Participant " + t + " was removed: not reachable", null);
      broadcast(o.get("seq").getAsLong(), o.get("text").getAsString());
    }
  }

  /** Writes {@code <process>.jsonl} for every process into {@code dir}. */
  Path write(Path dir) throws IOException {
    return logs.write(dir);
  }

  /** The demo-like run used by several tests: three participants, a refusal, a leave. */
  static RunBuilder demo() {
    return new RunBuilder()
        .join("Alex")
        .join("Bob")
        .publish("Alex", "Hello World!")
        .join("Carl")
        .publish("Bob", "Hi Alex <b>&amp;</b> \"everyone\"")
        .refusedPublish("Carl", "x".repeat(150))
        .publish("Carl", "Lamport says hi")
        .leave("Bob")
        .publish("Alex", "Bye Bob");
  }
}
