package io.kldrift.engine;

import io.kldrift.input.PredictionInputs;
import io.kldrift.input.SequenceInputs;
import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import io.kldrift.kernel.TopK;
import io.kldrift.kernel.TopKLists;
import io.kldrift.kernel.Workspace;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.StructType;

/**
 * The update of the drift state in the sequence layout: per joined sequence, the row rules of each
 * side (the same as for examples, plus misaligned lists and token ids that differ), then per
 * counted position the top-k bounds ({@link TopK}) or the exact dense metrics ({@link
 * Divergences}), added to the {@link SequencePart} with the sequence's own mean, sum, max and first
 * divergence. Arrays are read in place from Spark's internal rows.
 */
final class SequenceUpdater extends Updater {
  private static final long serialVersionUID = 1L;

  /** Top-k rows are counted under this list length: their lists may vary in length (k or k+1). */
  static final int TOPK_LENGTH = 0;

  /** The shapes of the joined row's sequence columns, decided on the driver from the schema. */
  record Shape(
      boolean teacherFloats,
      boolean studentFloats,
      boolean atTeacher,
      boolean atTeacherFloats,
      boolean mask,
      boolean teacherIdsInt,
      boolean studentIdsInt,
      boolean teacherTokensInt,
      boolean studentTokensInt,
      boolean positions,
      boolean target,
      boolean targetIdsInt,
      boolean teacherTargetLp,
      boolean teacherTargetFloats,
      boolean studentTargetLp,
      boolean studentTargetFloats)
      implements Serializable {}

  /** Offsets of the layout's columns after {@code base} ({@link SequenceInputs#TEACHER_EXTRA}). */
  private static final int T_IDS = 0,
      T_MASK = 1,
      T_TOK = 2,
      T_POS = 3,
      T_TARGET = 4,
      T_TARGET_LP = 5,
      S_IDS = 6,
      S_AT = 7,
      S_TOK = 8,
      S_POS = 9,
      S_TARGET_LP = 10;

  private final Shape shape;
  private final int base;

  SequenceUpdater(StateHeader header, Shape shape, StructType exampleSchema) {
    super(header, exampleSchema);
    this.shape = shape;
    this.base = OnePass.KEYS + keyCount + 2 * header.sliceColumns().size();
  }

  @Override
  Pass newPass() {
    return new SequencePass();
  }

  /** One partition's pass with the buffers of one sequence. */
  private final class SequencePass extends Pass {
    final Parts<SequencePart> parts = state.parts(SequenceLayout.INSTANCE);
    final boolean topK = s.teacherKind() == Kind.TOPK_LOG_PROBS;
    final Workspace w = new Workspace();
    final TopK.Scratch scratch = new TopK.Scratch();
    final double[] out = new double[Math.max(TopK.COUNT, Divergences.METRIC_COUNT)];
    final double[] fig = new double[SequencePart.FIGURES];
    final double epsilon = Math.exp(s.logEpsilon());

    /** Each side's lists of the current sequence, read once by the rule checks. */
    final TopKLists tLists = new TopKLists();

    final TopKLists sLists = new TopKLists();

    /** The student's log-probabilities at the teacher's ids, aligned with {@link #tLists}. */
    final TopKLists atLists = new TopKLists();

    int lastVocabulary;

    /** The list length found by the last {@link #check}. */
    int checkedLength;

    long[] tTok = new long[256];
    long[] sTok = new long[256];
    long[] tPos = new long[256];
    long[] sPos = new long[256];
    long[] targets = new long[256];
    double[] tTargetLp = new double[256];
    double[] sTargetLp = new double[256];
    final long[] firstTokens = new long[2];

