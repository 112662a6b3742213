package io.kldrift;

import io.kldrift.config.DriftConfig;
import io.kldrift.config.ReportFormat;
import io.kldrift.console.Progress;
import io.kldrift.engine.DriftState;
import io.kldrift.engine.Finisher;
import io.kldrift.engine.Layout;
import io.kldrift.engine.OnePass;
import io.kldrift.engine.PerExample;
import io.kldrift.input.PredictionInputs;
import io.kldrift.monitor.Checks;
import io.kldrift.monitor.History;
import io.kldrift.report.Prometheus;
import io.kldrift.report.page.HtmlReport;
import io.kldrift.sql.KlDriftFunctions;
import io.kldrift.store.ReportStore;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The kldrift library: what the job runs, callable from a notebook or another job.
 *
 * <pre>{@code
 * DriftConfig config = DriftConfig.builder()
 *     .set(DriftConfig.TEACHER_PATH, "sample-data/teacher")
 *     .set(DriftConfig.STUDENT_PATH, "sample-data/student")
 *     .build();
 * DriftReport report = KlDrift.analyze(spark, config, LocalDate.now());
 * String where = KlDrift.write(spark, report, "out", LocalDate.now());
 * }</pre>
 */
public final class KlDrift {
  /** The kldrift version, from the jar manifest (or "dev" when run from classes). */
  public static final String VERSION =
      KlDrift.class.getPackage().getImplementationVersion() == null
          ? "dev"
          : KlDrift.class.getPackage().getImplementationVersion();

  /** The serialized drift state in every run folder, the input of rollups. */
  public static final String STATE_FILE = ReportStore.STATE_FILE;

  private KlDrift() {}

  /**
   * Makes the kldrift SQL functions available in {@code spark} if the session was built without the
   * extension (the jar's service entry normally installs them). Safe to call repeatedly.
   */
  public static void registerFunctions(SparkSession spark) {
    if (!spark.catalog().functionExists("kldrift_metrics")) {
      KlDriftFunctions.register(spark);
    }
  }

  /**
   * Per-example metrics of two columns of one Dataset, as the struct of {@code kldrift_metrics}:
   * {@code df.select(KlDrift.metrics(col("t"), col("s"), config).as("m")).select("m.*")}. A row
   * whose vectors are not distributions of the configured kinds (within {@code
   * validate.sum_tolerance}) raises {@code KLDRIFT_NOT_A_DISTRIBUTION} under ANSI mode and gives
   * NULL without it, as the SQL function does.
   */
  public static Column metrics(Column teacher, Column student, DriftConfig config) {
    return PerExample.metricsColumn(teacher, student, config);
  }

  /**
   * Appends every per-example metric (the fields of {@code kldrift_metrics}: {@code kl}, {@code
   * reverse_kl}, {@code js}, ..., {@code t2_kl}) as columns to a Dataset that holds the teacher and
   * student distributions side by side. Kinds, temperature and epsilon come from {@code config}.
   *
   * <pre>{@code
   * KlDrift.perExample(preds, "teacher_probs", "student_probs", config)
   *     .orderBy(desc("kl")).show(10);
   * }</pre>
   */
  public static Dataset<Row> perExample(
      Dataset<Row> df, String teacherColumn, String studentColumn, DriftConfig config) {
    registerFunctions(df.sparkSession());
    String m = "__kldrift_m";
    return df.withColumn(m, metrics(df.col(teacherColumn), df.col(studentColumn), config))
        .select(
            org.apache.spark.sql.functions.col("*"), org.apache.spark.sql.functions.col(m + ".*"))
        .drop(m);
  }

  /**
   * Joins a teacher and a student Dataset on the configured keys (after checking both against the
   * input contract, which takes one pass over them) and returns the keys, the teacher's slice
   * columns and label, and every per-example metric.
   *
   * <pre>{@code
   * Dataset<Row> m = KlDrift.perExample(teacher, student, config);
   * m.groupBy("segment").agg(avg("kl")).show();
   * }</pre>
   */
  public static Dataset<Row> perExample(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config) {
    registerFunctions(teacher.sparkSession());
    PredictionInputs.Prepared in =
        PredictionInputs.prepare(teacher, student, config, Layout.of(config));
    return PerExample.perExample(checked(in), in.config());
  }

