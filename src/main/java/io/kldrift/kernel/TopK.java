package io.kldrift.kernel;

import java.util.Arrays;

/**
 * Divergences between a teacher p and a student q that each report only their top-k
 * log-probabilities at one position (the form LLM serving stacks log: vLLM, OpenAI-style responses,
 * distillation datasets).
 *
 * <p>Every divergence here is computed on a partition of the vocabulary into cells: a set A of ids
 * whose probability is known on both sides, and one tail cell holding the rest of each side's mass
 * (1 − P_A, 1 − Q_A). Merging outcomes can only lose information, so by the data-processing
 * inequality every value on the partition is a lower bound of the value on the full distributions,
 * and equals it when A is the whole vocabulary. For the bounded divergences (Jensen-Shannon, total
 * variation) an upper bound follows from charging the unseen mass its worst case. Forward and
 * reverse KL have no finite upper bound without a floor on the missing log-probabilities.
 *
 * <p>A is either the teacher's reported ids at which the student's log-probability is known ({@code
 * sAtT} given: the tail-bucket form of TRL and mlx-lm) or the ids both lists report (T ∩ S).
 * Entries whose log-probability is at or below {@link #NOT_REPORTED}, {@code -Infinity} or NaN are
 * dropped as not reported; {@link #check} is where NaN is reported as an error. Lists may come in
 * any order. The per-call path allocates nothing once a {@link Scratch} has grown to the longest
 * list.
 */
public final class TopK {

  /**
   * Log-probabilities at or below this mean "not reported" (serving stacks write -9999, -99999). It
   * is -9999 itself rather than -1e4 so that the OpenAI-style -9999.0 sentinel is caught; no real
   * log-probability is that small (exp(-746) already rounds to 0 in double precision).
   */
  public static final double NOT_REPORTED = -9999.0;

  /** Indexes into the {@code out} array that {@link #compute} fills. */
  public static final int KL = 0,
      REVERSE_KL = 1,
      JSD = 2,
      JS_LOW = 3,
      JS_HIGH = 4,
      TV_LOW = 5,
      TV_HIGH = 6,
      TEACHER_TAIL = 7,
      STUDENT_TAIL = 8,
      OVERLAP = 9,
      TEACHER_TOP1 = 10,
      STUDENT_TOP1 = 11,
      TOP1_RANK = 12,
      TEACHER_ENTROPY = 13,
      CELLS = 14,
      COUNT = 15;

  /**
   * Returned by {@link #check} when one list reports the same id twice; the caller maps it to a row
   * rule of its own.
   */
  public static final int DUPLICATE_ID = -1;

  private static final double LN2 = Math.log(2.0);

  /** Above this length the four-argument {@link #check} would do too many pairwise comparisons. */
  private static final int PAIRWISE_LIMIT = 64;

  private TopK() {}

  /**
   * Reusable buffers for {@link #compute} and {@link #check}: an open-addressing map from id to
   * list index, emptied in constant time by a generation stamp, and the cells of the partition.
   * They grow to the longest list seen, so the steady state allocates nothing. Not thread-safe: one
   * per thread.
   */
  public static final class Scratch {
    private long[] keys = new long[0];
    private int[] values = new int[0];
    private int[] stamps = new int[0];
    private int generation;
    private int shift;
    private int mask;
    private double[] cellP = new double[0];
    private double[] cellQ = new double[0];

    /** Empty buffers; the first call sizes them. */
    public Scratch() {}

    /** Empties the map for up to {@code entries} keys and makes room for as many cells. */
    private void begin(int entries) {
      // At most half full, so probe sequences stay short.
      int capacity = 4;
      while (capacity < 2 * entries) {
        capacity <<= 1;
      }
      if (keys.length < capacity) {
        keys = new long[capacity];
        values = new int[capacity];
        stamps = new int[capacity];
        generation = 0;
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
      }
      if (cellP.length < entries) {
        cellP = new double[entries];
        cellQ = new double[entries];
      }
      generation++;
      if (generation == 0) {
        // The stamp wrapped around after 2^32 calls: stale stamps could now look current.
        Arrays.fill(stamps, 0);
        generation = 1;
      }
    }

    /** The slot holding {@code id}, or the empty slot where it would go. */
    private int slot(long id) {
      int s = (int) ((id * 0x9E3779B97F4A7C15L) >>> shift);
      while (stamps[s] == generation && keys[s] != id) {
        s = (s + 1) & mask;
      }
      return s;
    }

