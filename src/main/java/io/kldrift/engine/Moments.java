package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Count, mean, variance, min and max of one per-example metric, updated one value at a time and
 * merged with Chan's parallel formula. The sum behind the mean is compensated (Neumaier), so a mean
 * merged from daily states equals the mean of one pass over the union to rounding.
 */
final class Moments {
  long n;
  private double sum;
  private double comp;
  private double mean;
  private double m2;
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;

  void add(double x) {
    n++;
    double t = sum + x;
    comp += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
    double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
    if (x < min) {
      min = x;
    }
    if (x > max) {
      max = x;
    }
  }

  void merge(Moments o) {
    if (o.n == 0) {
      return;
    }
    if (n == 0) {
      n = o.n;
      sum = o.sum;
      comp = o.comp;
      mean = o.mean;
      m2 = o.m2;
      min = o.min;
      max = o.max;
      return;
    }
    long total = n + o.n;
    double d = o.mean - mean;
    m2 += o.m2 + d * d * ((double) n * o.n / total);
    mean += d * o.n / total;
    double t = sum + o.sum;
    comp += (Math.abs(sum) >= Math.abs(o.sum) ? (sum - t) + o.sum : (o.sum - t) + sum) + o.comp;
    sum = t;
    n = total;
    min = Math.min(min, o.min);
    max = Math.max(max, o.max);
  }

  /** The compensated sum of the values. */
  double sum() {
    return sum + comp;
  }

  /** The mean, or null without values. */
  Double mean() {
    return n == 0 ? null : sum() / n;
  }

  /** The sample standard deviation, or null with fewer than two values. */
  Double std() {
    return n < 2 ? null : Math.sqrt(Math.max(m2, 0) / (n - 1));
  }

  Double minOrNull() {
    return n == 0 ? null : min;
  }

  Double maxOrNull() {
    return n == 0 ? null : max;
  }

  void write(DataOutput out) throws IOException {
    out.writeLong(n);
    out.writeDouble(sum);
    out.writeDouble(comp);
    out.writeDouble(mean);
    out.writeDouble(m2);
    out.writeDouble(min);
    out.writeDouble(max);
  }

  static Moments read(DataInput in) throws IOException {
    Moments m = new Moments();
    m.n = in.readLong();
    m.sum = in.readDouble();
    m.comp = in.readDouble();
    m.mean = in.readDouble();
    m.m2 = in.readDouble();
    m.min = in.readDouble();
    m.max = in.readDouble();
    return m;
  }
}
