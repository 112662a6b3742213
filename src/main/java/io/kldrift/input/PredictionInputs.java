package io.kldrift.input;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import io.kldrift.DriftConfig;
import io.kldrift.DriftException;
import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the teacher and student tables and enforces the input contract (DESIGN §1): the schema
 * first, without scanning, then the row rules in one scan per table. Any violation is a {@link
 * DriftException} naming the table, column, rule and an example key.
 */
public final class PredictionInputs {

  /** Internal names of the distribution columns after reading. */
  public static final String TEACHER = "__kd_p", STUDENT = "__kd_q", LABEL = "__kd_label";

  /**
   * Both tables, checked and reduced to the columns the job needs: the keys, {@link #TEACHER} or
   * {@link #STUDENT}, and on the teacher side the label ({@link #LABEL}) and slice columns.
   */
  public record Checked(
      Dataset<Row> teacher,
      Dataset<Row> student,
      long teacherRows,
      long studentRows,
      int numClasses,
      boolean hasLabel,
      List<String> sliceColumns) {}

  private PredictionInputs() {}

  /** Reads both tables named by the configuration and checks them. */
  public static Checked read(SparkSession spark, DriftConfig config) {
    Dataset<Row> t = load(spark, config, "teacher", config.get(DriftConfig.TEACHER_PATH));
    Dataset<Row> s = load(spark, config, "student", config.get(DriftConfig.STUDENT_PATH));
    return check(t, s, config);
  }

  /** Checks two tables that are already loaded (notebooks); see {@link #read}. */
  public static Checked check(Dataset<Row> teacher, Dataset<Row> student, DriftConfig config) {
    List<String> keys = config.get(DriftConfig.KEY_COLUMNS);
    String tCol = config.get(DriftConfig.TEACHER_COLUMN);
    String sCol = config.get(DriftConfig.STUDENT_COLUMN);
    StructType ts = teacher.schema();
    StructType ss = student.schema();

    for (String k : keys) {
      DataType tk = require(ts, "teacher", k, "key column", DriftConfig.KEY_COLUMNS.key()).dataType();
      DataType sk = require(ss, "student", k, "key column", DriftConfig.KEY_COLUMNS.key()).dataType();
      if (!tk.equals(sk)) {
        throw DriftException.invalidInput(
            "key column '" + k + "' has type " + tk.simpleString() + " in the teacher table but "
                + sk.simpleString() + " in the student table",
            "cast one side so both keys have the same type");
      }
      if (!orderable(tk)) {
        throw DriftException.invalidInput(
            "key column '" + k + "' has type " + tk.simpleString() + ", which cannot be joined on",
            "use an integer, string, date or other atomic column as the key");
      }
    }
    checkDistribution(ts, "teacher", tCol, DriftConfig.TEACHER_COLUMN.key());
    checkDistribution(ss, "student", sCol, DriftConfig.STUDENT_COLUMN.key());

    String label = config.get(DriftConfig.LABEL_COLUMN);
    boolean hasLabel = !label.isEmpty() && ts.getFieldIndex(label).isDefined();
    if (hasLabel) {
      DataType lt = ts.apply(label).dataType();
      if (!(lt == DataTypes.IntegerType || lt == DataTypes.LongType || lt == DataTypes.ShortType
          || lt == DataTypes.ByteType)) {
        throw DriftException.invalidInput(
            "teacher table, label column '" + label + "' has type " + lt.simpleString()
                + ", expected an integer class index",
            "store the label as the 0-based class index, or set input.label_column= (empty) to ignore it");
      }
    }
    List<String> slices = config.get(DriftConfig.SLICE_COLUMNS);
    for (String sc : slices) {
      require(ts, "teacher", sc, "slice column", DriftConfig.SLICE_COLUMNS.key());
    }

    List<Column> tSel = new ArrayList<>();
    keys.forEach(k -> tSel.add(col(k)));
    tSel.add(asArray(ts, tCol).as(TEACHER));
    if (hasLabel) {
      tSel.add(col(label).cast(DataTypes.IntegerType).as(LABEL));
    }
    slices.forEach(sc -> tSel.add(col(sc)));
    Dataset<Row> t = teacher.select(tSel.toArray(Column[]::new));
    List<Column> sSel = new ArrayList<>();
    keys.forEach(k -> sSel.add(col(k)));
    sSel.add(asArray(ss, sCol).as(STUDENT));
    Dataset<Row> s = student.select(sSel.toArray(Column[]::new));

    double tol = config.get(DriftConfig.SUM_TOLERANCE);
    long[] tStats = checkRows(t, TEACHER, "teacher", tCol, config.get(DriftConfig.TEACHER_KIND), keys, -1, tol);
    long[] sStats =
        checkRows(s, STUDENT, "student", sCol, config.get(DriftConfig.STUDENT_KIND), keys, (int) tStats[1], tol);
    List<String> names = config.get(DriftConfig.CLASS_NAMES);
    // An empty table is a valid input (its report says INSUFFICIENT_DATA); the class count then
    // comes from the other table, or from the configured names when both are empty.
    int numClasses = (int) (tStats[1] >= 0 ? tStats[1] : sStats[1] >= 0 ? sStats[1] : names.size());
    if (!names.isEmpty() && names.size() != numClasses) {
      throw DriftException.invalidConfig(
          names.size() + " class names are configured but the teacher vectors have " + numClasses
              + " classes",
          "list exactly one name per class in input.class_names or input.class_names_file");
    }
    return new Checked(t, s, tStats[0], sStats[0], numClasses, hasLabel, slices);
  }