    private boolean occupied(int slot) {
      return stamps[slot] == generation;
    }

    private void put(int slot, long id, int value) {
      stamps[slot] = generation;
      keys[slot] = id;
      values[slot] = value;
    }
  }

  /** Whether a log-probability counts as reported. False for NaN too. */
  private static boolean reported(double lp) {
    return lp > NOT_REPORTED;
  }

  /**
   * Validity of one side's list at one position: {@link Divergences#OK}, {@link
   * Divergences#NOT_FINITE} (NaN or {@code +Infinity} in {@code lp}; {@code -Infinity} and
   * sentinels are allowed: not reported), {@link #DUPLICATE_ID} (two reported entries with the same
   * id; not-reported entries may repeat, as padding such as Tinker's (0, −99999) does) or {@link
   * Divergences#NOT_NORMALIZED} (the reported probabilities sum to more than {@code 1 +
   * sumTolerance}; a top-k may sum to less than 1, never more). The first rule broken in that order
   * is returned, so a duplicate that inflates the sum is named as the duplicate. An empty list is
   * valid.
   *
   * <p>Allocation-free without a {@link Scratch}: duplicates are found by comparing pairs, which is
   * cheap for the usual k ≤ 20 and still fine for a few hundred; longer lists should use {@link
   * #check(long[], double[], int, double, Scratch)}.
   */
  public static int check(long[] ids, double[] lp, int k, double sumTolerance) {
    return check(ids, lp, k, sumTolerance, null);
  }

  /**
   * Like {@link #check(long[], double[], int, double)}, finding duplicates through {@code w}'s map
   * in linear time (pairwise when {@code w} is null).
   */
  public static int check(long[] ids, double[] lp, int k, double sumTolerance, Scratch w) {
    double sum = 0;
    for (int i = 0; i < k; i++) {
      double x = lp[i];
      if (Double.isNaN(x) || x == Double.POSITIVE_INFINITY) {
        return Divergences.NOT_FINITE;
      }
      if (reported(x)) {
        sum += Math.exp(x);
      }
    }
    if (hasDuplicate(ids, lp, k, w)) {
      return DUPLICATE_ID;
    }
    return sum > 1.0 + sumTolerance ? Divergences.NOT_NORMALIZED : Divergences.OK;
  }

  private static boolean hasDuplicate(long[] ids, double[] lp, int k, Scratch w) {
    if (w == null || k <= PAIRWISE_LIMIT) {
      for (int i = 0; i < k; i++) {
        if (!reported(lp[i])) {
          continue;
        }
        for (int j = i + 1; j < k; j++) {
          if (ids[j] == ids[i] && reported(lp[j])) {
            return true;
          }
        }
      }
      return false;
    }
    w.begin(k);
    for (int i = 0; i < k; i++) {
      if (!reported(lp[i])) {
        continue;
      }
      int s = w.slot(ids[i]);
      if (w.occupied(s)) {
        return true;
      }
      w.put(s, ids[i], i);
    }
    return false;
  }

