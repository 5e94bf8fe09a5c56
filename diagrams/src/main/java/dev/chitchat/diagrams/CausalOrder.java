package dev.chitchat.diagrams;

import java.time.Instant;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * A topological order of the happens-before graph of a run (Lamport 1978) in which concurrent events
 * are ordered by the wall-clock {@code time} of their log lines: the horizontal order of the causal
 * layout.
 *
 * <p>Algorithm: Kahn's algorithm over the per-process queues, always taking, among the processes
 * whose next event is ready (not a receive whose send is still to come), the one whose next event
 * has the earliest {@code time} (ties: smaller Lamport timestamp, then process index). Hence every
 * send precedes its receive, and whenever the wall clocks agree with happens-before (a send logged
 * before its receive, as on one machine), the order is the order of {@code time}: an event is never
 * taken before an earlier-logged event of another process, because that event, or an ancestor of it
 * logged no later, was ready and earlier. A message edge that would close a cycle (inconsistent logs)
 * is ignored, as in {@link RunModel}. O(events x log(processes)); stateless and thread-safe.
 */
final class CausalOrder {

  private CausalOrder() {}

  /** The event numbers of {@code m}, every event once, in causal order. */
  static int[] of(RunModel m) {
    int n = m.eventCount();
    int np = m.processes().size();
    long[] micros = new long[n];
    for (int p = 0; p < np; p++) {
      long previous = Long.MIN_VALUE;
      for (int i = m.firstEventOf(p); i < m.endOf(p); i++) {
        Instant t = m.event(i).time();
        // A line without a time keeps its predecessor's, so it stays next to it.
        micros[i] = t == null ? previous : t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
        previous = micros[i];
      }
    }
    int[] cursor = new int[np];
    boolean[] done = new boolean[n];
    PriorityQueue<Integer> ready =
        new PriorityQueue<>(
            Comparator.comparingLong((Integer p) -> micros[cursor[p]])
                .thenComparingLong(p -> m.event(cursor[p]).lamport())
                .thenComparingInt(p -> p));
    boolean[] queued = new boolean[np];
    for (int p = 0; p < np; p++) {
      cursor[p] = m.firstEventOf(p);
    }
    int[] order = new int[n];
    int placed = 0;
    while (placed < n) {
      for (int p = 0; p < np; p++) {
        if (!queued[p] && cursor[p] < m.endOf(p) && isReady(m, cursor[p], done)) {
          ready.add(p);
          queued[p] = true;
        }
      }
      if (ready.isEmpty()) {
        // A cycle (inconsistent logs): take the blocked event with the smallest Lamport time.
        int best = -1;
        for (int p = 0; p < np; p++) {
          if (cursor[p] < m.endOf(p)
              && (best < 0 || m.event(cursor[p]).lamport() < m.event(cursor[best]).lamport())) {
            best = p;
          }
        }
        ready.add(best);
        queued[best] = true;
      }
      while (!ready.isEmpty()) {
        int p = ready.poll();
        queued[p] = false;
        int e = cursor[p];
        done[e] = true;
        order[placed++] = e;
        cursor[p]++;
        if (cursor[p] < m.endOf(p) && isReady(m, cursor[p], done)) {
          ready.add(p);
          queued[p] = true;
        }
        for (int r : m.receivers(e)) {
          int q = m.processOf(r);
          if (!queued[q] && cursor[q] == r && isReady(m, r, done)) {
            ready.add(q);
            queued[q] = true;
          }
        }
      }
    }
    return order;
  }

  private static boolean isReady(RunModel m, int e, boolean[] done) {
    int s = m.event(e).isReceive() ? m.partner(e) : -1;
    return s < 0 || done[s];
  }
}
