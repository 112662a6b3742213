package io.kldrift.kernel;

/**
 * Reusable buffers for {@link Divergences#compute}: the raw vectors go into {@link #rawP} and
 * {@link #rawQ}; results come out in {@link #out} (and {@link #terms}). One per thread; growing
 * only when a longer vector arrives, so the per-row path allocates nothing.
 */
public final class Workspace {
  /** How logarithms and exponentials are evaluated. */
  public final VectorMath math;

  /** Raw teacher and student vectors, as doubles. */
  public double[] rawP = new double[0], rawQ = new double[0];

  /** Prepared probabilities and log-probabilities. */
  public double[] p = new double[0], logP = new double[0], q = new double[0], logQ = new double[0];

  /** Per-class KL terms P(c)·(log P(c) − log Q(c)), filled when asked for. */
  public double[] terms = new double[0];

  double[] mix = new double[0], logMix = new double[0];

  /**
   * The metrics of the last {@link Divergences#compute} call, by the indexes of {@link
   * Divergences}.
   */
  public final double[] out = new double[Divergences.METRIC_COUNT];

  /** A workspace using the fastest {@link VectorMath} this JVM offers. */
  public Workspace() {
    this(VectorMath.best());
  }

  /** A workspace using {@code math}. */
  public Workspace(VectorMath math) {
    this.math = math;
  }

  /** Makes every buffer hold at least {@code n} entries. */
  public void ensure(int n) {
    if (rawP.length < n) {
      rawP = new double[n];
      rawQ = new double[n];
      p = new double[n];
      logP = new double[n];
      q = new double[n];
      logQ = new double[n];
      terms = new double[n];
      mix = new double[n];
      logMix = new double[n];
    }
  }
}
