package io.kldrift.kernel;

/**
 * The per-example divergence kernel: plain static methods over primitive arrays, testable without
 * Spark. One fused loop computes every metric of DESIGN §2, evaluating each logarithm once per
 * element.
 *
 * <p>Distributions arrive in one of three {@link Kind kinds}. {@link #prepare} turns a raw vector
 * into probabilities and log-probabilities; logits and log-probabilities stay in log space, so only
 * raw probabilities can have zero-probability classes that need the epsilon rule. Logarithms and
 * exponentials run over whole arrays through {@link VectorMath}: SIMD where the JVM has the Vector
 * API, scalar elsewhere.
 */
public final class Divergences {

  /** The meaning of a distribution vector. */
  public enum Kind {
    /** Probabilities, non-negative, summing to one. */
    PROBS,
    /** Natural-log probabilities; {@code -Infinity} marks a zero-probability class. */
    LOG_PROBS,
    /** Unnormalized logits, turned into a distribution by a log-softmax at a temperature. */
    LOGITS,
    /**
     * Sequence layout only: per position, the log-probabilities of the top-k token ids (with an ids
     * column); not a whole distribution, so the dense kernel does not take it.
     */
    TOPK_LOG_PROBS;

    /** Parses {@code probs}, {@code log_probs} or {@code logits}, case-insensitively. */
    public static Kind parse(String s) {
      switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "probs":
          return PROBS;
        case "log_probs":
          return LOG_PROBS;
        case "logits":
          return LOGITS;
        case "topk_log_probs":
          return TOPK_LOG_PROBS;
        default:
          throw new IllegalArgumentException(
              "unknown distribution kind '"
                  + s
                  + "': expected probs, log_probs, logits or topk_log_probs");
      }
    }

    /** The configuration spelling of this kind. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Indexes into the {@code double[]} that {@link #metrics} fills. */
  public static final int KL = 0,
      REVERSE_KL = 1,
      JS = 2,
      TEACHER_ENTROPY = 3,
      STUDENT_ENTROPY = 4,
      CROSS_ENTROPY = 5,
      TOTAL_VARIATION = 6,
      TEACHER_TOP1 = 7,
      STUDENT_TOP1 = 8,
      TEACHER_CONFIDENCE = 9,
      STUDENT_CONFIDENCE = 10,
      SUPPORT_VIOLATIONS = 11,
      REVERSE_SUPPORT_VIOLATIONS = 12,
      SUPPORT_VIOLATION_KL = 13,
      METRIC_COUNT = 14;

  private static final double LN2 = Math.log(2.0);

  private Divergences() {}

  /**
   * Computes every per-example metric of the raw vectors in {@code w.rawP} and {@code w.rawQ}
   * (first {@code n} entries) into {@code w.out}, and, when {@code withTerms}, the per-class KL
   * terms into {@code w.terms}. Each logarithm is evaluated once per element: log P and log Q by
   * {@link #prepare}, log M (for Jensen-Shannon) here, all through the workspace's {@link
   * VectorMath}.
   */
  public static void compute(
      Workspace w,
      int n,
      Kind pKind,
      Kind qKind,
      double temperature,
      double logEpsilon,
      boolean withTerms) {
    prepare(w.math, w.rawP, n, pKind, temperature, w.p, w.logP);
    prepare(w.math, w.rawQ, n, qKind, temperature, w.q, w.logQ);
    double[] p = w.p, q = w.q, mix = w.mix;
    for (int c = 0; c < n; c++) {
      mix[c] = 0.5 * (p[c] + q[c]);
    }
    w.math.log(mix, w.logMix, n);
    metrics(w, n, logEpsilon, withTerms);
  }

