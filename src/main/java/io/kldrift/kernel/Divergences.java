package io.kldrift.kernel;

/**
 * The per-example divergence kernel: plain static methods over primitive arrays, testable without
 * Spark. One fused loop computes every metric of DESIGN §2, evaluating each logarithm once per element.
 *
 * <p>Distributions arrive in one of three {@link Kind kinds}. {@link #prepare} turns a raw vector
 * into probabilities and log-probabilities; logits and log-probabilities stay in log space, so only
 * raw probabilities can have zero-probability classes that need the epsilon rule.
 */
public final class Divergences {

  /** The meaning of a distribution vector. */
  public enum Kind {
    /** Probabilities, non-negative, summing to one. */
    PROBS,
    /** Natural-log probabilities; {@code -Infinity} marks a zero-probability class. */
    LOG_PROBS,
    /** Unnormalized logits, turned into a distribution by a log-softmax at a temperature. */
    LOGITS;

    /** Parses {@code probs}, {@code log_probs} or {@code logits}, case-insensitively. */
    public static Kind parse(String s) {
      switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "probs":
          return PROBS;
        case "log_probs":
          return LOG_PROBS;
        case "logits":
          return LOGITS;
        default:
          throw new IllegalArgumentException(
              "unknown distribution kind '" + s + "': expected probs, log_probs or logits");
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
      METRIC_COUNT = 13;

  private static final double LN2 = Math.log(2.0);

  private Divergences() {}

  /**
   * Writes probabilities into {@code prob} and natural-log probabilities into {@code logProb} for
   * the first {@code n} entries of {@code raw}. For {@link Kind#LOGITS} the logits are divided by
   * {@code temperature} and passed through a max-shifted (numerically stable) log-softmax.
   */
  public static void prepare(
      double[] raw, int n, Kind kind, double temperature, double[] prob, double[] logProb) {
    switch (kind) {
      case PROBS:
        for (int c = 0; c < n; c++) {
          double p = raw[c];
          prob[c] = p;
          logProb[c] = p > 0 ? Math.log(p) : Double.NEGATIVE_INFINITY;
        }
        break;
      case LOG_PROBS:
        for (int c = 0; c < n; c++) {
          logProb[c] = raw[c];
          prob[c] = Math.exp(raw[c]);
        }
        break;
      case LOGITS:
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < n; c++) {
          double z = raw[c] / temperature;
          logProb[c] = z;
          if (z > max) {
            max = z;
          }
        }
        double sum = 0;
        for (int c = 0; c < n; c++) {
          double e = Math.exp(logProb[c] - max);
          prob[c] = e;
          sum += e;
        }
        double logSum = Math.log(sum);
        for (int c = 0; c < n; c++) {
          logProb[c] = logProb[c] - max - logSum;
          prob[c] = prob[c] / sum;
        }
        break;
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * Computes every per-example metric in one loop over the classes and stores them at the indexes
   * {@link #KL}..{@link #REVERSE_SUPPORT_VIOLATIONS} of {@code out}.
   *
   * <p>A class with P(c) = 0 contributes nothing to KL(P||Q). A class with P(c) &gt; 0 and a
   * log-probability Q of {@code -Infinity} is a support violation: its log Q(c) is replaced by
   * {@code logEpsilon}, and it is counted. The reverse direction follows the same rule.
   *
   * @param classTerms if not null, receives the per-class KL terms P(c)·(log P(c) − log Q(c))
   */
  public static void metrics(
      double[] p,
      double[] logP,
      double[] q,
      double[] logQ,
      int n,
      double logEpsilon,
      double[] out,
      double[] classTerms) {
    double kl = 0, rkl = 0, js = 0, hp = 0, hq = 0, ce = 0, tv = 0;
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
        double lqSafe = lq;
        if (!qIn) {
          lqSafe = logEpsilon;
          violations++;
        }
        term = pc * (lp - lqSafe);
        ce -= pc * lqSafe;
        hp -= pc * lp;
      }
      kl += term;
      if (classTerms != null) {
        classTerms[c] = term;
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
      double m = 0.5 * (pc + qc);
      if (m > 0) {
        double lm = Math.log(m);
        if (pc > 0) {
          js += 0.5 * pc * (lp - lm);
        }
        if (qc > 0) {
          js += 0.5 * qc * (lq - lm);
        }
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
  }

  /** Row-rule codes returned by {@link #check}; 0 means the vector is valid. */
  public static final int OK = 0, EMPTY = 1, NOT_FINITE = 2, NEGATIVE = 3, NOT_NORMALIZED = 4;

  /**
   * Checks one raw vector against the rules of its kind and returns the first rule broken:
   * {@link #EMPTY}, {@link #NOT_FINITE} (NaN anywhere, or an infinity other than a log-probability
   * of {@code -Infinity}), {@link #NEGATIVE} probability, or {@link #NOT_NORMALIZED} (probabilities
   * or exp(log-probabilities) summing to more than {@code sumTolerance} away from 1).
   */
  public static int check(double[] raw, int n, Kind kind, double sumTolerance) {
    if (n == 0) {
      return EMPTY;
    }
    double sum = 0;
    for (int c = 0; c < n; c++) {
      double x = raw[c];
      if (Double.isNaN(x)) {
        return NOT_FINITE;
      }
      switch (kind) {
        case PROBS:
          if (Double.isInfinite(x)) {
            return NOT_FINITE;
          }
          if (x < 0) {
            return NEGATIVE;
          }
          sum += x;
          break;
        case LOG_PROBS:
          if (x == Double.POSITIVE_INFINITY) {
            return NOT_FINITE;
          }
          sum += Math.exp(x);
          break;
        case LOGITS:
          if (Double.isInfinite(x)) {
            return NOT_FINITE;
          }
          break;
        default:
          throw new AssertionError(kind);
      }
    }
    if (kind != Kind.LOGITS && Math.abs(sum - 1.0) > sumTolerance) {
      return NOT_NORMALIZED;
    }
    return OK;
  }
}
