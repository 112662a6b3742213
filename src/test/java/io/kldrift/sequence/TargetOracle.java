package io.kldrift.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * The target figures of one group of positions from their definitions, for the tests: the
 * probabilities of the target on each side (null when missing) and each model's top-1 hit, kept as
 * a list and summarized by plain loops (two-pass variance), none of the code under test.
 */
final class TargetOracle {
  private final List<double[]> known = new ArrayList<>();
  private long teacherHits;
  private long studentHits;
  private long teacherMissing;
  private long studentMissing;

  /**
   * One counted position: {@code p} and {@code q} the target's probabilities, null when missing.
   */
  TargetOracle add(Double p, Double q, boolean teacherHit, boolean studentHit) {
    if (p == null || q == null) {
      teacherMissing += p == null ? 1 : 0;
      studentMissing += q == null ? 1 : 0;
      return this;
    }
    known.add(new double[] {p, q});
    teacherHits += teacherHit ? 1 : 0;
    studentHits += studentHit ? 1 : 0;
    return this;
  }

  long n() {
    return known.size();
  }

  double teacherNll() {
    return known.stream().mapToDouble(x -> -Math.log(x[0])).sum() / n();
  }

  double studentNll() {
    return known.stream().mapToDouble(x -> -Math.log(x[1])).sum() / n();
  }

  double deltaPMean() {
    return known.stream().mapToDouble(x -> x[1] - x[0]).sum() / n();
  }

  double deltaPRms() {
    return Math.sqrt(known.stream().mapToDouble(x -> (x[1] - x[0]) * (x[1] - x[0])).sum() / n());
  }

  /** The half width of the 95% normal interval of the mean paired difference ln p − ln q. */
  double ratioHalfWidth() {
    double mean = studentNll() - teacherNll();
    double ss = 0;
    for (double[] x : known) {
      double d = Math.log(x[0]) - Math.log(x[1]) - mean;
      ss += d * d;
    }
    return 1.959963984540054 * Math.sqrt(ss / (n() - 1) / n());
  }

  /** Asserts every figure of {@code g}, means to {@code tol}. */
  void assertMatches(Summary.TargetGroup g, double tol, String what) {
    assertThat(g).as(what).isNotNull();
    assertThat(g.n()).as(what).isEqualTo(n());
    assertThat(g.teacherTargetMissing()).as(what).isEqualTo(teacherMissing);
    assertThat(g.studentTargetMissing()).as(what).isEqualTo(studentMissing);
    if (n() == 0) {
      assertThat(g.teacherNllMean()).as(what).isNull();
      assertThat(g.lnPplRatio()).as(what).isNull();
      assertThat(g.teacherAccuracy()).as(what).isNull();
      return;
    }
    assertThat(g.teacherNllMean()).as(what).isCloseTo(teacherNll(), within(tol));
    assertThat(g.studentNllMean()).as(what).isCloseTo(studentNll(), within(tol));
    assertThat(g.teacherPpl()).as(what).isCloseTo(Math.exp(teacherNll()), within(tol));
    assertThat(g.studentPpl()).as(what).isCloseTo(Math.exp(studentNll()), within(tol));
    double ratio = studentNll() - teacherNll();
    assertThat(g.lnPplRatio()).as(what).isCloseTo(ratio, within(tol));
    if (n() > 1) {
      assertThat(g.lnPplRatioCi95Low()).as(what).isCloseTo(ratio - ratioHalfWidth(), within(tol));
      assertThat(g.lnPplRatioCi95High()).as(what).isCloseTo(ratio + ratioHalfWidth(), within(tol));
    } else {
      assertThat(g.lnPplRatioCi95Low()).as(what).isNull();
    }
    assertThat(g.deltaPMean()).as(what).isCloseTo(deltaPMean(), within(tol));
    assertThat(g.deltaPRms()).as(what).isCloseTo(deltaPRms(), within(tol));
    assertThat(g.teacherAccuracy()).as(what).isCloseTo((double) teacherHits / n(), within(1e-15));
    assertThat(g.studentAccuracy()).as(what).isCloseTo((double) studentHits / n(), within(1e-15));
  }

  /** Asserts the target columns of a per_slice/ or per_token/ row. */
  void assertRow(Row r, double tol, String what) {
    Summary.TargetGroup g =
        new Summary.TargetGroup(
            r.getAs("target_n"),
            r.getAs("teacher_nll_mean"),
            r.getAs("student_nll_mean"),
            r.getAs("teacher_ppl"),
            r.getAs("student_ppl"),
            r.getAs("ln_ppl_ratio"),
            r.getAs("ln_ppl_ratio_ci95_low"),
            r.getAs("ln_ppl_ratio_ci95_high"),
            r.getAs("delta_p_mean"),
            r.getAs("delta_p_rms"),
            r.getAs("teacher_accuracy"),
            r.getAs("student_accuracy"),
            r.getAs("teacher_target_missing"),
            r.getAs("student_target_missing"));
    assertMatches(g, tol, what);
  }
}
