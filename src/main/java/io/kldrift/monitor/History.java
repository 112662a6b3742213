package io.kldrift.monitor;

import static org.apache.spark.sql.functions.col;

import io.kldrift.summary.TrendPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The metrics history: per run date, that run's {@link MetricRow}s with its tags, stored and read
 * by a report store ({@code io.kldrift.store.ReportStore}), which publishes a run's rows with its
 * report and replaces them when the date is rerun. This class makes a run's rows and reads the
 * baselines, the trend and acceptances out of the committed history.
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
   * the comparison can read: the last {@code baseline.window} eligible runs and the pinned run; and
   * the trend, mean and p99 KL of every earlier run, oldest first. The trend points carry no warn
   * or alert level: those are the current configuration's, which the caller knows.
   */
  public record Earlier(
      List<Baselines.RunIndex> index,
      Baselines.Selection selection,
      Checks.Past past,
      List<TrendPoint> trend) {
    /** No earlier run. */
    public static final Earlier NONE =
        new Earlier(
            List.of(),
            new Baselines.Selection(List.of(), null, List.of()),
            Checks.Past.NONE,
            List.of());
  }

  /**
   * The earlier runs (dates before {@code runDate}) of the same dataset in {@code history} (a
   * store's committed history), reduced to the metrics the checks read (all metrics when {@code
   * metrics} is empty). Two Spark jobs: the index and trend rows of every earlier run, then the
   * figures of the runs a baseline reads.
   */
  public static Earlier earlierRuns(
      Dataset<Row> history,
      String runDate,
      String dataset,
      List<String> metrics,
      io.kldrift.config.DriftConfig config) {
    Dataset<Row> h =
        history.where(col("run_date").lt(runDate)).where(col("dataset").equalTo(dataset));
    List<String> bands = new ArrayList<>();
    for (Checks.Spec s : Checks.parse(config)) {
      if (s.type() == CheckType.SIGMA) {
        bands.add(s.name());
      }
    }
    List<Row> indexRows = new ArrayList<>();
    List<TrendPoint> trend = new ArrayList<>();
    indexAndTrend(h, bands, indexRows, trend);
    List<Baselines.RunIndex> index = index(indexRows);
    if (index.isEmpty()) {
      return new Earlier(
          Earlier.NONE.index(), Earlier.NONE.selection(), Earlier.NONE.past(), trend);
    }
    Baselines.Selection selection = Baselines.select(index, Baselines.excluded(config));
    int window = config.get(io.kldrift.config.DriftConfig.BASELINE_WINDOW);
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
    return new Earlier(index, selection, new Checks.Past(eligible, pinnedRun), trend);
  }

  /**
   * Collects, in one Spark job, the rows the index reads ({@code indexRows}: run_date, label,
   * status, scope_column, scope_value, metric, value) and the trend's mean and p99 KL per run.
   */
  private static void indexAndTrend(
      Dataset<Row> h, List<String> bands, List<Row> indexRows, List<TrendPoint> trend) {
    Column trendRow = col("scope").equalTo("global").and(col("metric").isin(TREND.toArray()));
    List<Row> rows =
        h.where(
                col("scope")
                    .equalTo(RUN_SCOPE)
                    .or(col("scope").equalTo("global").and(col("metric").equalTo("matched")))
                    .or(
                        col("scope")
                            .equalTo(CHECK_SCOPE)
                            .and(col("scope_column").isin(bands.toArray()))
                            .and(col("value").geq(1)))
                    .or(trendRow))
            .select(
                col("run_date"),
                col("label"),
                col("status"),
                col("scope_column"),
                col("scope_value"),
                col("metric"),
                col("value"),
                trendRow.as("trend"))
            .collectAsList();
    Map<String, Double[]> byDate = new TreeMap<>();
    for (Row r : rows) {
      if (!r.getBoolean(7)) {
        indexRows.add(r);
        continue;
      }
      Double[] meanP99 = byDate.computeIfAbsent(r.getString(0), d -> new Double[2]);
      meanP99[r.getString(5).equals(TREND.get(0)) ? 0 : 1] = r.isNullAt(6) ? null : r.getDouble(6);
    }
    byDate.forEach((d, v) -> trend.add(new TrendPoint(d, v[0], v[1], null, null)));
  }

  /** The global metrics of the trend chart: mean KL, then p99 KL. */
  private static final List<String> TREND = List.of("kl.mean", "kl.p99");

  /**
   * One index row per earlier run, oldest first: status and label (on every row of a run), the
   * matched examples, when it finished and its latest acceptance.
   */
  private static List<Baselines.RunIndex> index(List<Row> rows) {
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
  private static String pinnedDate(
      List<Baselines.RunIndex> index, io.kldrift.config.DriftConfig config) {
    if (config.baselineMode() != io.kldrift.config.BaselineMode.PINNED) {
      return null;
    }
    String date = config.get(io.kldrift.config.DriftConfig.BASELINE_PINNED_DATE);
    String label = config.get(io.kldrift.config.DriftConfig.BASELINE_PINNED_LABEL);
    for (int i = index.size() - 1; i >= 0; i--) {
      Baselines.RunIndex r = index.get(i);
      if ((!date.isEmpty() && r.runDate().equals(date))
          || (date.isEmpty() && !label.isEmpty() && label.equals(r.label()))) {
        return r.runDate();
      }
    }
    return null;
  }

  /** A person's acceptance of a run: the history row to append to it, and the run's status. */
  public record Acceptance(Dataset<Row> row, String status) {}

  /**
   * Records that a person accepted the run of {@code runDate} in {@code history} as the new normal
   * (after a deliberate model update): one history row of scope {@code run} with the time and the
   * reason, to append to that run's rows, so a rerun of the date replaces it with the run. Later
   * runs' baselines start at this run ({@link Baselines}). {@code runs} (the root's run folders)
   * names the latest runs when {@code runDate} has none.
   */
  public static Acceptance acceptance(
      SparkSession spark,
      Dataset<Row> history,
      List<String> runs,
      String root,
      String runDate,
      String reason) {
    List<Row> found =
        history
            .where(
                col("run_date")
                    .equalTo(runDate)
                    .and(col("scope").equalTo("global"))
                    .and(col("metric").equalTo("matched")))
            .select("teacher_model", "student_model", "dataset", "label", "status")
            .collectAsList();
    if (found.isEmpty()) {
      List<String> recent = new ArrayList<>();
      for (int i = runs.size() - 1; i >= 0 && recent.size() < 5; i--) {
        if (runs.get(i).startsWith("run_date=")) {
          recent.add(runs.get(i).substring("run_date=".length()));
        }
      }
      throw MonitorErrors.noRunToAccept(runDate, root, recent);
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
    return new Acceptance(spark.createDataFrame(List.of(accepted), SCHEMA), run.getString(4));
  }
}
