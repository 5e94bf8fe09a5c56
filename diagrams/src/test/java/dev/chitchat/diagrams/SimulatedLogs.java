package dev.chitchat.diagrams;

import com.google.gson.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The processes' Lamport clocks and JSON Lines logs of a simulated run, written as the real
 * processes write them; the run builders ({@link RunBuilder}, {@link ClusterRunBuilder}) decide what
 * happens. Events are returned unwritten, so a builder can add fields before {@link #emit}.
 */
final class SimulatedLogs {

  private final Map<String, Long> clocks = new LinkedHashMap<>();
  private final Map<String, List<String>> lines = new LinkedHashMap<>();
  private long micros;

  /** Adds a process (a clock at 0 and an empty log) unless it is there. */
  void process(String name) {
    clocks.putIfAbsent(name, 0L);
    lines.computeIfAbsent(name, k -> new ArrayList<>());
  }

  /** A process that starts again: its clock from 0, its log continued. */
  void restart(String name) {
    clocks.put(name, 0L);
  }

  /** The lines of a process's log, mutable. */
  List<String> lines(String process) {
    return lines.get(process);
  }

  JsonObject event(String process, long lamport, String kind) {
    JsonObject o = new JsonObject();
    o.addProperty("time", Instant.ofEpochSecond(1_800_000_000L, (micros++) * 1000).toString());
    o.addProperty("process", process);
    o.addProperty("lamport", lamport);
    o.addProperty("kind", kind);
    return o;
  }

  /** Ticks the process's clock: L := L + 1. */
  JsonObject tick(String process, String kind) {
    long l = clocks.merge(process, 1L, Long::sum);
    return event(process, l, kind);
  }

  void emit(JsonObject o) {
    lines.get(o.get("process").getAsString()).add(o.toString());
  }

  JsonObject action(String process, String action, String text) {
    JsonObject o = tick(process, "action");
    o.addProperty("action", action);
    if (text != null) {
      o.addProperty("text", text);
    }
    return o;
  }

  JsonObject send(String from, String to, String rpc, String leg, String callId, String status) {
    JsonObject o = tick(from, "send");
    o.addProperty("rpc", rpc);
    o.addProperty("leg", leg);
    o.addProperty("callId", callId);
    o.addProperty("peer", to);
    if (status != null) {
      o.addProperty("status", status);
    }
    return o;
  }

  /**
   * A receive: L := max(L, carried) + 1. A request other than a Join or a replicated entry names
   * its authenticated caller ({@code auth}), as the clock interceptor logs it.
   */
  JsonObject receive(
      String at, String from, String rpc, String leg, String callId, String status, Long carried) {
    long l = clocks.get(at);
    l = (carried == null ? l : Math.max(l, carried)) + 1;
    clocks.put(at, l);
    JsonObject o = event(at, l, "receive");
    o.addProperty("rpc", rpc);
    o.addProperty("leg", leg);
    o.addProperty("callId", callId);
    o.addProperty("peer", from);
    if (status != null) {
      o.addProperty("status", status);
    }
    if (carried != null) {
      o.addProperty("msgLamport", carried);
    }
    if ("request".equals(leg) && !"Join".equals(rpc) && !RunModel.REPLICATE.equals(rpc)) {
      o.addProperty("auth", from); // the session token's or the callback secret's holder
    }
    return o;
  }

  /** Writes {@code <process>.jsonl} for every process into {@code dir}. */
  Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, List<String>> e : lines.entrySet()) {
      try (BufferedWriter w =
          Files.newBufferedWriter(dir.resolve(e.getKey() + ".jsonl"), StandardCharsets.UTF_8)) {
        for (String line : e.getValue()) {
          w.write(line);
          w.write('\n');
        }
      }
    }
    return dir;
  }
}
