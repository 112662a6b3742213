package io.kldrift.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.kernel.Divergences.Kind;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The SIMD path agrees with the scalar path (relative difference at most 1e-9) on every metric. */
class SimdKernelTest {

  @Test
  void theTestJvmHasTheVectorApiAndUsesIt() {
    // surefire's argLine adds jdk.incubator.vector, as Spark's launcher does
    assertThat(VectorMath.simd()).isNotNull();
    assertThat(VectorMath.best().name()).startsWith("simd");
  }

  @Test
  void logAndExpEdgeValuesMatchTheScalarDefinitions() {
    VectorMath simd = VectorMath.simd();
    double[] x = {
      0.0, -0.0, Double.MIN_VALUE, 1e-300, 1.0, 2.5, 1e300, 0.125, 3.0, 7.0, 1e-12, 0.5
    };
    double[] got = new double[x.length];
    simd.log(x, got, x.length);
    for (int i = 0; i < x.length; i++) {
      double want = Math.log(x[i]);
      if (Double.isInfinite(want)) {
        assertThat(got[i]).as("ln %s", x[i]).isEqualTo(want);
      } else {
        assertThat(relative(got[i], want)).as("ln %s", x[i]).isLessThanOrEqualTo(1e-14);
      }
    }
    double[] e = {Double.NEGATIVE_INFINITY, -800, -1, 0, 1, 30, -1e-9, 2, 3, 4, 5, 6};
    simd.exp(e, got, e.length);
    for (int i = 0; i < e.length; i++) {
      assertThat(relative(got[i], Math.exp(e[i]))).as("exp %s", e[i]).isLessThanOrEqualTo(1e-14);
    }
  }

  @Test
  void everyMetricAgreesWithTheScalarPathForEveryKind() {
    SplittableRandom rng = new SplittableRandom(3);
    for (int trial = 0; trial < 300; trial++) {
      int n = 1 + rng.nextInt(300);
      Kind pk = Kind.values()[rng.nextInt(3)];
      Kind qk = Kind.values()[rng.nextInt(3)];
      double[] p = raw(rng, n, pk), q = raw(rng, n, qk);
      if (rng.nextInt(4) == 0 && pk == Kind.PROBS) {
        p[rng.nextInt(n)] = 0; // zero classes exercise the 0 log 0 and epsilon rules
      }
      double t = 0.5 + 3 * rng.nextDouble();
      double[] ts = new double[n], tv = new double[n];
      double[] scalar = DivergencesTest.run(VectorMath.SCALAR, p, pk, q, qk, t, ts);
      double[] simd = DivergencesTest.run(VectorMath.simd(), p, pk, q, qk, t, tv);
      for (int m = 0; m < Divergences.METRIC_COUNT; m++) {
        assertThat(relative(simd[m], scalar[m]))
            .as("metric %d, trial %d", m, trial)
            .isLessThanOrEqualTo(1e-9);
      }
      for (int c = 0; c < n; c++) {
        assertThat(Math.abs(tv[c] - ts[c]))
            .isLessThanOrEqualTo(1e-9 * Math.max(Math.abs(ts[c]), 1e-12));
      }
    }
  }

  private static double[] raw(SplittableRandom rng, int n, Kind k) {
    double[] d = DivergencesTest.randomDistribution(rng, n);
    if (k == Kind.PROBS) {
      return d;
    }
    for (int c = 0; c < n; c++) {
      d[c] = Math.log(d[c]) + (k == Kind.LOGITS ? 4.2 : 0);
    }
    return d;
  }

  private static double relative(double a, double b) {
    if (a == b) {
      return 0;
    }
    return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
  }
}
