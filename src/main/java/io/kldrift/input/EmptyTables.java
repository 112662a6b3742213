package io.kldrift.input;

import io.kldrift.config.DriftConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
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
   * An empty table with the configured key, distribution and (teacher) slice columns, and in the
   * sequence layout its other configured columns, typed as in {@code like} (the other side's
   * schema) when it has them, else keys and slices as strings and the distribution as {@code
   * array<double>} (per sequence {@code array<array<double>>}).
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
    boolean sequence = config.layout() == io.kldrift.config.Layout.SEQUENCE;
    boolean perToken = sequence && !config.get(DriftConfig.POSITION_COLUMN).isEmpty();
    DataType perPosition = DataTypes.createArrayType(DataTypes.DoubleType);
    if (sequence && listsCarryIds(config, teacher)) {
      // top-k without an ids column: the vLLM/OpenAI shape, each entry a struct of id and log-prob
      perPosition =
          DataTypes.createArrayType(
              new StructType()
                  .add("token_id", DataTypes.LongType)
                  .add("logprob", DataTypes.DoubleType));
    }
    DataType values = sequence && !perToken ? nested(perPosition) : perPosition;
    st = st.add(column, typeOf(like, otherColumn, values));
    if (sequence) {
      st = sequenceColumns(st, config, like, teacher, perToken);
    }
    if (teacher) {
      for (String sc : config.get(DriftConfig.SLICE_COLUMNS)) {
        st = st.add(sc, DataTypes.StringType);
      }
    }
    return spark.createDataFrame(new ArrayList<Row>(), st);
  }

  /**
   * The sequence layout's other configured columns of one side (ids, mask, token and target ids,
   * target log-probabilities, at-teacher log-probabilities, position), typed like the other side's
   * columns of the same name, else in the shape the configuration names: one row per sequence
   * (arrays over positions) or, with {@code input.position_column}, one row per token.
   */
  private static StructType sequenceColumns(
      StructType st, DriftConfig config, StructType like, boolean teacher, boolean perToken) {
    DataType ids = DataTypes.createArrayType(DataTypes.LongType);
    DataType lps = DataTypes.createArrayType(DataTypes.DoubleType);
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put(
        config.get(teacher ? DriftConfig.TEACHER_IDS_COLUMN : DriftConfig.STUDENT_IDS_COLUMN), ids);
    if (teacher) {
      columns.put(config.get(DriftConfig.MASK_COLUMN), DataTypes.BooleanType);
      columns.put(config.get(DriftConfig.TOKEN_IDS_COLUMN), DataTypes.LongType);
      columns.put(config.get(DriftConfig.TARGET_IDS_COLUMN), DataTypes.LongType);
      columns.put(config.get(DriftConfig.TEACHER_TARGET_LOGPROB_COLUMN), DataTypes.DoubleType);
    } else {
      columns.put(config.get(DriftConfig.AT_TEACHER_COLUMN), lps);
      columns.put(config.get(DriftConfig.STUDENT_TARGET_LOGPROB_COLUMN), DataTypes.DoubleType);
    }
    for (Map.Entry<String, DataType> c : columns.entrySet()) {
      if (!c.getKey().isEmpty() && st.getFieldIndex(c.getKey()).isEmpty()) {
        DataType t = perToken ? c.getValue() : nested(c.getValue());
        st = st.add(c.getKey(), typeOf(like, c.getKey(), t));
      }
    }
    String position = config.get(DriftConfig.POSITION_COLUMN);
    if (perToken && st.getFieldIndex(position).isEmpty()) {
      st = st.add(position, typeOf(like, position, DataTypes.LongType));
    }
    return st;
  }

  /** Whether a top-k side names no ids column, so its entries are structs of id and log-prob. */
  private static boolean listsCarryIds(DriftConfig config, boolean teacher) {
    return config.get(teacher ? DriftConfig.TEACHER_KIND : DriftConfig.STUDENT_KIND)
            == io.kldrift.kernel.Divergences.Kind.TOPK_LOG_PROBS
        && config
            .get(teacher ? DriftConfig.TEACHER_IDS_COLUMN : DriftConfig.STUDENT_IDS_COLUMN)
            .isEmpty();
  }

  private static DataType nested(DataType perPosition) {
    return DataTypes.createArrayType(perPosition);
  }

  private static DataType typeOf(StructType like, String column, DataType otherwise) {
    return like != null && like.getFieldIndex(column).isDefined()
        ? like.apply(column).dataType()
        : otherwise;
  }
}