  /**
   * Per-position metrics of teacher p and student q into {@code out} (at least {@link #COUNT}
   * long), at the indexes {@link #KL}..{@link #CELLS}:
   *
   * <ul>
   *   <li>{@link #KL}, {@link #REVERSE_KL}: KL(p‖q) and KL(q‖p) on the partition, lower bounds. A
   *       tail cell of 0 as divisor with a positive numerator is replaced by {@code epsilon}.
   *   <li>{@link #JSD}: the generalized JSD(β) = β KL(P‖M) + (1−β) KL(Q‖M), M = βP + (1−β)Q, on the
   *       partition; β = 0 is forward KL and β = 1 reverse KL (TRL's convention).
   *   <li>{@link #JS_LOW}, {@link #JS_HIGH}: Jensen-Shannon (β = ½) lower and upper bound; {@link
   *       #TV_LOW}, {@link #TV_HIGH}: total variation lower and upper bound.
   *   <li>{@link #TEACHER_TAIL}, {@link #STUDENT_TAIL}: 1 − the mass of each side's reported
   *       entries.
   *   <li>{@link #OVERLAP}: |T ∩ S| / min(|T|, |S|), NaN when a side reports nothing.
   *   <li>{@link #TEACHER_TOP1}, {@link #STUDENT_TOP1}: the id with the largest log-probability
   *       (ties: the smaller id) as a double, NaN when the side reports nothing; {@link
   *       #TOP1_RANK}: the 1-based rank of the teacher's top-1 in the student's list, NaN when
   *       absent.
   *   <li>{@link #TEACHER_ENTROPY}: entropy of the teacher's reported entries plus its tail cell, a
   *       lower bound of H(p).
   *   <li>{@link #CELLS}: |A|.
   * </ul>
   *
   * <p>{@code sAtT}, when not null, holds the student's log-probability at each teacher id (same
   * order as {@code tIds}, at least {@code kt} long); a not-reported value there removes that id
   * from A. When null, A = T ∩ S with q from the student's list. Lists that fail {@link #check}
   * give unspecified values (but no exception).
   *
   * @throws IllegalArgumentException when {@code beta} is not in [0, 1]
   */
  public static void compute(
      long[] tIds,
      double[] tLp,
      int kt,
      long[] sIds,
      double[] sLp,
      int ks,
      double[] sAtT,
      double beta,
      double epsilon,
      Scratch w,
      double[] out) {
    if (!(beta >= 0 && beta <= 1)) {
      throw new IllegalArgumentException("beta " + beta + " is not in [0, 1]");
    }
    w.begin(kt);
    double[] cellP = w.cellP, cellQ = w.cellQ;

    // Teacher: top-1, the largest log-probability (for a stable log-sum-exp), the id map.
    int nt = 0;
    double tMax = Double.NEGATIVE_INFINITY;
    long tTop = 0;
    for (int i = 0; i < kt; i++) {
      double lp = tLp[i];
      if (!reported(lp)) {
        continue;
      }
      nt++;
      long id = tIds[i];
      if (lp > tMax || (lp == tMax && id < tTop)) {
        tMax = lp;
        tTop = id;
      }
      int s = w.slot(id);
      if (!w.occupied(s)) {
        w.put(s, id, i);
      }
    }
    double tSum = 0, tPlogP = 0;
    for (int i = 0; i < kt; i++) {
      double lp = tLp[i];
      if (reported(lp)) {
        tSum += Math.exp(lp - tMax);
        tPlogP += Math.exp(lp) * lp;
      }
    }
    double teacherTail = tail(nt == 0 ? Double.NEGATIVE_INFINITY : tMax + Math.log(tSum));

    // Student: top-1, total mass, and the ids shared with the teacher.
    int ns = 0, shared = 0, cells = 0;
    double sMax = Double.NEGATIVE_INFINITY;
    long sTop = 0;
    for (int j = 0; j < ks; j++) {
      double lq = sLp[j];
      if (!reported(lq)) {
        continue;
      }
      ns++;
      long id = sIds[j];
      if (lq > sMax || (lq == sMax && id < sTop)) {
        sMax = lq;
        sTop = id;
      }
      int s = w.slot(id);
      if (w.occupied(s) && w.values[s] >= 0) {
        shared++;
        if (sAtT == null) {
          cellP[cells] = tLp[w.values[s]];
          cellQ[cells] = lq;
          cells++;
        }
        // A repeated student id must not match the same teacher entry twice.
        w.values[s] = -1;
      }
    }
    double sSum = 0;
    for (int j = 0; j < ks; j++) {
      if (reported(sLp[j])) {
        sSum += Math.exp(sLp[j] - sMax);
      }
    }
    double studentTail = tail(ns == 0 ? Double.NEGATIVE_INFINITY : sMax + Math.log(sSum));

    if (sAtT != null) {
      for (int i = 0; i < kt; i++) {
        if (reported(tLp[i]) && reported(sAtT[i])) {
          cellP[cells] = tLp[i];
          cellQ[cells] = sAtT[i];
          cells++;
        }
      }
    }

    double rank = Double.NaN;
    if (nt > 0) {
      double atTop = Double.NaN;
      for (int j = 0; j < ks; j++) {
        if (sIds[j] == tTop && reported(sLp[j])) {
          atTop = sLp[j];
          break;
        }
      }
      if (!Double.isNaN(atTop)) {
        int above = 0;
        for (int j = 0; j < ks; j++) {
          if (reported(sLp[j]) && sLp[j] > atTop) {
            above++;
          }
        }
        rank = 1 + above;
      }
    }

    partitionMetrics(cellP, cellQ, cells, beta, epsilon, out);
    out[TEACHER_TAIL] = teacherTail;
    out[STUDENT_TAIL] = studentTail;
    out[OVERLAP] = nt == 0 || ns == 0 ? Double.NaN : shared / (double) Math.min(nt, ns);
    out[TEACHER_TOP1] = nt == 0 ? Double.NaN : (double) tTop;
    out[STUDENT_TOP1] = ns == 0 ? Double.NaN : (double) sTop;
    out[TOP1_RANK] = rank;
    out[TEACHER_ENTROPY] = -tPlogP - xLogX(teacherTail);
    out[CELLS] = cells;
  }