    @Override
    void update(InternalRow r) {
      row = r;
      boolean tIn = r.getBoolean(OnePass.T_PRESENT);
      boolean sIn = r.getBoolean(OnePass.S_PRESENT);
      int tLen = -1;
      if (tIn) {
        tLen = judge(state.teacher, true, OnePass.T_COPIES, OnePass.T_NULL_KEY, -1);
      }
      if (sIn) {
        int sLen = judge(state.student, false, OnePass.S_COPIES, OnePass.S_NULL_KEY, tLen);
        if (tLen >= 0 && sLen == tLen) {
          addSequence();
        }
      }
    }

    /**
     * Judges one side of the row: counts it under the first rule it breaks, or as valid under its
     * list length. The student's lists are also compared with the teacher's when the teacher's are
     * usable ({@code teacherLength} ≥ 0). Returns the list length when usable, -1 otherwise.
     */
    private int judge(
        SideCounts side, boolean teacher, int copiesOrd, int nullKeyOrd, int teacherLength) {
      int vOrd = teacher ? OnePass.P : OnePass.Q;
      if (listLength(side, copiesOrd, nullKeyOrd, vOrd) < 0) {
        return -1;
      }
      ArrayData v = row.getArray(vOrd);
      int code = check(v, teacher);
      int len = checkedLength;
      if (code == Divergences.OK && !teacher && teacherLength >= 0) {
        code = pairCode(v);
      }
      return count(side, len, code) ? len : -1;
    }

    /**
     * The first check code over the positions of one side; the list length goes to {@link
     * #checkedLength}.
     */
    private int check(ArrayData v, boolean teacher) {
      int n = v.numElements();
      checkedLength = topK ? TOPK_LENGTH : -1;
      int code = topK ? topKCode(v, teacher, n) : denseCode(v, teacher, n);
      if (code != Divergences.OK) {
        return code;
      }
      int misaligned = PredictionInputs.MISALIGNED;
      if (teacher && shape.mask() && (row.isNullAt(base + T_MASK) || maskLength() != n)) {
        return misaligned;
      }
      int tokOrd = base + (teacher ? T_TOK : S_TOK);
      if (!row.isNullAt(tokOrd) && row.getArray(tokOrd).numElements() != n) {
        return misaligned;
      }
      if (shape.positions() && !increasingPositions(teacher, n)) {
        return misaligned;
      }
      if (!targetsRead(teacher, n)) {
        return misaligned;
      }
      return Divergences.OK;
    }

    /**
     * One side's top-k lists read into its {@link TopKLists} and exponentiated once, then checked
     * position by position ({@link TopK#check}); a misaligned position counts after the checks of
     * the positions before it, as if the lists were checked while read.
     */
    private int topKCode(ArrayData v, boolean teacher, int n) {
      int idOrd = base + (teacher ? T_IDS : S_IDS);
      if (row.isNullAt(idOrd) || row.getArray(idOrd).numElements() != n) {
        return PredictionInputs.MISALIGNED;
      }
      ArrayData idArrays = row.getArray(idOrd);
      TopKLists lists = teacher ? tLists : sLists;
      boolean ints = teacher ? shape.teacherIdsInt() : shape.studentIdsInt();
      boolean floats = teacher ? shape.teacherFloats() : shape.studentFloats();
      lists.reset(n);
      int read = 0;
      while (read < n && readList(v, idArrays, read, lists, ints, floats)) {
        read++;
      }
      lists.exponentiate(scratch.math());
      for (int j = 0; j < read; j++) {
        int c = TopK.check(lists, j, s.sumTolerance(), scratch);
        if (c != Divergences.OK) {
          return c == TopK.DUPLICATE_ID ? PredictionInputs.MISALIGNED : c;
        }
      }
      return read < n ? PredictionInputs.MISALIGNED : Divergences.OK;
    }

