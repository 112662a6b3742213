package io.kldrift.engine;

import io.kldrift.summary.Summary;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The target figures of many groups (slice values, position and teacher-entropy buckets, tokens) as
 * plain sums in two flat arrays, one stride per group: counts (positions with a known target on
 * both sides, each model's top-1 hits, the positions missing on each side) and sums (each model's
 * NLL, the paired NLL difference and its square, Δp and its square). Sums merge by addition, so a
 * rollup gives what one pass over the union gives, to rounding; a group has no quantile sketch (the
 * global figures in {@link TargetFigures} have one).
 */
final class TargetSums {
  private static final int N = 0, T_HITS = 1, S_HITS = 2, T_MISSING = 3, S_MISSING = 4, COUNTS = 5;
  private static final int T_NLL = 0, S_NLL = 1, DIFF = 2, DIFF2 = 3, DP = 4, DP2 = 5, SUMS = 6;

  private long[] counts;
  private double[] sums;

  TargetSums(int groups) {
    counts = new long[groups * COUNTS];
    sums = new double[groups * SUMS];
  }

  int groups() {
    return counts.length / COUNTS;
  }

  /** Room for {@code groups} groups, the new ones empty. */
  void ensure(int groups) {
    if (groups() < groups) {
      counts = Arrays.copyOf(counts, groups * COUNTS);
      sums = Arrays.copyOf(sums, groups * SUMS);
    }
  }

  /**
   * Adds one counted position to group {@code g}: the log-probabilities of the target (NaN when
   * missing on that side), {@code dp} = p_s − p_t of the target (computed once by the caller for
   * all its groups) and whether each model's top-1 is the target; the same rule as {@link
   * TargetFigures#add}.
   */
  void add(
      int g,
      double teacherLp,
      double studentLp,
      double dp,
      boolean teacherHit,
      boolean studentHit) {
    int c = g * COUNTS;
    boolean t = !Double.isNaN(teacherLp);
    boolean s = !Double.isNaN(studentLp);
    if (!t || !s) {
      counts[c + T_MISSING] += t ? 0 : 1;
      counts[c + S_MISSING] += s ? 0 : 1;
      return;
    }
    counts[c + N]++;
    counts[c + T_HITS] += teacherHit ? 1 : 0;
    counts[c + S_HITS] += studentHit ? 1 : 0;
    int d = g * SUMS;
    double diff = teacherLp - studentLp;
    sums[d + T_NLL] -= teacherLp;
    sums[d + S_NLL] -= studentLp;
    sums[d + DIFF] += diff;
    sums[d + DIFF2] += diff * diff;
    sums[d + DP] += dp;
    sums[d + DP2] += dp * dp;
  }

  /** Adds group {@code og} of {@code o} into group {@code g}. */
  void add(int g, TargetSums o, int og) {
    for (int i = 0; i < COUNTS; i++) {
      counts[g * COUNTS + i] += o.counts[og * COUNTS + i];
    }
    for (int i = 0; i < SUMS; i++) {
      sums[g * SUMS + i] += o.sums[og * SUMS + i];
    }
  }

  /** Adds every group of {@code o} (of the same number of groups) into this. */
  void merge(TargetSums o) {
    for (int g = 0; g < o.groups(); g++) {
      add(g, o, g);
    }
  }

  /** Whether group {@code g} counted no position. */
  boolean isEmpty(int g) {
    int c = g * COUNTS;
    return counts[c + N] == 0 && counts[c + T_MISSING] == 0 && counts[c + S_MISSING] == 0;
  }

  void write(int g, DataOutput out) throws IOException {
    for (int i = 0; i < COUNTS; i++) {
      out.writeLong(counts[g * COUNTS + i]);
    }
    for (int i = 0; i < SUMS; i++) {
      out.writeDouble(sums[g * SUMS + i]);
    }
  }

  void write(DataOutput out) throws IOException {
    for (int g = 0; g < groups(); g++) {
      write(g, out);
    }
  }

  /** Adds a group written by {@link #write(int, DataOutput)} into group {@code g}. */
  void read(int g, DataInput in) throws IOException {
    for (int i = 0; i < COUNTS; i++) {
      counts[g * COUNTS + i] += in.readLong();
    }
    for (int i = 0; i < SUMS; i++) {
      sums[g * SUMS + i] += in.readDouble();
    }
  }

  void read(DataInput in) throws IOException {
    for (int g = 0; g < groups(); g++) {
      read(g, in);
    }
  }

  /**
   * The figures of group {@code g}: means over its positions with a known target on both sides,
   * perplexities as exp of the mean NLL, the 95% interval of ln(PPL_s/PPL_t) from the paired
   * differences (normal approximation, as for the global figure); null where undefined.
   */
  Summary.TargetGroup figures(int g) {
    int c = g * COUNTS;
    int d = g * SUMS;
    long n = counts[c + N];
    Double tNll = null;
    Double sNll = null;
    Double ratio = null;
    Double low = null;
    Double high = null;
    Double dpMean = null;
    Double dpRms = null;
    if (n > 0) {
      tNll = sums[d + T_NLL] / n;
      sNll = sums[d + S_NLL] / n;
      ratio = sums[d + DIFF] / n;
      dpMean = sums[d + DP] / n;
      dpRms = Math.sqrt(Math.max(0, sums[d + DP2]) / n);
      if (n > 1) {
        double var = Math.max(0, (sums[d + DIFF2] - ratio * sums[d + DIFF]) / (n - 1));
        double half = Finisher.Z95 * Math.sqrt(var / n);
        low = ratio - half;
        high = ratio + half;
      }
    }
    return new Summary.TargetGroup(
        n,
        tNll,
        sNll,
        tNll == null ? null : Math.exp(tNll),
        sNll == null ? null : Math.exp(sNll),
        ratio,
        low,
        high,
        dpMean,
        dpRms,
        Finisher.ratio(counts[c + T_HITS], n),
        Finisher.ratio(counts[c + S_HITS], n),
        counts[c + T_MISSING],
        counts[c + S_MISSING]);
  }
}
