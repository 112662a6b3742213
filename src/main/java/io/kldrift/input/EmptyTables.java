package io.kldrift.input;

import io.kldrift.config.DriftConfig;
import java.util.ArrayList;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Empty tables for folders that exist but hold no data files (a night without predictions), so that
 * such a night gives the documented valid report with INSUFFICIENT_DATA instead of Spark's "unable
 * to infer schema".
 */
final class EmptyTables {
  private EmptyTables() {}

  /** Whether {@code e} is Spark failing to infer a schema for an existing folder without data. */
  static boolean isEmptyFolder(SparkSession spark, String path, Exception e) {
    if (!String.valueOf(e.getMessage()).contains("UNABLE_TO_INFER_SCHEMA")) {
      return false;
    }
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    } catch (java.io.IOException io) {
      return false;
    }
  }

  /**
   * Whether {@code e} is Spark not finding a partition of an existing table: a Hive-style partition
   * folder ({@code .../dt=2026-12-02}) or a glob that matches nothing, under a folder that exists.
   * A missing plain path is more likely a typo and stays an error.
   */
  static boolean isMissingPartition(SparkSession spark, String path, Exception e) {
    if (!String.valueOf(e.getMessage()).contains("PATH_NOT_FOUND")) {
      return false;
    }
    try {
      Path p = new Path(path);
      String name = p.getName();
      boolean partition = name.contains("=") || isGlob(name);
      Path parent = p.getParent();
      if (!partition || parent == null || isGlob(parent.toString())) {
        return false;
      }
      FileSystem fs = parent.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return fs.exists(parent) && fs.getFileStatus(parent).isDirectory();
    } catch (java.io.IOException | IllegalArgumentException io) {
      return false;
    }
  }

  private static boolean isGlob(String s) {
    return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  /**
   * An empty table with the configured key, distribution and (teacher) slice columns, typed as in
   * {@code like} (the other side's schema) when it has them, else keys and slices as strings and
   * the distribution as {@code array<double>}.
   */
  static org.apache.spark.sql.Dataset<Row> of(
      SparkSession spark, DriftConfig config, StructType like, boolean teacher) {
    StructType st = new StructType();
    for (String k : config.get(DriftConfig.KEY_COLUMNS)) {
      st = st.add(k, typeOf(like, k, DataTypes.StringType));
    }
    String column = config.get(teacher ? DriftConfig.TEACHER_COLUMN : DriftConfig.STUDENT_COLUMN);
    String otherColumn =
        config.get(teacher ? DriftConfig.STUDENT_COLUMN : DriftConfig.TEACHER_COLUMN);
    st = st.add(column, typeOf(like, otherColumn, DataTypes.createArrayType(DataTypes.DoubleType)));
    if (teacher) {
      for (String sc : config.get(DriftConfig.SLICE_COLUMNS)) {
        st = st.add(sc, DataTypes.StringType);
      }
    }
    return spark.createDataFrame(new ArrayList<Row>(), st);
  }

  private static DataType typeOf(StructType like, String column, DataType otherwise) {
    return like != null && like.getFieldIndex(column).isDefined()
        ? like.apply(column).dataType()
        : otherwise;
  }
}
