package io.kldrift.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The flat form of the top-k kernel (a sequence's lists in {@link TopKLists}, exponentiated once)
 * against values derived by hand, at positions deep in lists that had to grow, with the scalar and
 * the vector exp/log.
 */
class TopKListsTest {
  private static final double EPS = 1e-12;

  /** Adds one position's entries to {@code lists}. */
  private static void add(TopKLists lists, long[] ids, double... p) {
    int at = lists.add(p.length);
    for (int i = 0; i < p.length; i++) {
      lists.ids()[at + i] = ids == null ? 0 : ids[i];
      lists.lp()[at + i] = p[i] < 0 ? p[i] : Math.log(p[i]);
    }
  }

  private static long[] ids(long... ids) {
    return ids;
  }

  @Test
  void theHandDerivedTailBucketCaseAtTheLastOfManyPositions() {
    for (VectorMath math : new VectorMath[] {VectorMath.SCALAR, VectorMath.best()}) {
      TopKLists t = new TopKLists(), s = new TopKLists(), at = new TopKLists();
      int n =
          700; // 700 positions of 7 or 2 entries: more than the 4,096 entries the lists start with
      t.reset(n);
      s.reset(n);
      at.reset(n);
      for (int j = 0; j < n - 1; j++) {
        add(t, ids(1, 2, 3, 4, 5, 6, 7), 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
        add(s, ids(9, 8, 7, 6, 5, 4, 3), 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
        add(at, null, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1);
      }
      // p = (0.5, 0.3, 0.15, 0.05), q = (0.4, 0.3, 0.2, 0.1); the teacher reports ids 0 and 1
      add(t, ids(0, 1), 0.5, 0.3);
      add(s, ids(1, 0), 0.3, 0.4);
      add(at, null, 0.4, 0.3);
      assertThat(t.size()).isEqualTo(7 * (n - 1) + 2);
      assertThat(t.longest()).isEqualTo(7);
      t.exponentiate(math);
      s.exponentiate(math);
      at.exponentiate(math);
      TopK.Scratch w = new TopK.Scratch(math);
      int last = n - 1;
      assertThat(TopK.check(t, last, 1e-9, w)).isEqualTo(Divergences.OK);
      assertThat(TopK.checkAtTeacher(at, t, last, 1e-9)).isEqualTo(Divergences.OK);
      double[] o = new double[TopK.COUNT];
      TopK.compute(t, s, at, last, 0.5, EPS, w, o);
      // KL = 0.5 ln(0.5/0.4) + 0.3 ln 1 + 0.2 ln(0.2/0.3) = 0.1115717757 - 0.0810930216
      assertThat(o[TopK.KL]).as(math.name()).isCloseTo(0.0304787540, within(1e-10));
      // reverse: 0.4 ln(0.4/0.5) + 0.3 ln(0.3/0.2) = -0.0892574205 + 0.1216395324
      assertThat(o[TopK.REVERSE_KL]).isCloseTo(0.0323821119, within(1e-10));
      // TV: ½(0.1 + 0 + 0.1) = 0.1; upper ½(0.1 + 0) + ½(0.2 + 0.3) = 0.3
      assertThat(o[TopK.TV_LOW]).isCloseTo(0.1, within(1e-12));
      assertThat(o[TopK.TV_HIGH]).isCloseTo(0.3, within(1e-12));
      // JS: ½[0.5 ln(0.5/0.45) + 0.4 ln(0.4/0.45)] + 0 + ½[0.2 ln(0.2/0.25) + 0.3 ln(0.3/0.25)]
      //   = ½[0.0526802578 - 0.0471132143] + ½[-0.0446287103 + 0.0546964670] = 0.0078174001
      assertThat(o[TopK.JS_LOW]).isCloseTo(0.0078174002, within(1e-10));
      assertThat(o[TopK.TEACHER_TAIL]).isCloseTo(0.2, within(1e-12));
      assertThat(o[TopK.STUDENT_TAIL]).isCloseTo(0.3, within(1e-12));
      assertThat(o[TopK.TEACHER_TOP1]).isEqualTo(0.0);
      assertThat(o[TopK.STUDENT_TOP1]).isEqualTo(0.0);
      assertThat(o[TopK.TOP1_RANK]).isEqualTo(1.0);
      assertThat(o[TopK.OVERLAP]).isEqualTo(1.0);
      // H = -(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2) = 0.3465735903 + 0.3611918412 + 0.3218875825
      assertThat(o[TopK.TEACHER_ENTROPY]).isCloseTo(1.0296530140, within(1e-10));
      // an earlier position: T ∩ S = {3..7}, five cells of (0.1, 0.1)
      TopK.compute(t, s, null, 3, 0.5, EPS, w, o);
      assertThat(o[TopK.CELLS]).isEqualTo(5.0);
      assertThat(o[TopK.OVERLAP]).isCloseTo(5 / 7.0, within(1e-15));
      // tails 0.5 and 0.5 after the five equal cells: every divergence is 0
      assertThat(o[TopK.KL]).isCloseTo(0, within(1e-15));
      assertThat(o[TopK.JS_LOW]).isCloseTo(0, within(1e-15));
    }
  }

  @Test
  void theRowRulesOnFlatListsNameTheFirstBrokenRule() {
    TopKLists t = new TopKLists(), at = new TopKLists();
    t.reset(4);
    at.reset(4);
    add(t, ids(1, 2), 0.5, 0.4);
    add(at, null, 0.6, 0.5); // 1.1 > 1: not normalized
    add(t, ids(1, 2), 0.5, -99999);
    add(at, null, 0.7, 0.5); // the teacher's entry 2 is not reported: 0.7 counts alone
    add(t, ids(3, 3), 0.5, 0.4); // a duplicate id
    add(at, null, 0.1, Double.NaN); // NaN: not finite
    add(t, ids(3, 3), 0.5, -9999); // the repeat is not reported: allowed
    add(at, null, 0.1, Double.POSITIVE_INFINITY);
    t.exponentiate(VectorMath.best());
    at.exponentiate(VectorMath.best());
    TopK.Scratch w = new TopK.Scratch();
    assertThat(TopK.check(t, 0, 1e-9, w)).isEqualTo(Divergences.OK);
    assertThat(TopK.check(t, 1, 1e-9, w)).isEqualTo(Divergences.OK);
    assertThat(TopK.check(t, 2, 1e-9, w)).isEqualTo(TopK.DUPLICATE_ID);
    assertThat(TopK.check(t, 3, 1e-9, w)).isEqualTo(Divergences.OK);
    assertThat(TopK.checkAtTeacher(at, t, 0, 1e-9)).isEqualTo(Divergences.NOT_NORMALIZED);
    assertThat(TopK.checkAtTeacher(at, t, 0, 0.2)).isEqualTo(Divergences.OK);
    assertThat(TopK.checkAtTeacher(at, t, 1, 1e-9)).isEqualTo(Divergences.OK);
    assertThat(TopK.checkAtTeacher(at, t, 2, 1e-9)).isEqualTo(Divergences.NOT_FINITE);
    assertThat(TopK.checkAtTeacher(at, t, 3, 1e-9)).isEqualTo(Divergences.NOT_FINITE);
  }
}
