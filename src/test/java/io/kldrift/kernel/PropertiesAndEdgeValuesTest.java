package io.kldrift.kernel;

import static io.kldrift.kernel.Divergences.CROSS_ENTROPY;
import static io.kldrift.kernel.Divergences.JS;
import static io.kldrift.kernel.Divergences.KL;
import static io.kldrift.kernel.Divergences.REVERSE_KL;
import static io.kldrift.kernel.Divergences.SUPPORT_VIOLATIONS;
import static io.kldrift.kernel.Divergences.TEACHER_ENTROPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.kernel.Divergences.Kind;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Properties of the definitions on seeded random vectors (both math paths), and edge values that
 * must give finite, documented results.
 */
class PropertiesAndEdgeValuesTest {
  private static final VectorMath[] PATHS = {VectorMath.SCALAR, VectorMath.best()};

  private static double[] run(VectorMath m, double[] p, Kind pk, double[] q, Kind qk, double t) {
    return DivergencesTest.run(m, p, pk, q, qk, t, null);
  }

  @Test
  void propertiesHoldOnRandomVectors() {
    SplittableRandom rng = new SplittableRandom(20261129);
    for (int trial = 0; trial < 2000; trial++) {
      int n = 1 + rng.nextInt(64);
      double[] p = DivergencesTest.randomDistribution(rng, n);
      double[] q = DivergencesTest.randomDistribution(rng, n);
      for (VectorMath m : PATHS) {
        double[] pq = run(m, p, Kind.PROBS, q, Kind.PROBS, 1);
        double[] qp = run(m, q, Kind.PROBS, p, Kind.PROBS, 1);
        assertThat(pq[KL]).isGreaterThanOrEqualTo(-1e-12);
        assertThat(pq[CROSS_ENTROPY] - pq[TEACHER_ENTROPY]).isCloseTo(pq[KL], within(1e-12));
        assertThat(pq[JS]).isEqualTo(qp[JS], within(1e-14)).isBetween(0.0, Math.log(2));
        assertThat(pq[REVERSE_KL]).isCloseTo(qp[KL], within(1e-12));
        // logits are defined up to a shift: adding c to every logit changes nothing
        double[] z = new double[n];
        double[] zShifted = new double[n];
        double c = rng.nextDouble(-50, 50);
        for (int i = 0; i < n; i++) {
          z[i] = Math.log(p[i]);
          zShifted[i] = z[i] + c;
        }
        double[] a = run(m, z, Kind.LOGITS, q, Kind.PROBS, 1.7);
        double[] b = run(m, zShifted, Kind.LOGITS, q, Kind.PROBS, 1.7);
        assertThat(b[KL]).isCloseTo(a[KL], within(1e-11));
      }
    }
  }

  @Test
  void edgeValuesAreFiniteAndDocumented() {
    for (VectorMath m : PATHS) {
      // one class: both distributions are (1), every divergence is 0
      double[] one = run(m, new double[] {1}, Kind.PROBS, new double[] {1}, Kind.PROBS, 1);
      assertThat(one[KL]).isZero();
      assertThat(one[JS]).isZero();
      // subnormal and 1e-45 probabilities: finite logs, tiny terms
      double[] sub =
          run(
              m,
              new double[] {1e-45, Double.MIN_VALUE, 1 - 1e-45},
              Kind.PROBS,
              new double[] {0.5, 0.25, 0.25},
              Kind.PROBS,
              1);
      assertThat(Arrays.stream(sub).allMatch(Double::isFinite)).as(Arrays.toString(sub)).isTrue();
      // logits of +-1e30: the max shift keeps everything finite; the winning class takes all mass
      double[] huge =
          run(
              m,
              new double[] {1e30, -1e30, 0},
              Kind.LOGITS,
              new double[] {-1e30, 1e30, 0},
              Kind.LOGITS,
              1);
      assertThat(Arrays.stream(huge).allMatch(Double::isFinite)).as(Arrays.toString(huge)).isTrue();
      assertThat(huge[KL]).isCloseTo(2e30, within(1e16));
      // log-probabilities of -infinity are zero-probability classes: no violation on the teacher
      // side
      double[] ninf =
          run(
              m,
              new double[] {Double.NEGATIVE_INFINITY, 0},
              Kind.LOG_PROBS,
              new double[] {Math.log(0.5), Math.log(0.5)},
              Kind.LOG_PROBS,
              1);
      assertThat(ninf[KL]).isCloseTo(Math.log(2), within(1e-15));
      assertThat(ninf[SUPPORT_VIOLATIONS]).isZero();
      // one-hot teacher where the student gives that class 0: a counted violation, KL =
      // ln(1/epsilon)
      double[] oneHot =
          run(m, new double[] {0, 1, 0}, Kind.PROBS, new double[] {0.5, 0, 0.5}, Kind.PROBS, 1);
      assertThat(oneHot[SUPPORT_VIOLATIONS]).isEqualTo(1);
      assertThat(oneHot[KL]).isCloseTo(-Math.log(1e-12), within(1e-9));
      // 100,000 classes: uniform against uniform is exactly 0
      double[] u = new double[100_000];
      Arrays.fill(u, 1e-5);
      double[] wide = run(m, u, Kind.PROBS, u, Kind.PROBS, 1);
      assertThat(wide[KL]).isCloseTo(0.0, within(1e-12));
      assertThat(wide[TEACHER_ENTROPY]).isCloseTo(Math.log(100_000), within(1e-9));
    }
  }
}
