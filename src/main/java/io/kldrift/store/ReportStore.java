package io.kldrift.store;

import io.kldrift.config.ReportFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Where a report root keeps its runs: each run's tables, files and drift state, the metrics
 * history, and the commit that makes a run visible only when all of it is. Parquet folders and
 * Delta tables implement it; the format is chosen once, here, from {@code report.format} for a
 * writer and from what the root holds for a reader, so no other code tests it. Model: Deequ's
 * {@code MetricsRepository} and its {@code FileSystemMetricsRepository}.
 */
public interface ReportStore {
  /** The marker file that identifies a kldrift report root. */
  String MARKER = ReportRoot.MARKER;

  /** The drift state file in every run folder of a Parquet root, the input of rollups. */
  String STATE_FILE = ParquetReportStore.STATE_FILE;

  /** One named table of a run, coalesced to one file when {@code single}. */
  record Table(String name, Dataset<Row> data, boolean single) {}

  /**
   * One run to publish under {@code <root>/<runDir>/}: files (name to bytes, e.g. summary.json),
   * tables, the serialized drift state (or null), the run's history rows (or null for a rollup),
   * how old a killed run's staging may get before it is removed, and when the run started (a report
   * another run published after that is not replaced).
   */
  record Run(
      String runDir,
      Map<String, byte[]> files,
      List<Table> tables,
      byte[] state,
      Dataset<Row> history,
      Duration staleAfter,
      Instant started) {}

  /** A run's stored drift state and where it was read, for error messages. */
  record State(byte[] bytes, String where) {}

  /** The store a run writes with {@code report.format} = {@code format}. */
  static ReportStore forRun(SparkSession spark, String root, ReportFormat format) {
    return format == ReportFormat.DELTA
        ? new DeltaReportStore(spark, root)
        : new ParquetReportStore(spark, root);
  }

  /**
   * The store a rollup writes with: its states' {@code format}, or Delta under a root that holds
   * Delta reports, since a rollup is stored like the daily runs it merged.
   */
  static ReportStore forRollup(SparkSession spark, String root, ReportFormat format) {
    return format == ReportFormat.DELTA ? new DeltaReportStore(spark, root) : at(spark, root);
  }

  /** The store that holds what is under {@code root}, for readers. */
  static ReportStore at(SparkSession spark, String root) {
    return ReportRoot.holdsDelta(spark, root)
        ? new DeltaReportStore(spark, root)
        : new ParquetReportStore(spark, root);
  }

  /** The report root. */
  String root();

  /**
   * Refuses, before anything is read or computed, a root this store could not write: not writable,
   * foreign data, the other format's reports, or (Delta) a session without Delta.
   */
  void checkBeforeRun();

  /** Refuses a root that holds the other format's reports. */
  void checkFormat();

  /**
   * Writes and commits {@code run}, replacing that run folder's previous report, and returns the
   * folder written. Throws a {@link io.kldrift.DriftException.Kind#CONFLICT} when another run of
   * the same folder published first.
   */
  String publish(Run run);

  /** Completes or rolls back the publishes that killed runs left half done. */
  void recover();

  /**
   * The committed metrics history (the history's columns and a string {@code run_date}), empty when
   * there is none.
   */
  Dataset<Row> history();

  /**
   * Appends {@code rows} to the history of the committed run of {@code runDate}, so they count as
   * long as that run does. Returns false when no run of the date is committed.
   */
  boolean appendToRun(String runDate, Dataset<Row> rows);

  /** The committed drift states of the given run folders, by folder name (absent ones left out). */
  Map<String, State> states(List<String> runDirs);

  /** The folder names of the committed runs, sorted. */
  List<String> runs();

  /**
   * Records that a person accepted the run of {@code runDate} as the new normal (one history row
   * with the time and {@code reason}, counted as long as that run is) and returns its status.
   */
  String accept(String runDate, String reason);
}
