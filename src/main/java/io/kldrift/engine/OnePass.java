package io.kldrift.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The one pass (DESIGN §3): each table read once, one shuffle, every figure of the report in one
 * mergeable state. Both tables are hash-partitioned on the key once; that exchange serves the
 * per-side count of each key's copies (duplicates are found where the rows already meet) and the
 * full outer join, which pairs rows whose key occurs once on each side and leaves everything else
 * one-sided, so unmatched and duplicated rows are counted without exploding. The state is then
 * computed by one {@code mapPartitions} over the joined rows and a {@code treeReduce}: task results
 * are counted once even when a stage is re-executed (unlike accumulators and {@code observe},
 * SPARK-58183).
 */
public final class OnePass {
  /**
   * Ordinals of the joined row the {@link Updater} reads: presence, copies and null-key flags of
   * each side, both vectors and the label, then the key columns, the slice columns as read, the
   * slice columns as text and the layout's own columns ({@link Layout#teacherColumns}, {@link
   * Layout#studentColumns}).
   */
  static final int T_PRESENT = 0,
      S_PRESENT = 1,
      T_COPIES = 2,
      S_COPIES = 3,
      T_NULL_KEY = 4,
      S_NULL_KEY = 5,
      P = 6,
      Q = 7,
      LABEL = 8,
      KEYS = 9;

  private OnePass() {}

  /** The joined rows (ordinals above), and the schema of their key and slice columns. */
  record Joined(Dataset<Row> rows, StructType exampleSchema) {}

  static Joined join(PredictionInputs.Prepared in, DriftConfig config, Layout<?> layout) {
    List<String> keys = config.get(DriftConfig.KEY_COLUMNS);
    Column[] byKey = keys.stream().map(k -> col(k)).toArray(Column[]::new);
    WindowSpec perKey = Window.partitionBy(byKey);
    Dataset<Row> t =
        in.teacher()
            .withColumn("__kd_tc", count(lit(1)).over(perKey))
            .withColumn("__kd_tin", lit(true));
    List<Column> sCols = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      sCols.add(col(keys.get(i)).as("__kd_sk" + i));
    }
    sCols.add(col(PredictionInputs.STUDENT));
    layout.studentColumns().forEach(c -> sCols.add(col(c)));
    Dataset<Row> s =
        in.student()
            .withColumn("__kd_sc", count(lit(1)).over(perKey))
            .withColumn("__kd_sin", lit(true))
            .select(concat(sCols, List.of(col("__kd_sc"), col("__kd_sin"))).toArray(Column[]::new));
    Column on = t.col("__kd_tc").equalTo(1).and(s.col("__kd_sc").equalTo(1));
    Column tNull = lit(false);
    Column sNull = lit(false);
    for (int i = 0; i < keys.size(); i++) {
      on = on.and(t.col(keys.get(i)).equalTo(s.col("__kd_sk" + i)));
      tNull = tNull.or(t.col(keys.get(i)).isNull());
      sNull = sNull.or(s.col("__kd_sk" + i).isNull());
    }
    Dataset<Row> j = t.join(s, on, "full_outer");
    Column tIn = j.col("__kd_tin").isNotNull();
    List<Column> out = new ArrayList<>();
    out.add(tIn.as("__kd_t"));
    out.add(j.col("__kd_sin").isNotNull().as("__kd_s"));
    out.add(j.col("__kd_tc"));
    out.add(j.col("__kd_sc"));
    out.add(tIn.and(tNull).as("__kd_tnk"));
    out.add(j.col("__kd_sin").isNotNull().and(sNull).as("__kd_snk"));
    out.add(j.col(PredictionInputs.TEACHER));
    out.add(j.col(PredictionInputs.STUDENT));
    out.add(
        in.hasLabel()
            ? j.col(PredictionInputs.LABEL)
            : lit(null).cast(DataTypes.IntegerType).as(PredictionInputs.LABEL));
    StructType example = new StructType();
    StructType teacherSchema = in.teacher().schema();
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      out.add(when(tIn, t.col(k)).otherwise(s.col("__kd_sk" + i)).as(k));
      example = example.add(k, teacherSchema.apply(k).dataType(), true);
    }
    for (String sc : in.sliceColumns()) {
      out.add(t.col(sc));
      example = example.add(sc, teacherSchema.apply(sc).dataType(), true);
    }
    for (int i = 0; i < in.sliceColumns().size(); i++) {
      out.add(t.col(in.sliceColumns().get(i)).cast(DataTypes.StringType).as("__kd_slice" + i));
    }
    layout.teacherColumns().forEach(c -> out.add(j.col(c)));
    layout.studentColumns().forEach(c -> out.add(j.col(c)));
    return new Joined(j.select(out.toArray(Column[]::new)), example);
  }

  /** Runs the pass: the merged state of every partition of the joined rows. */
  public static DriftState run(
      SparkSession spark, PredictionInputs.Prepared in, DriftConfig config, String runDate) {
    Layout<?> layout = Layout.of(config);
    Joined joined = join(in, config, layout);
    StateHeader header =
        StateHeader.of(
            config, in.sliceColumns(), joined.exampleSchema().json(), in.hasLabel(), runDate);
    FlatMapFunction<java.util.Iterator<InternalRow>, ShippedState> update =
        layout.updater(header, in, config, joined.exampleSchema());
    spark.sparkContext().setJobDescription("kldrift: join, row rules, metrics and drift state");
    // Run as a named SQL execution so that the query, its plan and metrics show in Spark's UI and
    // event log, and query-execution listeners see it, as for any Dataset action.
    org.apache.spark.sql.execution.QueryExecution qe = joined.rows().queryExecution();
    DriftState merged =
        ReaderSizing.sized(
            spark,
            in.teacher(),
            config,
            () ->
                org.apache.spark.sql.execution.SQLExecution.withNewExecutionId(
                    qe,
                    scala.Option.apply("kldrift one pass"),
                    () -> reduce(qe.toRdd().toJavaRDD().mapPartitions(update), header)));
    return merged;
  }

  /**
   * The states of the partitions merged: {@code treeReduce} merges each task's state with no zero
   * state (which {@code treeAggregate} would merge into every partition's first), in memory where
   * the states meet. Every partition gives one state, so only a plan without partitions gives none.
   */
  private static DriftState reduce(JavaRDD<ShippedState> states, StateHeader header) {
    Function2<ShippedState, ShippedState, ShippedState> merge = ShippedState::merge;
    return states.getNumPartitions() == 0
        ? new DriftState(header)
        : states.treeReduce(merge, 2).state();
  }

  private static List<Column> concat(List<Column> a, List<Column> b) {
    List<Column> l = new ArrayList<>(a);
    l.addAll(b);
    return l;
  }
}
