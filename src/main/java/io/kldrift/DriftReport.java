package io.kldrift;

import io.kldrift.monitor.MetricRow;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The result of one drift run: the summary (what {@code summary.json} holds, as nested maps and
 * lists) and the report tables as Datasets. Nothing here holds per-example data on the driver; the
 * tables are small aggregates except {@link #perExample()}, which stays distributed.
 *
 * <pre>{@code
 * try (DriftReport report = KlDrift.analyze(spark, config, LocalDate.parse("2026-11-28"))) {
 *   report.perClass().orderBy(desc("kl_contribution")).show(5);
 *   System.out.println(report.meanKl() + " " + report.status());
 * }
 * }</pre>
 *
 * <p>The per-example metrics stay cached until {@link #close()}.
 */
public final class DriftReport implements AutoCloseable {
  /** Version of the summary.json layout; bumped whenever a stable name changes. */
  public static final int SCHEMA_VERSION = 1;

  private final DriftConfig config;
  private final Map<String, Object> summary;
  private final Dataset<Row> perClass;
  private final Dataset<Row> perSlice;
  private final Dataset<Row> confusion;
  private final Dataset<Row> worstExamples;
  private final Dataset<Row> perExample;
  private final List<Map<String, Object>> perClassRows;
  private final List<MetricRow> metricRows;
  private final List<Map<String, Object>> trend;
  private final Map<String, Dataset<Row>> quarantine;

  DriftReport(
      DriftConfig config,
      Map<String, Object> summary,
      Dataset<Row> perClass,
      Dataset<Row> perSlice,
      Dataset<Row> confusion,
      Dataset<Row> worstExamples,
      Dataset<Row> perExample,
      List<Map<String, Object>> perClassRows,
      List<MetricRow> metricRows,
      List<Map<String, Object>> trend,
      Map<String, Dataset<Row>> quarantine) {
    this.config = config;
    this.summary = Collections.unmodifiableMap(summary);
    this.perClass = perClass;
    this.perSlice = perSlice;
    this.confusion = confusion;
    this.worstExamples = worstExamples;
    this.perExample = perExample;
    this.perClassRows = perClassRows;
    this.metricRows = metricRows;
    this.trend = trend;
    this.quarantine = Collections.unmodifiableMap(quarantine);
  }

  /**
   * The rows set aside by quarantine policies, by side ({@code teacher}, {@code student}; a side is
   * absent when none of its rows were): every input column plus {@code kldrift_rule}, the rule the
   * row broke. Written to {@code quarantine/<side>/}.
   */
  public Map<String, Dataset<Row>> quarantine() {
    return quarantine;
  }

  /** The configuration the report was computed with. */
  public DriftConfig config() {
    return config;
  }

  /** The per-class rows, already on the driver (one per class). */
  List<Map<String, Object>> perClassRows() {
    return perClassRows;
  }

  /** This run's figures in the history's long format. */
  public List<MetricRow> metricRows() {
    return metricRows;
  }

  /** Mean and p99 KL of earlier runs and this one, oldest first (the report's trend chart). */
  public List<Map<String, Object>> trend() {
    return trend;
  }

  /** The outcome of every configured check, worst first as in summary.json. */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> checks() {
    return (List<Map<String, Object>>) summary.get("checks");
  }

  /** Everything summary.json holds, keyed by the stable names of DESIGN §4. */
  public Map<String, Object> summary() {
    return summary;
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

  /** Every joined example's metrics (distributed; written only when report.per_example is set). */
  public Dataset<Row> perExample() {
    return perExample;
  }

  /** Releases the cached per-example metrics; the report's figures and small tables stay usable. */
  @Override
  public void close() {
    perExample.unpersist();
  }

  /** Overall status: OK, WARN or ALERT. */
  public String status() {
    return (String) summary.get("status");
  }

  /** Mean KL(teacher||student) over the matched examples, or NaN when there are none. */
  public double meanKl() {
    Object v = global("kl").get("mean");
    return v == null ? Double.NaN : ((Number) v).doubleValue();
  }

  /** Matched (joined) examples. */
  public long matched() {
    return ((Number) section("inputs").get("matched")).longValue();
  }

  /** The global summary of one metric ({@code kl}, {@code js}, {@code agreement}, ...). */
  @SuppressWarnings("unchecked")
  public Map<String, Object> global(String metric) {
    return (Map<String, Object>) section("global").get(metric);
  }

  /** The classes with the largest KL contribution, largest first. */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> topClasses() {
    return (List<Map<String, Object>>) summary.get("top_drifted_classes");
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> section(String name) {
    return (Map<String, Object>) summary.get(name);
  }
}
