package io.kldrift.sample;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The token distributions behind {@link SequenceSampleGenerator}. At each position the teacher is
 * the mixture p = (1 − w)·softmax(logits over a candidate set C) + w·zipf over the whole
 * vocabulary; the student keeps C, w and the Zipf background and perturbs the logits. Outside C
 * both sides are the background alone, strictly decreasing in the Zipf rank, so the top-k of either
 * side lies in C ∪ {Zipf ranks 1..k} and is found without materializing the vocabulary.
 *
 * <p>Zipf rank r is token id {@code r % vocab}: id 1 is the most frequent token and id 0 the least,
 * which keeps the sentinel id 0 out of any plausible top-k. Everything at a position derives from
 * its own generator seeded by (seed, sequence, position), so values do not depend on partitioning.
 */
final class SequenceModel {
  /** Exponent of the Zipf law of the background and of the candidate draws. */
  static final double ZIPF_EXPONENT = 1.1;

  /** Distinct candidate ids per position (fewer when the vocabulary cannot supply them quickly). */
  static final int CANDIDATES = 48;

  /** Standard deviation of the student's logit noise outside the drift segment. */
  static final double NOISE = 0.15;

  /** Standard deviation of the student's logit noise on the drift segment. */
  static final double DRIFT_NOISE = 0.8;

  /** The segment value on which the student's noise is larger. */
  static final String DRIFT_SEGMENT = "code";

  /** Token id of a sentinel entry (as Tinker writes missing entries). */
  static final int SENTINEL_ID = 0;

  /** Log-probability of a sentinel entry (OpenAI's −9999.0). */
  static final float SENTINEL_LOGPROB = -9999f;

  private static final String[] SEGMENTS = {"chat", "code", "math"};
  private static final long SEQUENCE_STREAM = 0;
  private static final long TEACHER_STREAM = 1;
  private static final long STUDENT_STREAM = 2;
  private static final long TEACHER_SENTINELS = 3;
  private static final long STUDENT_SENTINELS = 4;

  private final SequenceSampleGenerator.Spec spec;
  private final int vocab;

  /** {@code logZipf[r - 1]}: log-probability of Zipf rank r. */
  private final double[] logZipf;

  /** {@code cdf[r - 1]}: probability of ranks 1..r. */
  private final double[] cdf;

  private final int[] driftTokens;

  SequenceModel(SequenceSampleGenerator.Spec spec) {
    this.spec = spec;
    this.vocab = spec.vocab();
    this.logZipf = new double[vocab];
    this.cdf = new double[vocab];
    double norm = 0;
    for (int r = 1; r <= vocab; r++) {
      norm += Math.pow(r, -ZIPF_EXPONENT);
    }
    double logNorm = Math.log(norm);
    double cumulative = 0;
    for (int r = 1; r <= vocab; r++) {
      logZipf[r - 1] = -ZIPF_EXPONENT * Math.log(r) - logNorm;
      cumulative += Math.exp(logZipf[r - 1]);
      cdf[r - 1] = cumulative;
    }
    cdf[vocab - 1] = 1.0;
    this.driftTokens = spec.driftTokens().stream().mapToInt(Integer::intValue).toArray();
  }

  /** One sequence's shape: length, masked prompt prefix, segment and on which sides it exists. */
  record Sequence(
      long id, int length, int prompt, String segment, boolean onTeacher, boolean onStudent) {}

  /**
   * One position: the candidate ids, both sides' log-softmax over them, the background weight and
   * the token the teacher sampled from p.
   */
  static final class Position {
    final int[] ids;
    final double[] teacherLogSoftmax;
    final double[] studentLogSoftmax;
    final double weight;
    final int token;

    Position(
        int[] ids,
        double[] teacherLogSoftmax,
        double[] studentLogSoftmax,
        double weight,
        int token) {
      this.ids = ids;
      this.teacherLogSoftmax = teacherLogSoftmax;
      this.studentLogSoftmax = studentLogSoftmax;
      this.weight = weight;
      this.token = token;
    }
  }

  /** A side's top-k at a position, sorted by log-probability descending (ties by id). */
  static final class TopK {
    final int[] ids;
    final double[] logProbs;