    /** Reads position {@code j}'s ids and log-probabilities; false when they are misaligned. */
    private boolean readList(
        ArrayData v, ArrayData idArrays, int j, TopKLists lists, boolean ints, boolean floats) {
      if (v.isNullAt(j) || idArrays.isNullAt(j)) {
        return false;
      }
      ArrayData lp = v.getArray(j);
      ArrayData idj = idArrays.getArray(j);
      int k = lp.numElements();
      if (idj.numElements() != k) {
        return false;
      }
      int at = lists.add(k);
      if (!ArrayReads.loadLongs(idj, ints, lists.ids(), at, k)) {
        return false;
      }
      ArrayReads.load(lp, floats, lists.lp(), at, k);
      return true;
    }

    /** One side's dense vectors checked position by position ({@link Divergences#check}). */
    private int denseCode(ArrayData v, boolean teacher, int n) {
      int code = Divergences.OK;
      for (int j = 0; j < n && code == Divergences.OK; j++) {
        if (v.isNullAt(j)) {
          return PredictionInputs.MISALIGNED;
        }
        ArrayData lp = v.getArray(j);
        int k = lp.numElements();
        if (checkedLength < 0) {
          checkedLength = k;
        } else if (k != checkedLength) {
          return PredictionInputs.MISALIGNED;
        }
        if (k == 0) {
          return Divergences.EMPTY;
        }
        w.ensure(k);
        double[] raw = teacher ? w.rawP : w.rawQ;
        ArrayReads.load(lp, teacher ? shape.teacherFloats() : shape.studentFloats(), raw, k);
        Kind kind = teacher ? s.teacherKind() : s.studentKind();
        code = Divergences.check(raw, k, kind, s.sumTolerance(), Double.POSITIVE_INFINITY);
        if (code == Divergences.NOT_NORMALIZED_BEYOND_BOUND) {
          code = Divergences.NOT_NORMALIZED;
        }
      }
      return code;
    }

    /**
     * Reads this side's target columns (the ids on the teacher's side, each side's target
     * log-probabilities when given): false when one is null, has a null id or is not one per
     * position. A null log-probability reads as NaN, a missing target.
     */
    private boolean targetsRead(boolean teacher, int n) {
      if (teacher && shape.target()) {
        int ord = base + T_TARGET;
        if (row.isNullAt(ord) || row.getArray(ord).numElements() != n) {
          return false;
        }
        targets = grow(targets, n);
        if (!ArrayReads.loadLongs(row.getArray(ord), shape.targetIdsInt(), targets, 0, n)) {
          return false;
        }
      }
      boolean given = teacher ? shape.teacherTargetLp() : shape.studentTargetLp();
      if (!given) {
        return true;
      }
      int ord = base + (teacher ? T_TARGET_LP : S_TARGET_LP);
      if (row.isNullAt(ord) || row.getArray(ord).numElements() != n) {
        return false;
      }
      boolean floats = teacher ? shape.teacherTargetFloats() : shape.studentTargetFloats();
      if (teacher) {
        tTargetLp = growDoubles(tTargetLp, n);
        ArrayReads.load(row.getArray(ord), floats, tTargetLp, n);
      } else {
        sTargetLp = growDoubles(sTargetLp, n);
        ArrayReads.load(row.getArray(ord), floats, sTargetLp, n);
      }
      return true;
    }

    private int maskLength() {
      return row.getArray(base + T_MASK).numElements();
    }

    /** Positions of the per-token shape, strictly increasing (a repeat is misaligned). */
    private boolean increasingPositions(boolean teacher, int n) {
      int ord = base + (teacher ? T_POS : S_POS);
      if (row.isNullAt(ord) || row.getArray(ord).numElements() != n) {
        return false;
      }
      long[] buf = teacher ? (tPos = grow(tPos, n)) : (sPos = grow(sPos, n));
      if (!ArrayReads.loadLongs(row.getArray(ord), buf, n)) {
        return false;
      }
      for (int j = 1; j < n; j++) {
        if (buf[j] <= buf[j - 1]) {
          return false;
        }
      }
      return true;
    }

