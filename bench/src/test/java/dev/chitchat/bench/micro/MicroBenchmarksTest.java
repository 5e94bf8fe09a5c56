package dev.chitchat.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The JMH benchmarks work as plain code, and JMH's annotation processor listed them (so that
 * {@code ./chitchat micro} finds them). No timing: the figures come from JMH itself.
 */
class MicroBenchmarksTest {

  @Test
  void theClockBenchmarksTickTheirClocks() throws Exception {
    ClockBenchmark b = new ClockBenchmark();
    b.setUp();
    try {
      long first = b.tick();
      assertThat(b.tick()).isEqualTo(first + 1);
      assertThat(b.receive()).isEqualTo(first + 2); // max(L, 1) + 1
      assertThat(b.tickContended()).isEqualTo(first + 3);
      long logged = b.tickLogged();
      assertThat(b.tickLogged()).isEqualTo(logged + 1);
    } finally {
      b.tearDown();
    }
  }

  @Test
  void bothCallsAreAnswered() throws Exception {
    InterceptorBenchmark b = new InterceptorBenchmark();
    b.setUp();
    try {
      assertThat(b.plainCall().getDeliveredThrough()).isEqualTo(1);
      assertThat(b.clockedCall().getDeliveredThrough()).isEqualTo(1);
    } finally {
      b.tearDown();
    }
  }

  @Test
  void jmhListsEveryBenchmark() throws IOException {
    try (InputStream list =
        getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
      assertThat(list).isNotNull();
      String text = new String(list.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(text)
          .contains("ClockBenchmark_tick_jmhTest", "ClockBenchmark_receive_jmhTest",
              "ClockBenchmark_tickContended_jmhTest", "ClockBenchmark_tickLogged_jmhTest",
              "InterceptorBenchmark_plainCall_jmhTest", "InterceptorBenchmark_clockedCall_jmhTest");
    }
  }
}
