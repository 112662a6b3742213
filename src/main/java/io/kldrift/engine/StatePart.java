package io.kldrift.engine;

import java.io.DataOutput;
import java.io.IOException;

/**
 * One part of the drift state: everything a layout accumulates over the matched pairs of one list
 * length. Like Deequ's {@code State[S] { def sum(other: S): S }} it merges with another part of its
 * kind, and it writes itself in the drift state format (its layout reads it back).
 */
interface StatePart<P extends StatePart<P>> {
  /** The list length the part holds: the class count, k, or the vocabulary. */
  int length();

  /** The matched pairs (examples or sequences) added to the part. */
  long matched();

  /**
   * Completes what the part derives from its own figures once its pass has added everything, before
   * it is merged, written or finished; idempotent, and no more pairs may be added after it.
   */
  default void settle() {}

  /** Adds {@code other} into this part (the other is left unusable). */
  void merge(P other);

  /** Writes the part in drift state format {@code version} (see {@link DriftState#bytes}). */
  void write(DataOutput out, int version) throws IOException;
}
