package io.kldrift.input;

import static org.apache.spark.sql.functions.col;

import io.kldrift.config.DriftConfig;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The key columns of both tables, made joinable before any scan. Keys whose types differ only as
 * Spark would widen them in a comparison (integers of different widths, a string beside a
 * char/varchar) are cast to the wider type on the side that needs it: Spark ML writes {@code id} as
 * int where a feature store keeps bigint, and the same keys should join. Any other difference is an
 * error.
 */
final class KeyTypes {
  private KeyTypes() {}

  /** The two tables after widening. */
  record Tables(Dataset<Row> teacher, Dataset<Row> student) {}

  /** Both tables with their key columns of one type; throws when that type cannot be found. */
  static Tables widen(Dataset<Row> teacher, Dataset<Row> student, List<String> keys) {
    Dataset<Row> t = teacher;
    Dataset<Row> s = student;
    for (String k : keys) {
      DataType tk = type(teacher.schema(), "teacher", k);
      DataType sk = type(student.schema(), "student", k);
      if (tk.equals(sk)) {
        continue;
      }
      DataType wide = wider(tk, sk);
      if (wide == null) {
        throw InputErrors.keyTypeMismatch(k, tk, sk);
      }
      if (!wide.equals(tk)) {
        t = t.withColumn(k, col(k).cast(wide));
      }
      if (!wide.equals(sk)) {
        s = s.withColumn(k, col(k).cast(wide));
      }
    }
    return new Tables(t, s);
  }

  private static DataType type(StructType schema, String side, String key) {
    return PredictionInputs.require(schema, side, key, "key column", DriftConfig.KEY_COLUMNS.key())
        .dataType();
  }

  /** The type both keys widen to, or null when Spark would not compare them as they are. */
  static DataType wider(DataType a, DataType b) {
    int ia = integerRank(a);
    int ib = integerRank(b);
    if (ia >= 0 && ib >= 0) {
      return ia >= ib ? a : b;
    }
    if (isString(a) && isString(b)) {
      return DataTypes.StringType;
    }
    return null;
  }

  private static int integerRank(DataType t) {
    List<DataType> widths =
        List.of(DataTypes.ByteType, DataTypes.ShortType, DataTypes.IntegerType, DataTypes.LongType);
    return widths.indexOf(t);
  }

  private static boolean isString(DataType t) {
    return t.equals(DataTypes.StringType)
        || t instanceof org.apache.spark.sql.types.VarcharType
        || t instanceof org.apache.spark.sql.types.CharType;
  }
}
