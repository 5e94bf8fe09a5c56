package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSummaryTest {

  private static BenchResult result(boolean logging, double p99ToLast, double cpu) {
    BenchSettings settings = new BenchSettings(10, 10_000, 64, Duration.ofSeconds(20),
        Duration.ofSeconds(20), 64, logging, RunLogs.Writer.BUFFERED, null, false, 0, 64, 2, false);
    return new BenchResult(settings, 20, 200_000, 0, 10_000, 100_000,
        new BenchResult.Latency(2_000_000, 1, 5, 9, 12),
        new BenchResult.Latency(200_000, p99ToLast / 4, p99ToLast, p99ToLast * 2, p99ToLast * 3),
        200_000, 0, 1, 0, 0.1, 10, 40, 50_000, cpu, new BenchResult.Gc(10, 40));
  }

  @Test
  void oneSummaryPerLoggingSettingInOrderWithMedianAndRange() {
    List<BenchSummary> summaries = BenchSummary.of(List.of(
        result(false, 4.0, 15), result(true, 9.0, 13), result(false, 6.0, 17),
        result(true, 3.0, 12), result(false, 5.0, 16), result(true, 7.0, 14),
        result(true, 28.0, 11)));

    assertThat(summaries).extracting(BenchSummary::logging).containsExactly("off", "buffered");
    BenchSummary off = summaries.get(0);
    assertThat(off.runs()).isEqualTo(3);
    assertThat(off.toLastP99()).isEqualTo(new BenchSummary.Spread(5.0, 4.0, 6.0));
    assertThat(off.cpuMicrosPerDelivery()).isEqualTo(new BenchSummary.Spread(16, 15, 17));
    // an even count: the mean of the two middle values
    BenchSummary on = summaries.get(1);
    assertThat(on.runs()).isEqualTo(4);
    assertThat(on.toLastP99()).isEqualTo(new BenchSummary.Spread(8.0, 3.0, 28.0));
    assertThat(on.toLastP50()).isEqualTo(new BenchSummary.Spread(2.0, 0.75, 7.0));
    assertThat(on.deliveriesPerSecond()).isEqualTo(new BenchSummary.Spread(100_000, 100_000, 100_000));
  }

  @Test
  void theLineAndTheJsonCarryTheSpread() {
    BenchSummary s = BenchSummary.of(List.of(result(true, 6.5, 13), result(true, 4.5, 14))).get(0);

    assertThat(s.line()).isEqualTo("logging buffered, 2 runs: to last p99 median 5.50 ms"
        + " (4.50-6.50), p50 median 1.38 ms (1.13-1.63); deliveries/s median 100000"
        + " (100000-100000); cpu us/d median 13.50 (13.00-14.00)");
    JsonObject json = s.json();
    assertThat(json.get("logging").getAsString()).isEqualTo("buffered");
    assertThat(json.get("runs").getAsInt()).isEqualTo(2);
    assertThat(json.get("toLastP99Ms")).isEqualTo(
        JsonParser.parseString("{\"median\":5.5,\"min\":4.5,\"max\":6.5}"));
  }

  @Test
  void nothingToSummariseIsRefused() {
    assertThatIllegalArgumentException().isThrownBy(() -> BenchSummary.of(List.of()))
        .withMessage("no runs to summarise");
  }
}
