package dev.chitchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {

  @Test
  void withoutARampMessagesAreEvenlySpacedAtTheRate() {
    OpenLoopSchedule schedule = new OpenLoopSchedule(5_000, 1000, 0);

    assertThat(schedule.next()).isEqualTo(5_000 + 1_000_000);
    assertThat(schedule.index()).isZero();
    assertThat(schedule.next()).isEqualTo(5_000 + 2_000_000);
    assertThat(schedule.next()).isEqualTo(5_000 + 3_000_000);
    assertThat(schedule.index()).isEqualTo(2);
  }

  @Test
  void theRampRisesFromATenthOfTheRateToTheRate() {
    long ramp = 1_000_000_000L; // 1 s
    OpenLoopSchedule schedule = new OpenLoopSchedule(0, 1000, ramp);

    long first = schedule.next();
    assertThat(first).isEqualTo(10_000_000); // a tenth of 1000/s: 10 ms apart
    long previous = first;
    long inRamp = 1;
    long at;
    while ((at = schedule.next()) < ramp) {
      assertThat(at - previous).isLessThanOrEqualTo(10_000_000).isGreaterThanOrEqualTo(1_000_000);
      previous = at;
      inRamp++;
    }
    // a linear ramp from 10% to 100% carries 55% of the full rate's messages
    assertThat((double) inRamp).isCloseTo(550, within(10.0));
    long afterRamp = schedule.next();
    assertThat(afterRamp - at).isEqualTo(1_000_000);
  }

  @Test
  void aRateThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> new OpenLoopSchedule(0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenLoopSchedule(0, 10, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
