package io.kldrift.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's headline metrics in the Prometheus text exposition format, for a node-exporter textfile
 * collector: status, mean and p99 KL, JS, agreement, counts, check outcomes, and mean KL per slice.
 * Labels carry the run's tags; their values are escaped as the format requires.
 */
public final class Prometheus {
  private Prometheus() {}

  /** Renders the metrics of one summary (the structure of summary.json). */
  @SuppressWarnings("unchecked")
  public static String render(Map<String, Object> summary) {
    Map<String, Object> run = (Map<String, Object>) summary.get("run");
    Map<String, Object> inputs = (Map<String, Object>) summary.get("inputs");
    Map<String, Object> global = (Map<String, Object>) summary.get("global");
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("dataset", str(run.get("dataset")));
    tags.put("teacher_model", str(run.get("teacher_model")));
    tags.put("student_model", str(run.get("student_model")));
    StringBuilder b = new StringBuilder();
    String status = str(summary.get("status"));
    gauge(
        b,
        "kldrift_status",
        "Overall status of the run: 0 OK, 1 WARN, 2 ALERT.",
        tags,
        status.equals("ALERT") ? 2.0 : status.equals("WARN") ? 1.0 : 0.0);
    gauge(
        b,
        "kldrift_kl_mean",
        "Mean KL(teacher||student) over matched examples, nats.",
        tags,
        stat(global, "kl", "mean"));
    gauge(
        b,
        "kldrift_kl_p99",
        "99th percentile of per-example KL, nats.",
        tags,
        stat(global, "kl", "p99"));
    gauge(
        b,
        "kldrift_js_mean",
        "Mean Jensen-Shannon divergence, nats.",
        tags,
        stat(global, "js", "mean"));
    gauge(
        b,
        "kldrift_agreement",
        "Share of examples whose teacher and student top-1 agree.",
        tags,
        stat(global, "agreement", "mean"));
    gauge(
        b,
        "kldrift_matched_examples",
        "Examples present in both tables.",
        tags,
        num(inputs.get("matched")));
    gauge(
        b,
        "kldrift_teacher_only_examples",
        "Teacher keys without a student row.",
        tags,
        num(inputs.get("teacher_only")));
    gauge(
        b,
        "kldrift_student_only_examples",
        "Student keys without a teacher row.",
        tags,
        num(inputs.get("student_only")));
    Map<String, Object> viol = (Map<String, Object>) inputs.get("support_violations");
    gauge(
        b,
        "kldrift_support_violation_examples",
        "Examples with Q(c)=0 where P(c)>0.",
        tags,
        num(viol.get("examples")));
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    for (String o : List.of("OK", "WARN", "ALERT", "INSUFFICIENT_DATA")) {
      outcomes.put(o, 0);
    }
    for (Object c : (List<Object>) summary.get("checks")) {
      outcomes.merge(str(((Map<String, Object>) c).get("outcome")), 1, Integer::sum);
    }
    header(b, "kldrift_checks", "Check outcomes of the run, by outcome.");
    outcomes.forEach(
        (o, n) -> {
          Map<String, String> l = new LinkedHashMap<>(tags);
          l.put("outcome", o);
          sample(b, "kldrift_checks", l, n);
        });
    header(b, "kldrift_slice_kl_mean", "Mean KL per slice value, nats.");
    for (Object o : (List<Object>) summary.get("per_slice")) {
      Map<String, Object> s = (Map<String, Object>) o;
      Map<String, String> l = new LinkedHashMap<>(tags);
      l.put("slice_column", str(s.get("column")));
      l.put("slice_value", str(s.get("value")));
      sample(b, "kldrift_slice_kl_mean", l, stat(s, "kl", "mean"));
    }
    return b.toString();
  }

  private static void gauge(
      StringBuilder b, String name, String help, Map<String, String> labels, Double v) {
    header(b, name, help);
    sample(b, name, labels, v);
  }

  private static void header(StringBuilder b, String name, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static void sample(StringBuilder b, String name, Map<String, String> labels, Number v) {
    b.append(name).append('{');
    boolean first = true;
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
    }
    b.append("} ");
    if (v == null || Double.isNaN(v.doubleValue())) {
      b.append("NaN");
    } else {
      b.append(String.format(Locale.ROOT, "%.10g", v.doubleValue()));
    }
    b.append('\n');
  }

  /** Escapes a label value: backslash, double quote and newline. */
  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  @SuppressWarnings("unchecked")
  private static Double stat(Map<String, Object> section, String metric, String field) {
    Object m = section.get(metric);
    return m instanceof Map ? num(((Map<String, Object>) m).get(field)) : null;
  }

  private static Double num(Object o) {
    return o == null ? null : ((Number) o).doubleValue();
  }

  private static String str(Object o) {
    return o == null ? "" : String.valueOf(o);
  }
}