  private static Dataset<Row> load(SparkSession spark, DriftConfig config, String side, String path) {
    if (path.isEmpty()) {
      throw DriftException.invalidConfig(
          "no " + side + " input given", "pass --" + side + " PATH or set input." + side + ".path");
    }
    try {
      if (config.get(DriftConfig.INPUT_FORMAT).equals("table")) {
        return spark.table(path);
      }
      return spark.read().parquet(path);
    } catch (Exception e) {
      // Spark reports a missing path or table as an AnalysisException, a checked exception that
      // Scala throws undeclared.
      throw DriftException.invalidInput(
          side + " table cannot be read from '" + path + "': " + e.getMessage(),
          "check that the path exists and holds Parquet files (or that the table exists)");
    }
  }

  private static StructField require(StructType schema, String side, String column, String role, String key) {
    if (schema.getFieldIndex(column).isEmpty()) {
      throw DriftException.invalidInput(
          side + " table has no " + role + " '" + column + "' (columns: "
              + String.join(", ", schema.fieldNames()) + ")",
          "set " + key + " to the right column, or add the column to the " + side + " table");
    }
    return schema.apply(column);
  }

  private static void checkDistribution(StructType schema, String side, String column, String key) {
    DataType t = require(schema, side, column, "distribution column", key).dataType();
    boolean ok =
        t.equals(SQLDataTypes.VectorType())
            || (t instanceof ArrayType a
                && (a.elementType() == DataTypes.FloatType || a.elementType() == DataTypes.DoubleType));
    if (!ok) {
      throw DriftException.invalidInput(
          side + " table, column '" + column + "' has type " + t.simpleString()
              + ", expected array<float>, array<double> or an ML Vector",
          "write the distribution as one of those types, or set " + key + " to the right column");
    }
  }

  private static Column asArray(StructType schema, String column) {
    if (schema.apply(column).dataType().equals(SQLDataTypes.VectorType())) {
      return org.apache.spark.ml.functions.vector_to_array(col(column), "float64");
    }
    return col(column);
  }

  private static boolean orderable(DataType t) {
    return !(t instanceof ArrayType
        || t instanceof StructType
        || t instanceof org.apache.spark.sql.types.MapType
        || t instanceof org.apache.spark.sql.types.BinaryType);
  }

  /** The row rules, in the order they are reported. */
  private static final String[] RULES = {"null_vector", "empty_vector", "not_finite", "negative_probability", "not_normalized"};

  private static final String[] RULE_TEXT = {
    "have a null distribution vector",
    "have an empty distribution vector",
    "contain NaN or infinite values",
    "contain a negative probability",
    "have probabilities that do not sum to 1 within validate.sum_tolerance"
  };

  private static final String[] RULE_FIX = {
    "drop or repair these rows upstream",
    "drop or repair these rows upstream",
    "fix the model export; NaN usually means a numerical overflow in the model",
    "check that the column holds probabilities and not logits (input.*.kind=logits)",
    "normalize the vectors, raise validate.sum_tolerance, or set input.*.kind if they are logits or log-probabilities"
  };

