package io.kldrift.engine;

import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Workspace;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The update of the drift state: one partition of the joined rows (the ordinals of {@link OnePass})
 * in, one serialized state out. Per row it applies the row rules to each side (in the rules'
 * order), and for a matched pair of usable vectors of one length runs the fused kernel once and
 * adds every figure to the state. Rows are Spark's internal rows: arrays are read in place, without
 * boxing.
 */
final class StateUpdater implements FlatMapFunction<Iterator<InternalRow>, byte[]>, Serializable {
  private static final long serialVersionUID = 1L;

  private final StateHeader header;
  private final boolean teacherFloats;
  private final boolean studentFloats;
  private final StructType exampleSchema;
  private final int keyCount;

  StateUpdater(
      StateHeader header, boolean teacherFloats, boolean studentFloats, StructType exampleSchema) {
    this.header = header;
    this.teacherFloats = teacherFloats;
    this.studentFloats = studentFloats;
    this.exampleSchema = exampleSchema;
    this.keyCount = header.keyColumns().size();
  }

  @Override
  public Iterator<byte[]> call(Iterator<InternalRow> rows) throws InterruptedException {
    Pass p = new Pass();
    while (rows.hasNext()) {
      p.update(rows.next());
    }
    return List.of(p.state.bytes()).iterator();
  }

  /** One partition's pass: the state, the kernel's buffers and the row being read. */
  private final class Pass {
    final DriftState state = new DriftState(header);
    final StateSettings s = state.settings;
    final Workspace w = new Workspace();
    final int slices = header.sliceColumns().size();
    final String[] sliceValues = new String[slices];
    final RowJson ids = new RowJson(exampleSchema, keyCount);
    InternalRow row;
    final Supplier<String> example = this::exampleJson;

    void update(InternalRow r) {
      row = r;
      boolean tIn = r.getBoolean(OnePass.T_PRESENT);
      boolean sIn = r.getBoolean(OnePass.S_PRESENT);
      int tLen = tIn ? vectorLength(r, OnePass.P) : -1;
      int sLen = sIn ? vectorLength(r, OnePass.Q) : -1;
      w.ensure(Math.max(tLen, sLen));
      int t =
          tIn ? judge(state.teacher, OnePass.T_COPIES, OnePass.T_NULL_KEY, OnePass.P, tLen) : -1;
      int q =
          sIn ? judge(state.student, OnePass.S_COPIES, OnePass.S_NULL_KEY, OnePass.Q, sLen) : -1;
      if (t < 0 || q < 0 || t != q) {
        return;
      }
      Part part = state.part(t);
      if (part == null) {
        state.overflow.merge(t, 1L, Long::sum);
        return;
      }
      Divergences.compute(
          w, t, s.teacherKind(), s.studentKind(), s.temperature(), s.logEpsilon(), true);
      Integer label = s.hasLabel() && !r.isNullAt(OnePass.LABEL) ? r.getInt(OnePass.LABEL) : null;
      int sliceBase = OnePass.KEYS + keyCount + slices;
      for (int i = 0; i < slices; i++) {
        int o = sliceBase + i;
        sliceValues[i] = r.isNullAt(o) ? null : r.getUTF8String(o).toString();
      }
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
    private int judge(SideCounts side, int copiesOrd, int nullKeyOrd, int vectorOrd, int len) {
      side.rows++;
      if (row.getBoolean(nullKeyOrd)) {
        side.fixedRule(SideCounts.NULL_KEY, null);
        return -1;
      }
      long copies = row.getLong(copiesOrd);
      if (copies > 1) {
        side.duplicate(copies, keyJson());
        return -1;
      }
      if (len < 0) {
        side.fixedRule(SideCounts.NULL_VECTOR, keyJson());
        return -1;
      }
      if (len == 0) {
        side.fixedRule(SideCounts.EMPTY, keyJson());
        return -1;
      }
      boolean teacher = vectorOrd == OnePass.P;
      double[] raw = teacher ? w.rawP : w.rawQ;
      ArrayReads.load(row.getArray(vectorOrd), teacher ? teacherFloats : studentFloats, raw, len);
      io.kldrift.kernel.Divergences.Kind kind = teacher ? s.teacherKind() : s.studentKind();
      int code = Divergences.check(raw, len, kind, s.sumTolerance(), s.renormalizeBound());
      SideCounts.ByLength b = side.length(len);
      b.codes[code]++;
      if (code == Divergences.OK) {
        // Valid rows need an example only when their length turns out wrong: one per partition
        // and length is enough (merges keep the smallest), and costs nothing per row.
        if (b.examples[code] == null) {
          b.examples[code] = keyJson();
        }
        return len;
      }
      b.examples[code] = SideCounts.smaller(b.examples[code], keyJson());
      if (code == Divergences.NOT_NORMALIZED && s.renormalize()) {
        Divergences.renormalize(raw, len, kind, raw);
        return len;
      }
      return -1;
    }

    private String keyJson() {
      return ids.key(row);
    }

    private String exampleJson() {
      return ids.example(row);
    }
  }
}
