package io.kldrift.sample;

import java.util.SplittableRandom;

/**
 * The generators' random draws: a seed mixed with an id (SplitMix64's finalizer), so that every
 * value derives from (seed, id) alone and a table comes out the same in any partitioning, and a
 * standard normal draw.
 */
final class Randoms {
  private Randoms() {}

  /** A well-spread 64-bit seed for {@code id} under {@code seed}. */
  static long mix(long seed, long id) {
    long z = seed * 0x9E3779B97F4A7C15L + id;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A standard normal draw (Box-Muller: SplittableRandom has no nextGaussian on Java 17). */
  static double gaussian(SplittableRandom rng) {
    double u1 = 1.0 - rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
