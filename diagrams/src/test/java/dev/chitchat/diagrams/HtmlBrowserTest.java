package dev.chitchat.diagrams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;

/**
 * Opens {@code diagram.html} in headless Chromium ({@link Browser}), clicks an event and checks the
 * causal highlighting against the model's vector clocks, then hides a process. Skipped when Chromium
 * or chromedriver is missing, except on CI ({@code CI=true}), where that fails.
 */
class HtmlBrowserTest {

  @TempDir Path profile;
  @TempDir Path runs;

  @Test
  void clickingAnEventHighlightsItsCausalPastFutureAndConcurrentEvents() throws Exception {
    Path run = DiagramsTest.writeSample();
    Path out = Path.of("target", "browser-run");
    DiagramResult result = Diagrams.render(List.of(run), out, DiagramOptions.defaults());
    RunModel model = RunModel.read(run);
    int alex = model.processIndex("Alex");
    int selected = -1;
    for (int i = model.firstEventOf(alex); i < model.endOf(alex); i++) {
      if (model.event(i).isAction("deliver") && model.event(i).seq() == 5) {
        selected = i;
      }
    }
    assertThat(selected).isNotNegative();

    ChromeDriver driver = Browser.start(profile);
    try {
      driver.get(result.html().toAbsolutePath().toUri().toString());
      WebElement dot = driver.findElement(By.id("d" + selected));
      driver.executeScript("arguments[0].scrollIntoView({block: 'center', inline: 'center'});", dot);

      // Hover: the tooltip names the process, the Lamport and the vector timestamp, and the text.
      new Actions(driver).moveToElement(dot).perform();
      WebElement tip = driver.findElement(By.id("tip"));
      assertThat(tip.isDisplayed()).isTrue();
      long lamport = model.event(selected).lamport();
      assertThat(tip.getText())
          .contains("Alex", "Lamport " + lamport, "vector [server:" + model.vectorEntry(selected, 0), "Hi Alex <b>&amp;</b>");

      dot.click();

      @SuppressWarnings("unchecked")
      Map<String, String> classes =
          (Map<String, String>)
              ((JavascriptExecutor) driver)
                  .executeScript(
                      "var m = {}; document.querySelectorAll('g.ev').forEach(function (g) {"
                          + " m[g.getAttribute('data-i')] = g.getAttribute('class'); }); return m;");
      assertThat(classes).hasSize(result.drawnEvents());
      int past = 0;
      int future = 0;
      int concurrent = 0;
      for (Map.Entry<String, String> e : classes.entrySet()) {
        int j = Integer.parseInt(e.getKey());
        String expected =
            j == selected ? "sel"
                : model.happensBefore(j, selected) ? "past"
                : model.happensBefore(selected, j) ? "future"
                : "conc";
        assertThat(e.getValue().split(" ")).as("event %s", j).contains(expected);
        past += expected.equals("past") ? 1 : 0;
        future += expected.equals("future") ? 1 : 0;
        concurrent += expected.equals("conc") ? 1 : 0;
      }
      assertThat(past).isPositive();
      assertThat(future).isPositive();
      assertThat(concurrent).isPositive();
      assertThat(driver.findElement(By.id("info")).getText())
          .contains(past + " events in its causal past", future + " in its causal future", concurrent + " concurrent");
      assertThat(driver.findElements(By.cssSelector("#overlay circle.r-past"))).hasSize(past);

      Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
      Files.copy(shot, Path.of("target", "diagram-browser.png"), StandardCopyOption.REPLACE_EXISTING);

      // A check box hides a process: its line, its events and its arrows go, and the rows below
      // close up into its place.
      int bob = model.processIndex("Bob");
      int carl = model.processIndex("Carl");
      String centre = "var d = document.getElementById('d" + model.firstEventOf(carl) + "');"
          + " return d.getBBox().y + d.getBBox().height / 2;";
      double before = ((Number) driver.executeScript(centre)).doubleValue();
      driver.findElement(By.id("show-" + bob)).click();
      assertThat(driver.findElements(By.cssSelector("g.proc[data-p='" + bob + "']"))).isEmpty();
      assertThat(driver.findElements(By.cssSelector("g.ev[data-p='" + bob + "']"))).isEmpty();
      assertThat(driver.findElements(By.cssSelector("g.msg[data-pr='" + bob + "'], g.msg[data-ps='" + bob + "']"))).isEmpty();
      double after = ((Number) driver.executeScript(centre)).doubleValue();
      assertThat(after).isCloseTo(before - Layout.ROW_GAP, org.assertj.core.data.Offset.offset(1.0));

      // Search: every drawn event whose text contains the query gets a ring, and the count is shown.
      long expectedHits = 0;
      for (int i = 0; i < model.eventCount(); i++) {
        String text = model.event(i).text();
        if (model.processOf(i) != bob && text != null && text.toLowerCase(java.util.Locale.ROOT).contains("lamport says")) {
          expectedHits++;
        }
      }
      driver.findElement(By.id("search")).sendKeys("Lamport says");
      assertThat(driver.findElements(By.cssSelector("#overlay circle.r-hit"))).hasSize((int) expectedHits);
      assertThat(driver.findElement(By.id("hits")).getText()).isEqualTo(expectedHits + " matches");

      // Zoom: + scales the drawing by 1.25; the process names stay in the sticky column.
      double width = Double.parseDouble(driver.findElement(By.id("diagram")).getAttribute("width"));
      driver.findElement(By.id("zoom-in")).click();
      assertThat(Double.parseDouble(driver.findElement(By.id("diagram")).getAttribute("width")))
          .isCloseTo(width * 1.25, org.assertj.core.data.Offset.offset(1.0));
      assertThat(driver.findElement(By.id("zoom")).getText()).isEqualTo("125%");
      assertThat(driver.findElements(By.cssSelector("#names div"))).extracting(WebElement::getText)
          .containsExactly("server", "Alex", "Carl", "Dana");

      // Highlight: clicking a name dims everything that does not involve that process.
      driver.findElement(By.cssSelector("#names div:nth-child(2)")).click();
      assertThat(driver.findElement(By.id("diagram")).getAttribute("class")).contains("lighting");
      assertThat(driver.findElements(By.cssSelector("g.ev.lit")))
          .allSatisfy(g -> assertThat(g.getAttribute("data-p")).isEqualTo(Integer.toString(model.processIndex("Alex"))));

      // Collapsing runs of local events: a participant that logged two actions in a row (here
      // Carl's last two events, added to a run) shows one, which says how many it stands for.
      RunBuilder withRun = RunBuilder.demo();
      List<String> carlLog = withRun.lines("Carl");
      long last = com.google.gson.JsonParser.parseString(carlLog.get(carlLog.size() - 1)).getAsJsonObject().get("lamport").getAsLong();
      for (int k = 1; k <= 2; k++) {
        carlLog.add("{\"time\":\"2027-01-15T08:00:0" + k + "Z\",\"process\":\"Carl\",\"lamport\":" + (last + k)
            + ",\"kind\":\"action\",\"action\":\"server-lost\",\"text\":\"no broadcast for 5.0 s\"}");
      }
      DiagramResult local = Diagrams.render(List.of(withRun.write(runs.resolve("local-run"))), runs.resolve("local-out"),
          DiagramOptions.defaults());
      driver.get(local.html().toAbsolutePath().toUri().toString());
      int shown = driver.findElements(By.cssSelector("g.ev")).size();
      driver.findElement(By.id("collapse")).click();
      assertThat(driver.findElements(By.cssSelector("g.ev"))).hasSize(shown - 1);
      assertThat(driver.findElement(By.id("diagram")).getText()).contains("+1 local events: server-lost");
    } finally {
      driver.quit();
    }
  }
}
