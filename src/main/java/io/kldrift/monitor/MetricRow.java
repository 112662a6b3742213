package io.kldrift.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One summary figure of one run, in the long format the history stores: a scope ({@code global},
 * {@code slice} with its column and value, or {@code class} with its name), a metric name and its
 * value. Checks read the current run and the history in this same shape.
 *
 * @param scope global, slice or class
 * @param column the slice column, or the class index as text for class scope; empty for global
 * @param key the slice value or the class name; empty for global
 * @param metric e.g. {@code kl.mean}, {@code kl.p99}, {@code agreement.mean}, {@code
 *     kl_contribution}
 * @param value the figure, or null when undefined (e.g. a std of one example)
 */
public record MetricRow(String scope, String column, String key, String metric, Double value) {

  /** Metrics of global scope, as read from summary.json. */
  public static final List<String> GLOBAL_METRICS =
      List.of(
          "kl.n",
          "kl.mean",
          "kl.std",
          "kl.p50",
          "kl.p90",
          "kl.p95",
          "kl.p99",
          "kl.max",
          "js.mean",
          "js.p95",
          "js.p99",
          "reverse_kl.mean",
          "total_variation.mean",
          "cross_entropy.mean",
          "teacher_entropy.mean",
          "agreement.mean",
          "marginal_kl",
          "matched",
          "unmatched_share",
          "teacher_only_share",
          "student_only_share",
          "support_violation_share",
          "quarantined_share",
          "renormalized_share");

  /** Metrics of slice scope. */
  public static final List<String> SLICE_METRICS =
      List.of(
          "kl.n", "kl.mean", "kl.std", "kl.p50", "kl.p95", "kl.p99", "js.mean", "agreement.mean");

  /** Metrics of class scope, from per_class/; {@code n} is the class's teacher-top-1 count. */
  public static final List<String> CLASS_METRICS =
      List.of(
          "n",
          "kl_contribution",
          "teacher_mean_prob",
          "student_mean_prob",
          "teacher_top1_mean_kl",
          "teacher_top1_agreement",
          "marginal_kl_term");

  /** The valid metric names of a scope. */
  public static List<String> metricsOf(String scope) {
    switch (scope) {
      case "global":
        return GLOBAL_METRICS;
      case "slice":
        return SLICE_METRICS;
      case "class":
        return CLASS_METRICS;
      default:
        throw new IllegalArgumentException(scope);
    }
  }

  /** The rows of one run: from its summary and its per-class table rows. */
  @SuppressWarnings("unchecked")
  public static List<MetricRow> of(
      Map<String, Object> summary, List<Map<String, Object>> perClass) {
    List<MetricRow> rows = new ArrayList<>();
    Map<String, Object> global = (Map<String, Object>) summary.get("global");
    Map<String, Object> inputs = (Map<String, Object>) summary.get("inputs");
    for (String m : GLOBAL_METRICS) {
      rows.add(new MetricRow("global", "", "", m, globalValue(m, global, inputs)));
    }
    for (Object o : (List<Object>) summary.get("per_slice")) {
      Map<String, Object> s = (Map<String, Object>) o;
      String value = s.get("value") == null ? "(null)" : String.valueOf(s.get("value"));
      for (String m : SLICE_METRICS) {
        rows.add(new MetricRow("slice", String.valueOf(s.get("column")), value, m, dotted(s, m)));
      }
    }
    for (Map<String, Object> c : perClass) {
      String index = String.valueOf(c.get("class_index"));
      String name = String.valueOf(c.get("class_name"));
      for (String m : CLASS_METRICS) {
        Object v = c.get(m.equals("n") ? "teacher_top1_count" : m);
        rows.add(
            new MetricRow("class", index, name, m, v == null ? null : ((Number) v).doubleValue()));
      }
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  private static Double globalValue(
      String m, Map<String, Object> global, Map<String, Object> inputs) {
    double tRows = num(inputs.get("teacher_rows"));
    double sRows = num(inputs.get("student_rows"));
    double matched = num(inputs.get("matched"));
    switch (m) {
      case "matched":
        return matched;
      case "marginal_kl":
        return global.get("marginal_kl") == null ? null : num(global.get("marginal_kl"));
      case "unmatched_share":
        return tRows + sRows == 0
            ? null
            : (num(inputs.get("teacher_only")) + num(inputs.get("student_only"))) / (tRows + sRows);
      case "teacher_only_share":
        return tRows == 0 ? null : num(inputs.get("teacher_only")) / tRows;
      case "student_only_share":
        return sRows == 0 ? null : num(inputs.get("student_only")) / sRows;
      case "quarantined_share":
        return tRows + sRows == 0
            ? null
            : (num(inputs.get("teacher_quarantined")) + num(inputs.get("student_quarantined")))
                / (tRows + sRows);
      case "renormalized_share":
        return tRows + sRows == 0
            ? null
            : (num(inputs.get("teacher_renormalized")) + num(inputs.get("student_renormalized")))
                / (tRows + sRows);
      case "support_violation_share":
        Map<String, Object> v = (Map<String, Object>) inputs.get("support_violations");
        return matched == 0 ? null : num(v.get("examples")) / matched;
      default:
        return dotted(global, m);
    }
  }

  @SuppressWarnings("unchecked")
  private static Double dotted(Map<String, Object> section, String metric) {
    int dot = metric.indexOf('.');
    Object inner = section.get(metric.substring(0, dot));
    if (!(inner instanceof Map)) {
      return null;
    }
    Object v = ((Map<String, Object>) inner).get(metric.substring(dot + 1));
    return v == null ? null : ((Number) v).doubleValue();
  }

  private static double num(Object o) {
    return o == null ? 0 : ((Number) o).doubleValue();
  }
}
