package io.kldrift.engine;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.Platform;

/**
 * Reads Spark's internal arrays into primitive buffers without boxing: Spark's own layout (a count,
 * a null bitmap, then the elements) is read in place when it has no nulls.
 */
final class ArrayReads {
  private ArrayReads() {}

  /** Whether the innermost element type of {@code column} is float (else double). */
  static boolean floats(Dataset<Row> df, String column) {
    return innermost(df, column) == DataTypes.FloatType;
  }

  /** Whether the innermost element type of {@code column} is int (else long). */
  static boolean ints(Dataset<Row> df, String column) {
    return innermost(df, column) == DataTypes.IntegerType;
  }

  private static DataType innermost(Dataset<Row> df, String column) {
    DataType t = df.schema().apply(column).dataType();
    while (t instanceof ArrayType a) {
      t = a.elementType();
    }
    return t;
  }

  /** Copies {@code n} float or double elements as doubles; a null element reads as NaN. */
  static void load(ArrayData a, boolean floats, double[] into, int n) {
    if (a instanceof UnsafeArrayData u && !anyNull(u, n)) {
      Object base = u.getBaseObject();
      long data = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      if (floats) {
        for (int i = 0; i < n; i++) {
          into[i] = Platform.getFloat(base, data + 4L * i);
        }
      } else {
        for (int i = 0; i < n; i++) {
          into[i] = Platform.getDouble(base, data + 8L * i);
        }
      }
      return;
    }
    if (floats) {
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
   * Copies {@code n} int ({@code ints}) or long elements into {@code into} from {@code offset};
   * returns false when one is null.
   */
  static boolean loadLongs(ArrayData a, boolean ints, long[] into, int offset, int n) {
    if (!ints && offset == 0) {
      return loadLongs(a, into, n);
    }
    if (a instanceof UnsafeArrayData u) {
      if (anyNull(u, n)) {
        return false;
      }
      Object base = u.getBaseObject();
      long data = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      if (ints) {
        for (int i = 0; i < n; i++) {
          into[offset + i] = Platform.getInt(base, data + 4L * i);
        }
      } else {
        for (int i = 0; i < n; i++) {
          into[offset + i] = Platform.getLong(base, data + 8L * i);
        }
      }
      return true;
    }
    for (int i = 0; i < n; i++) {
      if (a.isNullAt(i)) {
        return false;
      }
      into[offset + i] = ints ? a.getInt(i) : a.getLong(i);
    }
    return true;
  }

  /** Copies {@code n} float or double elements as doubles into {@code into} from {@code offset}. */
  static void load(ArrayData a, boolean floats, double[] into, int offset, int n) {
    if (offset == 0) {
      load(a, floats, into, n);
      return;
    }
    if (a instanceof UnsafeArrayData u && !anyNull(u, n)) {
      Object base = u.getBaseObject();
      long data = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      for (int i = 0; i < n; i++) {
        into[offset + i] =
            floats
                ? Platform.getFloat(base, data + 4L * i)
                : Platform.getDouble(base, data + 8L * i);
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      into[offset + i] = a.isNullAt(i) ? Double.NaN : floats ? a.getFloat(i) : a.getDouble(i);
    }
  }

  /** Copies {@code n} long elements; returns false when one is null. */
  static boolean loadLongs(ArrayData a, long[] into, int n) {
    if (a instanceof UnsafeArrayData u) {
      if (anyNull(u, n)) {
        return false;
      }
      Object base = u.getBaseObject();
      long data = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
      for (int i = 0; i < n; i++) {
        into[i] = Platform.getLong(base, data + 8L * i);
      }
      return true;
    }
    for (int i = 0; i < n; i++) {
      if (a.isNullAt(i)) {
        return false;
      }
      into[i] = a.getLong(i);
    }
    return true;
  }

  /** Whether the array's null bitmap (the 8-byte words after its count) has any bit set. */
  static boolean anyNull(UnsafeArrayData u, int n) {
    Object base = u.getBaseObject();
    long bits = u.getBaseOffset() + 8;
    for (int w = 0; w < (n + 63) / 64; w++) {
      if (Platform.getLong(base, bits + 8L * w) != 0) {
        return true;
      }
    }
    return false;
  }
}
