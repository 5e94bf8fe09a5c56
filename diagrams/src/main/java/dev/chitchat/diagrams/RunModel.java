package dev.chitchat.diagrams;

import dev.chitchat.logging.EventLogReader;
import dev.chitchat.logging.LoggedEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The happens-before model of one run: every logged clock event grouped by process, each send paired
 * with its receive, and a vector timestamp for every event.
 *
 * <p><b>Happens-before</b> (L. Lamport, "Time, Clocks, and the Ordering of Events in a Distributed
 * System", CACM 21(7), 1978): {@code a -> b} when {@code a} precedes {@code b} on the same process, or
 * {@code a} is the send of a message whose receive is {@code b}, or transitively. The events of a
 * process are taken in log order (file, then line), which is its tick order.
 *
 * <p><b>Message pairing</b>: a send and a receive pair when they have the same {@code callId} and the
 * same {@code leg}, and the receive carried a Lamport time ({@code msgLamport}). A receive without a
 * carried time is a call that failed locally (or a caller that did not send a time); it is never
 * paired.
 *
 * <p><b>Vector timestamps</b> (C. J. Fidge, "Timestamps in Message-Passing Systems That Preserve the
 * Partial Ordering", 1988; F. Mattern, "Virtual Time and Global States of Distributed Systems",
 * 1988) are derived from the graph, not logged: the processes keep Lamport clocks only. Entry {@code
 * q} of the timestamp of event {@code e} is the number of events of process {@code q} that happen
 * before or are {@code e}; so the own entry of the {@code k}-th event (0-based) of a process is {@code
 * k + 1}, and {@code a -> b} iff {@code V(a)[p(a)] <= V(b)[p(a)]} and {@code a != b}. The events are
 * visited in a topological order of the graph (Kahn's algorithm over the per-process queues); if
 * inconsistent logs make the graph cyclic, the message edge of the blocked receive with the smallest
 * Lamport time is dropped and reported by {@link #droppedMessages()}.
 *
 * <p>Events are numbered {@code 0 .. eventCount()-1}, grouped by process in {@link #processes()}
 * order, and in log order within a process. Memory: the parsed events plus {@code 4 * eventCount() *
 * processes().size()} bytes of vector timestamps. Immutable after construction and thread-safe.
 */
public final class RunModel {

  /** The name of the process that orders chat events, drawn first. */
  public static final String SERVER = "server";

  /**
   * The RPC name of a replicated entry of a cluster (docs/cluster.md): one send by the proposing
   * replica, one receive per replica that applies it (a multicast).
   */
  public static final String REPLICATE = "Replicate";

  /** The announcement text of a JOINED or LEFT event; group 1 is the participant's name. */
  static final java.util.regex.Pattern ANNOUNCEMENT =
      java.util.regex.Pattern.compile("Participant (\\S+) (joined|left) Chitty-Chat.*", java.util.regex.Pattern.DOTALL);

  /**
   * A matched message.
   *
   * @param send the event number of the send
   * @param receive the event number of the receive
   */
  public record Message(int send, int receive) {}

  private final List<String> processes;
  private final java.util.Set<String> servers;
  /** Replica incarnations by model name ({@code s1}, {@code s1-2}) to the replica's name ({@code s1}). */
  private final Map<String, String> replicas;
  /** The receives of each multicast (Replicate) send, by send number, in log order. */
  private final Map<Integer, int[]> multicastReceives = new HashMap<>();
  private final LoggedEvent[] events;
  private final int[] processOf;
  private final int[] start;
  private final int[] partner;
  private final int[] vectorClocks;
  private final int[] topologicalOrder;
  private final List<Message> messages;
  private final List<Message> duplicateKeys;
  private final List<Integer> droppedMessages;
  private final List<EventLogReader.Problem> problems;
  private final List<Path> files;

  private RunModel(
      List<LoggedEvent> input, List<EventLogReader.Problem> problems, List<Path> files) {
    this.problems = List.copyOf(problems);
    this.files = List.copyOf(files);
    Map<String, List<LoggedEvent>> logged = new LinkedHashMap<>();
    for (LoggedEvent e : input) {
      logged.computeIfAbsent(e.process(), k -> new ArrayList<>()).add(e);
    }
    Map<String, String> replicaOf = new LinkedHashMap<>();
    Map<String, List<LoggedEvent>> byProcess = splitIncarnations(logged, replicaOf);
    this.replicas = java.util.Collections.unmodifiableMap(replicaOf);
    java.util.Set<String> found = findServers(byProcess);
    found.addAll(replicaOf.keySet());
    this.servers = java.util.Set.copyOf(found);
    this.processes = List.copyOf(orderProcesses(byProcess, servers, replicas));
    int n = input.size();
    int np = processes.size();
    this.events = new LoggedEvent[n];
    this.processOf = new int[n];
    this.start = new int[np + 1];
    int i = 0;
    for (int p = 0; p < np; p++) {
      start[p] = i;
      for (LoggedEvent e : byProcess.get(processes.get(p))) {
        events[i] = e;
        processOf[i] = p;
        i++;
      }
    }
    start[np] = n;

    // Pair sends with receives by (leg, callId).
    this.partner = new int[n];
    Arrays.fill(partner, -1);
    Map<String, Integer> sends = new HashMap<>();
    List<Message> duplicates = new ArrayList<>();
    for (int e = 0; e < n; e++) {
      LoggedEvent ev = events[e];
      if (ev.isSend() && ev.callId() != null) {
        Integer previous = sends.putIfAbsent(key(ev), e);
        if (previous != null) {
          duplicates.add(new Message(previous, e));
        }
      }
    }
    List<Message> matched = new ArrayList<>();
    Map<Integer, List<Integer>> multicast = new HashMap<>();
    for (int e = 0; e < n; e++) {
      LoggedEvent ev = events[e];
      if (ev.isReceive() && ev.callId() != null && ev.messageLamport() != null) {
        Integer s = sends.get(key(ev));
        if (s == null) {
          continue;
        }
        if (isMulticast(events[s])) {
          // One send, a receive per replica that applied it (and per incarnation that applied it
          // again); the same process applying it twice is a duplicate.
          List<Integer> rs = multicast.computeIfAbsent(s, k -> new ArrayList<>());
          Integer again = null;
          for (int r : rs) {
            if (processOf[r] == processOf[e]) {
              again = r;
            }
          }
          if (again != null) {
            duplicates.add(new Message(again, e));
            continue;
          }
          rs.add(e);
          partner[e] = s;
          if (processOf[s] != processOf[e]) {
            matched.add(new Message(s, e));
          }
          continue;
        }
        if (partner[s] >= 0) {
          duplicates.add(new Message(partner[s], e));
          continue;
        }
        partner[s] = e;
        partner[e] = s;
        matched.add(new Message(s, e));
      }
    }
    multicast.forEach((send, rs) -> multicastReceives.put(send, rs.stream().mapToInt(Integer::intValue).toArray()));
    this.messages = Collections.unmodifiableList(matched);
    this.duplicateKeys = List.copyOf(duplicates);

    // Vector clocks in a topological order of the happens-before graph.
    this.vectorClocks = new int[n * np];
    this.topologicalOrder = new int[n];
    this.droppedMessages = new ArrayList<>();
    computeVectorClocks();
  }

  /** Whether {@code send} is a multicast: a replica's proposal of a replicated entry. */
  static boolean isMulticast(LoggedEvent send) {
    return send.isSend() && REPLICATE.equals(send.rpc());
  }

  private static final int[] NONE = new int[0];

  /**
   * A replica killed and restarted is a new incarnation: {@code chitchat server} gives it a log of
   * its own ({@code s1-2.jsonl}); one that appends to the same log file, with a clock that starts
   * again from 0, is cut into one as well: a new process of the happens-before graph (its events are not ordered after the earlier
   * incarnation's by anything but messages, e.g. the entries it applies again). The log of a replica
   * (a process that logged a {@value #REPLICATE} event) is cut where an event's Lamport time is not
   * above its predecessor's and is exactly what a fresh clock gives: 1 for a send, an action or a
   * receive without a time, {@code carried + 1} for a receive. Later incarnations are named {@code
   * s1-2}, {@code s1-3}, ... (the events keep their file and line). A restart whose first tick is
   * above the previous incarnation's last cannot be told from the logs and is drawn as one process;
   * its clock values are then consistent with either reading.
   */
  private static Map<String, List<LoggedEvent>> splitIncarnations(
      Map<String, List<LoggedEvent>> logged, Map<String, String> replicaOf) {
    Map<String, List<LoggedEvent>> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<LoggedEvent>> entry : logged.entrySet()) {
      String name = entry.getKey();
      List<LoggedEvent> list = entry.getValue();
      boolean replica = list.stream().anyMatch(e -> REPLICATE.equals(e.rpc()));
      if (!replica) {
        out.put(name, list);
        continue;
      }
      int incarnation = 1;
      String current = name;
      List<LoggedEvent> part = new ArrayList<>();
      replicaOf.put(name, name);
      out.put(name, part);
      long previous = 0;
      for (LoggedEvent e : list) {
        long fresh = e.isReceive() && e.messageLamport() != null ? e.messageLamport() + 1 : 1;
        if (!part.isEmpty() && e.lamport() <= previous && e.lamport() == fresh) {
          incarnation++;
          current = name + "-" + incarnation;
          part = new ArrayList<>();
          replicaOf.put(current, name);
          out.put(current, part);
        }
        part.add(current.equals(name) ? e : withProcess(e, current));
        previous = e.lamport();
      }
    }
    // A replica restarted by `chitchat server` logs to a file of its own, s1-2.jsonl (as a
    // restarted server or participant does): an incarnation of s1 all the same.
    for (Map.Entry<String, String> r : replicaOf.entrySet()) {
      java.util.regex.Matcher numbered = RESTARTED.matcher(r.getKey());
      if (r.getKey().equals(r.getValue()) && numbered.matches()
          && replicaOf.containsKey(numbered.group(1))) {
        r.setValue(replicaOf.get(numbered.group(1)));
      }
    }
    return out;
  }

  /** A restarted process's name: its first incarnation's, then {@code -2}, {@code -3}, ... */
  private static final java.util.regex.Pattern RESTARTED =
      java.util.regex.Pattern.compile("(.+)-(\\d{1,8})");

  private static LoggedEvent withProcess(LoggedEvent e, String process) {
    return new LoggedEvent(e.file(), e.line(), e.time(), process, e.lamport(), e.kind(), e.rpc(),
        e.leg(), e.callId(), e.peer(), e.action(), e.seq(), e.status(), e.messageLamport(), e.text(),
        e.auth(), e.refusedLamport());
  }

  private static String key(LoggedEvent e) {
    return e.leg() + '\u0000' + e.callId();
  }

  /**
   * The chat servers of the run: the processes that received a Join request, else the process
   * named {@value #SERVER}. A run has several when the server was restarted ({@code server},
   * {@code server-2}, ...); each numbers its chat events from 1.
   */
  private static java.util.Set<String> findServers(Map<String, List<LoggedEvent>> byProcess) {
    java.util.Set<String> found = new java.util.TreeSet<>();
    byProcess.forEach((name, events) -> {
      for (LoggedEvent e : events) {
        if (e.isReceive() && "Join".equals(e.rpc()) && "request".equals(e.leg())) {
          found.add(name);
          return;
        }
      }
    });
    if (found.isEmpty() && byProcess.containsKey(SERVER)) {
      found.add(SERVER);
    }
    return found;
  }

  private static List<String> orderProcesses(
      Map<String, List<LoggedEvent>> byProcess, java.util.Set<String> servers,
      Map<String, String> replicas) {
    Map<String, Long> joinOrder = new HashMap<>();
    for (String server : servers) {
      for (LoggedEvent e : byProcess.get(server)) {
        if (e.isAction("join") && e.peer() != null) {
          joinOrder.merge(e.peer(), e.lamport(), Math::min);
        } else if (e.isReceive() && REPLICATE.equals(e.rpc()) && "join".equals(e.action())) {
          String who = announced(e.text());
          if (who != null) {
            joinOrder.merge(who, e.messageLamport() == null ? e.lamport() : e.messageLamport(), Math::min);
          }
        }
      }
    }
    List<String> names = new ArrayList<>(byProcess.keySet());
    names.sort(
        Comparator.comparing((String name) -> !replicas.containsKey(name))
            .thenComparing(name -> !servers.contains(name))
            .thenComparing(name -> replicas.containsKey(name) ? replicas.get(name) : "")
            .thenComparing(name -> joinOrder.getOrDefault(name, Long.MAX_VALUE))
            .thenComparing(Comparator.naturalOrder()));
    return names;
  }

  /** The participant named by a JOINED or LEFT announcement, or null. */
  static String announced(String text) {
    if (text == null) {
      return null;
    }
    java.util.regex.Matcher m = ANNOUNCEMENT.matcher(text);
    return m.matches() ? m.group(1) : null;
  }

  /** Whether {@code process} is an incarnation of a replica of a cluster (it logged Replicate events). */
  public boolean isReplica(String process) {
    return replicas.containsKey(process);
  }

  /**
   * The replica that {@code process} is an incarnation of ({@code s1} for {@code s1} and {@code
   * s1-2}), or null when it is no replica. Other processes' logs name it by this name.
   */
  public String replicaOf(String process) {
    return replicas.get(process);
  }

  /** The replicas' incarnations, by model name, to the replica's name; empty without a cluster. */
  public Map<String, String> replicas() {
    return replicas;
  }

  /** Whether {@code process} is a chat server (see {@link #servers()}). */
  public boolean isServer(String process) {
    return servers.contains(process);
  }

  /** The chat servers of the run, by name: usually just {@value #SERVER}. */
  public java.util.Set<String> servers() {
    return servers;
  }

  private void computeVectorClocks() {
    int n = events.length;
    int np = processes.size();
    int[] cursor = new int[np];
    boolean[] done = new boolean[n];
    boolean[] ignoreEdge = new boolean[n];
    boolean[] queued = new boolean[np];
    ArrayDeque<Integer> ready = new ArrayDeque<>();
    for (int p = 0; p < np; p++) {
      cursor[p] = start[p];
      ready.add(p);
      queued[p] = true;
    }
    int visited = 0;
    while (visited < n) {
      while (!ready.isEmpty()) {
        int p = ready.poll();
        queued[p] = false;
        while (cursor[p] < start[p + 1]) {
          int e = cursor[p];
          int s = events[e].isReceive() ? partner[e] : -1;
          if (s >= 0 && !ignoreEdge[e] && !done[s]) {
            break; // waits for its send
          }
          int base = e * np;
          if (e > start[p]) {
            System.arraycopy(vectorClocks, (e - 1) * np, vectorClocks, base, np);
          }
          if (s >= 0 && !ignoreEdge[e]) {
            int sb = s * np;
            for (int q = 0; q < np; q++) {
              vectorClocks[base + q] = Math.max(vectorClocks[base + q], vectorClocks[sb + q]);
            }
          }
          vectorClocks[base + p] = e - start[p] + 1;
          done[e] = true;
          topologicalOrder[visited++] = e;
          cursor[p]++;
          if (events[e].isSend()) {
            for (int r : receivers(e)) {
              if (cursor[processOf[r]] == r && !queued[processOf[r]]) {
                ready.add(processOf[r]);
                queued[processOf[r]] = true;
              }
            }
          }
        }
      }
      if (visited < n) {
        // A cycle: inconsistent logs. Drop the message edge of the earliest blocked receive.
        int best = -1;
        for (int p = 0; p < np; p++) {
          int e = cursor[p];
          if (e < start[p + 1] && (best < 0 || events[e].lamport() < events[best].lamport())) {
            best = e;
          }
        }
        ignoreEdge[best] = true;
        droppedMessages.add(best);
        ready.add(processOf[best]);
        queued[processOf[best]] = true;
      }
    }
  }

  /**
   * Reads every {@code *.jsonl} file of the given directories and the given files (with {@link
   * EventLogReader}) and builds the model.
   *
   * @param inputs run directories or JSON Lines files
   * @throws IOException if a file cannot be read
   * @throws NoLogsException if an input does not exist or no {@code .jsonl} file was found
   */
  public static RunModel read(List<Path> inputs) throws IOException {
    EventLogReader reader = new EventLogReader();
    List<LoggedEvent> events = new ArrayList<>();
    List<EventLogReader.Problem> problems = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (Path input : inputs) {
      if (!Files.exists(input)) {
        throw new NoLogsException("No such file or directory: " + input);
      }
      if (Files.isDirectory(input)) {
        try (var listing = Files.list(input)) {
          listing
              .filter(f -> f.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(f))
              .sorted()
              .forEach(files::add);
        }
      } else {
        files.add(input);
      }
    }
    if (files.isEmpty()) {
      throw new NoLogsException("No .jsonl log files in " + inputs.get(0));
    }
    for (Path f : files) {
      EventLogReader.Result r = reader.read(f);
      events.addAll(r.events());
      problems.addAll(r.problems());
    }
    return new RunModel(events, problems, files);
  }

  /** Reads one run directory or one file; see {@link #read(List)}. */
  public static RunModel read(Path input) throws IOException {
    return read(List.of(input));
  }

  /**
   * Builds the model from events already read (e.g. by {@link EventLogReader}); events of one process
   * must be in its log order.
   */
  public static RunModel of(List<LoggedEvent> events, List<EventLogReader.Problem> problems) {
    return new RunModel(events, problems, List.of());
  }

  /** Thrown when there is nothing to read: a missing input or no {@code .jsonl} files. */
  public static final class NoLogsException extends IOException {
    private static final long serialVersionUID = 1L;

    NoLogsException(String message) {
      super(message);
    }
  }

  /** The process names: the servers first, then participants in join order, then by name. */
  public List<String> processes() {
    return processes;
  }

  /** The index of a process in {@link #processes()}, or -1. */
  public int processIndex(String name) {
    return processes.indexOf(name);
  }

  /** The files read, in order (empty when built with {@link #of}). */
  public List<Path> files() {
    return files;
  }

  /** Lines of the logs that were not clock events. */
  public List<EventLogReader.Problem> problems() {
    return problems;
  }

  /** The number of events. */
  public int eventCount() {
    return events.length;
  }

  /** Event number {@code i}. */
  public LoggedEvent event(int i) {
    return events[i];
  }

  /** The process index of event {@code i}. */
  public int processOf(int i) {
    return processOf[i];
  }

  /** The 0-based position of event {@code i} on its process. */
  public int positionOf(int i) {
    return i - start[processOf[i]];
  }

  /** The first event number of process {@code p}. */
  public int firstEventOf(int p) {
    return start[p];
  }

  /** One past the last event number of process {@code p}. */
  public int endOf(int p) {
    return start[p + 1];
  }

  /**
   * The matched send of a receive, or the matched receive of a (unicast) send, or -1. A multicast
   * send has no single partner (-1): see {@link #receivers}.
   */
  public int partner(int i) {
    return partner[i];
  }

  /**
   * The receives of send {@code i}: none or one for a unicast send, any number for a multicast
   * (a {@value #REPLICATE} send, the proposer's own receive included); none for other events.
   */
  public int[] receivers(int i) {
    int[] multi = multicastReceives.get(i);
    if (multi != null) {
      return multi;
    }
    return events[i].isSend() && partner[i] >= 0 ? new int[] {partner[i]} : NONE;
  }

  /** Whether receive {@code i} is a replica's receive of its own proposal (process order already orders it). */
  public boolean isOwnReceive(int i) {
    int s = partner[i];
    return events[i].isReceive() && s >= 0 && processOf[s] == processOf[i];
  }

  /**
   * The matched messages between two processes, in the order of their receives: one per receive of
   * a multicast, except a replica's receive of its own proposal.
   */
  public List<Message> messages() {
    return messages;
  }

  /**
   * Sends or receives that had the same leg and call id as an earlier one (the first of the pair is
   * the one that was used for pairing).
   */
  public List<Message> duplicateCallIds() {
    return duplicateKeys;
  }

  /** Receives whose message edge was dropped to break a cycle (inconsistent logs), by number. */
  public List<Integer> droppedMessages() {
    return Collections.unmodifiableList(droppedMessages);
  }

  /** Entry {@code p} of the vector timestamp of event {@code i} (events, not Lamport ticks). */
  public int vectorEntry(int i, int p) {
    return vectorClocks[i * processes.size() + p];
  }

  /** A copy of the vector timestamp of event {@code i}, indexed like {@link #processes()}. */
  public int[] vectorClock(int i) {
    int np = processes.size();
    return Arrays.copyOfRange(vectorClocks, i * np, (i + 1) * np);
  }

  /** Whether {@code a} happens before {@code b} (strictly). */
  public boolean happensBefore(int a, int b) {
    return a != b && vectorEntry(a, processOf[a]) <= vectorEntry(b, processOf[a]);
  }

  /** Whether neither of two distinct events happens before the other. */
  public boolean concurrent(int a, int b) {
    return a != b && !happensBefore(a, b) && !happensBefore(b, a);
  }

  /** The event numbers in a topological order of happens-before (a copy). */
  public int[] topologicalOrder() {
    return topologicalOrder.clone();
  }

  /** Event {@code i} as {@code file:line} for messages. */
  public String location(int i) {
    return events[i].location();
  }

  @Override
  public String toString() {
    return "RunModel[" + processes + ", " + events.length + " events, " + messages.size() + " messages]";
  }

  static String describe(LoggedEvent e) {
    Objects.requireNonNull(e);
    StringBuilder b = new StringBuilder();
    b.append(e.process()).append(' ').append(e.kind());
    if (e.rpc() != null) {
      b.append(' ').append(e.rpc());
    }
    if (e.leg() != null) {
      b.append(' ').append(e.leg());
    }
    if (e.action() != null) {
      b.append(' ').append(e.action());
    }
    if (e.seq() != null) {
      b.append(" #").append(e.seq());
    }
    b.append(" (L=").append(e.lamport()).append(')');
    return b.toString();
  }
}
