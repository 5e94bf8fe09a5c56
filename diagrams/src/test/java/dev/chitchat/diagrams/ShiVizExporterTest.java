package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the exported shiviz.log against the rules ShiViz applies when it loads a log. */
class ShiVizExporterTest {

  @TempDir Path out;

  @Test
  void theExportedLogFollowsShiVizRules() throws Exception {
    Path run = DiagramsTest.writeSample();
    DiagramResult r = Diagrams.render(List.of(run), out, DiagramOptions.defaults().window(20L, 30L));
    List<String> lines = Files.readAllLines(r.shiviz(), StandardCharsets.UTF_8);

    // Line 1: the parser regex with the three groups ShiViz requires; line 2: no delimiter.
    assertThat(lines.get(0)).isEqualTo(ShiVizExporter.REGEX).contains("(?<event>", "(?<host>", "(?<clock>");
    assertThat(lines.get(1)).isEmpty();
    String log = String.join("\n", lines.subList(2, lines.size()));
    Matcher m = Pattern.compile(lines.get(0)).matcher(log);

    Map<String, Integer> own = new HashMap<>();
    Map<String, JsonObject> previous = new HashMap<>();
    int events = 0;
    int end = 0;
    while (m.find()) {
      assertThat(m.start()).as("nothing between events").isLessThanOrEqualTo(end + 1);
      end = m.end();
      events++;
      String host = m.group("host");
      JsonObject clock = JsonParser.parseString(m.group("clock")).getAsJsonObject();
      // The host's own entry is present, starts at 1 and rises by 1 per event of the host.
      assertThat(clock.has(host)).as("clock of %s has its own entry", host).isTrue();
      int expected = own.merge(host, 1, Integer::sum);
      assertThat(clock.get(host).getAsInt()).isEqualTo(expected);
      // Every entry is positive and never more than the events that host has had so far;
      // entries never decrease along a host.
      for (Map.Entry<String, JsonElement> e : clock.entrySet()) {
        assertThat(e.getValue().getAsInt()).isPositive();
        assertThat(e.getValue().getAsInt()).isLessThanOrEqualTo(own.getOrDefault(e.getKey(), 0));
      }
      JsonObject before = previous.put(host, clock);
      if (before != null) {
        for (Map.Entry<String, JsonElement> e : before.entrySet()) {
          assertThat(clock.has(e.getKey()) ? clock.get(e.getKey()).getAsInt() : 0)
              .isGreaterThanOrEqualTo(e.getValue().getAsInt());
        }
      }
    }
    assertThat(end).isEqualTo(log.length());
    // The whole run, whatever the diagram's window.
    assertThat(events).isEqualTo(r.events());
    assertThat(own.keySet()).containsExactlyInAnyOrder("server", "Alex", "Bob", "Carl", "Dana");
  }
}
