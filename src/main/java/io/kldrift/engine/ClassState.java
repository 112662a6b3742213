package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Per-class vectors over the matched examples of one class count C: the KL terms
 * P(c)·log(P(c)/Q(c)) (Neumaier-compensated, so small classes keep their digits), the sums of P(c)
 * and Q(c), support violations and the KL terms of those clipped cells (compensated too), and the
 * groups by teacher top-1 (count, KL sum, agreement, a KLL sketch for the p95, created when the
 * class first wins) and by student top-1 (count).
 */
final class ClassState {
  final int classes;
  final double[] klTerms;
  final double[] klComp;
  final double[] teacherProb;
  final double[] studentProb;
  final long[] violations;
  final double[] violationKl;
  final double[] violationKlComp;
  final long[] top1Count;
  final Moments[] top1Kl;
  final Quantiles[] top1Sketch;
  final long[] top1Agree;
  final long[] studentTop1Count;
  private final int k;

  ClassState(int classes, int k) {
    this.classes = classes;
    this.k = k;
    klTerms = new double[classes];
    klComp = new double[classes];
    teacherProb = new double[classes];
    studentProb = new double[classes];
    violations = new long[classes];
    violationKl = new double[classes];
    violationKlComp = new double[classes];
    top1Count = new long[classes];
    top1Kl = new Moments[classes];
    top1Sketch = new Quantiles[classes];
    top1Agree = new long[classes];
    studentTop1Count = new long[classes];
  }

  /** Adds one example's prepared vectors and KL terms (the kernel's workspace arrays). */
  void addVectors(double[] terms, double[] p, double[] q, double[] logQ) {
    for (int c = 0; c < classes; c++) {
      double x = terms[c];
      double s = klTerms[c];
      double t = s + x;
      klComp[c] += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
      klTerms[c] = t;
      teacherProb[c] += p[c];
      studentProb[c] += q[c];
      if (p[c] > 0 && logQ[c] == Double.NEGATIVE_INFINITY) {
        violations[c]++;
        double v = violationKl[c];
        double w = v + x;
        violationKlComp[c] += Math.abs(v) >= Math.abs(x) ? (v - w) + x : (x - w) + v;
        violationKl[c] = w;
      }
    }
  }

  void addTop1(int teacherTop1, int studentTop1, double kl) {
    top1Count[teacherTop1]++;
    Moments m = top1Kl[teacherTop1];
    if (m == null) {
      m = top1Kl[teacherTop1] = new Moments();
      top1Sketch[teacherTop1] = new Quantiles(k);
    }
    m.add(kl);
    top1Sketch[teacherTop1].add(kl);
    if (teacherTop1 == studentTop1) {
      top1Agree[teacherTop1]++;
    }
    studentTop1Count[studentTop1]++;
  }

  /** Σ_i KL term of class c. */
  double klSum(int c) {
    return klTerms[c] + klComp[c];
  }

  /** Σ_i KL term of class c over the examples where it was clipped (a support violation). */
  double violationKlSum(int c) {
    return violationKl[c] + violationKlComp[c];
  }

  void merge(ClassState o) {
    for (int c = 0; c < classes; c++) {
      double s = klTerms[c];
      double x = o.klTerms[c];
      double t = s + x;
      klComp[c] += (Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s) + o.klComp[c];
      klTerms[c] = t;
      teacherProb[c] += o.teacherProb[c];
      studentProb[c] += o.studentProb[c];
      violations[c] += o.violations[c];
      double v = violationKl[c];
      double y = o.violationKl[c];
      double w = v + y;
      violationKlComp[c] +=
          (Math.abs(v) >= Math.abs(y) ? (v - w) + y : (y - w) + v) + o.violationKlComp[c];
      violationKl[c] = w;
      top1Count[c] += o.top1Count[c];
      top1Agree[c] += o.top1Agree[c];
      studentTop1Count[c] += o.studentTop1Count[c];
      if (o.top1Kl[c] != null) {
        if (top1Kl[c] == null) {
          top1Kl[c] = new Moments();
          top1Sketch[c] = new Quantiles(k);
        }
        top1Kl[c].merge(o.top1Kl[c]);
        top1Sketch[c].merge(o.top1Sketch[c]);
      }
    }
  }

  /** Writes the vectors in drift state format {@code version} (see {@link DriftState#bytes}). */
  void write(DataOutput out, int version) throws IOException {
    out.writeInt(classes);
    Codec.writeDoubles(out, klTerms);
    Codec.writeDoubles(out, klComp);
    Codec.writeDoubles(out, teacherProb);
    Codec.writeDoubles(out, studentProb);
    Codec.writeLongs(out, violations);
    if (version >= 3) {
      Codec.writeDoubles(out, violationKl);
      Codec.writeDoubles(out, violationKlComp);
    }
    Codec.writeLongs(out, top1Count);
    Codec.writeLongs(out, top1Agree);
    Codec.writeLongs(out, studentTop1Count);
    int groups = 0;
    for (Moments m : top1Kl) {
      groups += m == null ? 0 : 1;
    }
    out.writeInt(groups);
    for (int c = 0; c < classes; c++) {
      if (top1Kl[c] != null) {
        out.writeInt(c);
        top1Kl[c].write(out);
        top1Sketch[c].write(out);
      }
    }
  }

  /**
   * Reads what {@link #write} wrote in drift state format {@code version}; format 2 had no KL of
   * clipped cells (left at 0: {@link ExamplePart} records that it is unknown).
   */
  static ClassState read(DataInput in, int k, int version) throws IOException {
    int classes = in.readInt();
    ClassState s = new ClassState(classes, k);
    copy(Codec.readDoubles(in), s.klTerms);
    copy(Codec.readDoubles(in), s.klComp);
    copy(Codec.readDoubles(in), s.teacherProb);
    copy(Codec.readDoubles(in), s.studentProb);
    Codec.addLongs(in, s.violations);
    if (version >= 3) {
      copy(Codec.readDoubles(in), s.violationKl);
      copy(Codec.readDoubles(in), s.violationKlComp);
    }
    Codec.addLongs(in, s.top1Count);
    Codec.addLongs(in, s.top1Agree);
    Codec.addLongs(in, s.studentTop1Count);
    int groups = in.readInt();
    for (int i = 0; i < groups; i++) {
      int c = in.readInt();
      s.top1Kl[c] = Moments.read(in);
      s.top1Sketch[c] = Quantiles.read(in, k);
    }
    return s;
  }

  private static void copy(double[] from, double[] to) throws IOException {
    if (from.length != to.length) {
      throw new IOException("class vector of " + from.length + " entries, expected " + to.length);
    }
    System.arraycopy(from, 0, to, 0, to.length);
  }
}