  /**
   * Writes probabilities into {@code prob} and natural-log probabilities into {@code logProb} for
   * the first {@code n} entries of {@code raw}. For {@link Kind#LOGITS} the logits are divided by
   * {@code temperature} and passed through a max-shifted (numerically stable) log-softmax.
   */
  public static void prepare(
      VectorMath math,
      double[] raw,
      int n,
      Kind kind,
      double temperature,
      double[] prob,
      double[] logProb) {
    switch (kind) {
      case PROBS:
        System.arraycopy(raw, 0, prob, 0, n);
        math.log(raw, logProb, n);
        break;
      case LOG_PROBS:
        System.arraycopy(raw, 0, logProb, 0, n);
        math.exp(raw, prob, n);
        break;
      case LOGITS:
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < n; c++) {
          double z = raw[c] / temperature;
          logProb[c] = z;
          max = Math.max(max, z);
        }
        for (int c = 0; c < n; c++) {
          logProb[c] -= max;
        }
        math.exp(logProb, prob, n);
        double sum = 0;
        for (int c = 0; c < n; c++) {
          sum += prob[c];
        }
        double logSum = Math.log(sum);
        double inv = 1.0 / sum;
        for (int c = 0; c < n; c++) {
          logProb[c] -= logSum;
          prob[c] *= inv;
        }
        break;
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * The fused loop over prepared vectors: every metric at the indexes {@link #KL}..{@link
   * #SUPPORT_VIOLATION_KL} of {@code w.out}.
   *
   * <p>A class with P(c) = 0 contributes nothing to KL(P||Q). A class with P(c) &gt; 0 and a
   * log-probability Q of {@code -Infinity} is a support violation: its log Q(c) is replaced by
   * {@code logEpsilon}, it is counted, and its term P(c)·(log P(c) − logEpsilon), part of KL, is
   * also summed into {@link #SUPPORT_VIOLATION_KL}: how much of the example's KL the epsilon
   * decides. The reverse direction follows the same rule.
   */
  private static void metrics(Workspace w, int n, double logEpsilon, boolean withTerms) {
    double[] p = w.p, logP = w.logP, q = w.q, logQ = w.logQ, logMix = w.logMix, terms = w.terms;
    double kl = 0, clippedKl = 0, rkl = 0, js = 0, hp = 0, hq = 0, ce = 0, tv = 0;
    int violations = 0, reverseViolations = 0;
    int top1P = 0, top1Q = 0;
    double maxP = Double.NEGATIVE_INFINITY, maxQ = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < n; c++) {
      double pc = p[c], qc = q[c];
      double lp = logP[c], lq = logQ[c];
      boolean pIn = lp != Double.NEGATIVE_INFINITY;
      boolean qIn = lq != Double.NEGATIVE_INFINITY;
      double term = 0;
      if (pIn && pc > 0) {
        double lqSafe = qIn ? lq : logEpsilon;
        term = pc * (lp - lqSafe);
        if (!qIn) {
          violations++;
          clippedKl += term;
        }
        ce -= pc * lqSafe;
        hp -= pc * lp;
      }
      kl += term;
      if (withTerms) {
        terms[c] = term;
      }
      if (qIn && qc > 0) {
        double lpSafe = lp;
        if (!pIn) {
          lpSafe = logEpsilon;
          reverseViolations++;
        }
        rkl += qc * (lq - lpSafe);
        hq -= qc * lq;
      }
      double lm = logMix[c];
      if (pc > 0) {
        js += 0.5 * pc * (lp - lm);
      }
      if (qc > 0) {
        js += 0.5 * qc * (lq - lm);
      }
      tv += Math.abs(pc - qc);
      if (pc > maxP) {
        maxP = pc;
        top1P = c;
      }
      if (qc > maxQ) {
        maxQ = qc;
        top1Q = c;
      }
    }
    double[] out = w.out;
    out[KL] = kl;
    out[REVERSE_KL] = rkl;
    // Rounding can push JS a hair outside [0, ln 2]; the definition cannot.
    out[JS] = Math.min(Math.max(js, 0.0), LN2);
    out[TEACHER_ENTROPY] = hp;
    out[STUDENT_ENTROPY] = hq;
    out[CROSS_ENTROPY] = ce;
    out[TOTAL_VARIATION] = 0.5 * tv;
    out[TEACHER_TOP1] = top1P;
    out[STUDENT_TOP1] = top1Q;
    out[TEACHER_CONFIDENCE] = maxP;
    out[STUDENT_CONFIDENCE] = maxQ;
    out[SUPPORT_VIOLATIONS] = violations;
    out[REVERSE_SUPPORT_VIOLATIONS] = reverseViolations;
    out[SUPPORT_VIOLATION_KL] = clippedKl;
  }

  /**
   * Writes into {@code out} the raw vector renormalized for its kind: probabilities divided by
   * their sum, log-probabilities minus the log of the sum of their exponentials (computed with the
   * max shift); logits, which carry no normalization, are copied.
   */
  public static void renormalize(double[] raw, int n, Kind kind, double[] out) {
    switch (kind) {
      case PROBS:
        {
          double sum = 0;
          for (int c = 0; c < n; c++) {
            sum += raw[c];
          }
          for (int c = 0; c < n; c++) {
            out[c] = raw[c] / sum;
          }
          break;
        }
      case LOG_PROBS:
        {
          double max = Double.NEGATIVE_INFINITY;
          for (int c = 0; c < n; c++) {
            max = Math.max(max, raw[c]);
          }
          double sum = 0;
          for (int c = 0; c < n; c++) {
            sum += Math.exp(raw[c] - max);
          }
          double logSum = max + Math.log(sum);
          for (int c = 0; c < n; c++) {
            out[c] = raw[c] - logSum;
          }
          break;
        }
      default:
        System.arraycopy(raw, 0, out, 0, n);
    }
  }

  /** Row-rule codes returned by {@link #check}; 0 means the vector is valid. */
  public static final int OK = 0,
      EMPTY = 1,
      NOT_FINITE = 2,
      NEGATIVE = 3,
      NOT_NORMALIZED = 4,
      NOT_NORMALIZED_BEYOND_BOUND = 5;

  /**
   * Checks one raw vector against the rules of its kind and returns the first rule broken: {@link
   * #EMPTY}, {@link #NOT_FINITE} (NaN anywhere, or an infinity other than a log-probability of
   * {@code -Infinity}), {@link #NEGATIVE} probability, or {@link #NOT_NORMALIZED} (probabilities or
   * exp(log-probabilities) summing to more than {@code sumTolerance} away from 1).
   */
  public static int check(double[] raw, int n, Kind kind, double sumTolerance) {
    return check(raw, n, kind, sumTolerance, Double.POSITIVE_INFINITY);
  }

  /**
   * Like {@link #check(double[], int, Kind, double)}, but a sum further than {@code bound} from 1
   * gives {@link #NOT_NORMALIZED_BEYOND_BOUND}: too far off to be repaired by renormalizing.
   */
  public static int check(double[] raw, int n, Kind kind, double sumTolerance, double bound) {
    if (n == 0) {
      return EMPTY;
    }
    // One loop per kind (this runs for every row of both tables). A NaN or infinity anywhere is
    // reported before a negative element: the sum becomes NaN or infinite and is tested last.
    double sum = 0;
    switch (kind) {
      case PROBS:
        {
          double smallest = Double.POSITIVE_INFINITY;
          for (int c = 0; c < n; c++) {
            double x = raw[c];
            sum += x;
            smallest = Math.min(smallest, x);
          }
          if (!Double.isFinite(sum) || Double.isNaN(smallest)) {
            return anyNotFinite(raw, n)
                ? NOT_FINITE
                : checkedSum(sum, smallest, sumTolerance, bound);
          }
          return checkedSum(sum, smallest, sumTolerance, bound);
        }
      case LOG_PROBS:
        for (int c = 0; c < n; c++) {
          double x = raw[c];
          if (Double.isNaN(x) || x == Double.POSITIVE_INFINITY) {
            return NOT_FINITE;
          }
          sum += Math.exp(x);
        }
        return Math.abs(sum - 1.0) <= sumTolerance
            ? OK
            : Math.abs(sum - 1.0) <= bound ? NOT_NORMALIZED : NOT_NORMALIZED_BEYOND_BOUND;
      case LOGITS:
        for (int c = 0; c < n; c++) {
          if (!Double.isFinite(raw[c])) {
            return NOT_FINITE;
          }
        }
        return OK;
      default:
        throw new AssertionError(kind);
    }
  }

  private static boolean anyNotFinite(double[] raw, int n) {
    for (int c = 0; c < n; c++) {
      if (!Double.isFinite(raw[c])) {
        return true;
      }
    }
    return false;
  }

  private static int checkedSum(double sum, double smallest, double sumTolerance, double bound) {
    if (smallest < 0) {
      return NEGATIVE;
    }
    if (!(Math.abs(sum - 1.0) <= sumTolerance)) {
      return Math.abs(sum - 1.0) <= bound ? NOT_NORMALIZED : NOT_NORMALIZED_BEYOND_BOUND;
    }
    return OK;
  }
}
