package io.kldrift;

import io.kldrift.input.PredictionInputs;
import io.kldrift.metrics.DriftAnalysis;
import io.kldrift.monitor.Checks;
import io.kldrift.monitor.History;
import io.kldrift.monitor.MetricRow;
import io.kldrift.report.HtmlReport;
import io.kldrift.report.Prometheus;
import io.kldrift.report.ReportWriter;
import io.kldrift.sql.KlDriftFunctions;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import io.kldrift.summary.TrendPoint;
import java.time.Duration;
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
   * {@code df.select(KlDrift.metrics(col("t"), col("s"), config).as("m")).select("m.*")}.
   */
  public static Column metrics(Column teacher, Column student, DriftConfig config) {
    return DriftAnalysis.metricsColumn(teacher, student, config);
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
   * input contract) and returns the keys, the teacher's slice columns and label, and every
   * per-example metric.
   *
   * <pre>{@code
   * Dataset<Row> m = KlDrift.perExample(teacher, student, config);
   * m.groupBy("segment").agg(avg("kl")).show();
   * }</pre>
   */
  public static Dataset<Row> perExample(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config) {
    registerFunctions(teacher.sparkSession());
    PredictionInputs.Checked in = PredictionInputs.check(teacher, student, config);
    return DriftAnalysis.perExample(in, config);
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
    PredictionInputs.Checked in = PredictionInputs.check(teacher, student, config);
    return DriftAnalysis.temperatureSweep(in, config, temperatures);
  }

  /**
   * Reads the configured inputs, checks them and computes the whole report for {@code runDate},
   * including the configured checks against the history under {@code output.path} (when set).
   */
  public static DriftReport analyze(SparkSession spark, DriftConfig config, LocalDate runDate) {
    registerFunctions(spark);
    Checks.parse(config);
    Instant started = Instant.now();
    PredictionInputs.Checked checked =
        Progress.stage("read and validate inputs", () -> PredictionInputs.read(spark, config));
    return build(spark, config, runDate, started, checked);
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
    PredictionInputs.Checked checked =
        Progress.stage("validate inputs", () -> PredictionInputs.check(teacher, student, config));
    return build(spark, config, runDate, started, checked);
  }

  private static DriftReport build(
      SparkSession spark,
      DriftConfig config,
      LocalDate runDate,
      Instant started,
      PredictionInputs.Checked checked) {
    Progress.say(
        String.format(
            java.util.Locale.ROOT,
            "inputs: teacher %,d rows, student %,d rows, %d classes",
            checked.teacherRows(),
            checked.studentRows(),
            checked.numClasses()));
    DriftAnalysis.Result r =
        Progress.stage(
            "join, metrics and aggregates", () -> DriftAnalysis.run(spark, config, checked));

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("schema_version", DriftReport.SCHEMA_VERSION);
    summary.put("status", Checks.OK);
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("run_date", runDate.toString());
    run.put("started_at", started.toString());
    run.put("duration_seconds", Duration.between(started, Instant.now()).toMillis() / 1000.0);
    run.put("kldrift_version", VERSION);
    run.put("spark_version", spark.version());
    run.put("spark_master", spark.sparkContext().master());
    run.put("teacher_path", config.get(DriftConfig.TEACHER_PATH));
    run.put("student_path", config.get(DriftConfig.STUDENT_PATH));
    run.put("teacher_model", config.get(DriftConfig.TEACHER_MODEL));
    run.put("student_model", config.get(DriftConfig.STUDENT_MODEL));
    run.put("dataset", config.get(DriftConfig.DATASET));
    run.put("label", config.get(DriftConfig.LABEL));
    summary.put("run", run);
    summary.put("config", config.asText());
    summary.put("inputs", r.inputs());
    summary.put("global", r.global());
    summary.put("per_slice", r.perSliceSummary());
    summary.put("top_drifted_classes", r.topClasses());
    summary.put("top_confusions", r.topConfusions());
    summary.put("checks", List.of());
    List<String> tables =
        new ArrayList<>(List.of("per_class", "per_slice", "confusion", "worst_examples"));
    if (config.get(DriftConfig.WRITE_PER_EXAMPLE)) {
      tables.add("per_example");
    }
    Map<String, Dataset<Row>> quarantine = new LinkedHashMap<>();
    for (PredictionInputs.SideValidation v :
        List.of(checked.teacherValidation(), checked.studentValidation())) {
      if (v.quarantine() != null) {
        quarantine.put(v.side(), v.quarantine());
        tables.add("quarantine/" + v.side());
      }
    }
    summary.put("tables", tables);
    @SuppressWarnings("unchecked")
    Map<String, Object> clean = (Map<String, Object>) ReportWriter.finite(summary);

    Summary typed = SummaryJson.mapper().convertValue(clean, Summary.class);
    List<Map<String, Object>> perClassMaps = rows(r.perClass());
    List<ClassRow> classRows = new ArrayList<>();
    for (Map<String, Object> m : perClassMaps) {
      classRows.add(SummaryJson.mapper().convertValue(m, ClassRow.class));
    }
    List<MetricRow> metricRows = MetricRow.of(typed, classRows);
    String root = config.get(DriftConfig.OUTPUT_PATH);
    String dataset = config.get(DriftConfig.DATASET);
    List<Checks.Spec> specs = Checks.parse(config);
    List<Checks.Run> history = List.of();
    List<TrendPoint> trend = new ArrayList<>();
    if (!root.isEmpty()) {
      List<String> metrics = new ArrayList<>();
      for (Checks.Spec s : specs) {
        metrics.add(s.metric());
        metrics.add(s.scope().equals("class") ? "n" : "kl.n");
        if (s.type().equals("significance")) {
          String base = s.metric().replace(".mean", "");
          metrics.addAll(List.of(base + ".n", base + ".std"));
        }
      }
      ReportWriter.recover(spark, root);
      history =
          Progress.stage(
              "read history",
              () ->
                  History.earlierRuns(
                      spark,
                      root,
                      runDate.toString(),
                      dataset,
                      metrics,
                      config.get(DriftConfig.BASELINE_WINDOW),
                      config.get(DriftConfig.BASELINE_PINNED_DATE),
                      config.get(DriftConfig.BASELINE_PINNED_LABEL)));
      trend.addAll(History.trend(spark, root, runDate.toString(), dataset));
    }
    List<Summary.CheckResult> checks = Checks.evaluate(specs, metricRows, history, config);
    typed = typed.withChecks(checks, Checks.status(checks));
    Summary.Stats kl = typed.global().kl();
    trend.add(
        new TrendPoint(
            runDate.toString(),
            kl == null ? null : kl.mean(),
            kl == null ? null : kl.p99(),
            null,
            null));
    Double[] levels = meanKlLevels(config);
    List<TrendPoint> points = new ArrayList<>();
    for (TrendPoint t : trend) {
      points.add(new TrendPoint(t.runDate(), t.klMean(), t.klP99(), levels[0], levels[1]));
    }
    return new DriftReport(
        config,
        typed,
        r.perClass(),
        r.perSlice(),
        r.confusion(),
        r.worstExamples(),
        r.perExample(),
        classRows,
        metricRows,
        points,
        quarantine,
        null);
  }

  /** The warn and alert levels of the global mean-KL threshold check, or nulls. */
  private static Double[] meanKlLevels(DriftConfig config) {
    for (Checks.Spec s : Checks.parse(config)) {
      if (s.type().equals("threshold")
          && s.scope().equals("global")
          && s.metric().equals("kl.mean")) {
        return new Double[] {s.warn(), s.alert()};
      }
    }
    return new Double[] {null, null};
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
    return History.read(spark, root);
  }

  /**
   * Writes {@code report} under {@code <root>/run_date=<runDate>/}, atomically replacing that
   * date's previous report, and returns the folder written.
   */
  public static String write(
      SparkSession spark, DriftReport report, String root, LocalDate runDate) {
    List<ReportWriter.Table> tables = new ArrayList<>();
    tables.add(new ReportWriter.Table("per_class", report.perClass(), true));
    tables.add(new ReportWriter.Table("per_slice", report.perSlice(), true));
    tables.add(new ReportWriter.Table("confusion", report.confusion(), true));
    tables.add(new ReportWriter.Table("worst_examples", report.worstExamples(), true));
    Summary summary = report.summary();
    if (summary.tables().contains("per_example")) {
      tables.add(new ReportWriter.Table("per_example", report.perExample(), false));
    }
    report
        .quarantine()
        .forEach(
            (side, rows) -> tables.add(new ReportWriter.Table("quarantine/" + side, rows, false)));
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
    Dataset<Row> history = History.rows(spark, report.metricRows(), tags, report.status());
    String where =
        Progress.stage(
            "write report",
            () ->
                ReportWriter.write(
                    spark,
                    root,
                    "run_date=" + runDate,
                    files,
                    tables,
                    history,
                    java.time.Duration.ofHours(
                        report.config().get(DriftConfig.STAGING_RETENTION_HOURS))));
    String promFile = report.config().get(DriftConfig.PROMETHEUS_FILE);
    if (!promFile.isEmpty()) {
      ReportWriter.writeLocalAtomically(java.nio.file.Path.of(promFile), prom);
    }
    return where;
  }

  private static String str(Object o) {
    return o == null ? "" : String.valueOf(o);
  }
}
