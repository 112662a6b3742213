package io.kldrift.engine;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Per-example metrics as a distributed Dataset, for notebooks and for {@code per_example/}: the
 * checked inputs inner-joined on the key with every kldrift_metrics field as a column. Lazy: it
 * reads the inputs again only when an action runs on it.
 */
public final class PerExample {
  private PerExample() {}

  /** The kldrift_metrics call for the configured kinds, temperature, epsilon and sum tolerance. */
  public static Column metricsColumn(Column teacher, Column student, DriftConfig config) {
    return call_function(
        "kldrift_metrics",
        teacher,
        student,
        lit(config.get(DriftConfig.TEACHER_KIND).label()),
        lit(config.get(DriftConfig.STUDENT_KIND).label()),
        lit(config.get(DriftConfig.TEMPERATURE)),
        lit(config.get(DriftConfig.EPSILON)),
        lit(config.get(DriftConfig.SUM_TOLERANCE)));
  }

  /** The joined examples with their keys, label, slices and every per-example metric. */
  public static Dataset<Row> perExample(PredictionInputs.Checked in, DriftConfig config) {
    Dataset<Row> joined = join(in, config);
    List<Column> keep = new ArrayList<>();
    config.get(DriftConfig.KEY_COLUMNS).forEach(k -> keep.add(col(k)));
    in.sliceColumns().forEach(s -> keep.add(col(s)));
    if (in.hasLabel()) {
      keep.add(col(PredictionInputs.LABEL).as("label"));
    }
    keep.add(
        metricsColumn(col(PredictionInputs.TEACHER), col(PredictionInputs.STUDENT), config)
            .as("m"));
    return joined.select(keep.toArray(Column[]::new)).select(col("*"), col("m.*")).drop("m");
  }

  /**
   * Sequence layout, top-k inputs: the joined sequences with their keys, slices and the mean, sum
   * and max of the per-position KL bound over the counted positions, their number and the first
   * counted position (0-based index) whose top-1 tokens differ; computed by {@code
   * sequence_kl_div}, the SQL function of the same math.
   */
  public static Dataset<Row> perSequence(PredictionInputs.Checked in, DriftConfig config) {
    Dataset<Row> joined = join(in, config);
    List<Column> keep = new ArrayList<>();
    config.get(DriftConfig.KEY_COLUMNS).forEach(k -> keep.add(col(k)));
    in.sliceColumns().forEach(s -> keep.add(col(s)));
    Column none = lit(null);
    keep.add(
        call_function(
                "sequence_kl_div",
                col("__kd_pid"),
                col(PredictionInputs.TEACHER),
                col("__kd_qid"),
                col(PredictionInputs.STUDENT),
                config.get(DriftConfig.AT_TEACHER_COLUMN).isEmpty() ? none : col("__kd_qat"),
                config.get(DriftConfig.MASK_COLUMN).isEmpty() ? none : col("__kd_mask"))
            .as("m"));
    return joined
        .select(keep.toArray(Column[]::new))
        .select(
            col("*"),
            col("m.mean").as("kl_mean"),
            col("m.sum").as("kl_sum"),
            col("m.max").as("kl_max"),
            col("m.positions").as("positions"),
            col("m.first_divergence").as("first_divergence"))
        .drop("m");
  }

  /** Mean KL, T²·KL and agreement per temperature, all temperatures in one aggregation. */
  public static Dataset<Row> temperatureSweep(
      PredictionInputs.Checked in, DriftConfig config, double... temperatures) {
    if (config.get(DriftConfig.TEACHER_KIND) != Kind.LOGITS
        && config.get(DriftConfig.STUDENT_KIND) != Kind.LOGITS) {
      throw EngineErrors.sweepWithoutLogits();
    }
    if (temperatures.length == 0) {
      throw EngineErrors.noTemperatures();
    }
    Dataset<Row> joined = join(in, config);
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < temperatures.length; i++) {
      double t = temperatures[i];
      if (!(t > 0) || Double.isInfinite(t)) {
        throw EngineErrors.temperatureNotPositive(t);
      }
      Column m =
          call_function(
              "kldrift_metrics",
              col(PredictionInputs.TEACHER),
              col(PredictionInputs.STUDENT),
              lit(config.get(DriftConfig.TEACHER_KIND).label()),
              lit(config.get(DriftConfig.STUDENT_KIND).label()),
              lit(t),
              lit(config.get(DriftConfig.EPSILON)),
              lit(config.get(DriftConfig.SUM_TOLERANCE)));
      aggs.add(
          org.apache
              .spark
              .sql
              .functions
              .struct(
                  lit(t).as("temperature"),
                  count(lit(1)).as("n"),
                  avg(m.getField("kl")).as("mean_kl"),
                  avg(m.getField("t2_kl")).as("mean_t2_kl"),
                  avg(m.getField("js")).as("mean_js"),
                  avg(m.getField("agree").cast(DataTypes.DoubleType)).as("agreement"))
              .as("t" + i));
    }
    Dataset<Row> wide =
        joined.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
    Column[] cols = new Column[temperatures.length];
    for (int i = 0; i < cols.length; i++) {
      cols[i] = col("t" + i);
    }
    return wide.select(
            org.apache
                .spark
                .sql
                .functions
                .explode(org.apache.spark.sql.functions.array(cols))
                .as("s"))
        .select("s.*");
  }

  private static Dataset<Row> join(PredictionInputs.Checked in, DriftConfig config) {
    return in.teacher()
        .join(
            in.student(),
            scala.jdk.javaapi.CollectionConverters.asScala(config.get(DriftConfig.KEY_COLUMNS))
                .toSeq(),
            "inner");
  }
}