    /** The student's lists against the teacher's: same positions, at-teacher lists, tokens. */
    private int pairCode(ArrayData q) {
      int misaligned = PredictionInputs.MISALIGNED;
      ArrayData p = row.getArray(OnePass.P);
      int n = p.numElements();
      if (q.numElements() != n) {
        return misaligned;
      }
      if (shape.positions()) {
        for (int j = 0; j < n; j++) {
          if (tPos[j] != sPos[j]) {
            return misaligned;
          }
        }
      }
      if (shape.atTeacher()) {
        int code = atTeacherCode(n);
        if (code != Divergences.OK) {
          return code;
        }
      }
      int tTokOrd = base + T_TOK;
      int sTokOrd = base + S_TOK;
      if (!row.isNullAt(tTokOrd) && !row.isNullAt(sTokOrd)) {
        tTok = grow(tTok, n);
        sTok = grow(sTok, n);
        boolean tOk =
            ArrayReads.loadLongs(row.getArray(tTokOrd), shape.teacherTokensInt(), tTok, 0, n);
        boolean sOk =
            ArrayReads.loadLongs(row.getArray(sTokOrd), shape.studentTokensInt(), sTok, 0, n);
        if (!tOk || !sOk) {
          return misaligned;
        }
        for (int j = 0; j < n; j++) {
          if (tTok[j] != sTok[j]) {
            return PredictionInputs.TOKEN_MISMATCH;
          }
        }
      }
      return Divergences.OK;
    }

    /**
     * The student's log-probabilities at the teacher's ids, read into {@link #atLists} (aligned
     * with the teacher's lists) and checked position by position ({@link TopK#checkAtTeacher}); a
     * misaligned position counts after the checks of the positions before it.
     */
    private int atTeacherCode(int n) {
      int atOrd = base + S_AT;
      if (row.isNullAt(atOrd)) {
        return PredictionInputs.MISALIGNED;
      }
      ArrayData at = row.getArray(atOrd);
      if (at.numElements() != n) {
        return PredictionInputs.MISALIGNED;
      }
      atLists.reset(n);
      int read = 0;
      for (; read < n; read++) {
        int k = tLists.length(read);
        if (at.isNullAt(read) || at.getArray(read).numElements() != k) {
          break;
        }
        int from = atLists.add(k);
        ArrayReads.load(at.getArray(read), shape.atTeacherFloats(), atLists.lp(), from, k);
      }
      atLists.exponentiate(scratch.math());
      for (int j = 0; j < read; j++) {
        int code = TopK.checkAtTeacher(atLists, tLists, j, s.sumTolerance());
        if (code != Divergences.OK) {
          return code;
        }
      }
      return read < n ? PredictionInputs.MISALIGNED : Divergences.OK;
    }

    /** Adds the figures of a matched pair of usable sequences. */
    private void addSequence() {
      ArrayData p = row.getArray(OnePass.P);
      ArrayData q = row.getArray(OnePass.Q);
      int n = p.numElements();
      int key = topK ? TOPK_LENGTH : p.getArray(0).numElements();
      SequencePart part = parts.forPair(key);
      if (part == null) {
        return;
      }
      readSlices();
      SequencePart.Slice[] groups = part.slicesOf(sliceValues);
      ArrayData mask = shape.mask() ? row.getArray(base + T_MASK) : null;
      int counted = 0;
      double sum = 0;
      double max = 0;
      double tailSum = 0;
      long agreed = 0;
      int first = -1;
      for (int j = 0; j < n; j++) {
        if (mask != null && (mask.isNullAt(j) || !mask.getBoolean(j))) {
          continue;
        }
        int position = shape.positions() ? (int) tPos[j] : j;
        if (topK) {
          position(j);
        } else {
          dense(p.getArray(j), q.getArray(j));
        }
        double kl = out[TopK.KL];
        boolean agree = out[TopK.TEACHER_TOP1] == out[TopK.STUDENT_TOP1];
        long t1 = Double.isNaN(out[TopK.TEACHER_TOP1]) ? -1 : (long) out[TopK.TEACHER_TOP1];
        part.addPosition(position, kl, out[TopK.JS_LOW], agree, t1, fig, groups);
        if (shape.target()) {
          target(j, part, groups);
        }
        if (Double.isNaN(fig[SequencePart.TOP1_RANK]) && topK) {
          part.top1OutsideStudent++;
        }
        counted++;
        sum += kl;
        max = Math.max(max, kl);
        tailSum +=
            Double.isNaN(fig[SequencePart.TEACHER_TAIL]) ? 0 : fig[SequencePart.TEACHER_TAIL];
        if (agree) {
          agreed++;
        } else if (first < 0) {
          first = position;
          firstTokens[0] = t1;
          firstTokens[1] =
              Double.isNaN(out[TopK.STUDENT_TOP1]) ? -1 : (long) out[TopK.STUDENT_TOP1];
        }
      }
      part.maxTeacherK = Math.max(part.maxTeacherK, topK ? tLists.longest() : key);
      part.maxStudentK = Math.max(part.maxStudentK, topK ? sLists.longest() : key);
      part.addSequence(n, counted, sum, max, first, firstTokens, tailSum, agreed, groups, example);
    }

