package io.kldrift.kernel;

import java.util.Arrays;

/**
 * One side's top-k lists of one sequence (or of one position), flat: position j's entries are at
 * {@code [start(j), start(j + 1))} of {@link #ids()} and {@link #lp()}. {@link #exponentiate} takes
 * exp of every log-probability once, in whole registers, so that the rule checks and the metrics of
 * {@link TopK} read probabilities instead of computing them again. The arrays keep room for a whole
 * register past the last entry, so every entry goes through the same (vector) exp wherever it sits.
 * Reused from sequence to sequence, it allocates only while growing to the longest sequence.
 */
public final class TopKLists {
  /** Entries are exponentiated in blocks of this many: a multiple of any register's lanes. */
  static final int BLOCK = 16;

  private int[] start = new int[257];
  private long[] ids = new long[4096];
  private double[] lp = new double[4096 + BLOCK];
  private double[] e = new double[4096 + BLOCK];
  private int positions;

  /** Empty lists, sized for 256 positions of 16 entries; they grow as needed. */
  public TopKLists() {}

  /** Empties the lists for up to {@code n} positions. */
  public void reset(int n) {
    if (start.length < n + 1) {
      start = new int[Math.max(n + 1, 2 * start.length)];
    }
    positions = 0;
    start[0] = 0;
  }

  /**
   * Makes room for the next position's {@code k} entries and returns the index of its first one;
   * the caller writes them into {@link #ids()} and {@link #lp()}, read after this call (they may
   * have grown).
   */
  public int add(int k) {
    int at = start[positions];
    if (ids.length < at + k) {
      int n = Math.max(at + k, 2 * ids.length);
      ids = Arrays.copyOf(ids, n);
      lp = Arrays.copyOf(lp, n + BLOCK);
      e = new double[n + BLOCK];
    }
    positions++;
    start[positions] = at + k;
    return at;
  }

  /** Takes exp of every entry's log-probability ({@code -Infinity} and sentinels give 0). */
  public void exponentiate(VectorMath math) {
    math.exp(lp, e, blocks(size()));
  }

  /** {@code n} rounded up to whole blocks: the length the vector calls run over. */
  static int blocks(int n) {
    return (n + BLOCK - 1) / BLOCK * BLOCK;
  }

  /** The ids, position by position (the array may be replaced by {@link #add}). */
  public long[] ids() {
    return ids;
  }

  /** The log-probabilities, position by position (replaced by {@link #add} when it grows). */
  public double[] lp() {
    return lp;
  }

  /** exp of each log-probability, valid after {@link #exponentiate}. */
  double[] exps() {
    return e;
  }

  /** Index of position {@code j}'s first entry. */
  public int start(int j) {
    return start[j];
  }

  /** Entries of position {@code j}. */
  public int length(int j) {
    return start[j + 1] - start[j];
  }

  /** Positions added since {@link #reset}. */
  public int positions() {
    return positions;
  }

  /** Entries of all positions. */
  public int size() {
    return start[positions];
  }

  /** The longest list of any position. */
  public int longest() {
    int k = 0;
    for (int j = 0; j < positions; j++) {
      k = Math.max(k, length(j));
    }
    return k;
  }

  /** Makes these lists one position holding the first {@code k} entries of the arrays. */
  void single(long[] fromIds, double[] fromLp, int k) {
    reset(1);
    int at = add(k);
    if (fromIds != null) {
      System.arraycopy(fromIds, 0, ids, at, k);
    }
    System.arraycopy(fromLp, 0, lp, at, k);
  }
}
