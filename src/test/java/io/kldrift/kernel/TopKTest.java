package io.kldrift.kernel;

import static io.kldrift.kernel.TopK.CELLS;
import static io.kldrift.kernel.TopK.JSD;
import static io.kldrift.kernel.TopK.JS_HIGH;
import static io.kldrift.kernel.TopK.JS_LOW;
import static io.kldrift.kernel.TopK.KL;
import static io.kldrift.kernel.TopK.OVERLAP;
import static io.kldrift.kernel.TopK.REVERSE_KL;
import static io.kldrift.kernel.TopK.STUDENT_TAIL;
import static io.kldrift.kernel.TopK.STUDENT_TOP1;
import static io.kldrift.kernel.TopK.TEACHER_ENTROPY;
import static io.kldrift.kernel.TopK.TEACHER_TAIL;
import static io.kldrift.kernel.TopK.TEACHER_TOP1;
import static io.kldrift.kernel.TopK.TOP1_RANK;
import static io.kldrift.kernel.TopK.TV_HIGH;
import static io.kldrift.kernel.TopK.TV_LOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The top-k kernel against values derived by hand on tiny vocabularies, against the full-vector
 * definitions when k = V, and against the theorems it rests on (each value on the partition is a
 * lower bound; the upper bounds of JS and TV hold) on seeded random distributions.
 */
class TopKTest {
  private static final double EPS = 1e-12;
  private static final double LN2 = Math.log(2);