    /**
     * Position {@code j} of the current pair: {@link TopK#compute} on the lists read by the rule
     * checks into {@code out}, the figures into {@code fig}.
     */
    private void position(int j) {
      TopK.compute(
          tLists,
          sLists,
          shape.atTeacher() ? atLists : null,
          j,
          s.jsdBeta(),
          epsilon,
          scratch,
          out);
      fig[SequencePart.REVERSE_KL] = out[TopK.REVERSE_KL];
      fig[SequencePart.JSD] = out[TopK.JSD];
      fig[SequencePart.JS_HIGH] = out[TopK.JS_HIGH];
      fig[SequencePart.TV_LOW] = out[TopK.TV_LOW];
      fig[SequencePart.TV_HIGH] = out[TopK.TV_HIGH];
      fig[SequencePart.TEACHER_TAIL] = out[TopK.TEACHER_TAIL];
      fig[SequencePart.STUDENT_TAIL] = out[TopK.STUDENT_TAIL];
      fig[SequencePart.OVERLAP] = out[TopK.OVERLAP];
      fig[SequencePart.TEACHER_ENTROPY] = out[TopK.TEACHER_ENTROPY];
      fig[SequencePart.TOP1_RANK] = out[TopK.TOP1_RANK];
    }

    /**
     * Adds position {@code j}'s target figures: each side's log-probability of the target from its
     * target column, else from its list (the student's also from its log-probs at the teacher's
     * ids), else missing (NaN). A negative target id (an ignored label) is missing on both sides.
     * They go into the part over all positions and into the position's slice values, buckets and
     * token.
     */
    private void target(int j, SequencePart part, SequencePart.Slice[] groups) {
      long id = targets[j];
      double tLpTarget = Double.NaN;
      double sLpTarget = Double.NaN;
      if (id >= 0) {
        tLpTarget = shape.teacherTargetLp() ? tTargetLp[j] : listed(true, j, id);
        sLpTarget = shape.studentTargetLp() ? sTargetLp[j] : listed(false, j, id);
      }
      part.addTarget(
          known(tLpTarget),
          known(sLpTarget),
          out[TopK.TEACHER_TOP1] == id,
          out[TopK.STUDENT_TOP1] == id,
          groups);
    }

    /** A log-probability as a figure: NaN when not reported, not finite or a sentinel. */
    private static double known(double lp) {
      return lp > TopK.NOT_REPORTED && lp < Double.POSITIVE_INFINITY ? lp : Double.NaN;
    }

