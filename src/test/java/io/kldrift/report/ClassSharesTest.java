package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Shares of the KL the classes add, by hand: positive contributions only form the total. */
class ClassSharesTest {
  @Test
  void sharesAreOfThePositiveTotalAndNegativesOffsetIt() {
    double added = ClassShares.added(Arrays.asList(0.3, 0.1, -0.06, Double.NaN, null));
    assertThat(added).isEqualTo(0.4);
    assertThat(ClassShares.of(0.3, added)).isEqualTo("75%");
    assertThat(ClassShares.of(0.1, added)).isEqualTo("25%");
    assertThat(ClassShares.of(-0.06, added)).isEqualTo("offsets 15%");
    assertThat(ClassShares.of(0.001, added)).isEqualTo("<1%");
    assertThat(ClassShares.of(0.0, added)).isEqualTo("0%");
    assertThat(ClassShares.of(0.1, 0.0)).isEqualTo("n/a");
    assertThat(ClassShares.of(Double.NaN, added)).isEqualTo("n/a");
  }
}
