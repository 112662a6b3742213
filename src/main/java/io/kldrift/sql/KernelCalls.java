package io.kldrift.sql;

import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import io.kldrift.kernel.Workspace;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;

/**
 * The static entry points that Spark's generated code calls (through {@code StaticInvoke}) for the
 * kldrift SQL functions. They read Spark's array representation element by element (no boxing, no
 * copy of the Parquet column vector), run {@link Divergences}, and build the result row.
 *
 * <p>Public only because generated code lives in another package; not part of the API.
 */
public final class KernelCalls {

  /** Element type codes passed as literal arguments: how to read an {@link ArrayData}. */
  static final int FLOAT = 0, DOUBLE = 1;

  private static final Kind[] KINDS = Kind.values();

  private KernelCalls() {}

  /** Per-thread buffers; a task runs on one thread, so no row ever sees another row's values. */
  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  static void load(ArrayData a, int elementType, double[] into, int n) {
    if (elementType == FLOAT) {
      for (int i = 0; i < n; i++) {
        into[i] = a.isNullAt(i) ? Double.NaN : a.getFloat(i);
      }
    } else {
      for (int i = 0; i < n; i++) {
        into[i] = a.isNullAt(i) ? Double.NaN : a.getDouble(i);
      }
    }
  }

  /**
   * All per-example metrics of one teacher/student pair, as the struct {@link
   * FunctionSchemas#METRICS}. {@code temperature} applies to logits; {@code lossTemperature}, when
   * positive, adds {@code T²·KL}.
   */
  public static InternalRow metrics(
      ArrayData p,
      ArrayData q,
      int pElement,
      int qElement,
      int pKind,
      int qKind,
      double temperature,
      double epsilon) {
    int n = p.numElements();
    if (q.numElements() != n) {
      throw FunctionErrors.lengthMismatch(n, q.numElements());
    }
    double[] o = compute(p, q, pElement, qElement, pKind, qKind, temperature, epsilon, n);
    boolean logits = KINDS[pKind] == Kind.LOGITS || KINDS[qKind] == Kind.LOGITS;
    Object[] values = {
      o[Divergences.KL],
      o[Divergences.REVERSE_KL],
      o[Divergences.JS],
      o[Divergences.TEACHER_ENTROPY],
      o[Divergences.STUDENT_ENTROPY],
      o[Divergences.CROSS_ENTROPY],
      o[Divergences.TOTAL_VARIATION],
      (int) o[Divergences.TEACHER_TOP1],
      (int) o[Divergences.STUDENT_TOP1],
      o[Divergences.TEACHER_TOP1] == o[Divergences.STUDENT_TOP1],
      o[Divergences.TEACHER_CONFIDENCE],
      o[Divergences.STUDENT_CONFIDENCE],
      (int) o[Divergences.SUPPORT_VIOLATIONS],
      (int) o[Divergences.REVERSE_SUPPORT_VIOLATIONS],
      logits ? temperature * temperature * o[Divergences.KL] : null
    };
    return new GenericInternalRow(values);
  }

  /** One metric of {@link Divergences#compute}, selected by its index (the kl_div family). */
  public static double single(
      ArrayData p,
      ArrayData q,
      int pElement,
      int qElement,
      int pKind,
      int qKind,
      double temperature,
      double epsilon,
      int metric) {
    int n = p.numElements();
    if (q.numElements() != n) {
      throw FunctionErrors.lengthMismatch(n, q.numElements());
    }
    return compute(p, q, pElement, qElement, pKind, qKind, temperature, epsilon, n)[metric];
  }

  /** Entropy H(P) of one distribution. */
  public static double entropy(ArrayData p, int pElement, int pKind, double temperature) {
    int n = p.numElements();
    Workspace s = WORKSPACE.get();
    s.ensure(n);
    load(p, pElement, s.rawP, n);
    Divergences.prepare(s.math, s.rawP, n, KINDS[pKind], temperature, s.p, s.logP);
    double h = 0;
    for (int c = 0; c < n; c++) {
      if (s.p[c] > 0) {
        h -= s.p[c] * s.logP[c];
      }
    }
    return h;
  }

  /**
   * The vector renormalized for its kind ({@link Divergences#renormalize}), as array&lt;double&gt;.
   */
  public static ArrayData renormalize(ArrayData v, int element, int kind) {
    int n = v.numElements();
    Workspace s = WORKSPACE.get();
    s.ensure(n);
    load(v, element, s.rawP, n);
    double[] result = new double[n];
    Divergences.renormalize(s.rawP, n, KINDS[kind], result);
    return new GenericArrayData(result);
  }

  /**
   * Softmax (or log-softmax when {@code log}) of logits at a temperature, as array&lt;double&gt;.
   */
  public static ArrayData softmax(ArrayData logits, int element, double temperature, boolean log) {
    int n = logits.numElements();
    Workspace s = WORKSPACE.get();
    s.ensure(n);
    load(logits, element, s.rawP, n);
    Divergences.prepare(s.math, s.rawP, n, Kind.LOGITS, temperature, s.p, s.logP);
    double[] result = new double[n];
    System.arraycopy(log ? s.logP : s.p, 0, result, 0, n);
    return new GenericArrayData(result);
  }

  /**
   * The first row rule a vector breaks ({@link Divergences#check}), or -1 for a null vector; used
   * by validation so that it applies exactly the rules the kernel relies on.
   */
  public static int check(ArrayData v, int element, int kind, double sumTolerance, double bound) {
    if (v == null) {
      return -1;
    }
    int n = v.numElements();
    Workspace s = WORKSPACE.get();
    s.ensure(n);
    load(v, element, s.rawP, n);
    return Divergences.check(s.rawP, n, KINDS[kind], sumTolerance, bound);
  }

  /**
   * The values of a Spark ML vector (the struct behind {@code VectorUDT}) as an array of doubles:
   * the dense values themselves, or a sparse vector expanded to its full size.
   */
  public static ArrayData vectorValues(Object vectorStruct) {
    // Object, not InternalRow: Spark's interpreted path looks the method up by the UDT's class.
    InternalRow vector = (InternalRow) vectorStruct;
    byte type = vector.getByte(0);
    if (type == 1) {
      return vector.getArray(3);
    }
    int size = vector.getInt(1);
    ArrayData indices = vector.getArray(2);
    ArrayData values = vector.getArray(3);
    double[] dense = new double[size];
    for (int i = 0; i < indices.numElements(); i++) {
      dense[indices.getInt(i)] = values.getDouble(i);
    }
    return new GenericArrayData(dense);
  }

  private static double[] compute(
      ArrayData p,
      ArrayData q,
      int pElement,
      int qElement,
      int pKind,
      int qKind,
      double temperature,
      double epsilon,
      int n) {
    Workspace w = WORKSPACE.get();
    w.ensure(n);
    load(p, pElement, w.rawP, n);
    load(q, qElement, w.rawQ, n);
    Divergences.compute(w, n, KINDS[pKind], KINDS[qKind], temperature, Math.log(epsilon), false);
    return w.out;
  }
}