    TopK(int[] ids, double[] logProbs) {
      this.ids = ids;
      this.logProbs = logProbs;
    }
  }

  Sequence sequence(long id) {
    SplittableRandom rng = stream(id, -1, SEQUENCE_STREAM);
    double u = rng.nextDouble();
    boolean teacherOnly = u < spec.unmatchedShare();
    boolean studentOnly = !teacherOnly && u < 2 * spec.unmatchedShare();
    int length = spec.minLength() + rng.nextInt(spec.maxLength() - spec.minLength() + 1);
    double promptShare = 0.1 + 0.3 * rng.nextDouble();
    int prompt = Math.max(1, (int) (promptShare * length));
    double s = rng.nextDouble();
    String segment = s < 0.5 ? SEGMENTS[0] : s < 0.8 ? SEGMENTS[1] : SEGMENTS[2];
    return new Sequence(id, length, prompt, segment, !studentOnly, !teacherOnly);
  }

  Position position(Sequence sequence, int position) {
    SplittableRandom rng = stream(sequence.id(), position, TEACHER_STREAM);
    double weight = 0.05 + 0.25 * rng.nextDouble();
    double scale = 1.0 + 2.5 * rng.nextDouble();
    int[] ids = candidates(rng);
    int n = ids.length;
    double[] teacher = new double[n];
    for (int j = 0; j < n; j++) {
      teacher[j] = scale * Randoms.gaussian(rng);
    }
    // Half the positions have one confident candidate, as a language model often does.
    if (rng.nextDouble() < 0.5) {
      teacher[rng.nextInt(n)] += 3.0;
    }
    logSoftmaxInPlace(teacher);
    int token =
        rng.nextDouble() < 1 - weight
            ? ids[categorical(teacher, rng)]
            : zipfToken(rng.nextDouble());

    SplittableRandom noise = stream(sequence.id(), position, STUDENT_STREAM);
    double sigma = DRIFT_SEGMENT.equals(sequence.segment()) ? DRIFT_NOISE : NOISE;
    double[] student = new double[n];
    for (int j = 0; j < n; j++) {
      student[j] = teacher[j] + sigma * Randoms.gaussian(noise);
      if (isDriftToken(ids[j])) {
        student[j] -= spec.drift();
      }
    }
    logSoftmaxInPlace(student);
    return new Position(ids, teacher, student, weight, token);
  }

  /** Log-probability of {@code id} on one side: O(|C|). */
  double logProb(Position p, boolean student, int id) {
    double background = Math.log(p.weight) + logZipf[rank(id) - 1];
    int j = indexOf(p.ids, id);
    if (j < 0) {
      return background;
    }
    double[] logSoftmax = student ? p.studentLogSoftmax : p.teacherLogSoftmax;
    return logAddExp(Math.log1p(-p.weight) + logSoftmax[j], background);
  }

  /** The exact top-k of one side, drawn from C ∪ {Zipf ranks 1..k}. */
  TopK topK(Position p, boolean student) {
    int k = spec.topK();
    int[] ids = p.ids;
    int[] pool = Arrays.copyOf(ids, ids.length + k);
    double[] lp = new double[ids.length + k];
    int m = 0;
    for (int id : ids) {
      lp[m++] = logProb(p, student, id);
    }
    for (int r = 1; r <= k; r++) {
      int id = r % vocab;
      if (indexOf(ids, id) < 0) {
        pool[m] = id;
        lp[m++] = Math.log(p.weight) + logZipf[r - 1];
      }
    }
    for (int i = 0; i < k; i++) {
      int best = i;
      for (int j = i + 1; j < m; j++) {
        if (lp[j] > lp[best] || (lp[j] == lp[best] && pool[j] < pool[best])) {
          best = j;
        }
      }
      swap(pool, lp, i, best);
    }
    return new TopK(Arrays.copyOf(pool, k), Arrays.copyOf(lp, k));
  }

  /** The full distribution of one side over the vocabulary: O(V). */
  double[] distribution(Position p, boolean student) {
    double[] d = new double[vocab];
    for (int id = 0; id < vocab; id++) {
      d[id] = p.weight * Math.exp(logZipf[rank(id) - 1]);
    }
    double[] logSoftmax = student ? p.studentLogSoftmax : p.teacherLogSoftmax;
    int[] ids = p.ids;
    for (int j = 0; j < ids.length; j++) {
      d[ids[j]] += (1 - p.weight) * Math.exp(logSoftmax[j]);
    }
    return d;
  }

