package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** metrics.prom follows the text exposition format: HELP/TYPE lines, escaped labels, values. */
class PrometheusTest {

  @Test
  void headlineMetricsWithEscapedLabels() {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("dataset", "ranker \"eu\"\\west");
    run.put("teacher_model", "t-7");
    run.put("student_model", null);
    Map<String, Object> kl = Map.of("mean", 0.0557, "p99", 0.3658);
    Map<String, Object> global =
        Map.of("kl", kl, "js", Map.of("mean", 0.0125), "agreement", Map.of("mean", 0.9114));
    Map<String, Object> inputs =
        Map.of(
            "matched",
            19962L,
            "teacher_only",
            19L,
            "student_only",
            19L,
            "support_violations",
            Map.of("examples", 0L));
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("status", "ALERT");
    summary.put("run", run);
    summary.put("inputs", inputs);
    summary.put("global", global);
    summary.put(
        "checks",
        List.of(Map.of("outcome", "ALERT"), Map.of("outcome", "OK"), Map.of("outcome", "ALERT")));
    summary.put(
        "per_slice",
        List.of(Map.of("column", "segment", "value", "mob\nile", "kl", Map.of("mean", 0.11))));

    String text = Prometheus.render(summary);
    String labels =
        "dataset=\"ranker \\\"eu\\\"\\\\west\",teacher_model=\"t-7\",student_model=\"\"";
    assertThat(text)
        .contains("# TYPE kldrift_status gauge\n")
        .contains("kldrift_status{" + labels + "} 2.000000000\n")
        .contains("kldrift_kl_mean{" + labels + "} 0.05570000000\n")
        .contains("kldrift_matched_examples{" + labels + "} 19962.00000\n")
        .contains("kldrift_checks{" + labels + ",outcome=\"ALERT\"} 2.000000000\n")
        .contains("kldrift_checks{" + labels + ",outcome=\"WARN\"} 0.000000000\n")
        .contains("slice_value=\"mob\\nile\"} 0.1100000000\n");
    // every sample line is "name{labels} value"
    for (String line : text.split("\n")) {
      if (!line.startsWith("#")) {
        assertThat(line).matches("kldrift_[a-z0-9_]+\\{.*\\} (NaN|-?[0-9.]+(e[-+]?[0-9]+)?)");
      }
    }
  }
}
