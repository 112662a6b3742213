package io.kldrift.metrics;

import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import io.kldrift.kernel.Workspace;
import java.io.Serializable;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.expressions.Aggregator;

/**
 * A vector-valued aggregate over joined examples: per class, the sums of the KL terms
 * P(c)·log(P(c)/Q(c)), of P(c), of Q(c), and the count of support violations. One buffer of
 * primitive arrays per partition, merged without exploding rows into (example, class) pairs.
 */
public final class ClassSums extends Aggregator<ClassSums.Pair, ClassSums.Sums, ClassSums.Sums> {
  private static final long serialVersionUID = 1L;

  private final Kind teacherKind;
  private final Kind studentKind;
  private final double temperature;
  private final double logEpsilon;

  ClassSums(Kind teacherKind, Kind studentKind, double temperature, double epsilon) {
    this.teacherKind = teacherKind;
    this.studentKind = studentKind;
    this.temperature = temperature;
    this.logEpsilon = Math.log(epsilon);
  }

  /** One joined example: teacher and student raw vectors (field order is alphabetical: p, q). */
  public static final class Pair implements Serializable {
    private static final long serialVersionUID = 1L;
    private double[] p;
    private double[] q;

    public double[] getP() {
      return p;
    }

    public void setP(double[] p) {
      this.p = p;
    }

    public double[] getQ() {
      return q;
    }

    public void setQ(double[] q) {
      this.q = q;
    }
  }

  /** The running sums; arrays stay empty until the first example fixes the class count. */
  public static final class Sums implements Serializable {
    private static final long serialVersionUID = 1L;
    private long count;
    private double[] klTerms = new double[0];
    private double[] klCompensation = new double[0];
    private double[] teacherProb = new double[0];
    private double[] studentProb = new double[0];
    private long[] violations = new long[0];

    public long getCount() {
      return count;
    }

    public void setCount(long count) {
      this.count = count;
    }

    public double[] getKlTerms() {
      return klTerms;
    }

    public void setKlTerms(double[] klTerms) {
      this.klTerms = klTerms;
    }

    public double[] getKlCompensation() {
      return klCompensation;
    }

    public void setKlCompensation(double[] klCompensation) {
      this.klCompensation = klCompensation;
    }

    public double[] getTeacherProb() {
      return teacherProb;
    }

    public void setTeacherProb(double[] teacherProb) {
      this.teacherProb = teacherProb;
    }

    public double[] getStudentProb() {
      return studentProb;
    }

    public void setStudentProb(double[] studentProb) {
      this.studentProb = studentProb;
    }

    public long[] getViolations() {
      return violations;
    }

    public void setViolations(long[] violations) {
      this.violations = violations;
    }

    void ensure(int n) {
      if (klTerms.length == 0 && n > 0) {
        klTerms = new double[n];
        klCompensation = new double[n];
        teacherProb = new double[n];
        studentProb = new double[n];
        violations = new long[n];
      }
    }

    /** Σ_i KL term of class c, compensated (Neumaier) so that small classes keep their digits. */
    public double klSum(int c) {
      return klTerms[c] + klCompensation[c];
    }

    void addKl(int c, double x) {
      double s = klTerms[c];
      double t = s + x;
      klCompensation[c] += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
      klTerms[c] = t;
    }
  }

  private transient Workspace workspace;

  @Override
  public Sums zero() {
    return new Sums();
  }

  @Override
  public Sums reduce(Sums b, Pair in) {
    int n = in.p.length;
    b.ensure(n);
    if (workspace == null) {
      workspace = new Workspace();
    }
    Workspace s = workspace;
    s.ensure(n);
    System.arraycopy(in.p, 0, s.rawP, 0, n);
    System.arraycopy(in.q, 0, s.rawQ, 0, n);
    Divergences.compute(s, n, teacherKind, studentKind, temperature, logEpsilon, true);
    for (int c = 0; c < n; c++) {
      b.addKl(c, s.terms[c]);
      b.teacherProb[c] += s.p[c];
      b.studentProb[c] += s.q[c];
      if (s.p[c] > 0 && s.logQ[c] == Double.NEGATIVE_INFINITY) {
        b.violations[c]++;
      }
    }
    b.count++;
    return b;
  }

  @Override
  public Sums merge(Sums a, Sums b) {
    if (b.klTerms.length == 0) {
      a.count += b.count;
      return a;
    }
    if (a.klTerms.length == 0) {
      b.count += a.count;
      return b;
    }
    for (int c = 0; c < a.klTerms.length; c++) {
      a.addKl(c, b.klTerms[c]);
      a.addKl(c, b.klCompensation[c]);
      a.teacherProb[c] += b.teacherProb[c];
      a.studentProb[c] += b.studentProb[c];
      a.violations[c] += b.violations[c];
    }
    a.count += b.count;
    return a;
  }

  @Override
  public Sums finish(Sums reduction) {
    return reduction;
  }

  @Override
  public Encoder<Sums> bufferEncoder() {
    return Encoders.bean(Sums.class);
  }

  @Override
  public Encoder<Sums> outputEncoder() {
    return Encoders.bean(Sums.class);
  }

  /** The encoder of the aggregate's input. */
  static Encoder<Pair> inputEncoder() {
    return Encoders.bean(Pair.class);
  }
}