  /**
   * The divergences on the partition of {@code n} cells (log-probabilities {@code lp}, {@code lq})
   * plus the tail cell, at {@link #KL}..{@link #TV_HIGH}.
   */
  private static void partitionMetrics(
      double[] lp, double[] lq, int n, double beta, double epsilon, double[] out) {
    double pt = tail(logSumExp(lp, n)), qt = tail(logSumExp(lq, n));
    // At β = ½ the generalized JSD is Jensen-Shannon itself: the loop computes it once.
    boolean mixed = beta > 0 && beta < 1 && beta != 0.5;
    double logBeta = Math.log(beta), logOneMinusBeta = Math.log1p(-beta);
    double kl = 0, rkl = 0, jsA = 0, jsd = 0, tvA = 0;
    for (int c = 0; c < n; c++) {
      double a = lp[c], b = lq[c];
      double p = Math.exp(a), q = Math.exp(b);
      // Log ratios from the log-probabilities themselves: exact even where p or q underflows.
      double d = a - b;
      kl += p * d;
      rkl -= q * d;
      double logMid = logAddExp(a, b) - LN2;
      jsA += 0.5 * (p * (a - logMid) + q * (b - logMid));
      if (mixed) {
        double logMix = logAddExp(logBeta + a, logOneMinusBeta + b);
        jsd += beta * p * (a - logMix) + (1 - beta) * q * (b - logMix);
      }
      tvA += Math.abs(p - q);
    }
    kl += xLogXOverY(pt, qt, epsilon);
    rkl += xLogXOverY(qt, pt, epsilon);
    double mid = 0.5 * (pt + qt);
    double js = jsA + 0.5 * (xLogXOverY(pt, mid, epsilon) + xLogXOverY(qt, mid, epsilon));
    if (beta == 0) {
      jsd = kl;
    } else if (beta == 1) {
      jsd = rkl;
    } else if (beta == 0.5) {
      jsd = Math.max(js, 0.0);
    } else {
      double mix = beta * pt + (1 - beta) * qt;
      jsd += beta * xLogXOverY(pt, mix, epsilon) + (1 - beta) * xLogXOverY(qt, mix, epsilon);
      // Rounding can push a sum of non-negative divergences a hair below zero; the definition
      // cannot.
      jsd = Math.max(jsd, 0.0);
    }
    out[KL] = kl;
    out[REVERSE_KL] = rkl;
    out[JSD] = jsd;
    out[JS_LOW] = Math.min(Math.max(js, 0.0), LN2);
    // Each unseen outcome adds at most ½(p + q)·ln 2 to JS and ½(p + q) to TV.
    out[JS_HIGH] = Math.min(LN2, Math.max(jsA, 0.0) + mid * LN2);
    out[TV_LOW] = Math.min(1.0, 0.5 * (tvA + Math.abs(pt - qt)));
    out[TV_HIGH] = Math.min(1.0, 0.5 * tvA + mid);
  }

  /** 1 − exp(logMass), computed as −expm1 so a mass near 1 keeps its digits, clamped to [0, 1]. */
  private static double tail(double logMass) {
    return Math.min(Math.max(-Math.expm1(logMass), 0.0), 1.0);
  }

  private static double logSumExp(double[] x, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[i]);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.exp(x[i] - max);
    }
    return max + Math.log(sum);
  }

  private static double logAddExp(double a, double b) {
    double max = Math.max(a, b);
    return max + Math.log1p(Math.exp(Math.min(a, b) - max));
  }

  /** x ln(x / y), with 0 ln(0 / y) = 0 and a divisor of 0 replaced by {@code epsilon}. */
  private static double xLogXOverY(double x, double y, double epsilon) {
    if (x <= 0) {
      return 0;
    }
    return x * Math.log(x / (y > 0 ? y : epsilon));
  }

  private static double xLogX(double x) {
    return x > 0 ? x * Math.log(x) : 0;
  }
}