  /**
   * Mean KL, mean T²·KL, mean JS and top-1 agreement at each temperature, in one pass over the
   * joined examples: the question asked when choosing T for distillation. At least one side must be
   * logits (the temperature applies to logits only).
   *
   * <pre>{@code
   * KlDrift.temperatureSweep(teacher, student, config, 1, 2, 4, 8).show();
   * }</pre>
   */
  public static Dataset<Row> temperatureSweep(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config, double... temperatures) {
    registerFunctions(teacher.sparkSession());
    PredictionInputs.Prepared in =
        PredictionInputs.prepare(teacher, student, config, Layout.of(config));
    return PerExample.temperatureSweep(checked(in), in.config(), temperatures);
  }

  private static PredictionInputs.Checked checked(PredictionInputs.Prepared in) {
    DriftState state = OnePass.run(in.teacher().sparkSession(), in, in.config(), "validation");
    return Finisher.judge(state, in);
  }

  /**
   * Reads the configured inputs, checks them and computes the whole report for {@code runDate},
   * including the configured checks against the history under {@code output.path} (when set).
   */
  public static DriftReport analyze(SparkSession spark, DriftConfig config, LocalDate runDate) {
    registerFunctions(spark);
    Checks.parse(config);
    if (!config.get(DriftConfig.OUTPUT_PATH).isEmpty()) {
      ReportStore.forRun(spark, config.get(DriftConfig.OUTPUT_PATH), config.reportFormat())
          .checkBeforeRun();
    }
    Instant started = Instant.now();
    PredictionInputs.Prepared in =
        Progress.stage(
            spark,
            "read inputs and check schemas",
            () -> PredictionInputs.read(spark, config, Layout.of(config)));
    return build(spark, in.config(), runDate, started, in);
  }

  /** Like {@link #analyze(SparkSession, DriftConfig, LocalDate)} for Datasets already loaded. */
  public static DriftReport analyze(
      SparkSession spark,
      Dataset<Row> teacher,
      Dataset<Row> student,
      DriftConfig config,
      LocalDate runDate) {
    registerFunctions(spark);
    Checks.parse(config);
    Instant started = Instant.now();
    PredictionInputs.Prepared in =
        PredictionInputs.prepare(teacher, student, config, Layout.of(config));
    return build(spark, in.config(), runDate, started, in);
  }

  private static DriftReport build(
      SparkSession spark,
      DriftConfig config,
      LocalDate runDate,
      Instant started,
      PredictionInputs.Prepared in) {
    DriftState state =
        Progress.stage(
            spark,
            "join, row rules, metrics and drift state (one pass)",
            () -> OnePass.run(spark, in, config, runDate.toString()));
    Finisher.Finished f = Finisher.finish(spark, config, state, in);
    Progress.say(
        String.format(
            java.util.Locale.ROOT,
            "inputs: teacher %,d rows, student %,d rows, %s, %,d matched",
            f.inputs().teacherRows(),
            f.inputs().studentRows(),
            f.extent(),
            f.inputs().matched()));
    Dataset<Row> perExample = Finisher.perExample(state, f, config);
    return Reports.assemble(
        spark,
        config,
        new Reports.Origin(runDate.toString(), null, started, runDate.toString(), null),
        f,
        state,
        perExample);
  }

