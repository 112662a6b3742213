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
   * History rows of scope {@code check}: each check's outcome per scope key ({@code scope_column}
   * the check's name, {@code scope_value} its {@link Checks#bandKey}, value 0 OK, 1 WARN, 2 ALERT,
   * -1 INSUFFICIENT_DATA), so a sigma band can leave out the runs it flagged itself.
   */
  public static final String CHECK_SCOPE = "check", CHECK_OUTCOME = "outcome";

  /** History rows of scope {@code run}: when a run finished, and acceptances of it. */
  public static final String RUN_SCOPE = "run",
      FINISHED_AT = "finished_at",
      ACCEPTED = "accepted",
      ACCEPTED_AT = "accepted_at";

  /**
   * The earlier runs of a dataset as a baseline needs them: every earlier run's index row (oldest
   * first), which of them are eligible ({@link Baselines}), and the figures of the runs a check or
   * the comparison can read: the last {@code baseline.window} eligible runs and the pinned run.
   */
  public record Earlier(
      List<Baselines.RunIndex> index, Baselines.Selection selection, Checks.Past past) {
    /** No earlier run. */
    public static final Earlier NONE =
        new Earlier(
            List.of(), new Baselines.Selection(List.of(), null, List.of()), Checks.Past.NONE);
  }

  /**
   * The earlier runs (dates before {@code runDate}) of the same dataset, reduced to the metrics the
   * checks read (all metrics when {@code metrics} is empty).
   */
  public static Earlier earlierRuns(
      SparkSession spark,
      String root,
      String runDate,
      String dataset,
      List<String> metrics,
      io.kldrift.DriftConfig config) {
    Dataset<Row> h =
        read(spark, root).where(col("run_date").lt(runDate)).where(col("dataset").equalTo(dataset));
    List<String> bands = new ArrayList<>();
    for (Checks.Spec s : Checks.parse(config)) {
      if (s.type().equals("sigma")) {
        bands.add(s.name());
      }
    }
    List<Baselines.RunIndex> index = index(h, bands);
    if (index.isEmpty()) {
      return Earlier.NONE;
    }
    Baselines.Selection selection = Baselines.select(index, Baselines.excluded(config));
    int window = config.get(io.kldrift.DriftConfig.BASELINE_WINDOW);
    List<String> eligibleDates = Baselines.datesToRead(selection, window);
    List<String> keep = new ArrayList<>(eligibleDates);
    String pinned = pinnedDate(index, config);
    if (pinned != null && !keep.contains(pinned)) {
      keep.add(pinned);
    }
    Map<String, List<MetricRow>> byDate = new TreeMap<>();
    keep.forEach(d -> byDate.put(d, new ArrayList<>()));
    if (!metrics.isEmpty()) {
      List<String> read = new ArrayList<>(metrics);
      read.add(CHECK_OUTCOME);
      h = h.where(col("metric").isin(read.toArray()));
    }
    Column[] cols = {
      col("run_date"),
      col("scope"),
      col("scope_column"),
      col("scope_value"),
      col("metric"),
      col("value")
    };
    if (!keep.isEmpty()) {
      for (Row r : h.where(col("run_date").isin(keep.toArray())).select(cols).collectAsList()) {
        byDate
            .get(r.getString(0))
            .add(
                new MetricRow(
                    r.getString(1),
                    r.getString(2),
                    r.getString(3),
                    r.getString(4),
                    r.isNullAt(5) ? null : r.getDouble(5)));
      }
    }
    Map<String, String> labels = new TreeMap<>();
    index.forEach(i -> labels.put(i.runDate(), i.label()));
    List<Checks.Run> eligible = new ArrayList<>();
    for (String d : eligibleDates) {
      eligible.add(new Checks.Run(d, labels.get(d), byDate.get(d)));
    }
    Checks.Run pinnedRun =
        pinned == null ? null : new Checks.Run(pinned, labels.get(pinned), byDate.get(pinned));
    return new Earlier(index, selection, new Checks.Past(eligible, pinnedRun));
  }

  /**
   * One index row per earlier run, oldest first: status and label (on every row of a run), the
   * matched examples, when it finished and its latest acceptance.
   */
  private static List<Baselines.RunIndex> index(Dataset<Row> h, List<String> bands) {
    List<Row> rows =
        h.where(
                col("scope")
                    .equalTo(RUN_SCOPE)
                    .or(col("scope").equalTo("global").and(col("metric").equalTo("matched")))
                    .or(
                        col("scope")
                            .equalTo(CHECK_SCOPE)
                            .and(col("scope_column").isin(bands.toArray()))
                            .and(col("value").geq(1))))
            .select("run_date", "label", "status", "scope_column", "scope_value", "metric", "value")
            .collectAsList();
    Map<String, Row> first = new TreeMap<>();
    Map<String, Double> matched = new TreeMap<>();
    Map<String, Double> finished = new TreeMap<>();
    Map<String, Baselines.Acceptance> accepted = new TreeMap<>();
    Map<String, java.util.Set<String>> flagged = new TreeMap<>();
    for (Row r : rows) {
      String d = r.getString(0);
      first.putIfAbsent(d, r);
      Double v = r.isNullAt(6) ? null : r.getDouble(6);
      if (r.getString(5).equals(CHECK_OUTCOME)) {
        flagged.computeIfAbsent(d, k -> new java.util.TreeSet<>()).add(r.getString(3));
        continue;
      }
      switch (r.getString(5)) {
        case "matched" -> matched.put(d, v);
        case FINISHED_AT -> finished.put(d, v);
        case ACCEPTED_AT -> {
          Baselines.Acceptance a = accepted.get(d);
          if (v != null && (a == null || v > a.acceptedAt())) {
            accepted.put(d, new Baselines.Acceptance(d, v, r.getString(4)));
          }
        }
        default -> {}
      }
    }
    List<Baselines.RunIndex> index = new ArrayList<>();
    first.forEach(
        (d, r) ->
            index.add(
                new Baselines.RunIndex(
                    d,
                    r.getString(1),
                    r.getString(2),
                    matched.get(d),
                    finished.get(d),
                    accepted.get(d),
                    flagged.getOrDefault(d, java.util.Set.of()))));
    return index;
  }

  /** The pinned run's date under baseline.mode=pinned (by date, else latest by label), or null. */
  private static String pinnedDate(List<Baselines.RunIndex> index, io.kldrift.DriftConfig config) {
    if (!config.get(io.kldrift.DriftConfig.BASELINE_MODE).equals("pinned")) {
      return null;
    }
    String date = config.get(io.kldrift.DriftConfig.BASELINE_PINNED_DATE);
    String label = config.get(io.kldrift.DriftConfig.BASELINE_PINNED_LABEL);
    for (int i = index.size() - 1; i >= 0; i--) {
      Baselines.RunIndex r = index.get(i);
      if ((!date.isEmpty() && r.runDate().equals(date))
          || (date.isEmpty() && !label.isEmpty() && label.equals(r.label()))) {
        return r.runDate();
      }
    }
    return null;
  }

  /**
   * Records that a person accepted the run of {@code runDate} under {@code root} as the new normal
   * (after a deliberate model update): one history row of scope {@code run} with the time and the
   * reason, in that run's partition, so a rerun of the date replaces it with the run. Later runs'
   * baselines start at this run ({@link Baselines}). Returns the accepted run's status.
   */
  public static String accept(SparkSession spark, String root, String runDate, String reason) {
    boolean delta = io.kldrift.report.DeltaStore.isDeltaRoot(spark, root);
    if (!delta) {
      io.kldrift.report.ReportWriter.recover(spark, root);
    }
    Dataset<Row> all = read(spark, root);
    List<Row> found =
        all.where(
                col("run_date")
                    .equalTo(runDate)
                    .and(col("scope").equalTo("global"))
                    .and(col("metric").equalTo("matched")))
            .select("teacher_model", "student_model", "dataset", "label", "status")
            .collectAsList();
    if (found.isEmpty()) {
      List<String> recent = new ArrayList<>();
      for (Row r :
          all.select("run_date")
              .distinct()
              .orderBy(col("run_date").desc())
              .limit(5)
              .collectAsList()) {
        recent.add(r.getString(0));
      }
      throw io.kldrift.DriftException.invalidConfig(
          "no run of " + runDate + " in the history under " + root,
          recent.isEmpty()
              ? "check --out: it holds no runs"
              : "pass the date of a run; the latest are " + String.join(", ", recent));
    }
    Row run = found.get(0);
    Row accepted =
        RowFactory.create(
            run.getString(0),
            run.getString(1),
            run.getString(2),
            run.getString(3),
            run.getString(4),
            RUN_SCOPE,
            ACCEPTED,
            reason,
            ACCEPTED_AT,
            java.time.Instant.now().toEpochMilli() / 1000.0);
    Dataset<Row> rows = spark.createDataFrame(List.of(accepted), SCHEMA);
    if (delta) {
      if (!io.kldrift.report.DeltaStore.appendToCommittedRun(spark, root, runDate, rows)) {
        throw io.kldrift.DriftException.invalidConfig(
            "no committed run of " + runDate + " under " + root,
            "pass the date of a committed run");
      }
    } else {
      spark.sparkContext().setJobDescription("kldrift: append to the history");
      rows.coalesce(1)
          .write()
          .mode(org.apache.spark.sql.SaveMode.Append)
          .parquet(new Path(new Path(root, "history"), "run_date=" + runDate).toString());
    }
    return run.getString(4);
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