  /**
   * The log-probabilities of one side over the whole vocabulary, as floats: O(V), the background in
   * closed form and {@link #logProb} at the candidates.
   */
  float[] logDistribution(Position p, boolean student) {
    float[] lp = new float[vocab];
    double logWeight = Math.log(p.weight);
    for (int id = 0; id < vocab; id++) {
      lp[id] = (float) (logWeight + logZipf[rank(id) - 1]);
    }
    for (int id : p.ids) {
      lp[id] = (float) logProb(p, student, id);
    }
    return lp;
  }

  /** KL(p ‖ q) at a position; only C contributes, since both sides share the background. */
  double kl(Position p) {
    double kl = 0;
    for (int id : p.ids) {
      double lp = logProb(p, false, id);
      kl += Math.exp(lp) * (lp - logProb(p, true, id));
    }
    return kl;
  }

  /**
   * How many of the lowest-ranked top-k entries of a side become sentinels at a position: on
   * average exactly {@code sentinelShare · k}.
   */
  int sentinels(Sequence sequence, int position, boolean student) {
    if (spec.sentinelShare() <= 0) {
      return 0;
    }
    SplittableRandom rng =
        stream(sequence.id(), position, student ? STUDENT_SENTINELS : TEACHER_SENTINELS);
    int n = (int) Math.floor(spec.sentinelShare() * spec.topK() + rng.nextDouble());
    return Math.min(n, spec.topK());
  }

  private int[] candidates(SplittableRandom rng) {
    int[] ids = new int[CANDIDATES];
    int n = 0;
    // Bounded so that a small vocabulary, whose Zipf tail is rarely drawn, cannot stall.
    for (int draw = 0; draw < 20 * CANDIDATES && n < CANDIDATES; draw++) {
      int id = zipfToken(rng.nextDouble());
      if (indexOf(ids, n, id) < 0) {
        ids[n++] = id;
      }
    }
    return Arrays.copyOf(ids, n);
  }

  private int zipfToken(double u) {
    int i = Arrays.binarySearch(cdf, u);
    int index = i >= 0 ? i + 1 : -i - 1;
    return (Math.min(index, vocab - 1) + 1) % vocab;
  }

  private int rank(int id) {
    return id == 0 ? vocab : id;
  }

  private boolean isDriftToken(int id) {
    for (int d : driftTokens) {
      if (d == id) {
        return true;
      }
    }
    return false;
  }

  private SplittableRandom stream(long sequence, long position, long salt) {
    return new SplittableRandom(
        Randoms.mix(Randoms.mix(Randoms.mix(spec.seed(), sequence), position), salt));
  }

  private static int categorical(double[] logSoftmax, SplittableRandom rng) {
    double u = rng.nextDouble();
    double cumulative = 0;
    for (int j = 0; j < logSoftmax.length; j++) {
      cumulative += Math.exp(logSoftmax[j]);
      if (u < cumulative) {
        return j;
      }
    }
    return logSoftmax.length - 1;
  }

  private static void logSoftmaxInPlace(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : z) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (double x : z) {
      sum += Math.exp(x - max);
    }
    double lse = max + Math.log(sum);
    for (int j = 0; j < z.length; j++) {
      z[j] -= lse;
    }
  }

  private static double logAddExp(double a, double b) {
    double max = Math.max(a, b);
    return max + Math.log1p(Math.exp(Math.min(a, b) - max));
  }

  private static int indexOf(int[] ids, int id) {
    return indexOf(ids, ids.length, id);
  }

  private static int indexOf(int[] ids, int n, int id) {
    for (int j = 0; j < n; j++) {
      if (ids[j] == id) {
        return j;
      }
    }
    return -1;
  }

  private static void swap(int[] ids, double[] lp, int a, int b) {
    int id = ids[a];
    ids[a] = ids[b];
    ids[b] = id;
    double x = lp[a];
    lp[a] = lp[b];
    lp[b] = x;
  }
}
