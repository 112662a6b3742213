package io.kldrift;

import io.kldrift.config.DriftConfig;
import io.kldrift.console.Progress;
import io.kldrift.engine.DriftState;
import io.kldrift.engine.Finisher;
import io.kldrift.input.PredictionInputs;
import io.kldrift.monitor.Checks;
import io.kldrift.monitor.MetricRow;
import io.kldrift.store.ReportStore;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Reports over a period merged from the daily drift states ({@code run_date=D/drift-state.bin}, or
 * the committed rows of the {@code drift_state} table under a Delta report root) under a report
 * root: no prediction data is read. Days without a state are named in the report and in a warning.
 * Checks compare with the previous periods of the same length, merged the same way.
 */
final class Rollups {
  private Rollups() {}

  /** The merged state of a period and which of its days had one. */
  record Merged(DriftState state, List<String> merged, List<String> missing) {}

  static Merged merge(ReportStore store, LocalDate from, LocalDate to) {
    List<String> runDirs = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      runDirs.add("run_date=" + d);
    }
    return merge(store.states(runDirs), from, to);
  }

  /** Merges the states of the days from {@code from} to {@code to} found in {@code stored}. */
  private static Merged merge(Map<String, ReportStore.State> stored, LocalDate from, LocalDate to) {
    List<String> present = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    DriftState state = null;
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      ReportStore.State s = stored.get("run_date=" + d);
      if (s == null) {
        missing.add(d.toString());
        continue;
      }
      DriftState day = DriftState.read(s.bytes(), s.where());
      state = state == null ? day : state.merge(day);
      present.add(d.toString());
    }
    return new Merged(state, present, missing);
  }

  static DriftReport rollup(
      SparkSession spark, String root, LocalDate from, LocalDate to, String name) {
    if (to.isBefore(from)) {
      throw RollupErrors.toBeforeFrom(from, to);
    }
    Instant started = Instant.now();
    ReportStore store = ReportStore.at(spark, root);
    Merged m = merge(store, from, to);
    if (m.state() == null) {
      throw RollupErrors.noStates(root, from, to);
    }
    if (!m.missing().isEmpty()) {
      Progress.warn(
          "rollup "
              + name
              + ": no drift state for "
              + m.missing().size()
              + " of "
              + (m.missing().size() + m.merged().size())
              + " days: "
              + String.join(", ", m.missing()));
    }
    DriftConfig config = m.state().config(root);
    Finisher.Finished f = finish(spark, config, m.state());
    Summary.Period period =
        new Summary.Period(
            name,
            from.toString(),
            to.toString(),
            m.merged().size() + m.missing().size(),
            m.merged(),
            m.missing());
    return Reports.assemble(
        spark,
        config,
        new Reports.Origin(
            from + ".." + to,
            period,
            started,
            null,
            previousPeriods(spark, store, from, to, config)),
        f,
        m.state(),
        null);
  }

  private static Finisher.Finished finish(SparkSession spark, DriftConfig config, DriftState s) {
    PredictionInputs.Prepared counts =
        PredictionInputs.countsOnly(config, s.hasLabel(), s.sliceColumns());
    return Finisher.finish(spark, config, s, counts);
  }

  /**
   * The figures of up to baseline.window earlier periods of the same length, oldest first, each
   * merged from its days' states (periods without any state are left out).
   */
  private static List<Checks.Run> previousPeriods(
      SparkSession spark, ReportStore store, LocalDate from, LocalDate to, DriftConfig current) {
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    List<Checks.Run> runs = new ArrayList<>();
    int window = current.get(DriftConfig.BASELINE_WINDOW);
    for (int i = window; i >= 1; i--) {
      LocalDate pFrom = from.minusDays(days * i);
      LocalDate pTo = pFrom.plusDays(days - 1);
      Merged m = merge(store, pFrom, pTo);
      if (m.state() == null) {
        continue;
      }
      DriftConfig config = m.state().config(store.root());
      Finisher.Finished f = finish(spark, config, m.state());
      List<ClassRow> classes = f.classRows();
      Summary s = Reports.summaryOf(f, null, null, Map.of(), List.of());
      runs.add(new Checks.Run(pFrom + ".." + pTo, "", MetricRow.of(s, classes)));
    }
    return runs;
  }
}
