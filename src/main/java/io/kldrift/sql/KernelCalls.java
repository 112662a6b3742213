package io.kldrift.sql;

import io.kldrift.input.RowRule;
import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import io.kldrift.kernel.TopK;
import io.kldrift.kernel.Workspace;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The static entry points that Spark's generated code calls (through {@code StaticInvoke}) for the
 * kldrift SQL functions. They read Spark's array representation element by element (no boxing, no
 * copy of the Parquet column vector), run {@link Divergences}, and build the result row.
 *
 * <p>Public only because generated code lives in another package; not part of the API.
 */
public final class KernelCalls {

  /**
   * Element type codes passed as literal arguments: how to read an {@link ArrayData}; {@link #NONE}
   * marks an optional argument that was not given (its placeholder is an empty array).
   */
  static final int FLOAT = 0, DOUBLE = 1, INT = 2, LONG = 3, NONE = -1;

  private static final Kind[] KINDS = Kind.values();

  /** What {@code kldrift_check} says of a null vector, and of a sum beyond renormalize_bound. */
  static final UTF8String NULL_VECTOR = UTF8String.fromString(RowRule.NULL_VECTOR.label()),
      BEYOND_BOUND = UTF8String.fromString(RowRule.NOT_NORMALIZED.label() + "_beyond_bound");

  /** What {@code kldrift_check} says of a vector, by {@link Divergences#check} code. */
  private static final UTF8String[] CHECK_LABELS = {
    null,
    UTF8String.fromString(RowRule.EMPTY_VECTOR.label()),
    UTF8String.fromString(RowRule.NOT_FINITE.label()),
    UTF8String.fromString(RowRule.NEGATIVE_PROBABILITY.label()),
    UTF8String.fromString(RowRule.NOT_NORMALIZED.label()),
    BEYOND_BOUND
  };

  private KernelCalls() {}

  /** Per-thread buffers; a task runs on one thread, so no row ever sees another row's values. */
  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  private static final ThreadLocal<TopKBuffers> TOPK = ThreadLocal.withInitial(TopKBuffers::new);

  /** One position's top-k lists as primitive arrays, and the kernel's scratch and output. */
  private static final class TopKBuffers {
    final TopK.Scratch scratch = new TopK.Scratch();
    final double[] out = new double[TopK.COUNT];
    long[] tIds = new long[0], sIds = new long[0];
    double[] tLp = new double[0], sLp = new double[0], sAt = new double[0];

    void ensure(int kt, int ks) {
      if (tIds.length < kt) {
        tIds = new long[kt];
        tLp = new double[kt];
        sAt = new double[kt];
      }
      if (sIds.length < ks) {
        sIds = new long[ks];
        sLp = new double[ks];
      }
    }
  }

