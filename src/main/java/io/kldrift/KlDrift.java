package io.kldrift;

import io.kldrift.input.PredictionInputs;
import io.kldrift.metrics.DriftAnalysis;
import io.kldrift.report.ReportWriter;
import io.kldrift.sql.KlDriftFunctions;
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
   * Makes the kldrift SQL functions available in {@code spark} if the session was built without
   * the extension (the jar's service entry normally installs them). Safe to call repeatedly.
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

  /** Reads the configured inputs, checks them and computes the whole report for {@code runDate}. */
  public static DriftReport analyze(SparkSession spark, DriftConfig config, LocalDate runDate) {
    registerFunctions(spark);
    Instant started = Instant.now();
    PredictionInputs.Checked checked = Progress.stage("read and validate inputs", () -> PredictionInputs.read(spark, config));
    return build(spark, config, runDate, started, checked);
  }

  /** Like {@link #analyze(SparkSession, DriftConfig, LocalDate)} for Datasets already loaded. */
  public static DriftReport analyze(
      SparkSession spark, Dataset<Row> teacher, Dataset<Row> student, DriftConfig config, LocalDate runDate) {
    registerFunctions(spark);
    Instant started = Instant.now();
    PredictionInputs.Checked checked =
        Progress.stage("validate inputs", () -> PredictionInputs.check(teacher, student, config));
    return build(spark, config, runDate, started, checked);
  }

  private static DriftReport build(
      SparkSession spark, DriftConfig config, LocalDate runDate, Instant started, PredictionInputs.Checked checked) {
    Progress.say(String.format(java.util.Locale.ROOT,
        "inputs: teacher %,d rows, student %,d rows, %d classes", checked.teacherRows(), checked.studentRows(), checked.numClasses()));
    DriftAnalysis.Result r = Progress.stage("join, metrics and aggregates", () -> DriftAnalysis.run(spark, config, checked));

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("schema_version", DriftReport.SCHEMA_VERSION);
    summary.put("status", "OK");
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
    summary.put("run", run);
    summary.put("config", config.asText());
    summary.put("inputs", r.inputs());
    summary.put("global", r.global());
    summary.put("per_slice", r.perSliceSummary());
    summary.put("top_drifted_classes", r.topClasses());
    summary.put("top_confusions", r.topConfusions());
    // No checks are configured yet, so nothing can raise the status above OK (issue 3/6 adds them).
    summary.put("checks", List.of());
    List<String> tables = new ArrayList<>(List.of("per_class", "per_slice", "confusion", "worst_examples"));
    if (config.get(DriftConfig.WRITE_PER_EXAMPLE)) {
      tables.add("per_example");
    }
    summary.put("tables", tables);
    @SuppressWarnings("unchecked")
    Map<String, Object> clean = (Map<String, Object>) ReportWriter.finite(summary);
    return new DriftReport(clean, r.perClass(), r.perSlice(), r.confusion(), r.worstExamples(), r.perExample());
  }

  /**
   * Writes {@code report} under {@code <root>/run_date=<runDate>/}, atomically replacing that
   * date's previous report, and returns the folder written.
   */
  public static String write(SparkSession spark, DriftReport report, String root, LocalDate runDate) {
    List<ReportWriter.Table> tables = new ArrayList<>();
    tables.add(new ReportWriter.Table("per_class", report.perClass(), true));
    tables.add(new ReportWriter.Table("per_slice", report.perSlice(), true));
    tables.add(new ReportWriter.Table("confusion", report.confusion(), true));
    tables.add(new ReportWriter.Table("worst_examples", report.worstExamples(), true));
    @SuppressWarnings("unchecked")
    List<String> names = (List<String>) report.summary().get("tables");
    if (names.contains("per_example")) {
      tables.add(new ReportWriter.Table("per_example", report.perExample(), false));
    }
    return Progress.stage("write report", () -> ReportWriter.write(spark, root, "run_date=" + runDate, report.summary(), tables));
  }
}
