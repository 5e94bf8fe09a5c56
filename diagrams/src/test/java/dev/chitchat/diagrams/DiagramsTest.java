package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class DiagramsTest {

  /** Where the demo-like run's pictures are kept for people to look at. */
  static final Path SAMPLE = Path.of("target", "sample-run");

  @TempDir Path tmp;

  static Path writeSample() throws Exception {
    RunBuilder run = RunBuilder.demo().join("Dana").crash("Dana").publish("Carl", "Is Dana there?");
    return run.write(SAMPLE);
  }

  @Test
  void rendersEveryFileOfTheSameRun() throws Exception {
    Path dir = writeSample();

    DiagramResult r = Diagrams.render(dir, dir);
    System.out.print(Diagrams.summary(r, 10));

    assertThat(r.report().violations()).isEmpty();
    assertThat(r.files()).allSatisfy(f -> assertThat(f).isRegularFile().isNotEmptyFile());
    assertThat(r.processes()).containsExactly("server", "Alex", "Bob", "Carl", "Dana");
    assertThat(r.drawnEvents()).isEqualTo(r.events());

    // Every SVG page is well-formed XML, the chat text is escaped, and every drawn event has its
    // group on exactly one page.
    Set<String> drawn = new HashSet<>();
    StringBuilder allText = new StringBuilder();
    for (Path page : r.svgPages()) {
      Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(page.toFile());
      NodeList groups = svg.getElementsByTagName("g");
      for (int i = 0; i < groups.getLength(); i++) {
        Element g = (Element) groups.item(i);
        if ("ev".equals(g.getAttribute("class"))) {
          assertThat(drawn.add(g.getAttribute("data-i"))).as("event %s on one page", g.getAttribute("data-i")).isTrue();
          assertThat(g.getAttribute("id")).isEqualTo("e" + g.getAttribute("data-i"));
        }
      }
      allText.append(svg.getDocumentElement().getTextContent());
    }
    assertThat(drawn).hasSize(r.drawnEvents());
    // (Long labels are written on two lines, broken at a space.)
    assertThat(allText).contains("Bob: Hi Alex", "<b>&amp;</b> \"everyone\"");
    assertThat(r.svgPages()).hasSameSizeAs(r.pngPages()).hasSizeGreaterThan(1);

    BufferedImage png = ImageIO.read(r.png().toFile());
    assertThat(png.getWidth()).isGreaterThan(1000);

    String html = Files.readString(r.html(), StandardCharsets.UTF_8);
    // Self-contained: nothing is loaded from anywhere.
    assertThat(html).doesNotContainPattern("(src|href)\\s*=\\s*['\"]?(https?:)?//");
    assertThat(html).doesNotContain("<link", "@import", "<b>&amp;</b>");
    assertThat(html).contains("\\u003cb\\u003e");

    String mmd = Files.readString(r.mermaid());
    assertThat(mmd).startsWith("sequenceDiagram\n");
    assertThat(mmd).contains("participant P0 as server", "P1->>P0: Join request L=3 (sent at L=2)");
    // Log text is written with Mermaid entities only: no character that could end a label.
    assertThat(mmd.lines().filter(line -> line.contains(": ")))
        .allSatisfy(
            line -> {
              String label = line.substring(line.indexOf(": ") + 2).replaceAll("#\\d+;", "");
              assertThat(label).doesNotContain("<", ">", ";", "#", ":", "&", "\"", "-");
            });
    assertThat(mmd).contains("Hi Alex #60;b#62;#38;amp#59;#60;/b#62;");
  }

  @Test
  void windowsProcessesAndResponsesCanBeLeftOut() throws Exception {
    Path dir = writeSample();
    DiagramOptions options =
        DiagramOptions.defaults().window(10L, 40L).processes(java.util.Set.of("server", "Alex")).hideResponses(true);

    DiagramResult r = Diagrams.render(List.of(dir), tmp, options);

    RunModel m = RunModel.read(dir);
    long expected = 0;
    for (int i = 0; i < m.eventCount(); i++) {
      var e = m.event(i);
      if (e.lamport() >= 10 && e.lamport() <= 40 && !"response".equals(e.leg())
          && (e.process().equals("server") || e.process().equals("Alex"))) {
        expected++;
      }
    }
    assertThat(r.drawnEvents()).isEqualTo(expected);
    assertThat(Files.readString(r.mermaid())).doesNotContain("-->>", "as Bob");
  }

  @Test
  void capsTheNumberOfDrawnEventsAndSaysSo() throws Exception {
    Path dir = writeSample();
    DiagramResult r = Diagrams.render(List.of(dir), tmp, DiagramOptions.defaults().maxEvents(25));

    assertThat(r.drawnEvents()).isEqualTo(25);
    assertThat(r.warning()).startsWith("Showing the first 25 of " + r.events() + " selected events");
    assertThat(Files.readString(r.svg())).contains("Showing the first 25 of");
  }
}
