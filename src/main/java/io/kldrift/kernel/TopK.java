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
   * list index, emptied in constant time by a generation stamp, the cells of the partition, and the
   * lists the array forms copy their arguments into. They grow to the longest list seen, so the
   * steady state allocates nothing. Not thread-safe: one per thread.
   */
  public static final class Scratch {
    private final VectorMath math;
    private long[] keys = new long[0];
    private int[] values = new int[0];
    private int[] stamps = new int[0];
    private int generation;
    private int shift;
    private int mask;
    private double[] cellA = new double[0];
    private double[] cellB = new double[0];
    private double[] cellP = new double[0];
    private double[] cellQ = new double[0];
    private double[] cellMid = new double[0];
    private double[] cellLogMid = new double[0];
    private final TopKLists teacher = new TopKLists();
    private final TopKLists student = new TopKLists();
    private final TopKLists atTeacher = new TopKLists();

    /** Empty buffers with the fastest {@link VectorMath} of this JVM; the first call sizes them. */
    public Scratch() {
      this(VectorMath.best());
    }

    /** Empty buffers taking logarithms and exponentials through {@code math}. */
    public Scratch(VectorMath math) {
      this.math = math;
    }

    /** The exp and log this scratch computes with. */
    public VectorMath math() {
      return math;
    }

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
      if (cellP.length < TopKLists.blocks(entries)) {
        int n = TopKLists.blocks(entries);
        cellA = new double[n];
        cellB = new double[n];
        cellP = new double[n];
        cellQ = new double[n];
        cellMid = new double[n];
        cellLogMid = new double[n];
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

    /** Adds a cell: log-probabilities {@code a}, {@code b} and their probabilities. */
    private int cell(int c, double a, double b, double p, double q) {
      cellA[c] = a;
      cellB[c] = b;
      cellP[c] = p;
      cellQ[c] = q;
      cellMid[c] = p + q;
      return c + 1;
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
    return check(ids, lp, null, 0, k, sumTolerance, null);
  }

  /**
   * Like {@link #check(long[], double[], int, double)}, finding duplicates through {@code w}'s map
   * in linear time (pairwise when {@code w} is null).
   */
  public static int check(long[] ids, double[] lp, int k, double sumTolerance, Scratch w) {
    return check(ids, lp, null, 0, k, sumTolerance, w);
  }

  /**
   * Like {@link #check(long[], double[], int, double, Scratch)} for position {@code j} of {@code
   * lists}, which {@link TopKLists#exponentiate} has prepared: no exp is taken again.
   */
  public static int check(TopKLists lists, int j, double sumTolerance, Scratch w) {
    return check(
        lists.ids(), lists.lp(), lists.exps(), lists.start(j), lists.length(j), sumTolerance, w);
  }

  /** The rules of {@link #check} on entries {@code [from, from + k)}; {@code e} may be null. */
  private static int check(
      long[] ids, double[] lp, double[] e, int from, int k, double sumTolerance, Scratch w) {
    double sum = 0;
    for (int i = from; i < from + k; i++) {
      double x = lp[i];
      if (Double.isNaN(x) || x == Double.POSITIVE_INFINITY) {
        return Divergences.NOT_FINITE;
      }
      if (reported(x)) {
        sum += e == null ? Math.exp(x) : e[i];
      }
    }
    if (hasDuplicate(ids, lp, from, k, w)) {
      return DUPLICATE_ID;
    }
    return sum > 1.0 + sumTolerance ? Divergences.NOT_NORMALIZED : Divergences.OK;
  }

  /**
   * The student's log-probabilities at the teacher's ids at position {@code j} ({@code atTeacher}
   * aligned with {@code teacher}, both prepared by {@link TopKLists#exponentiate}): NaN or {@code
   * +Infinity} is {@link Divergences#NOT_FINITE}, probabilities summing above {@code 1 +
   * sumTolerance} {@link Divergences#NOT_NORMALIZED} (sentinels and {@code -Infinity} are "not
   * reported", on either side, as in the lists), else {@link Divergences#OK}.
   */
  public static int checkAtTeacher(
      TopKLists atTeacher, TopKLists teacher, int j, double sumTolerance) {
    double[] at = atTeacher.lp(), e = atTeacher.exps(), tLp = teacher.lp();
    double sum = 0;
    for (int i = teacher.start(j), end = i + teacher.length(j); i < end; i++) {
      double x = at[i];
      if (Double.isNaN(x) || x == Double.POSITIVE_INFINITY) {
        return Divergences.NOT_FINITE;
      }
      if (reported(x) && reported(tLp[i])) {
        sum += e[i];
      }
    }
    return sum > 1 + sumTolerance ? Divergences.NOT_NORMALIZED : Divergences.OK;
  }

  private static boolean hasDuplicate(long[] ids, double[] lp, int from, int k, Scratch w) {
    int end = from + k;
    if (w == null || k <= PAIRWISE_LIMIT) {
      for (int i = from; i < end; i++) {
        long id = ids[i];
        for (int j = i + 1; j < end; j++) {
          if (ids[j] == id && reported(lp[j]) && reported(lp[i])) {
            return true;
          }
        }
      }
      return false;
    }
    w.begin(k);
    for (int i = from; i < end; i++) {
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
    w.teacher.single(tIds, tLp, kt);
    w.teacher.exponentiate(w.math);
    w.student.single(sIds, sLp, ks);
    w.student.exponentiate(w.math);
    if (sAtT != null) {
      w.atTeacher.single(null, sAtT, kt);
      w.atTeacher.exponentiate(w.math);
    }
    compute(w.teacher, w.student, sAtT == null ? null : w.atTeacher, 0, beta, epsilon, w, out);
  }

  /**
   * {@link #compute(long[], double[], int, long[], double[], int, double[], double, double,
   * Scratch, double[]) compute} at position {@code j} of lists that {@link TopKLists#exponentiate}
   * has prepared: {@code atTeacher}, when not null, holds the student's log-probabilities at the
   * teacher's ids, aligned with {@code teacher}. One pass over each list; each probability comes
   * from the lists, and the only logarithms are one per cell (in whole registers) and a few per
   * position.
   *
   * @throws IllegalArgumentException when {@code beta} is not in [0, 1]
   */
  public static void compute(
      TopKLists teacher,
      TopKLists student,
      TopKLists atTeacher,
      int j,
      double beta,
      double epsilon,
      Scratch w,
      double[] out) {
    if (!(beta >= 0 && beta <= 1)) {
      throw new IllegalArgumentException("beta " + beta + " is not in [0, 1]");
    }
    int tFrom = teacher.start(j), kt = teacher.length(j);
    int sFrom = student.start(j), ks = student.length(j);
    long[] tIds = teacher.ids(), sIds = student.ids();
    double[] tLp = teacher.lp(), tE = teacher.exps(), sLp = student.lp(), sE = student.exps();
    w.begin(kt);

    // Teacher: top-1, mass, Σ p ln p, the id map.
    int nt = 0;
    double tMax = Double.NEGATIVE_INFINITY, tMass = 0, tPlogP = 0;
    long tTop = 0;
    for (int i = tFrom; i < tFrom + kt; i++) {
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
      tMass += tE[i];
      tPlogP += tE[i] * lp;
      int s = w.slot(id);
      if (!w.occupied(s)) {
        w.put(s, id, i);
      }
    }
    double teacherTail = tail(tMass);

    // Student: top-1, mass, the ids shared with the teacher (the cells of T ∩ S).
    int ns = 0, shared = 0, cells = 0;
    double sMax = Double.NEGATIVE_INFINITY, sMass = 0;
    long sTop = 0;
    for (int i = sFrom; i < sFrom + ks; i++) {
      double lq = sLp[i];
      if (!reported(lq)) {
        continue;
      }
      ns++;
      long id = sIds[i];
      if (lq > sMax || (lq == sMax && id < sTop)) {
        sMax = lq;
        sTop = id;
      }
      sMass += sE[i];
      int s = w.slot(id);
      if (w.occupied(s) && w.values[s] >= 0) {
        shared++;
        if (atTeacher == null) {
          int t = w.values[s];
          cells = w.cell(cells, tLp[t], lq, tE[t], sE[i]);
        }
        // A repeated student id must not match the same teacher entry twice.
        w.values[s] = -1;
      }
    }
    double studentTail = tail(sMass);

    if (atTeacher != null) {
      double[] at = atTeacher.lp(), atE = atTeacher.exps();
      for (int i = tFrom; i < tFrom + kt; i++) {
        if (reported(tLp[i]) && reported(at[i])) {
          cells = w.cell(cells, tLp[i], at[i], tE[i], atE[i]);
        }
      }
    }

    double rank = Double.NaN;
    if (nt > 0) {
      double atTop = Double.NaN;
      for (int i = sFrom; i < sFrom + ks; i++) {
        if (sIds[i] == tTop && reported(sLp[i])) {
          atTop = sLp[i];
          break;
        }
      }
      if (!Double.isNaN(atTop)) {
        int above = 0;
        for (int i = sFrom; i < sFrom + ks; i++) {
          if (reported(sLp[i]) && sLp[i] > atTop) {
            above++;
          }
        }
        rank = 1 + above;
      }
    }

    partitionMetrics(w, cells, beta, epsilon, out);
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
   * The divergences on the partition of {@code n} cells of {@code w} (log-probabilities a, b and
   * probabilities p, q of each side) plus the tail cell, at {@link #KL}..{@link #TV_HIGH}.
   */
  private static void partitionMetrics(
      Scratch w, int n, double beta, double epsilon, double[] out) {
    double[] ca = w.cellA, cb = w.cellB, cp = w.cellP, cq = w.cellQ;
    double[] mid = w.cellMid, logMid = w.cellLogMid;
    // ln(p + q) of every cell at once (whole blocks, so each cell gets the same vector log).
    w.math.log(mid, logMid, TopKLists.blocks(n));
    double pMass = 0, qMass = 0;
    for (int c = 0; c < n; c++) {
      pMass += cp[c];
      qMass += cq[c];
    }
    double pt = tail(pMass), qt = tail(qMass);
    // At β = ½ the generalized JSD is Jensen-Shannon itself: the loop computes it once.
    boolean mixed = beta > 0 && beta < 1 && beta != 0.5;
    double kl = 0, rkl = 0, jsA = 0, jsd = 0, tvA = 0;
    for (int c = 0; c < n; c++) {
      double a = ca[c], b = cb[c];
      double p = cp[c], q = cq[c];
      // Log ratios from the log-probabilities themselves: exact even where p or q underflows.
      double d = a - b;
      kl += p * d;
      rkl -= q * d;
      if (mid[c] > 0) {
        double lm = logMid[c] - LN2;
        jsA += 0.5 * (p * (a - lm) + q * (b - lm));
      }
      if (mixed) {
        double mix = beta * p + (1 - beta) * q;
        if (mix > 0) {
          double lm = Math.log(mix);
          jsd += beta * p * (a - lm) + (1 - beta) * q * (b - lm);
        }
      }
      tvA += Math.abs(p - q);
    }
    kl += xLogXOverY(pt, qt, epsilon);
    rkl += xLogXOverY(qt, pt, epsilon);
    double mid2 = 0.5 * (pt + qt);
    double js = jsA + 0.5 * (xLogXOverY(pt, mid2, epsilon) + xLogXOverY(qt, mid2, epsilon));
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
    out[JS_HIGH] = Math.min(LN2, Math.max(jsA, 0.0) + mid2 * LN2);
    out[TV_LOW] = Math.min(1.0, 0.5 * (tvA + Math.abs(pt - qt)));
    out[TV_HIGH] = Math.min(1.0, 0.5 * tvA + mid2);
  }

  /** 1 − mass, clamped to [0, 1] (a reported mass may exceed 1 within the sum tolerance). */
  private static double tail(double mass) {
    return Math.min(Math.max(1.0 - mass, 0.0), 1.0);
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
