package io.kldrift;

import io.kldrift.config.DriftConfig;
import io.kldrift.monitor.MetricRow;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.TrendPoint;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The result of one drift run (or rollup): the typed {@link Summary} that {@code summary.json} is
 * written from, and the report tables as Datasets. Nothing here holds per-example data on the
 * driver; the tables are small aggregates except {@link #perExample()}, which stays distributed
 * (and is recomputed from the inputs only when asked for).
 *
 * <pre>{@code
 * try (DriftReport report = KlDrift.analyze(spark, config, LocalDate.parse("2026-11-28"))) {
 *   report.perClass().orderBy(desc("kl_contribution")).show(5);
 *   System.out.println(report.meanKl() + " " + report.status());
 * }
 * }</pre>
 */
public final class DriftReport implements AutoCloseable {
  /** Version of the summary.json layout; bumped whenever a stable name changes. */
  public static final int SCHEMA_VERSION = Summary.SCHEMA_VERSION;

  private final DriftConfig config;
  private final Summary summary;
  private final Dataset<Row> perClass;
  private final Dataset<Row> perSlice;
  private final Dataset<Row> confusion;
  private final Dataset<Row> worstExamples;
  private final Dataset<Row> perExample;
  private final Dataset<Row> perToken;
  private final List<ClassRow> perClassRows;
  private final List<MetricRow> metricRows;
  private final List<TrendPoint> trend;
  private final Map<String, Dataset<Row>> quarantine;
  private final byte[] state;

  DriftReport(
      DriftConfig config,
      Summary summary,
      Dataset<Row> perClass,
      Dataset<Row> perSlice,
      Dataset<Row> confusion,
      Dataset<Row> worstExamples,
      Dataset<Row> perExample,
      Dataset<Row> perToken,
      List<ClassRow> perClassRows,
      List<MetricRow> metricRows,
      List<TrendPoint> trend,
      Map<String, Dataset<Row>> quarantine,
      byte[] state) {
    this.config = config;
    this.summary = summary;
    this.perClass = perClass;
    this.perSlice = perSlice;
    this.confusion = confusion;
    this.worstExamples = worstExamples;
    this.perExample = perExample;
    this.perToken = perToken;
    this.perClassRows = List.copyOf(perClassRows);
    this.metricRows = List.copyOf(metricRows);
    this.trend = List.copyOf(trend);
    this.quarantine = Collections.unmodifiableMap(quarantine);
    this.state = state;
  }

  /**
   * The rows set aside by quarantine policies, by side ({@code teacher}, {@code student}; a side is
   * absent when none of its rows were): every input column plus {@code kldrift_rule}, the rule the
   * row broke. Written to {@code quarantine/<side>/}.
   */
  public Map<String, Dataset<Row>> quarantine() {
    return quarantine;
  }

  /**
   * Sequence layout with {@code report.per_sequence=true}: every joined sequence's keys, slices and
   * KL mean, sum and max over its counted positions, their number and the first divergence; null
   * otherwise.
   */
  public Dataset<Row> perSequence() {
    return summary.sequences() == null ? null : perExample;
  }

  /**
   * Sequence layout: per teacher top-1 token id, the counted positions, their mean KL (a bound for
   * top-k inputs), share of the KL mass, agreement and teacher tail mass; null for examples.
   */
  public Dataset<Row> perToken() {
    return perToken;
  }

  /** The configuration the report was computed with. */
  public DriftConfig config() {
    return config;
  }

  /** The per-class rows, already on the driver (one per class). */
  public List<ClassRow> perClassRows() {
    return perClassRows;
  }

  /** This run's figures in the history's long format. */
  public List<MetricRow> metricRows() {
    return metricRows;
  }

  /** Mean and p99 KL of earlier runs and this one, oldest first (the report's trend chart). */
  public List<TrendPoint> trend() {
    return trend;
  }

  /** The outcome of every configured check, worst first as in summary.json. */
  public List<Summary.CheckResult> checks() {
    return summary.checks();
  }

  /** Everything summary.json holds, with the stable names of DESIGN §4. */
  public Summary summary() {
    return summary;
  }

  /**
   * The serialized drift state this report was finished from (the run folder's {@code
   * drift-state.bin}), or null for a report built without one.
   */
  byte[] state() {
    return state;
  }

  /** One row per class: {@code class_index}, {@code class_name}, {@code kl_contribution}, ... */
  public Dataset<Row> perClass() {
    return perClass;
  }

  /** One row per (slice column, slice value) with the KL, JS and agreement summaries. */
  public Dataset<Row> perSlice() {
    return perSlice;
  }

  /** The most frequent teacher-top-1 to student-top-1 disagreements. */
  public Dataset<Row> confusion() {
    return confusion;
  }

  /** The examples with the highest KL, with their keys. */
  public Dataset<Row> worstExamples() {
    return worstExamples;
  }

  /**
   * Every joined example's metrics (distributed and lazy: computing it reads the inputs again;
   * written only when report.per_example is set). Null for a rollup and in the sequence layout.
   */
  public Dataset<Row> perExample() {
    return summary.sequences() == null ? perExample : null;
  }

  /** Nothing is cached by a report; kept so that try-with-resources code stays valid. */
  @Override
  public void close() {
    if (perExample != null) {
      perExample.unpersist();
    }
  }

  /** Overall status: OK, WARN or ALERT. */
  public String status() {
    return summary.status();
  }

  /** Mean KL(teacher||student) over the matched examples, or NaN when there are none. */
  public double meanKl() {
    Double v = summary.global().kl().mean();
    return v == null ? Double.NaN : v;
  }

  /** Matched (joined) examples. */
  public long matched() {
    return summary.inputs().matched();
  }

  /** The classes with the largest KL contribution, largest first. */
  public List<Summary.ClassShare> topClasses() {
    return summary.topDriftedClasses();
  }
}
