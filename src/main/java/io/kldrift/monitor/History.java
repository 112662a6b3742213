package io.kldrift.monitor;

import static org.apache.spark.sql.functions.col;

import io.kldrift.summary.TrendPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The metrics history under {@code <root>/history/}: one Parquet partition per run date, holding
 * that run's {@link MetricRow}s with its tags. A rerun of a date replaces its partition (the report
 * writer publishes it with the report); nothing else ever rewrites it. Under a Delta report root it
 * is a Delta table, and only rows of committed runs are read.
 */
public final class History {
  /** The history's columns; {@code run_date} is the partition column. */
  public static final StructType SCHEMA =
      new StructType()
          .add("teacher_model", DataTypes.StringType, false)
          .add("student_model", DataTypes.StringType, false)
          .add("dataset", DataTypes.StringType, false)
          .add("label", DataTypes.StringType, false)
          .add("status", DataTypes.StringType, false)
          .add("scope", DataTypes.StringType, false)
          .add("scope_column", DataTypes.StringType, false)
          .add("scope_value", DataTypes.StringType, false)
          .add("metric", DataTypes.StringType, false)
          .add("value", DataTypes.DoubleType, true);

  private History() {}

  /** Tags that key a run in the history besides its date. */
  public record Tags(String teacherModel, String studentModel, String dataset, String label) {}

  /** The rows of one run, ready to write as its partition (without the run_date column). */
  public static Dataset<Row> rows(
      SparkSession spark, List<MetricRow> metrics, Tags tags, String status) {
    List<Row> rows = new ArrayList<>();
    for (MetricRow m : metrics) {
      rows.add(
          RowFactory.create(
              tags.teacherModel(),
              tags.studentModel(),
              tags.dataset(),
              tags.label(),
              status,
              m.scope(),
              m.column(),
              m.key(),
              m.metric(),
              m.value()));
    }
    return spark.createDataFrame(rows, SCHEMA);
  }

  /**
   * The whole history as a Dataset with a string {@code run_date} column, or an empty Dataset when
   * there is none: for notebooks, e.g. {@code history.where("metric =
   * 'kl.mean'").orderBy("run_date")}.
   */
  public static Dataset<Row> read(SparkSession spark, String root) {
    if (io.kldrift.report.DeltaStore.isDeltaRoot(spark, root)) {
      Dataset<Row> committed =
          io.kldrift.report.DeltaStore.committedHistory(
              spark, root, SCHEMA.add("run_date", DataTypes.StringType).fieldNames());
      return committed != null
          ? committed
          : spark.createDataFrame(List.of(), SCHEMA.add("run_date", DataTypes.StringType));
    }
    Path dir = new Path(root, "history");
    String[] partitions;
    try {
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(dir)) {
        return spark.createDataFrame(List.of(), SCHEMA.add("run_date", DataTypes.StringType));
      }
      // Explicit partition folders rather than a glob: Spark probes a single glob path as a
      // literal file and logs a stack trace for it.
      partitions =
          java.util.Arrays.stream(fs.listStatus(dir, p -> p.getName().startsWith("run_date=")))
              .map(st -> st.getPath().toString())
              .toArray(String[]::new);
      if (partitions.length == 0) {
        return spark.createDataFrame(List.of(), SCHEMA.add("run_date", DataTypes.StringType));
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    Dataset<Row> d =
        spark
            .read()
            .option("basePath", dir.toString())
            .schema(SCHEMA.add("run_date", DataTypes.StringType))
            .parquet(partitions);
    return d;
  }

  /**
   * The earlier runs (dates before {@code runDate}) of the same dataset, oldest first, reduced to
   * the metrics the checks read and to the most recent {@code window} runs plus a pinned date.
   */
  public static List<Checks.Run> earlierRuns(
      SparkSession spark,
      String root,
      String runDate,
      String dataset,
      List<String> metrics,
      int window,
      String pinnedDate,
      String pinnedLabel) {
    Dataset<Row> h =
        read(spark, root).where(col("run_date").lt(runDate)).where(col("dataset").equalTo(dataset));
    if (!metrics.isEmpty()) {
      h = h.where(col("metric").isin(metrics.toArray()));
    }
    List<Row> dates =
        h.select("run_date", "label").distinct().orderBy(col("run_date").desc()).collectAsList();
    List<String> keep = new ArrayList<>();
    Map<String, String> labels = new TreeMap<>();
    for (int i = 0; i < dates.size(); i++) {
      String d = dates.get(i).getString(0);
      labels.put(d, dates.get(i).getString(1));
      boolean pinned =
          d.equals(pinnedDate)
              || (!pinnedLabel.isEmpty() && pinnedLabel.equals(dates.get(i).getString(1)));
      if (i < window || pinned) {
        keep.add(d);
      }
    }
    if (keep.isEmpty()) {
      return List.of();
    }
    Map<String, List<MetricRow>> byDate = new TreeMap<>();
    Column[] cols = {
      col("run_date"),
      col("scope"),
      col("scope_column"),
      col("scope_value"),
      col("metric"),
      col("value")
    };
    for (Row r : h.where(col("run_date").isin(keep.toArray())).select(cols).collectAsList()) {
      byDate
          .computeIfAbsent(r.getString(0), k -> new ArrayList<>())
          .add(
              new MetricRow(
                  r.getString(1),
                  r.getString(2),
                  r.getString(3),
                  r.getString(4),
                  r.isNullAt(5) ? null : r.getDouble(5)));
    }
    List<Checks.Run> runs = new ArrayList<>();
    byDate.forEach((d, rows) -> runs.add(new Checks.Run(d, labels.get(d), rows)));
    return runs;
  }

  /**
   * Mean and p99 KL of every earlier run of the dataset, oldest first, for the report's trend
   * chart. The points carry no warn or alert level: those are the current configuration's, which
   * the caller knows.
   */
  public static List<TrendPoint> trend(
      SparkSession spark, String root, String runDate, String dataset) {
    List<Row> rows =
        read(spark, root)
            .where(
                col("run_date")
                    .lt(runDate)
                    .and(col("dataset").equalTo(dataset))
                    .and(col("scope").equalTo("global"))
                    .and(col("metric").isin("kl.mean", "kl.p99")))
            .select("run_date", "metric", "value")
            .collectAsList();
    Map<String, Double[]> byDate = new TreeMap<>();
    for (Row r : rows) {
      Double[] meanP99 = byDate.computeIfAbsent(r.getString(0), d -> new Double[2]);
      meanP99[r.getString(1).equals("kl.mean") ? 0 : 1] = r.isNullAt(2) ? null : r.getDouble(2);
    }
    List<TrendPoint> points = new ArrayList<>();
    byDate.forEach((d, v) -> points.add(new TrendPoint(d, v[0], v[1], null, null)));
    return points;
  }
}