  private static double[] ln(double... p) {
    double[] out = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = Math.log(p[i]);
    }
    return out;
  }

  private static long[] ids(long... ids) {
    return ids;
  }

  /** Runs the kernel on whole arrays with β = ½ (so JSD is the Jensen-Shannon value). */
  private static double[] run(long[] tIds, double[] tLp, long[] sIds, double[] sLp, double[] at) {
    return run(tIds, tLp, sIds, sLp, at, 0.5, new TopK.Scratch());
  }

  private static double[] run(
      long[] tIds,
      double[] tLp,
      long[] sIds,
      double[] sLp,
      double[] at,
      double beta,
      TopK.Scratch w) {
    double[] out = new double[TopK.COUNT];
    TopK.compute(tIds, tLp, tIds.length, sIds, sLp, sIds.length, at, beta, EPS, w, out);
    return out;
  }

  // ---- the definitions over full vectors, written out independently of the kernel ----

  private static double kl(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        s += p[i] * Math.log(p[i] / q[i]);
      }
    }
    return s;
  }

  private static double jsd(double[] p, double[] q, double beta) {
    double[] m = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      m[i] = beta * p[i] + (1 - beta) * q[i];
    }
    return beta * kl(p, m) + (1 - beta) * kl(q, m);
  }

  private static double tv(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += Math.abs(p[i] - q[i]);
    }
    return 0.5 * s;
  }

  private static double entropy(double[] p) {
    double s = 0;
    for (double x : p) {
      if (x > 0) {
        s -= x * Math.log(x);
      }
    }
    return s;
  }

  // ---- hand-derived cases ----

  @Test
  void tailBucketOnFourTokensWithTheTeachersTopTwo() {
    // p = (0.5, 0.3, 0.15, 0.05), q = (0.4, 0.3, 0.2, 0.1); teacher reports ids 0, 1; the student's
    // log-probabilities at them are ln 0.4, ln 0.3; the student's own top-2 is also ids 0, 1.
    // Cells: {0}: (0.5, 0.4), {1}: (0.3, 0.3), tail: (0.2, 0.3).
    double[] o = run(ids(0, 1), ln(0.5, 0.3), ids(1, 0), ln(0.3, 0.4), ln(0.4, 0.3));
    // KL = 0.5 ln(0.5/0.4) + 0.3 ln 1 + 0.2 ln(0.2/0.3)
    //    = 0.5 * 0.2231435513 + 0 + 0.2 * (-0.4054651081) = 0.0304787540
    assertThat(o[KL]).isCloseTo(0.0304787540, within(1e-10));
    // the exact KL over the four tokens is larger:
    // 0.1115717757 + 0.15 ln(0.75) + 0.05 ln(0.5) = 0.1115717757 - 0.0431523109 - 0.0346573590
    assertThat(o[KL]).isLessThan(0.0337621058);
    // reverse: 0.4 ln(0.4/0.5) + 0.3 ln(0.3/0.2) = -0.0892574205 + 0.1216395324 = 0.0323821119
    assertThat(o[REVERSE_KL]).isCloseTo(0.0323821119, within(1e-10));
    // TV: ½(|0.5-0.4| + 0 + |0.2-0.3|) = 0.1; upper: ½(0.1 + 0) + ½(0.2 + 0.3) = 0.3
    assertThat(o[TV_LOW]).isCloseTo(0.1, within(1e-15));
    assertThat(o[TV_HIGH]).isCloseTo(0.3, within(1e-15));
    // JS: mixtures (0.45, 0.3, 0.25); JS_A is the {0} and {1} terms only, the {1} term being 0
    double jsA = 0.5 * (0.5 * Math.log(0.5 / 0.45) + 0.4 * Math.log(0.4 / 0.45));
    double jsTail = 0.5 * (0.2 * Math.log(0.2 / 0.25) + 0.3 * Math.log(0.3 / 0.25));
    assertThat(o[JS_LOW]).isCloseTo(jsA + jsTail, within(1e-15));
    assertThat(o[JSD]).isCloseTo(jsA + jsTail, within(1e-15));
    assertThat(o[JS_HIGH]).isCloseTo(jsA + 0.5 * (0.2 + 0.3) * LN2, within(1e-15));
    assertThat(o[TEACHER_TAIL]).isCloseTo(0.2, within(1e-15));
    assertThat(o[STUDENT_TAIL]).isCloseTo(0.3, within(1e-15));
    assertThat(o[OVERLAP]).isEqualTo(1.0);
    assertThat(o[TEACHER_TOP1]).isEqualTo(0.0);
    assertThat(o[STUDENT_TOP1]).isEqualTo(0.0);
    assertThat(o[TOP1_RANK]).isEqualTo(1.0);
    // H_c = -(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2) = 0.3465735903 + 0.3611918412 + 0.3218875825
    assertThat(o[TEACHER_ENTROPY]).isCloseTo(1.0296530140, within(1e-10));
    assertThat(o[CELLS]).isEqualTo(2.0);
  }

  @Test
  void intersectionOfTwoDifferentTopTwoLists() {
    // p = (0.5, 0.3, 0.15, 0.05), q = (0.3, 0.1, 0.4, 0.2). Teacher top-2: {0, 1}; student
    // top-2: {2, 0}. A = T ∩ S = {0}: cells {0}: (0.5, 0.3), rest: (0.5, 0.7).
    double[] o = run(ids(0, 1), ln(0.5, 0.3), ids(2, 0), ln(0.4, 0.3), null);
    // KL = 0.5 ln(0.5/0.3) + 0.5 ln(0.5/0.7) = 0.2554128119 - 0.1682361183 = 0.0871766936
    assertThat(o[KL]).isCloseTo(0.0871766936, within(1e-10));
    // reverse = 0.3 ln(0.3/0.5) + 0.7 ln(0.7/0.5) = -0.1532476871 + 0.2355305656 = 0.0822828785
    assertThat(o[REVERSE_KL]).isCloseTo(0.0822828785, within(1e-10));
    // TV low = ½|0.5-0.3| + ½|0.5-0.7| = 0.2; high = ½·0.2 + ½(2 - 0.5 - 0.3) = 0.7
    // (the exact TV is ½(0.2 + 0.2 + 0.25 + 0.15) = 0.4, in between)
    assertThat(o[TV_LOW]).isCloseTo(0.2, within(1e-15));
    assertThat(o[TV_HIGH]).isCloseTo(0.7, within(1e-15));
    // JS: mixtures 0.4 on {0}, 0.6 on the rest
    double jsA = 0.5 * (0.5 * Math.log(0.5 / 0.4) + 0.3 * Math.log(0.3 / 0.4));
    double jsRest = 0.5 * (0.5 * Math.log(0.5 / 0.6) + 0.7 * Math.log(0.7 / 0.6));
    assertThat(o[JS_LOW]).isCloseTo(jsA + jsRest, within(1e-15));
    // JS_A = ½(0.1115717757 - 0.0863046217) = 0.0126335770; + ½·1.2·ln 2 = 0.4285218853
    assertThat(o[JS_HIGH]).isCloseTo(0.4285218853, within(1e-10));
    assertThat(o[TEACHER_TAIL]).isCloseTo(0.2, within(1e-15));
    assertThat(o[STUDENT_TAIL]).isCloseTo(0.3, within(1e-15));
    assertThat(o[OVERLAP]).isEqualTo(0.5);
    assertThat(o[TEACHER_TOP1]).isEqualTo(0.0);
    assertThat(o[STUDENT_TOP1]).isEqualTo(2.0);
    // the teacher's top-1 (id 0) sits behind id 2 in the student's list
    assertThat(o[TOP1_RANK]).isEqualTo(2.0);
    assertThat(o[TEACHER_ENTROPY]).isCloseTo(1.0296530140, within(1e-10));
    assertThat(o[CELLS]).isEqualTo(1.0);
  }

  @Test
  void fullListsGiveTheExactDivergencesInBothModes() {
    double[] p = {0.5, 0.3, 0.15, 0.05}, q = {0.3, 0.1, 0.4, 0.2};
    // lists in scrambled orders, different on each side
    long[] tIds = ids(2, 0, 3, 1), sIds = ids(3, 1, 0, 2);
    double[] tLp = ln(p[2], p[0], p[3], p[1]), sLp = ln(q[3], q[1], q[0], q[2]);
    double[] at = ln(q[2], q[0], q[3], q[1]);
    for (double[] o :
        new double[][] {
          run(tIds, tLp, sIds, sLp, at, 0.5, new TopK.Scratch()),
          run(tIds, tLp, sIds, sLp, null, 0.5, new TopK.Scratch())
        }) {
      assertThat(o[KL]).isCloseTo(kl(p, q), within(1e-12));
      assertThat(o[REVERSE_KL]).isCloseTo(kl(q, p), within(1e-12));
      assertThat(o[JS_LOW]).isCloseTo(jsd(p, q, 0.5), within(1e-12));
      assertThat(o[JS_HIGH]).isCloseTo(jsd(p, q, 0.5), within(1e-12));
      assertThat(o[TV_LOW]).isCloseTo(tv(p, q), within(1e-12));
      assertThat(o[TV_HIGH]).isCloseTo(tv(p, q), within(1e-12));
      assertThat(o[TEACHER_ENTROPY]).isCloseTo(entropy(p), within(1e-12));
      assertThat(o[TEACHER_TAIL]).isCloseTo(0.0, within(1e-15));
      assertThat(o[STUDENT_TAIL]).isCloseTo(0.0, within(1e-15));
      assertThat(o[OVERLAP]).isEqualTo(1.0);
      assertThat(o[TEACHER_TOP1]).isEqualTo(0.0);
      assertThat(o[STUDENT_TOP1]).isEqualTo(2.0);
      // teacher's top-1 is id 0 (q = 0.3), behind id 2 (q = 0.4)
      assertThat(o[TOP1_RANK]).isEqualTo(2.0);
      assertThat(o[CELLS]).isEqualTo(4.0);
    }
    // the generalized JSD at β = 0.3, and the endpoints β = 0 (forward) and β = 1 (reverse)
    TopK.Scratch w = new TopK.Scratch();
    assertThat(run(tIds, tLp, sIds, sLp, at, 0.3, w)[JSD]).isCloseTo(jsd(p, q, 0.3), within(1e-12));
    assertThat(run(tIds, tLp, sIds, sLp, at, 0.0, w)[JSD]).isCloseTo(kl(p, q), within(1e-12));
    assertThat(run(tIds, tLp, sIds, sLp, at, 1.0, w)[JSD]).isCloseTo(kl(q, p), within(1e-12));
  }

  @Test
  void aNotReportedStudentValueMovesThatTeacherIdIntoTheTail() {
    // as the four-token tail-bucket case, but the student's value at id 1 is the sentinel:
    // A = {0}: cells (0.5, 0.4), tail (0.5, 0.6)
    double[] o =
        run(ids(0, 1), ln(0.5, 0.3), ids(1, 0), ln(0.3, 0.4), new double[] {Math.log(0.4), -9999});
    // KL = 0.5 ln(0.5/0.4) + 0.5 ln(0.5/0.6) = 0.1115717757 - 0.0911607784 = 0.0204109973
    assertThat(o[KL]).isCloseTo(0.0204109973, within(1e-10));
    assertThat(o[CELLS]).isEqualTo(1.0);
    // the teacher's own tail and entropy still count id 1 as reported
    assertThat(o[TEACHER_TAIL]).isCloseTo(0.2, within(1e-15));
    assertThat(o[TEACHER_ENTROPY]).isCloseTo(1.0296530140, within(1e-10));
  }

  @Test
  void anEmptyTeacherTailAsDivisorIsClippedToEpsilon() {
    // The teacher's support is {0, 1} and it reports both (tail 0); the student puts 0.6 and 0.1
    // there, 0.3 elsewhere. Reverse KL = 0.6 ln(0.6/0.5) + 0.1 ln(0.1/0.5) + 0.3 ln(0.3/ε).
    double[] o = run(ids(0, 1), ln(0.5, 0.5), ids(0, 1, 5), ln(0.6, 0.1, 0.3), ln(0.6, 0.1));
    double expected =
        0.6 * Math.log(0.6 / 0.5) + 0.1 * Math.log(0.1 / 0.5) + 0.3 * Math.log(0.3 / EPS);
    assertThat(o[REVERSE_KL]).isCloseTo(expected, within(1e-12));
    // forward: 0.5 ln(0.5/0.6) + 0.5 ln(0.5/0.1) and a tail of 0 mass adds nothing
    assertThat(o[KL])
        .isCloseTo(0.5 * Math.log(0.5 / 0.6) + 0.5 * Math.log(0.5 / 0.1), within(1e-12));
    assertThat(o[TEACHER_TAIL]).isEqualTo(0.0);
    assertThat(o[STUDENT_TAIL]).isCloseTo(0.0, within(1e-15));
  }

  @Test
  void tiesAndEmptySides() {
    // equal log-probabilities: the smaller id is the top-1 on each side
    double[] o = run(ids(9, 4, 7), ln(0.3, 0.3, 0.3), ids(8, 3), ln(0.2, 0.2), null);
    assertThat(o[TEACHER_TOP1]).isEqualTo(4.0);
    assertThat(o[STUDENT_TOP1]).isEqualTo(3.0);
    // no shared id: the student's list lacks the teacher's top-1, A is empty, every cell is tail
    assertThat(o[TOP1_RANK]).isNaN();
    assertThat(o[OVERLAP]).isEqualTo(0.0);
    assertThat(o[CELLS]).isEqualTo(0.0);
    assertThat(o[KL]).isEqualTo(0.0);
    // TV low 0 (both tails are 1); high ½(1 + 1) = 1
    assertThat(o[TV_LOW]).isEqualTo(0.0);
    assertThat(o[TV_HIGH]).isEqualTo(1.0);
    assertThat(o[JS_HIGH]).isCloseTo(LN2, within(1e-15));

    // a side that reports nothing
    double[] e = run(ids(), new double[0], ids(1), ln(0.5), null);
    assertThat(e[TEACHER_TOP1]).isNaN();
    assertThat(e[TOP1_RANK]).isNaN();
    assertThat(e[OVERLAP]).isNaN();
    assertThat(e[STUDENT_TOP1]).isEqualTo(1.0);
    assertThat(e[TEACHER_TAIL]).isEqualTo(1.0);
    assertThat(e[STUDENT_TAIL]).isCloseTo(0.5, within(1e-15));
    assertThat(e[TEACHER_ENTROPY]).isEqualTo(0.0);
    assertThat(e[KL]).isEqualTo(0.0);

    // just above the sentinel an entry is reported: a real, if tiny, probability
    double[] tiny = run(ids(1, 2), new double[] {Math.log(0.5), -9998.5}, ids(2), ln(0.5), null);
    assertThat(tiny[OVERLAP]).isEqualTo(1.0);
    assertThat(tiny[TOP1_RANK]).isNaN();

    assertThatThrownBy(() -> run(ids(1), ln(1), ids(1), ln(1), null, 1.5, new TopK.Scratch()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beta");
  }

  // ---- properties on random distributions ----

  /**
   * A random distribution: a softmax of Gaussian logits, flat for small scales, peaked for large.
   */
  private static double[] randomDistribution(SplittableRandom rng, int v, double scale) {
    double[] z = new double[v];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < v; i++) {
      z[i] = scale * gaussian(rng);
      max = Math.max(max, z[i]);
    }
    double s = 0;
    for (int i = 0; i < v; i++) {
      z[i] = Math.exp(z[i] - max);
      s += z[i];
    }
    for (int i = 0; i < v; i++) {
      z[i] /= s;
    }
    return z;
  }

  private static double gaussian(SplittableRandom rng) {
    return Math.sqrt(-2 * Math.log(1 - rng.nextDouble()))
        * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  /** The indexes of the k largest entries of p, in a random order. */
  private static int[] topK(double[] p, int k, SplittableRandom rng) {
    Integer[] order = new Integer[p.length];
    for (int i = 0; i < p.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]));
    int[] top = new int[k];
    for (int i = 0; i < k; i++) {
      top[i] = order[i];
    }
    for (int i = k - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = top[i];
      top[i] = top[j];
      top[j] = t;
    }
    return top;
  }

  /** Token ids far from 0..V, so the kernel cannot lean on small ids. */
  private static long tokenId(int index) {
    return 1_000_003L * index + 17;
  }

  @Test
  void boundsHoldOnRandomTopKLists() {
    SplittableRandom rng = new SplittableRandom(20260301);
    double[] scales = {0.2, 1, 3, 8};
    int[] ks = {1, 5, 20};
    TopK.Scratch w = new TopK.Scratch();
    double tol = 1e-12;
    int cases = 0;
    for (int trial = 0; trial < 300; trial++) {
      int v = 50 + rng.nextInt(451);
      double[] p = randomDistribution(rng, v, scales[rng.nextInt(scales.length)]);
      double[] q =
          trial % 5 == 0
              // a student close to the teacher: small divergences, where rounding matters most
              ? mixture(p, randomDistribution(rng, v, 1), 0.02)
              : randomDistribution(rng, v, scales[rng.nextInt(scales.length)]);
      double exactKl = kl(p, q), exactRkl = kl(q, p), exactJs = jsd(p, q, 0.5);
      double exactJsd = jsd(p, q, 0.3), exactTv = tv(p, q), exactH = entropy(p);
      for (int kt : ks) {
        for (int kss : ks) {
          int[] t = topK(p, kt, rng), s = topK(q, kss, rng);
          long[] tIds = new long[kt], sIds = new long[kss];
          double[] tLp = new double[kt], sLp = new double[kss], at = new double[kt];
          for (int i = 0; i < kt; i++) {
            tIds[i] = tokenId(t[i]);
            tLp[i] = Math.log(p[t[i]]);
            at[i] = Math.log(q[t[i]]);
          }
          for (int j = 0; j < kss; j++) {
            sIds[j] = tokenId(s[j]);
            sLp[j] = Math.log(q[s[j]]);
          }
          for (double[] sAtT : new double[][] {at, null}) {
            double[] o = run(tIds, tLp, sIds, sLp, sAtT, 0.3, w);
            String where = "trial " + trial + " kt " + kt + " ks " + kss + " at " + (sAtT != null);
            assertThat(o[KL]).as(where).isLessThanOrEqualTo(exactKl + tol);
            assertThat(o[KL]).as(where).isGreaterThanOrEqualTo(-tol);
            assertThat(o[REVERSE_KL]).as(where).isLessThanOrEqualTo(exactRkl + tol);
            assertThat(o[JS_LOW]).as(where).isLessThanOrEqualTo(exactJs + tol);
            assertThat(o[JS_HIGH]).as(where).isGreaterThanOrEqualTo(exactJs - tol);
            assertThat(o[TV_LOW]).as(where).isLessThanOrEqualTo(exactTv + tol);
            assertThat(o[TV_HIGH]).as(where).isGreaterThanOrEqualTo(exactTv - tol);
            assertThat(o[JSD]).as(where).isLessThanOrEqualTo(exactJsd + tol);
            assertThat(o[TEACHER_ENTROPY]).as(where).isLessThanOrEqualTo(exactH + tol);
            assertThat(o[CELLS])
                .as(where)
                .isEqualTo(sAtT != null ? kt : o[OVERLAP] * Math.min(kt, kss), within(1e-9));
            cases++;
          }
        }
      }
    }
    assertThat(cases).isEqualTo(300 * 9 * 2);
  }

  private static double[] mixture(double[] p, double[] r, double weight) {
    double[] m = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      m[i] = (1 - weight) * p[i] + weight * r[i];
    }
    return m;
  }

  @Test
  void aThousandTokenVocabularyInFullIsExactAndTheScratchIsReused() {
    SplittableRandom rng = new SplittableRandom(7);
    TopK.Scratch w = new TopK.Scratch();
    for (int round = 0; round < 3; round++) {
      int v = round == 1 ? 3 : 1000;
      double[] p = randomDistribution(rng, v, 2), q = randomDistribution(rng, v, 2);
      int[] t = topK(p, v, rng), s = topK(q, v, rng);
      long[] tIds = new long[v], sIds = new long[v];
      double[] tLp = new double[v], sLp = new double[v], at = new double[v];
      for (int i = 0; i < v; i++) {
        tIds[i] = tokenId(t[i]);
        tLp[i] = Math.log(p[t[i]]);
        at[i] = Math.log(q[t[i]]);
        sIds[i] = tokenId(s[i]);
        sLp[i] = Math.log(q[s[i]]);
      }
      for (double[] sAtT : new double[][] {at, null}) {
        double[] o = run(tIds, tLp, sIds, sLp, sAtT, 0.3, w);
        assertThat(o[KL]).isCloseTo(kl(p, q), within(1e-12));
        assertThat(o[REVERSE_KL]).isCloseTo(kl(q, p), within(1e-12));
        assertThat(o[JSD]).isCloseTo(jsd(p, q, 0.3), within(1e-12));
        assertThat(o[JS_LOW]).isCloseTo(jsd(p, q, 0.5), within(1e-12));
        assertThat(o[TV_HIGH]).isCloseTo(tv(p, q), within(1e-12));
        assertThat(o[TEACHER_ENTROPY]).isCloseTo(entropy(p), within(1e-12));
        assertThat(o[CELLS]).isEqualTo(v);
        assertThat(o[OVERLAP]).isEqualTo(1.0);
      }
      // the linear-time duplicate check through the scratch map agrees with the pairwise one
      assertThat(TopK.check(tIds, tLp, v, 1e-9, w)).isEqualTo(Divergences.OK);
      long[] dup = tIds.clone();
      dup[v - 1] = dup[0];
      assertThat(TopK.check(dup, tLp, v, 1e-9, w)).isEqualTo(TopK.DUPLICATE_ID);
      assertThat(TopK.check(dup, tLp, v, 1e-9)).isEqualTo(TopK.DUPLICATE_ID);
    }
  }

  // ---- sentinels and validity ----

  @Test
  void sentinelEntriesAreIgnoredExactlyLikeAbsentOnes() {
    SplittableRandom rng = new SplittableRandom(99);
    double[] sentinels = {-9999, -99999, -1e4, Double.NEGATIVE_INFINITY, TopK.NOT_REPORTED};
    TopK.Scratch w = new TopK.Scratch();
    for (int trial = 0; trial < 100; trial++) {
      int v = 60;
      double[] p = randomDistribution(rng, v, 2), q = randomDistribution(rng, v, 2);
      int[] t = topK(p, 5, rng), s = topK(q, 5, rng);
      long[] tIds = new long[5], sIds = new long[5];
      double[] tLp = new double[5], sLp = new double[5], at = new double[5];
      for (int i = 0; i < 5; i++) {
        tIds[i] = t[i];
        tLp[i] = Math.log(p[t[i]]);
        at[i] = Math.log(q[t[i]]);
        sIds[i] = s[i];
        sLp[i] = Math.log(q[s[i]]);
      }
      // the same lists with not-reported entries spliced in (the reported ones keep their order);
      // a padding id may repeat a reported id, as Tinker's (0, -99999) padding does
      int extra = 1 + rng.nextInt(4);
      long[] tIds2 = new long[5 + extra], sIds2 = new long[5 + extra];
      double[] tLp2 = new double[5 + extra], sLp2 = new double[5 + extra];
      double[] at2 = new double[5 + extra];
      splice(rng, tIds, tLp, at, tIds2, tLp2, at2, sentinels);
      splice(rng, sIds, sLp, null, sIds2, sLp2, null, sentinels);
      for (boolean tail : new boolean[] {true, false}) {
        double[] plain = run(tIds, tLp, sIds, sLp, tail ? at : null, 0.3, w);
        double[] padded = run(tIds2, tLp2, sIds2, sLp2, tail ? at2 : null, 0.3, w);
        assertThat(padded).isEqualTo(plain);
      }
      assertThat(TopK.check(tIds2, tLp2, tIds2.length, 1e-9)).isEqualTo(Divergences.OK);
      assertThat(TopK.check(sIds2, sLp2, sIds2.length, 1e-9)).isEqualTo(Divergences.OK);
    }
  }

  /**
   * Copies the reported entries in order into the longer arrays, with not-reported entries at
   * random places; the student's value at a padded teacher entry is a real log-probability, which
   * must not matter either.
   */
  private static void splice(
      SplittableRandom rng,
      long[] ids,
      double[] lp,
      double[] at,
      long[] ids2,
      double[] lp2,
      double[] at2,
      double[] sentinels) {
    int n = ids.length, total = ids2.length, src = 0;
    int padding = total - n;
    for (int dst = 0; dst < total; dst++) {
      boolean pad = padding > 0 && (src == n || rng.nextInt(total - dst) < padding);
      if (pad) {
        ids2[dst] = rng.nextBoolean() ? 0 : ids[rng.nextInt(n)];
        lp2[dst] = sentinels[rng.nextInt(sentinels.length)];
        if (at2 != null) {
          at2[dst] = Math.log(0.1);
        }
        padding--;
      } else {
        ids2[dst] = ids[src];
        lp2[dst] = lp[src];
        if (at2 != null) {
          at2[dst] = at[src];
        }
        src++;
      }
    }
  }

  @Test
  void checkNamesTheRuleEachListBreaks() {
    assertThat(TopK.check(ids(3, 1), ln(0.5, 0.3), 2, 1e-6)).isEqualTo(Divergences.OK);
    assertThat(TopK.check(ids(), new double[0], 0, 1e-6)).isEqualTo(Divergences.OK);
    // a top-k may sum to less than 1
    assertThat(TopK.check(ids(3), ln(0.01), 1, 1e-6)).isEqualTo(Divergences.OK);
    assertThat(TopK.check(ids(3, 1), new double[] {Math.log(0.5), Double.NaN}, 2, 1e-6))
        .isEqualTo(Divergences.NOT_FINITE);
    assertThat(
            TopK.check(ids(3, 1), new double[] {Math.log(0.5), Double.POSITIVE_INFINITY}, 2, 1e-6))
        .isEqualTo(Divergences.NOT_FINITE);
    // 0.6 + 0.5 = 1.1 > 1 + 0.01; within a tolerance of 0.2 it passes
    assertThat(TopK.check(ids(3, 1), ln(0.6, 0.5), 2, 0.01)).isEqualTo(Divergences.NOT_NORMALIZED);
    assertThat(TopK.check(ids(3, 1), ln(0.6, 0.5), 2, 0.2)).isEqualTo(Divergences.OK);
    // the duplicate is named even though it also pushes the sum over 1
    assertThat(TopK.check(ids(3, 3), ln(0.6, 0.5), 2, 0.01)).isEqualTo(TopK.DUPLICATE_ID);
    // sentinels, -Infinity and repeated padding ids are fine; k limits what is read
    assertThat(
            TopK.check(
                ids(3, 0, 0, 0, 3),
                new double[] {Math.log(0.5), -9999, -99999, Double.NEGATIVE_INFINITY, -9999},
                5,
                1e-6))
        .isEqualTo(Divergences.OK);
    assertThat(TopK.check(ids(3, 3), new double[] {Math.log(0.5), Double.NaN}, 1, 1e-6))
        .isEqualTo(Divergences.OK);
  }
}
