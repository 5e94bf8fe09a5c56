package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run of about 100,000 events (a server and nine participants publishing in turn) is parsed,
 * checked, put in causal order and drawn, windowed and capped (SVG and PNG pages, HTML, Mermaid
 * parts, the whole ShiViz log). Prints the time of each step and the heap in use; asserts only
 * correctness, never time.
 */
class ScaleTest {

  @TempDir Path tmp;

  @Test
  void aHundredThousandEventsAreParsedCheckedAndDrawnWindowed() throws Exception {
    RunBuilder b = new RunBuilder();
    List<String> names = List.of("Alex", "Bob", "Carl", "Dana", "Emil", "Freja", "Gus", "Hana", "Ivo");
    names.forEach(b::join);
    int published = 0;
    long lines = 0;
    while (lines < 100_000) {
      b.publish(names.get(published % names.size()), "Message number " + published + " <&> from the scale test");
      published++;
      lines = 0;
      for (String p : names) {
        lines += b.lines(p).size();
      }
      lines += b.lines("server").size();
    }
    Path run = b.write(tmp.resolve("run"));
    long bytes;
    try (var files = Files.list(run)) {
      bytes = files.mapToLong(f -> f.toFile().length()).sum();
    }

    long t0 = System.nanoTime();
    RunModel model = RunModel.read(run);
    long t1 = System.nanoTime();
    CheckReport report = ClockChecker.check(model);
    long t2 = System.nanoTime();
    int[] causal = CausalOrder.of(model);
    long tOrder = System.nanoTime();
    long maxLamport = 0;
    for (int i = 0; i < model.eventCount(); i++) {
      maxLamport = Math.max(maxLamport, model.event(i).lamport());
    }
    long from = maxLamport / 2;
    long tWindow = System.nanoTime();
    DiagramResult windowed =
        Diagrams.render(model, report, "scale", tmp.resolve("windowed"), DiagramOptions.defaults().window(from, from + 150));
    long t3 = System.nanoTime();
    DiagramResult capped = Diagrams.render(model, report, "scale", tmp.resolve("capped"), DiagramOptions.defaults());
    long t4 = System.nanoTime();
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

    assertThat(model.eventCount()).isEqualTo((int) lines).isGreaterThanOrEqualTo(100_000);
    assertThat(report.violations()).isEmpty();
    assertThat(report.chatEvents()).isEqualTo(names.size() + published);
    assertThat(windowed.drawnEvents()).isBetween(100, 2000);
    assertThat(windowed.warning()).isNull();
    assertThat(capped.drawnEvents()).isEqualTo(DiagramOptions.DEFAULT_MAX_EVENTS);
    assertThat(capped.warning()).contains("Showing the first 2000 of " + model.eventCount());
    assertThat(Files.size(windowed.shiviz())).isGreaterThan(bytes / 4);
    assertThat(causal).hasSize(model.eventCount());
    assertThat(capped.svgPages()).hasSizeGreaterThan(1).hasSameSizeAs(capped.pngPages());

    System.out.printf(
        "Scale: %,d events (%,d messages, %.1f MB of logs, %d processes, max L=%,d)%n"
            + "  parse %,d ms, check %,d ms, causal order of all events %,d ms, draw window L=%d..%d (%d events,"
            + " %d pages) + all exports %,d ms, draw first %,d events (%d pages) + all exports %,d ms;"
            + " heap in use after GC %,d MB (-Xmx1g)%n",
        model.eventCount(), model.messages().size(), bytes / 1e6, model.processes().size(), maxLamport,
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (tOrder - t2) / 1_000_000,
        from, from + 150, windowed.drawnEvents(), windowed.svgPages().size(), (t3 - tWindow) / 1_000_000,
        capped.drawnEvents(), capped.svgPages().size(), (t4 - t3) / 1_000_000, heap >> 20);
  }
}
