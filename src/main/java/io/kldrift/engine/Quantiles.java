package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * A KLL quantile sketch (Apache DataSketches, the version on Spark's class path) created on the
 * first value. Its serialized form is DataSketches' own, which Spark's {@code kll_sketch_*} SQL
 * functions read.
 */
final class Quantiles {
  private final int k;
  private KllDoublesSketch sketch;

  Quantiles(int k) {
    this.k = k;
  }

  void add(double x) {
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(k);
    }
    sketch.update(x);
  }

  void merge(Quantiles o) {
    if (o.sketch == null || o.sketch.isEmpty()) {
      return;
    }
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(k);
    }
    sketch.merge(o.sketch);
  }

  /** The value at normalized rank {@code rank} (inclusive), or null without values. */
  Double quantile(double rank) {
    return sketch == null || sketch.isEmpty()
        ? null
        : sketch.getQuantile(rank, QuantileSearchCriteria.INCLUSIVE);
  }

  /** The sketch's normalized rank error for a single quantile (99% confidence). */
  static double rankError(int k) {
    return KllDoublesSketch.getNormalizedRankError(k, false);
  }

  /** The sketch in DataSketches' serialized form (what kll_sketch_* functions read), or null. */
  byte[] bytes() {
    return sketch == null ? null : sketch.toByteArray();
  }

  void write(DataOutput out) throws IOException {
    byte[] b = sketch == null ? new byte[0] : sketch.toByteArray();
    out.writeInt(b.length);
    out.write(b);
  }

  static Quantiles read(DataInput in, int k) throws IOException {
    Quantiles q = new Quantiles(k);
    int len = in.readInt();
    if (len > 0) {
      byte[] b = new byte[len];
      in.readFully(b);
      q.sketch = KllDoublesSketch.heapify(Memory.wrap(b));
    }
    return q;
  }
}
