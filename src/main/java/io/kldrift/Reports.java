package io.kldrift;

import io.kldrift.config.DriftConfig;
import io.kldrift.console.Progress;
import io.kldrift.engine.DriftState;
import io.kldrift.engine.Finisher;
import io.kldrift.input.NoData;
import io.kldrift.input.PredictionInputs;
import io.kldrift.monitor.ChangeAttribution;
import io.kldrift.monitor.CheckType;
import io.kldrift.monitor.Checks;
import io.kldrift.monitor.History;
import io.kldrift.monitor.MetricRow;
import io.kldrift.monitor.Monitoring;
import io.kldrift.store.ReportStore;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.TrendPoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Turns a finished drift state into a {@link DriftReport}: run metadata, the summary records, the
 * checks against the history (or, for a rollup, against the previous period) and the trend.
 */
final class Reports {
  private Reports() {}

  /** Where a report's figures come from besides the finished state. */
  record Origin(
      String runDate,
      Summary.Period period,
      Instant started,
      String historyDate,
      List<Checks.Run> baselineOverride) {}

  static DriftReport assemble(
      SparkSession spark,
      DriftConfig config,
      Origin origin,
      Finisher.Finished f,
      DriftState state,
      Dataset<Row> perExample) {
    Instant finished = Instant.now();
    Summary.RunInfo run =
        new Summary.RunInfo(
            origin.runDate(),
            origin.started().toString(),
            Duration.between(origin.started(), finished).toMillis() / 1000.0,
            KlDrift.VERSION,
            spark.version(),
            spark.sparkContext().master(),
            config.get(DriftConfig.TEACHER_PATH),
            config.get(DriftConfig.STUDENT_PATH),
            config.get(DriftConfig.TEACHER_MODEL),
            config.get(DriftConfig.STUDENT_MODEL),
            config.get(DriftConfig.DATASET),
            config.get(DriftConfig.LABEL));
    List<String> tables = new ArrayList<>(f.tables());
    Map<String, Dataset<Row>> quarantine = new LinkedHashMap<>();
    if (f.checked() != null) {
      for (PredictionInputs.SideValidation v :
          List.of(f.checked().teacherValidation(), f.checked().studentValidation())) {
        if (v.quarantine() != null) {
          quarantine.put(v.side(), v.quarantine());
          tables.add("quarantine/" + v.side());
        }
      }
    }
    Summary summary =
        summaryOf(f, run, origin.period(), new LinkedHashMap<>(config.asText()), tables);
    List<ClassRow> classRows = f.classRows();
    List<MetricRow> metricRows = new ArrayList<>(MetricRow.of(summary, classRows));
    metricRows.add(
        new MetricRow(
            History.RUN_SCOPE, "", "", History.FINISHED_AT, finished.toEpochMilli() / 1000.0));
    String root = config.get(DriftConfig.OUTPUT_PATH);
    String dataset = config.get(DriftConfig.DATASET);
    List<Checks.Spec> specs = Checks.parse(config);
    History.Earlier earlier = History.Earlier.NONE;
    Checks.Past past =
        origin.baselineOverride() == null
            ? Checks.Past.NONE
            : Checks.Past.of(origin.baselineOverride(), config);
    boolean monitored = !root.isEmpty() && origin.historyDate() != null;
    List<TrendPoint> trend = new ArrayList<>();
    if (monitored) {
      List<String> metrics = new ArrayList<>();
      for (Checks.Spec s : specs) {
        metrics.add(s.metric());
        metrics.add(s.scope().equals("class") ? "n" : "kl.n");
        if (s.type() == CheckType.SIGNIFICANCE) {
          String base = s.metric().replace(".mean", "");
          metrics.addAll(List.of(base + ".n", base + ".std"));
        }
      }
      if (!metrics.isEmpty()) {
        metrics.addAll(ChangeAttribution.METRICS);
      }
      ReportStore store = ReportStore.at(spark, root);
      store.recover();
      earlier =
          Progress.stage(
              spark,
              "read history",
              () ->
                  History.earlierRuns(
                      store.history(), origin.historyDate(), dataset, metrics, config));
      past = earlier.past();
      trend.addAll(earlier.trend());
    }
    List<Summary.CheckResult> checks =
        Checks.evaluate(
            specs, metricRows, past, config, NoData.describe(spark, config, summary.inputs()));
    String status = Checks.status(checks, summary.inputs().matched());
    metricRows.addAll(Checks.outcomeRows(checks));
    summary =
        summary.withComparison(checks, status, ChangeAttribution.of(metricRows, past, config));
    if (monitored) {
      summary = Monitoring.of(summary, earlier, past, config, finished);
    }
    trend.add(
        new TrendPoint(
            origin.runDate(), f.global().kl().mean(), f.global().kl().p99(), null, null));
    Double[] levels = meanKlLevels(config);
    List<TrendPoint> points = new ArrayList<>();
    for (TrendPoint t : trend) {
      points.add(new TrendPoint(t.runDate(), t.klMean(), t.klP99(), levels[0], levels[1]));
    }
    return new DriftReport(
        config,
        summary,
        f.perClass(),
        f.perSliceTable(),
        f.confusion(),
        f.worstExamples(),
        perExample,
        f.perToken(),
        classRows,
        metricRows,
        points,
        quarantine,
        state.bytes());
  }

  /** The summary of a finished state, before its checks (status OK, no check outcomes). */
  static Summary summaryOf(
      Finisher.Finished f,
      Summary.RunInfo run,
      Summary.Period period,
      Map<String, String> config,
      List<String> tables) {
    return new Summary(
        Summary.SCHEMA_VERSION,
        Checks.OK,
        run,
        period,
        config,
        f.inputs(),
        f.global(),
        f.slices(),
        f.topClasses(),
        f.topConfusions(),
        List.of(),
        tables,
        f.sequences(),
        null,
        null,
        null,
        null,
        null);
  }

  /** The warn and alert levels of the global mean-KL threshold check, or nulls. */
  private static Double[] meanKlLevels(DriftConfig config) {
    for (Checks.Spec s : Checks.parse(config)) {
      if (s.type() == CheckType.THRESHOLD
          && s.scope().equals("global")
          && s.metric().equals("kl.mean")) {
        return new Double[] {s.warn(), s.alert()};
      }
    }
    return new Double[] {null, null};
  }
}