  /** The thread's workspace with {@code v} loaded into {@code rawP} (NULL entries as NaN). */
  private static Workspace loaded(ArrayData v, int element) {
    int n = v.numElements();
    Workspace s = WORKSPACE.get();
    s.ensure(n);
    load(v, element, s.rawP, n);
    return s;
  }

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
   * FunctionSchemas#METRICS}, or null when an argument is not a distribution of its kind (raising
   * {@link NotADistributionException} instead when {@code raise}). {@code temperature} applies to
   * logits; a logits side adds {@code T²·KL}.
   */
  public static InternalRow metrics(
      ArrayData p,
      ArrayData q,
      int pElement,
      int qElement,
      int pKind,
      int qKind,
      double temperature,
      double epsilon,
      double sumTolerance,
      boolean raise,
      UTF8String function,
      UTF8String pText,
      UTF8String qText) {
    Workspace w = WORKSPACE.get();
    Kind pk = KINDS[pKind], qk = KINDS[qKind];
    if (!loadPair(
        w, p, q, pElement, qElement, pk, qk, sumTolerance, raise, function, pText, qText)) {
      return null;
    }
    Divergences.compute(w, p.numElements(), pk, qk, temperature, Math.log(epsilon), false);
    double[] o = w.out;
    boolean logits = pk == Kind.LOGITS || qk == Kind.LOGITS;
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

  /**
   * One metric of {@link Divergences#compute} over two probability vectors, selected by its index
   * (the kl_div family); NaN when an argument is not a probability distribution (raising {@link
   * NotADistributionException} instead when {@code raise}). A valid pair never gives NaN, so the
   * caller turns NaN into NULL without boxing.
   */
  public static double single(
      ArrayData p,
      ArrayData q,
      int pElement,
      int qElement,
      double epsilon,
      int metric,
      double sumTolerance,
      boolean raise,
      UTF8String function,
      UTF8String pText,
      UTF8String qText) {
    Workspace w = WORKSPACE.get();
    if (!loadPair(
        w,
        p,
        q,
        pElement,
        qElement,
        Kind.PROBS,
        Kind.PROBS,
        sumTolerance,
        raise,
        function,
        pText,
        qText)) {
      return Double.NaN;
    }
    Divergences.compute(w, p.numElements(), Kind.PROBS, Kind.PROBS, 1.0, Math.log(epsilon), false);
    return w.out[metric];
  }

  /**
   * Entropy H(P) of one probability vector; NaN when it is not a probability distribution (raising
   * {@link NotADistributionException} instead when {@code raise}).
   */
  public static double entropy(
      ArrayData p,
      int pElement,
      double sumTolerance,
      boolean raise,
      UTF8String function,
      UTF8String pText) {
    int n = p.numElements();
    Workspace s = loaded(p, pElement);
    if (!accept(p, s.rawP, n, Kind.PROBS, sumTolerance, raise, function, "p", pText)) {
      return Double.NaN;
    }
    Divergences.prepare(s.math, s.rawP, n, Kind.PROBS, 1.0, s.p, s.logP);
    double h = 0;
    for (int c = 0; c < n; c++) {
      if (s.p[c] > 0) {
        h -= s.p[c] * s.logP[c];
      }
    }
    return h;
  }

  /**
   * Loads {@code p} and {@code q} into {@code w} and checks each against the row rules of its kind
   * ({@link Divergences#check}, the rules the pipeline applies), on the loaded primitive copy.
   * Returns false when one breaks a rule, or raises when {@code raise}.
   */
  private static boolean loadPair(
      Workspace w,
      ArrayData p,
      ArrayData q,
      int pElement,
      int qElement,
      Kind pKind,
      Kind qKind,
      double sumTolerance,
      boolean raise,
      UTF8String function,
      UTF8String pText,
      UTF8String qText) {
    int n = p.numElements();
    if (q.numElements() != n) {
      if (raise) {
        throw FunctionErrors.lengthsDiffer(
            function.toString(), pText.toString(), qText.toString(), n, q.numElements());
      }
      return false;
    }
    w.ensure(n);
    load(p, pElement, w.rawP, n);
    load(q, qElement, w.rawQ, n);
    return accept(p, w.rawP, n, pKind, sumTolerance, raise, function, "p", pText)
        && accept(q, w.rawQ, n, qKind, sumTolerance, raise, function, "q", qText);
  }

  private static boolean accept(
      ArrayData v,
      double[] raw,
      int n,
      Kind kind,
      double sumTolerance,
      boolean raise,
      UTF8String function,
      String argument,
      UTF8String text) {
    int code = Divergences.check(raw, n, kind, sumTolerance);
    if (code == Divergences.OK) {
      return true;
    }
    if (raise) {
      throw FunctionErrors.notADistribution(
          function.toString(), argument, text.toString(), kind, code, v, raw, n, sumTolerance);
    }
    return false;
  }

  /**
   * The vector renormalized for its kind ({@link Divergences#renormalize}), as array&lt;double&gt;;
   * null when it breaks a row rule other than the sum or has no mass at all (raising {@link
   * NotADistributionException} instead when {@code raise}).
   */
  public static ArrayData renormalize(
      ArrayData v, int element, int kind, boolean raise, UTF8String function, UTF8String vText) {
    int n = v.numElements();
    Workspace s = loaded(v, element);
    Kind k = KINDS[kind];
    if (!accept(v, s.rawP, n, k, Double.POSITIVE_INFINITY, raise, function, "v", vText)) {
      return null;
    }
    double[] result = new double[n];
    Divergences.renormalize(s.rawP, n, k, result);
    // A valid non-empty vector gives NaN only by dividing no mass by itself (0/0, -Inf - -Inf).
    if (Double.isNaN(result[0])) {
      if (raise) {
        throw FunctionErrors.noMass(function.toString(), "v", vText.toString(), k);
      }
      return null;
    }
    return new GenericArrayData(result);
  }

  /**
   * Softmax (or log-softmax when {@code log}) of logits at a temperature, as array&lt;double&gt;;
   * null when the logits break a row rule (raising {@link NotADistributionException} instead when
   * {@code raise}).
   */
  public static ArrayData softmax(
      ArrayData logits,
      int element,
      double temperature,
      boolean log,
      boolean raise,
      UTF8String function,
      UTF8String logitsText) {
    int n = logits.numElements();
    Workspace s = loaded(logits, element);
    if (!accept(logits, s.rawP, n, Kind.LOGITS, 0, raise, function, "logits", logitsText)) {
      return null;
    }
    Divergences.prepare(s.math, s.rawP, n, Kind.LOGITS, temperature, s.p, s.logP);
    double[] result = new double[n];
    System.arraycopy(log ? s.logP : s.p, 0, result, 0, n);
    return new GenericArrayData(result);
  }

  /**
   * {@code kldrift_check}: the label of the first row rule a vector breaks ({@link
   * Divergences#check} with the labels of {@link RowRule}), {@code null_vector} for a null vector,
   * {@code not_normalized_beyond_bound} for a sum further than {@code bound} from 1, or null for a
   * valid vector.
   */
  public static UTF8String check(
      ArrayData v, int element, int kind, double sumTolerance, double bound) {
    if (v == null) {
      return NULL_VECTOR;
    }
    int n = v.numElements();
    Workspace s = loaded(v, element);
    return CHECK_LABELS[Divergences.check(s.rawP, n, KINDS[kind], sumTolerance, bound)];
  }

  /**
   * {@code topk_divergences}: every metric of one position, as the struct {@link
   * FunctionSchemas#TOPK_DIVERGENCES}; metrics that are NaN (nothing to rank, a side reporting
   * nothing) are null. {@code topk_kl_div} reads its first field; {@code sAt} is ignored when
   * {@code atElement} is {@link #NONE}.
   */
  public static InternalRow topkDivergences(
      ArrayData tIds,
      ArrayData tLp,
      ArrayData sIds,
      ArrayData sLp,
      ArrayData sAt,
      int tIdElement,
      int tLpElement,
      int sIdElement,
      int sLpElement,
      int atElement,
      double epsilon) {
    TopKBuffers b = TOPK.get();
    position(
        b,
        tIds,
        tLp,
        sIds,
        sLp,
        sAt,
        tIdElement,
        tLpElement,
        sIdElement,
        sLpElement,
        atElement,
        epsilon,
        -1);
    double[] o = b.out;
    Object[] values = {
      o[TopK.KL],
      o[TopK.REVERSE_KL],
      o[TopK.JS_LOW],
      o[TopK.JS_HIGH],
      o[TopK.TV_LOW],
      o[TopK.TV_HIGH],
      o[TopK.TEACHER_TAIL],
      o[TopK.STUDENT_TAIL],
      Double.isNaN(o[TopK.OVERLAP]) ? null : o[TopK.OVERLAP],
      Double.isNaN(o[TopK.TEACHER_TOP1]) ? null : (long) o[TopK.TEACHER_TOP1],
      Double.isNaN(o[TopK.STUDENT_TOP1]) ? null : (long) o[TopK.STUDENT_TOP1],
      Double.isNaN(o[TopK.TOP1_RANK]) ? null : (int) o[TopK.TOP1_RANK],
      (int) o[TopK.CELLS]
    };
    return new GenericInternalRow(values);
  }

  /**
   * {@code sequence_kl_div}: the per-position KL bound over the positions of one sequence, as the
   * struct {@link FunctionSchemas#SEQUENCE_KL}. Every argument holds one entry per position; a
   * position counts when the mask (if {@code masked}) is true there and none of its lists is null.
   * The first divergence is the first counted position where both sides report a top-1 and the two
   * differ.
   */
  public static InternalRow sequenceKl(
      ArrayData tIds,
      ArrayData tLp,
      ArrayData sIds,
      ArrayData sLp,
      ArrayData sAt,
      ArrayData mask,
      int tIdElement,
      int tLpElement,
      int sIdElement,
      int sLpElement,
      int atElement,
      boolean masked,
      double epsilon) {
    int n = tIds.numElements();
    samePositions(n, "teacher_logprobs", tLp.numElements());
    samePositions(n, "student_ids", sIds.numElements());
    samePositions(n, "student_logprobs", sLp.numElements());
    boolean withAt = atElement != NONE;
    if (withAt) {
      samePositions(n, "student_at_teacher", sAt.numElements());
    }
    if (masked) {
      samePositions(n, "mask", mask.numElements());
    }
    TopKBuffers b = TOPK.get();
    double sum = 0, max = Double.NEGATIVE_INFINITY;
    int counted = 0, first = -1;
    for (int t = 0; t < n; t++) {
      if (masked && (mask.isNullAt(t) || !mask.getBoolean(t))) {
        continue;
      }
      if (tIds.isNullAt(t)
          || tLp.isNullAt(t)
          || sIds.isNullAt(t)
          || sLp.isNullAt(t)
          || (withAt && sAt.isNullAt(t))) {
        continue;
      }
      position(
          b,
          tIds.getArray(t),
          tLp.getArray(t),
          sIds.getArray(t),
          sLp.getArray(t),
          withAt ? sAt.getArray(t) : null,
          tIdElement,
          tLpElement,
          sIdElement,
          sLpElement,
          atElement,
          epsilon,
          t);
      double kl = b.out[TopK.KL];
      sum += kl;
      max = Math.max(max, kl);
      counted++;
      double tTop = b.out[TopK.TEACHER_TOP1], sTop = b.out[TopK.STUDENT_TOP1];
      if (first < 0 && !Double.isNaN(tTop) && !Double.isNaN(sTop) && tTop != sTop) {
        first = t;
      }
    }
    Object[] values = {
      counted > 0 ? sum / counted : null,
      sum,
      counted > 0 ? max : null,
      counted,
      first >= 0 ? first : null
    };
    return new GenericInternalRow(values);
  }

  /**
   * Loads one position's lists into {@code b} and runs {@link TopK#compute} (β = ½). {@code at} is
   * the position's index in a sequence, for errors, or -1.
   */
  private static void position(
      TopKBuffers b,
      ArrayData tIds,
      ArrayData tLp,
      ArrayData sIds,
      ArrayData sLp,
      ArrayData sAt,
      int tIdElement,
      int tLpElement,
      int sIdElement,
      int sLpElement,
      int atElement,
      double epsilon,
      int at) {
    int kt = tIds.numElements(), ks = sIds.numElements();
    sameEntries("teacher_ids", kt, "teacher_logprobs", tLp.numElements(), at);
    sameEntries("student_ids", ks, "student_logprobs", sLp.numElements(), at);
    boolean withAt = atElement != NONE;
    if (withAt) {
      sameEntries("teacher_ids", kt, "student_at_teacher", sAt.numElements(), at);
    }
    b.ensure(kt, ks);
    loadList(tIds, tIdElement, tLp, tLpElement, b.tIds, b.tLp, kt);
    loadList(sIds, sIdElement, sLp, sLpElement, b.sIds, b.sLp, ks);
    if (withAt) {
      loadLogProbs(sAt, atElement, b.sAt, kt);
    }
    TopK.compute(
        b.tIds,
        b.tLp,
        kt,
        b.sIds,
        b.sLp,
        ks,
        withAt ? b.sAt : null,
        0.5,
        epsilon,
        b.scratch,
        b.out);
  }

  /** One side's list; a null id or log-probability is an entry that is not reported. */
  private static void loadList(
      ArrayData ids,
      int idElement,
      ArrayData lp,
      int lpElement,
      long[] idsOut,
      double[] lpOut,
      int n) {
    loadLogProbs(lp, lpElement, lpOut, n);
    for (int i = 0; i < n; i++) {
      if (ids.isNullAt(i)) {
        idsOut[i] = 0;
        lpOut[i] = Double.NEGATIVE_INFINITY;
      } else {
        idsOut[i] = idElement == INT ? ids.getInt(i) : ids.getLong(i);
      }
    }
  }

  private static void loadLogProbs(ArrayData lp, int element, double[] into, int n) {
    for (int i = 0; i < n; i++) {
      if (lp.isNullAt(i)) {
        into[i] = Double.NEGATIVE_INFINITY;
      } else {
        into[i] = element == FLOAT ? lp.getFloat(i) : lp.getDouble(i);
      }
    }
  }

  private static void sameEntries(String a, int na, String b, int nb, int position) {
    if (na != nb) {
      throw FunctionErrors.entriesDiffer(a, na, b, nb, position);
    }
  }

  private static void samePositions(int n, String b, int nb) {
    if (n != nb) {
      throw FunctionErrors.positionsDiffer(n, b, nb);
    }
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
}
