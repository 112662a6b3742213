package io.kldrift.kernel;

import static io.kldrift.kernel.Divergences.CROSS_ENTROPY;
import static io.kldrift.kernel.Divergences.JS;
import static io.kldrift.kernel.Divergences.KL;
import static io.kldrift.kernel.Divergences.REVERSE_KL;
import static io.kldrift.kernel.Divergences.REVERSE_SUPPORT_VIOLATIONS;
import static io.kldrift.kernel.Divergences.STUDENT_TOP1;
import static io.kldrift.kernel.Divergences.SUPPORT_VIOLATIONS;
import static io.kldrift.kernel.Divergences.SUPPORT_VIOLATION_KL;
import static io.kldrift.kernel.Divergences.TEACHER_CONFIDENCE;
import static io.kldrift.kernel.Divergences.TEACHER_ENTROPY;
import static io.kldrift.kernel.Divergences.TEACHER_TOP1;
import static io.kldrift.kernel.Divergences.TOTAL_VARIATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.kernel.Divergences.Kind;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DivergencesTest {
  private static final double EPS = 1e-12;

  /** Runs the kernel on two raw vectors of the given kinds with {@code math}. */
  static double[] run(
      VectorMath math, double[] p, Kind pk, double[] q, Kind qk, double t, double[] terms) {
    int n = p.length;
    Workspace w = new Workspace(math);
    w.ensure(n);
    System.arraycopy(p, 0, w.rawP, 0, n);
    System.arraycopy(q, 0, w.rawQ, 0, n);
    Divergences.compute(w, n, pk, qk, t, Math.log(EPS), terms != null);
    if (terms != null) {
      System.arraycopy(w.terms, 0, terms, 0, n);
    }
    return w.out.clone();
  }

  private static double[] run(double[] p, Kind pk, double[] q, Kind qk, double t, double[] terms) {
    return run(VectorMath.SCALAR, p, pk, q, qk, t, terms);
  }

  private static double[] probs(double[] p, double[] q) {
    return run(p, Kind.PROBS, q, Kind.PROBS, 1.0, null);
  }

  @Test
  void workedExampleFromTheDefinition() {
    double[] m = probs(new double[] {0.5, 0.5}, new double[] {0.9, 0.1});
    // 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1), by hand: 0.5 * (-0.5877866649) + 0.5 * 1.6094379124
    assertThat(m[KL]).isCloseTo(0.5108256238, within(1e-10));
    // H(P) = ln 2; H(P,Q) = -(0.5 ln 0.9 + 0.5 ln 0.1) = 1.2039728043
    assertThat(m[TEACHER_ENTROPY]).isCloseTo(0.6931471806, within(1e-10));
    assertThat(m[CROSS_ENTROPY]).isCloseTo(1.2039728043, within(1e-10));
    // reverse: 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5) = 0.3680642072
    assertThat(m[REVERSE_KL]).isCloseTo(0.3680642072, within(1e-10));
    // JS with M = (0.7, 0.3): computed by hand from the definition
    double js =
        0.5 * (0.5 * Math.log(0.5 / 0.7) + 0.5 * Math.log(0.5 / 0.3))
            + 0.5 * (0.9 * Math.log(0.9 / 0.7) + 0.1 * Math.log(0.1 / 0.3));
    assertThat(m[JS]).isCloseTo(js, within(1e-15)).isCloseTo(0.1017492251, within(1e-10));
    assertThat(m[TOTAL_VARIATION]).isCloseTo(0.4, within(1e-15));
    assertThat(m[TEACHER_TOP1]).isEqualTo(0);
    assertThat(m[STUDENT_TOP1]).isEqualTo(0);
    assertThat(m[TEACHER_CONFIDENCE]).isEqualTo(0.5);
  }

  @Test
  void klIsCrossEntropyMinusEntropyOnRandomVectors() {
    SplittableRandom rng = new SplittableRandom(42);
    for (int trial = 0; trial < 500; trial++) {
      int n = 1 + rng.nextInt(200);
      double[] p = randomDistribution(rng, n), q = randomDistribution(rng, n);
      double[] m = probs(p, q);
      double naive = 0;
      for (int c = 0; c < n; c++) {
        naive += p[c] * Math.log(p[c] / q[c]);
      }
      assertThat(m[KL]).isGreaterThanOrEqualTo(-1e-15);
      assertThat(m[KL]).isCloseTo(naive, within(1e-12 * Math.max(1, Math.abs(naive))));
      assertThat(m[CROSS_ENTROPY] - m[TEACHER_ENTROPY]).isCloseTo(m[KL], within(1e-12));
      assertThat(m[JS]).isBetween(0.0, Math.log(2));
      double[] swapped = probs(q, p);
      assertThat(swapped[JS]).isCloseTo(m[JS], within(1e-14));
      assertThat(swapped[KL]).isCloseTo(m[REVERSE_KL], within(1e-12));
    }
  }

  @Test
  void zeroTeacherProbabilityContributesNothing() {
    // 0 * log 0 = 0: only the first class counts, KL = 1 * ln(1/0.5)
    double[] m = probs(new double[] {1.0, 0.0}, new double[] {0.5, 0.5});
    assertThat(m[KL]).isCloseTo(Math.log(2), within(1e-15));
    assertThat(m[TEACHER_ENTROPY]).isEqualTo(0.0);
    assertThat(m[SUPPORT_VIOLATIONS]).isEqualTo(0);
    // the reverse direction sees Q(1) = 0.5 where P(1) = 0: one reverse violation, clipped to
    // epsilon
    assertThat(m[REVERSE_SUPPORT_VIOLATIONS]).isEqualTo(1);
    assertThat(m[REVERSE_KL])
        .isCloseTo(0.5 * Math.log(0.5 / 1.0) + 0.5 * Math.log(0.5 / EPS), within(1e-12));
  }

  @Test
  void zeroStudentProbabilityIsClippedToEpsilonAndCounted() {
    double[] terms = new double[3];
    double[] m =
        run(
            new double[] {0.5, 0.3, 0.2},
            Kind.PROBS,
            new double[] {0.6, 0.4, 0.0},
            Kind.PROBS,
            1,
            terms);
    double expected =
        0.5 * Math.log(0.5 / 0.6) + 0.3 * Math.log(0.3 / 0.4) + 0.2 * Math.log(0.2 / EPS);
    assertThat(m[KL]).isCloseTo(expected, within(1e-12));
    assertThat(m[SUPPORT_VIOLATIONS]).isEqualTo(1);
    assertThat(terms[2]).isCloseTo(0.2 * Math.log(0.2 / EPS), within(1e-12));
    assertThat(terms[0] + terms[1] + terms[2]).isCloseTo(m[KL], within(1e-14));
    // the clipped cell's term alone, 0.2 * ln(0.2 / 1e-12) = 0.2 * 26.2161... = 5.2432...
    assertThat(m[SUPPORT_VIOLATION_KL]).isEqualTo(terms[2]);
  }

  @Test
  void clippedCellsKlIsTheirTermsAndZeroWithoutClipping() {
    // P = (0.5, 0.5), Q = (1, 0): class 1 is clipped, its term 0.5 * ln(0.5 / 1e-12)
    // = 0.5 * (-0.6931472 + 27.6310211) = 13.4689370; class 0 adds 0.5 * ln 0.5 = -0.3465736.
    double[] m = probs(new double[] {0.5, 0.5}, new double[] {1.0, 0.0});
    assertThat(m[SUPPORT_VIOLATION_KL]).isCloseTo(13.4689370, within(1e-7));
    assertThat(m[KL] - m[SUPPORT_VIOLATION_KL]).isCloseTo(-0.3465736, within(1e-7));
    // no zero in Q: nothing clipped
    assertThat(probs(new double[] {0.9, 0.1}, new double[] {0.1, 0.9})[SUPPORT_VIOLATION_KL])
        .isZero();
    // logits never clip, even where the softmax underflows to 0
    double[] l =
        run(new double[] {0, -1}, Kind.LOGITS, new double[] {0, -900}, Kind.LOGITS, 1, null);
    assertThat(l[SUPPORT_VIOLATION_KL]).isZero();
  }

  @Test
  void logitsAtATemperatureEqualTheProbabilitiesTheySoftenTo() {
    double[] logits = {2.0, -1.0, 0.5, 3.0};
    double t = 2.5;
    double[] soft = new double[4];
    double z = 0;
    for (int c = 0; c < 4; c++) {
      soft[c] = Math.exp(logits[c] / t);
      z += soft[c];
    }
    for (int c = 0; c < 4; c++) {
      soft[c] /= z;
    }
    double[] q = {0.1, 0.2, 0.3, 0.4};
    double[] fromLogits = run(logits, Kind.LOGITS, q, Kind.PROBS, t, null);
    double[] fromProbs = run(soft, Kind.PROBS, q, Kind.PROBS, 1.0, null);
    assertThat(fromLogits[KL]).isCloseTo(fromProbs[KL], within(1e-14));
    assertThat(fromLogits[JS]).isCloseTo(fromProbs[JS], within(1e-14));
    double[] logs = new double[4];
    for (int c = 0; c < 4; c++) {
      logs[c] = Math.log(soft[c]);
    }
    double[] fromLogProbs = run(logs, Kind.LOG_PROBS, q, Kind.PROBS, 1.0, null);
    assertThat(fromLogProbs[KL]).isCloseTo(fromProbs[KL], within(1e-14));
  }

  @Test
  void hugeLogitsStayInLogSpace() {
    // softmax underflows to exactly 0 for the second class, but its log-probability is finite,
    // so there is no support violation and no clipping: KL = p1 * (lp1 - lq1) + 0
    double[] m =
        run(new double[] {0, -800}, Kind.LOGITS, new double[] {0, -900}, Kind.LOGITS, 1, null);
    assertThat(m[SUPPORT_VIOLATIONS]).isEqualTo(0);
    assertThat(m[KL]).isFinite().isCloseTo(0.0, within(1e-300));
  }

  @Test
  void rowRules() {
    assertThat(Divergences.check(new double[] {0.5, 0.5}, 2, Kind.PROBS, 1e-3))
        .isEqualTo(Divergences.OK);
    assertThat(Divergences.check(new double[0], 0, Kind.PROBS, 1e-3)).isEqualTo(Divergences.EMPTY);
    assertThat(Divergences.check(new double[] {Double.NaN, 1}, 2, Kind.PROBS, 1e-3))
        .isEqualTo(Divergences.NOT_FINITE);
    assertThat(Divergences.check(new double[] {-0.1, 1.1}, 2, Kind.PROBS, 1e-3))
        .isEqualTo(Divergences.NEGATIVE);
    assertThat(Divergences.check(new double[] {0.5, 0.6}, 2, Kind.PROBS, 1e-3))
        .isEqualTo(Divergences.NOT_NORMALIZED);
    assertThat(
            Divergences.check(new double[] {Double.NEGATIVE_INFINITY, 0}, 2, Kind.LOG_PROBS, 1e-3))
        .isEqualTo(Divergences.OK);
    assertThat(Divergences.check(new double[] {5, -3}, 2, Kind.LOGITS, 1e-3))
        .isEqualTo(Divergences.OK);
    assertThat(Divergences.check(new double[] {Double.POSITIVE_INFINITY, 0}, 2, Kind.LOGITS, 1e-3))
        .isEqualTo(Divergences.NOT_FINITE);
  }

  static double[] randomDistribution(SplittableRandom rng, int n) {
    double[] p = new double[n];
    double s = 0;
    for (int c = 0; c < n; c++) {
      p[c] = 1e-6 + rng.nextDouble();
      s += p[c];
    }
    for (int c = 0; c < n; c++) {
      p[c] /= s;
    }
    return p;
  }
}