    /** One side's log-probability of {@code id} at position {@code j} from its list, or NaN. */
    private double listed(boolean teacher, int j, long id) {
      if (!topK) {
        double[] logs = teacher ? w.logP : w.logQ;
        return id < w.p.length && id < lastVocabulary ? logs[(int) id] : Double.NaN;
      }
      TopKLists lists = teacher ? tLists : sLists;
      int found = find(lists, j, id);
      if (found >= 0) {
        return lists.lp()[found];
      }
      if (!teacher && shape.atTeacher()) {
        found = find(tLists, j, id);
        if (found >= 0) {
          return atLists.lp()[found];
        }
      }
      return Double.NaN;
    }

    /** The index of {@code id} in position {@code j}'s list, or -1. */
    private static int find(TopKLists lists, int j, long id) {
      long[] ids = lists.ids();
      for (int i = lists.start(j), end = i + lists.length(j); i < end; i++) {
        if (ids[i] == id) {
          return i;
        }
      }
      return -1;
    }

    /**
     * One dense position: the exact metrics of {@link Divergences}, written into {@code out} at the
     * {@link TopK} indexes the caller reads, and the figures (exact: bounds equal the value).
     */
    private void dense(ArrayData pj, ArrayData qj) {
      int v = pj.numElements();
      lastVocabulary = v;
      w.ensure(v);
      ArrayReads.load(pj, shape.teacherFloats(), w.rawP, v);
      ArrayReads.load(qj, shape.studentFloats(), w.rawQ, v);
      Divergences.compute(
          w, v, s.teacherKind(), s.studentKind(), s.temperature(), s.logEpsilon(), false);
      double[] o = w.out;
      int t1 = (int) o[Divergences.TEACHER_TOP1];
      int rank = 1;
      double qt = w.q[t1];
      for (int c = 0; c < v; c++) {
        if (w.q[c] > qt) {
          rank++;
        }
      }
      out[TopK.KL] = o[Divergences.KL];
      out[TopK.JS_LOW] = o[Divergences.JS];
      out[TopK.TEACHER_TOP1] = t1;
      out[TopK.STUDENT_TOP1] = o[Divergences.STUDENT_TOP1];
      fig[SequencePart.REVERSE_KL] = o[Divergences.REVERSE_KL];
      fig[SequencePart.JSD] = jsd(v, s.jsdBeta(), o);
      fig[SequencePart.JS_HIGH] = o[Divergences.JS];
      fig[SequencePart.TV_LOW] = o[Divergences.TOTAL_VARIATION];
      fig[SequencePart.TV_HIGH] = o[Divergences.TOTAL_VARIATION];
      fig[SequencePart.TEACHER_TAIL] = 0;
      fig[SequencePart.STUDENT_TAIL] = 0;
      fig[SequencePart.OVERLAP] = Double.NaN;
      fig[SequencePart.TEACHER_ENTROPY] = o[Divergences.TEACHER_ENTROPY];
      fig[SequencePart.TOP1_RANK] = rank;
    }

    /** JSD(β) of the workspace's distributions (β = 0, 1: forward and reverse KL; 0.5: JS). */
    private double jsd(int v, double beta, double[] o) {
      if (beta == 0) {
        return o[Divergences.KL];
      }
      if (beta == 1) {
        return o[Divergences.REVERSE_KL];
      }
      if (beta == 0.5) {
        return o[Divergences.JS];
      }
      double sum = 0;
      for (int c = 0; c < v; c++) {
        double pc = w.p[c];
        double qc = w.q[c];
        double m = beta * pc + (1 - beta) * qc;
        if (pc > 0) {
          sum += beta * pc * Math.log(pc / m);
        }
        if (qc > 0) {
          sum += (1 - beta) * qc * Math.log(qc / m);
        }
      }
      return sum;
    }

    private long[] grow(long[] a, int n) {
      return a.length >= n ? a : new long[Math.max(n, 2 * a.length)];
    }

    private double[] growDoubles(double[] a, int n) {
      return a.length >= n ? a : new double[Math.max(n, 2 * a.length)];
    }
  }
}
