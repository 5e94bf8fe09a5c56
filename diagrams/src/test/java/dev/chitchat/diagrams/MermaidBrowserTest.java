package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Parses and renders every part of {@code diagram.mmd} with the real Mermaid bundle from the npm
 * registry ({@code mermaid.min.js}) in headless Chromium, at Mermaid's default settings (its {@code
 * maxTextSize} of 50,000 characters included). The bundle is found through {@code CHITCHAT_MERMAID_JS}
 * or in {@code ~/.cache/chitchat-mermaid} (where {@code .ci/run} installs it with npm). Skipped when
 * the bundle or the browser is missing, except on CI ({@code CI=true}), where that fails.
 */
class MermaidBrowserTest {

  static final String INSTALL =
      "npm install --prefix ~/.cache/chitchat-mermaid mermaid@11, or set CHITCHAT_MERMAID_JS";

  @TempDir Path tmp;

  static Path mermaidBundle() {
    String configured = System.getenv("CHITCHAT_MERMAID_JS");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "chitchat-mermaid", "node_modules", "mermaid", "dist", "mermaid.min.js");
  }

  @Test
  void everyPartIsAValidDiagramForTheRealMermaid() throws Exception {
    Path bundle = mermaidBundle();
    Browser.require(bundle, INSTALL);
    // A run long enough to need two parts, and the sample run with its hostile text.
    RunBuilder big = RandomRuns.of(7, 160);
    DiagramResult large = Diagrams.render(List.of(big.write(tmp.resolve("big"))), tmp.resolve("big-out"), DiagramOptions.defaults());
    DiagramResult sample = Diagrams.render(List.of(DiagramsTest.writeSample()), tmp.resolve("sample-out"), DiagramOptions.defaults());
    assertThat(large.mermaidParts()).hasSizeGreaterThan(1);
    List<String> texts = new ArrayList<>();
    for (Path part : concat(large.mermaidParts(), sample.mermaidParts())) {
      String text = Files.readString(part);
      assertThat(text.length()).as(part.toString()).isLessThan(50_000);
      texts.add(text);
    }

    Path page = tmp.resolve("mermaid.html");
    Files.writeString(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><script src=\""
        + bundle.toAbsolutePath().toUri() + "\"></script></head><body></body></html>");
    ChromeDriver driver = Browser.start(tmp.resolve("profile"));
    try {
      driver.get(page.toUri().toString());
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> results = (List<Map<String, Object>>) driver.executeAsyncScript(
          "var texts = arguments[0], done = arguments[arguments.length - 1];"
              + "mermaid.initialize({ startOnLoad: false });"
              + "(async function () { var out = [];"
              + "  for (var k = 0; k < texts.length; k++) {"
              + "    try { var r = await mermaid.render('m' + k, texts[k]);"
              + "      var doc = new DOMParser().parseFromString(r.svg, 'image/svg+xml');"
              + "      out.push({ ok: true, messages: doc.querySelectorAll('.messageText').length,"
              + "        notes: doc.querySelectorAll('.noteText').length, text: doc.documentElement.textContent });"
              + "    } catch (e) { out.push({ ok: false, error: String(e && e.message || e) }); }"
              + "  }"
              + "  done(out); })();",
          texts);
      assertThat(results).hasSize(texts.size());
      for (int k = 0; k < texts.size(); k++) {
        Map<String, Object> r = results.get(k);
        assertThat(r.get("ok")).as("part %d: %s", k, r.get("error")).isEqualTo(true);
        long arrows = texts.get(k).lines().filter(l -> l.matches("\\s+P\\d+-(->>|>>|x)P\\d+: .*")).count();
        long notes = texts.get(k).lines().filter(l -> l.trim().startsWith("Note over")).count();
        assertThat(((Number) r.get("messages")).longValue()).as("part %d arrows", k).isEqualTo(arrows);
        assertThat(((Number) r.get("notes")).longValue()).as("part %d notes", k).isEqualTo(notes);
        assertThat((String) r.get("text")).contains("(sent at L=");
      }
      // The escaped hostile chat text comes out as it was logged.
      assertThat((String) results.get(results.size() - 1).get("text")).contains("Hi Alex <b>&amp;</b>");
    } finally {
      driver.quit();
    }
  }

  private static List<Path> concat(List<Path> a, List<Path> b) {
    List<Path> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