  /**
   * Checks the row rules of one table in one pass and returns its row count and vector length.
   * {@code expectedLength} is the teacher's length when checking the student, -1 for the teacher,
   * whose vectors must all have one length.
   */
  private static long[] checkRows(
      Dataset<Row> df, String column, String side, String userColumn, Kind kind, List<String> keys,
      int expectedLength, double tol) {
    // Group on the raw key columns; only the example keys of broken rules are rendered as JSON.
    Column[] keyCols = keys.stream().map(k -> col(k)).toArray(Column[]::new);
    Column keyJson = to_json(struct(keyCols));
    Column rule = call_function("kldrift_check", col(column), lit(kind.label()), lit(tol));
    List<Column> perKeyCols = new ArrayList<>(List.of(keyCols));
    perKeyCols.add(rule.as("rule"));
    perKeyCols.add(size(col(column)).as("len"));
    Dataset<Row> perKey =
        df.select(perKeyCols.toArray(Column[]::new))
            .groupBy(keyCols)
            .agg(count(lit(1)).as("copies"), max("rule").as("rule"), max("len").as("len"));
    List<Column> aggs = new ArrayList<>();
    aggs.add(sum("copies").as("rows"));
    aggs.add(count_if(col("copies").gt(1)).as("dup"));
    aggs.add(first(when(col("copies").gt(1), keyJson), true).as("dup_key"));
    aggs.add(count_if(col("rule").equalTo(-1)).as("r0"));
    aggs.add(first(when(col("rule").equalTo(-1), keyJson), true).as("k0"));
    for (int r = 1; r < RULES.length; r++) {
      aggs.add(count_if(col("rule").equalTo(r)).as("r" + r));
      aggs.add(first(when(col("rule").equalTo(r), keyJson), true).as("k" + r));
    }
    aggs.add(org.apache.spark.sql.functions.min(when(col("rule").notEqual(-1), col("len"))).as("min_len"));
    aggs.add(max(when(col("rule").notEqual(-1), col("len"))).as("max_len"));
    df.sparkSession().sparkContext().setJobDescription("kldrift: validate " + side + " rows");
    Row r = perKey.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
    Map<String, Object> v = new LinkedHashMap<>();
    for (String f : r.schema().fieldNames()) {
      v.put(f, r.get(r.fieldIndex(f)));
    }
    long rows = v.get("rows") == null ? 0 : (Long) v.get("rows");
    long dup = (Long) v.get("dup");
    if (dup > 0) {
      throw DriftException.invalidInput(
          side + " table: " + dup + " keys occur more than once (rule duplicate_key), e.g. key "
              + v.get("dup_key"),
          "deduplicate the " + side + " table on " + String.join(", ", keys)
              + " (a re-run that appended the same partition twice is the usual cause)");
    }
    if (rows == 0) {
      return new long[] {0, expectedLength};
    }
    int minLen = v.get("min_len") == null ? expectedLength : (Integer) v.get("min_len");
    int maxLen = v.get("max_len") == null ? expectedLength : (Integer) v.get("max_len");
    int expected = expectedLength >= 0 ? expectedLength : minLen;
    if (v.get("min_len") != null && (minLen != expected || maxLen != expected)) {
      // The failure path may scan again: it names an offending key.
      int bad = minLen != expected ? minLen : maxLen;
      Row example = perKey.where(col("len").equalTo(bad)).select(keyJson).first();
      String expectation = expectedLength >= 0
          ? "the teacher vectors have " + expected + " classes"
          : "teacher vectors have lengths from " + minLen + " to " + maxLen;
      throw DriftException.invalidInput(
          side + " table, column '" + userColumn + "': vectors of the wrong length (rule wrong_length; "
              + expectation + "), e.g. key " + example.get(0) + " has length " + bad,
          "every teacher and student vector must list the same classes in the same order");
    }
    for (int i = 0; i < RULES.length; i++) {
      long n = (Long) v.get("r" + i);
      if (n > 0) {
        throw DriftException.invalidInput(
            side + " table, column '" + userColumn + "' (kind " + kind.label() + "): " + n
                + " rows " + RULE_TEXT[i] + " (rule " + RULES[i] + "), e.g. key " + v.get("k" + i),
            RULE_FIX[i]);
      }
    }
    return new long[] {rows, expected};
  }
}