  private static List<Map<String, Object>> rows(Dataset<Row> small) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row row : small.collectAsList()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String f : row.schema().fieldNames()) {
        m.put(f, row.get(row.fieldIndex(f)));
      }
      out.add(m);
    }
    return out;
  }

  /**
   * The metrics history under {@code root} (every run's summary figures, long format, with a string
   * {@code run_date} column), for notebooks: {@code KlDrift.history(spark, "out") .where("metric =
   * 'kl.mean' AND scope = 'global'").orderBy("run_date").show()}.
   */
  public static Dataset<Row> history(SparkSession spark, String root) {
    return ReportStore.at(spark, root).history();
  }

  /**
   * Accepts the run of {@code runDate} under {@code root} as the new normal (after a deliberate
   * model update): later runs' baselines start at it, and it and the runs after it are eligible
   * again. Recorded in the history with the time and {@code reason}; returns the run's status.
   */
  public static String accept(SparkSession spark, String root, LocalDate runDate, String reason) {
    return ReportStore.at(spark, root).accept(runDate.toString(), reason == null ? "" : reason);
  }

  /**
   * Writes {@code report} under {@code <root>/run_date=<runDate>/}, atomically replacing that
   * date's previous report, and returns the folder written.
   */
  public static String write(
      SparkSession spark, DriftReport report, String root, LocalDate runDate) {
    return publish(spark, report, root, "run_date=" + runDate, true);
  }

  /**
   * Merges the daily drift states stored under {@code root} for every day from {@code from} to
   * {@code to} into one report for the period, without reading any prediction data. Days without a
   * state are listed in the summary's {@code period.missing} and in a warning. Checks compare with
   * the previous periods of the same length. {@code name} (default {@code FROM_TO}) names the
   * folder {@link #writeRollup} writes.
   *
   * <pre>{@code
   * DriftReport week = KlDrift.rollup(spark, "out", LocalDate.parse("2026-11-23"),
   *     LocalDate.parse("2026-11-29"), null);
   * System.out.println(week.meanKl() + " over " + week.matched() + " examples");
   * }</pre>
   */
  public static DriftReport rollup(
      SparkSession spark, String root, LocalDate from, LocalDate to, String name) {
    registerFunctions(spark);
    return Rollups.rollup(spark, root, from, to, name == null ? from + "_" + to : name);
  }

  /** Writes a rollup under {@code <root>/rollup=<name>/}, atomically; returns the folder. */
  public static String writeRollup(SparkSession spark, DriftReport rollup, String root) {
    Summary.Period period = rollup.summary().period();
    if (period == null) {
      throw new IllegalArgumentException("not a rollup: the report has no period");
    }
    return publish(spark, rollup, root, "rollup=" + period.name(), false);
  }

  private static String publish(
      SparkSession spark, DriftReport report, String root, String runDir, boolean withHistory) {
    List<ReportStore.Table> tables = new ArrayList<>();
    Summary summary = report.summary();
    if (summary.tables().contains("per_class")) {
      tables.add(new ReportStore.Table("per_class", report.perClass(), true));
    }
    tables.add(new ReportStore.Table("per_slice", report.perSlice(), true));
    if (summary.tables().contains("confusion")) {
      tables.add(new ReportStore.Table("confusion", report.confusion(), true));
    }
    tables.add(new ReportStore.Table("worst_examples", report.worstExamples(), true));
    if (summary.tables().contains("per_example")) {
      tables.add(new ReportStore.Table("per_example", report.perExample(), false));
    }
    if (summary.tables().contains("per_sequence")) {
      tables.add(new ReportStore.Table("per_sequence", report.perSequence(), false));
    }
    if (report.perToken() != null) {
      tables.add(new ReportStore.Table("per_token", report.perToken(), true));
    }
    report
        .quarantine()
        .forEach(
            (side, rows) -> tables.add(new ReportStore.Table("quarantine/" + side, rows, false)));
    ReportFormat format = report.config().reportFormat();
    ReportStore store =
        withHistory
            ? ReportStore.forRun(spark, root, format)
            : ReportStore.forRollup(spark, root, format);
    store.checkFormat();
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("summary.json", SummaryJson.bytes(summary));
    List<Map<String, Object>> worst = rows(report.worstExamples());
    String html =
        HtmlReport.render(
            new HtmlReport.Input(summary, report.perClassRows(), worst, report.trend()));
    files.put("report.html", html.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String prom = Prometheus.render(summary);
    if (report.config().get(DriftConfig.PROMETHEUS)) {
      files.put("metrics.prom", prom.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Summary.RunInfo run = summary.run();
    History.Tags tags =
        new History.Tags(
            str(run.teacherModel()), str(run.studentModel()), str(run.dataset()), str(run.label()));
    Dataset<Row> history =
        withHistory ? History.rows(spark, report.metricRows(), tags, report.status()) : null;
    ReportStore.Run stored =
        new ReportStore.Run(
            runDir,
            files,
            tables,
            report.state(),
            history,
            java.time.Duration.ofHours(report.config().get(DriftConfig.STAGING_RETENTION_HOURS)),
            startedAt(summary));
    String where = Progress.stage(spark, "write report", () -> store.publish(stored));
    String promFile = report.config().get(DriftConfig.PROMETHEUS_FILE);
    if (!promFile.isEmpty()) {
      Prometheus.writeTextfile(java.nio.file.Path.of(promFile), prom);
    }
    return where;
  }

  /** When the run started computing: a report another run published after it is not replaced. */
  private static Instant startedAt(Summary summary) {
    try {
      return Instant.parse(summary.run().startedAt());
    } catch (RuntimeException e) {
      return Instant.now();
    }
  }

  private static String str(Object o) {
    return o == null ? "" : String.valueOf(o);
  }
}
