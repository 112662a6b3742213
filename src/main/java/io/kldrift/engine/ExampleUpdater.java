package io.kldrift.engine;

import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Workspace;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The update of the drift state in the example layout: per row it applies the row rules to each
 * side (in the rules' order), and for a matched pair of usable vectors of one length runs the fused
 * kernel once and adds every figure to the {@link ExamplePart} of that length.
 */
final class ExampleUpdater extends Updater {
  private static final long serialVersionUID = 1L;

  private final boolean teacherFloats;
  private final boolean studentFloats;

  ExampleUpdater(
      StateHeader header, boolean teacherFloats, boolean studentFloats, StructType exampleSchema) {
    super(header, exampleSchema);
    this.teacherFloats = teacherFloats;
    this.studentFloats = studentFloats;
  }

  @Override
  Pass newPass() {
    return new ExamplePass();
  }

  /** One partition's pass with the kernel's buffers. */
  private final class ExamplePass extends Pass {
    final Parts<ExamplePart> parts = state.parts(ExampleLayout.INSTANCE);
    final Workspace w = new Workspace();

    @Override
    void update(InternalRow r) {
      row = r;
      boolean tIn = r.getBoolean(OnePass.T_PRESENT);
      boolean sIn = r.getBoolean(OnePass.S_PRESENT);
      int tLen = tIn ? vectorLength(r, OnePass.P) : -1;
      int sLen = sIn ? vectorLength(r, OnePass.Q) : -1;
      w.ensure(Math.max(tLen, sLen));
      int t = tIn ? judge(state.teacher, OnePass.T_COPIES, OnePass.T_NULL_KEY, OnePass.P) : -1;
      int q = sIn ? judge(state.student, OnePass.S_COPIES, OnePass.S_NULL_KEY, OnePass.Q) : -1;
      if (t < 0 || q < 0 || t != q) {
        return;
      }
      ExamplePart part = parts.forPair(t);
      if (part == null) {
        return;
      }
      Divergences.compute(
          w, t, s.teacherKind(), s.studentKind(), s.temperature(), s.logEpsilon(), true);
      Integer label = s.hasLabel() && !r.isNullAt(OnePass.LABEL) ? r.getInt(OnePass.LABEL) : null;
      readSlices();
      part.add(w, label, sliceValues, example);
    }

    private int vectorLength(InternalRow r, int ordinal) {
      return r.isNullAt(ordinal) ? -1 : r.getArray(ordinal).numElements();
    }

    /**
     * Judges one side of the row: counts it under the first rule it breaks (or as valid, by length)
     * and loads its vector into the workspace. Returns the vector length when the vector is usable
     * (valid, or renormalized under that policy), -1 otherwise.
     */
    private int judge(SideCounts side, int copiesOrd, int nullKeyOrd, int vectorOrd) {
      int len = listLength(side, copiesOrd, nullKeyOrd, vectorOrd);
      if (len < 0) {
        return -1;
      }
      boolean teacher = vectorOrd == OnePass.P;
      double[] raw = teacher ? w.rawP : w.rawQ;
      ArrayReads.load(row.getArray(vectorOrd), teacher ? teacherFloats : studentFloats, raw, len);
      Divergences.Kind kind = teacher ? s.teacherKind() : s.studentKind();
      int code = Divergences.check(raw, len, kind, s.sumTolerance(), s.renormalizeBound());
      if (count(side, len, code)) {
        return len;
      }
      if (code == Divergences.NOT_NORMALIZED && s.renormalize()) {
        Divergences.renormalize(raw, len, kind, raw);
        return len;
      }
      return -1;
    }
  }
}
