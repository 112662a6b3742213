package io.kldrift.engine;

import io.kldrift.kernel.Divergences;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The update of the drift state: one partition of the joined rows (the ordinals of {@link OnePass})
 * in, its state out. Each layout's pass judges both sides of a row by the row rules (the rules
 * every layout shares are here) and adds a matched pair of usable sides to its part. Rows are
 * Spark's internal rows: arrays are read in place, without boxing.
 */
abstract class Updater
    implements FlatMapFunction<Iterator<InternalRow>, ShippedState>, Serializable {
  private static final long serialVersionUID = 1L;

  final StateHeader header;
  final StructType exampleSchema;
  final int keyCount;

  Updater(StateHeader header, StructType exampleSchema) {
    this.header = header;
    this.exampleSchema = exampleSchema;
    this.keyCount = header.keyColumns().size();
  }

  @Override
  public Iterator<ShippedState> call(Iterator<InternalRow> rows) {
    Pass p = newPass();
    while (rows.hasNext()) {
      p.update(rows.next());
    }
    return List.of(new ShippedState(p.state)).iterator();
  }

  /** A new pass over one partition. */
  abstract Pass newPass();

  /** One partition's pass: the state, the row being read and its slice values. */
  abstract class Pass {
    final DriftState state = new DriftState(header);
    final StateSettings s = state.settings;
    final int slices = header.sliceColumns().size();
    final String[] sliceValues = new String[slices];
    final RowJson ids = new RowJson(exampleSchema, keyCount);
    InternalRow row;
    final Supplier<String> example = () -> ids.example(row);

    /** Judges both sides of the joined row {@code r} and adds a matched usable pair. */
    abstract void update(InternalRow r);

    /**
     * Counts one side of the row under the first of the rules null key, duplicate key, null and
     * empty list that it breaks. Returns the list's length when it breaks none, -1 otherwise.
     */
    int listLength(SideCounts side, int copiesOrd, int nullKeyOrd, int listOrd) {
      side.rows++;
      if (row.getBoolean(nullKeyOrd)) {
        side.fixedRule(SideCounts.NULL_KEY, null);
        return -1;
      }
      long copies = row.getLong(copiesOrd);
      if (copies > 1) {
        side.duplicate(copies, ids.key(row));
        return -1;
      }
      if (row.isNullAt(listOrd)) {
        side.fixedRule(SideCounts.NULL_VECTOR, ids.key(row));
        return -1;
      }
      int length = row.getArray(listOrd).numElements();
      if (length == 0) {
        side.fixedRule(SideCounts.EMPTY, ids.key(row));
        return -1;
      }
      return length;
    }

    /**
     * Counts one side of the row under its check code, by list length {@code length}, with an
     * example key; returns whether the side is valid.
     */
    boolean count(SideCounts side, int length, int code) {
      SideCounts.ByLength b = side.length(length);
      b.codes[code]++;
      if (code == Divergences.OK) {
        // Valid rows need an example only when their length turns out wrong: one per partition
        // and length is enough (merges keep the smallest), and costs nothing per row.
        if (b.examples[code] == null) {
          b.examples[code] = ids.key(row);
        }
        return true;
      }
      b.examples[code] = SideCounts.smaller(b.examples[code], ids.key(row));
      return false;
    }

    /** Reads the row's slice values as text into {@link #sliceValues} (null for a null value). */
    void readSlices() {
      int sliceBase = OnePass.KEYS + keyCount + slices;
      for (int i = 0; i < slices; i++) {
        int o = sliceBase + i;
        sliceValues[i] = row.isNullAt(o) ? null : row.getUTF8String(o).toString();
      }
    }
  }
}
