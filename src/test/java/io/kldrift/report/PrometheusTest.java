package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** metrics.prom follows the text exposition format: HELP/TYPE lines, escaped labels, values. */
class PrometheusTest {

  @Test
  void headlineMetricsWithEscapedLabels() {
    Summary summary =
        SummaryJson.read(
            """
            {
              "status": "ALERT",
              "run": {"dataset": "ranker \\"eu\\"\\\\west", "teacher_model": "t-7",
                      "student_model": null},
              "inputs": {"matched": 19962, "teacher_only": 19, "student_only": 19,
                         "support_violations": {"examples": 0}},
              "global": {"kl": {"mean": 0.0557, "p99": 0.3658}, "js": {"mean": 0.0125},
                         "agreement": {"mean": 0.9114}, "support_violation_kl_share": 0.381},
              "checks": [{"outcome": "ALERT"}, {"outcome": "OK"}, {"outcome": "ALERT"}],
              "per_slice": [{"column": "segment", "value": "mob\\nile", "kl": {"mean": 0.11}}]
            }
            """
                .getBytes(StandardCharsets.UTF_8));
    assertThat(summary.run().dataset()).isEqualTo("ranker \"eu\"\\west");
    assertThat(summary.perSlice().get(0).value()).isEqualTo("mob\nile");

    String text = Prometheus.render(summary);
    String labels =
        "dataset=\"ranker \\\"eu\\\"\\\\west\",teacher_model=\"t-7\",student_model=\"\"";
    assertThat(text)
        .contains("# TYPE kldrift_status gauge\n")
        .contains("kldrift_status{" + labels + "} 2.000000000\n")
        .contains("kldrift_kl_mean{" + labels + "} 0.05570000000\n")
        .contains("kldrift_matched_examples{" + labels + "} 19962.00000\n")
        .contains("kldrift_support_violation_kl_share{" + labels + "} 0.3810000000\n")
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

  @Test
  void missingAndNonFiniteFiguresAreNaN() {
    Summary read =
        SummaryJson.read(
            """
            {"status": "OK", "run": {}, "inputs": {"support_violations": {}},
             "global": {"kl": {"mean": null, "p99": 0.5}}, "checks": [], "per_slice": []}
            """
                .getBytes(StandardCharsets.UTF_8));
    // summary.json writes an infinite mean as null; metrics.prom must not read differently.
    Summary.Stats infinite =
        new Summary.Stats(
            3,
            Double.POSITIVE_INFINITY,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    Summary.Global global = read.global();
    Summary inf =
        new Summary(
            read.schemaVersion(),
            read.status(),
            read.run(),
            null,
            null,
            read.inputs(),
            new Summary.Global(
                global.kl(),
                null,
                infinite,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null),
            read.perSlice(),
            null,
            null,
            read.checks(),
            null,
            null,
            null,
            null,
            null,
            null,
            null);

    String labels = "dataset=\"\",teacher_model=\"\",student_model=\"\"";
    assertThat(Prometheus.render(read))
        .contains("kldrift_kl_mean{" + labels + "} NaN\n")
        .contains("kldrift_kl_p99{" + labels + "} 0.5000000000\n")
        .contains("kldrift_js_mean{" + labels + "} NaN\n");
    assertThat(Prometheus.render(inf)).contains("kldrift_js_mean{" + labels + "} NaN\n");
  }

  @Test
  void slicesCarryTheirTargetFiguresWhenTheRunHasThem() {
    String json =
        """
        {"status": "OK", "run": {"dataset": "llm"}, "inputs": {"support_violations": {}},
         "global": {"kl": {"mean": 0.1}, "target": {"n": 5, "ln_ppl_ratio": 0.25}},
         "checks": [],
         "per_slice": [
           {"column": "segment", "value": "a\\\\b\\"c", "kl": {"mean": 0.2},
            "target": {"n": 3, "ln_ppl_ratio": 0.5, "delta_p_rms": 0.125}},
           {"column": "segment", "value": "chat", "kl": {"mean": 0.05}}]}
        """;
    Summary summary = SummaryJson.read(json.getBytes(StandardCharsets.UTF_8));
    assertThat(summary.perSlice().get(0).value()).isEqualTo("a\\b\"c");
    String text = Prometheus.render(summary);
    String tags = "dataset=\"llm\",teacher_model=\"\",student_model=\"\"";
    String code = tags + ",slice_column=\"segment\",slice_value=\"a\\\\b\\\"c\"";
    String chat = tags + ",slice_column=\"segment\",slice_value=\"chat\"";
    assertThat(text)
        .contains("# TYPE kldrift_slice_ln_ppl_ratio gauge\n")
        .contains("# TYPE kldrift_slice_delta_p_rms gauge\n")
        .contains("kldrift_slice_ln_ppl_ratio{" + code + "} 0.5000000000\n")
        .contains("kldrift_slice_delta_p_rms{" + code + "} 0.1250000000\n")
        // a slice without target figures is NaN, as its null in summary.json
        .contains("kldrift_slice_ln_ppl_ratio{" + chat + "} NaN\n")
        .contains("kldrift_slice_delta_p_rms{" + chat + "} NaN\n");

    String without = json.replace("\"target\": {\"n\": 5, \"ln_ppl_ratio\": 0.25}", "\"js\": {}");
    assertThat(without).isNotEqualTo(json);
    assertThat(Prometheus.render(SummaryJson.read(without.getBytes(StandardCharsets.UTF_8))))
        .contains("kldrift_slice_kl_mean{" + chat + "} 0.05000000000\n")
        .doesNotContain("kldrift_slice_ln_ppl_ratio", "kldrift_slice_delta_p_rms");
  }
}
