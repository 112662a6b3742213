package io.kldrift.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

/**
 * The identity of a joined row as JSON, e.g. {@code {"example_id":3}}: its key columns (an example
 * key in row-rule messages) or its key and slice columns (a worst example). Built only when needed,
 * so it costs nothing per row.
 */
final class RowJson {
  private final StructType exampleSchema;
  private final int keyCount;
  private final Function1<Object, Object>[] converters;

  @SuppressWarnings("unchecked")
  RowJson(StructType exampleSchema, int keyCount) {
    this.exampleSchema = exampleSchema;
    this.keyCount = keyCount;
    List<Function1<Object, Object>> l = new ArrayList<>();
    for (var f : exampleSchema.fields()) {
      l.add(CatalystTypeConverters.createToScalaConverter(f.dataType()));
    }
    this.converters = l.toArray(new Function1[0]);
  }

  /** The key columns of {@code row} (read from ordinal {@link OnePass#KEYS}). */
  String key(InternalRow row) {
    return json(row, keyCount);
  }

  /** The key and slice columns of {@code row}. */
  String example(InternalRow row) {
    return json(row, exampleSchema.size());
  }

  private String json(InternalRow row, int fields) {
    Object[] values = new Object[fields];
    for (int i = 0; i < fields; i++) {
      int o = OnePass.KEYS + i;
      DataType t = exampleSchema.fields()[i].dataType();
      values[i] = row.isNullAt(o) ? null : converters[i].apply(row.get(o, t));
    }
    StructType schema =
        fields == exampleSchema.size()
            ? exampleSchema
            : new StructType(Arrays.copyOf(exampleSchema.fields(), fields));
    Row r = new GenericRowWithSchema(values, schema);
    return r.json();
  }
}
