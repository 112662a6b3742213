package io.kldrift.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftException;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The target figures of each slice value, position bucket, teacher-entropy bucket and token are
 * metrics of their scope, read from a hand-written summary.json whose every group carries the same
 * figures scaled by its own factor, so a figure read from the wrong field or the wrong group shows.
 */
class GroupTargetMetricsTest {
  /** summary.json's target fields in a group, by metric name, at scale 1. */
  private static final Map<String, Double> BASE = new LinkedHashMap<>();

  static {
    BASE.put("target.n", 10.0);
    BASE.put("target.teacher_nll_mean", 0.11);
    BASE.put("target.student_nll_mean", 0.12);
    BASE.put("target.teacher_ppl", 0.13);
    BASE.put("target.student_ppl", 0.14);
    BASE.put("target.ln_ppl_ratio", 0.15);
    BASE.put("target.delta_p_mean", 0.18);
    BASE.put("target.delta_p_rms", 0.19);
    BASE.put("target.teacher_accuracy", 0.2);
    BASE.put("target.student_accuracy", 0.21);
    BASE.put("target.teacher_target_missing", 3.0);
    BASE.put("target.student_target_missing", 4.0);
  }

  /** A group's target object; the interval bounds (0.16, 0.17) are no metrics. */
  private static String target(int s) {
    return String.format(
        java.util.Locale.ROOT,
        """
        {"n": %d, "teacher_nll_mean": %s, "student_nll_mean": %s, "teacher_ppl": %s,
         "student_ppl": %s, "ln_ppl_ratio": %s, "ln_ppl_ratio_ci95_low": %s,
         "ln_ppl_ratio_ci95_high": %s, "delta_p_mean": %s, "delta_p_rms": %s,
         "teacher_accuracy": %s, "student_accuracy": %s, "teacher_target_missing": %d,
         "student_target_missing": %d}
        """,
        10 * s,
        0.11 * s,
        0.12 * s,
        0.13 * s,
        0.14 * s,
        0.15 * s,
        0.16 * s,
        0.17 * s,
        0.18 * s,
        0.19 * s,
        0.2 * s,
        0.21 * s,
        3 * s,
        4 * s);
  }

  /**
   * Global scale 9; slice a 1 and b none; position bucket 0 scale 2, 1-3 none; entropy bucket
   * &lt;0.01 none, 0.5-1 scale 3; token 5 scale 4 (100 counted positions, 40 with a known target),
   * token 6 none.
   */
  private static Summary summary() {
    String json =
        """
        {"schema_version": 1, "status": "OK", "run": {},
         "inputs": {"teacher_rows": 2, "student_rows": 2, "matched": 2,
                    "support_violations": {"examples": 0}},
         "global": {"kl": {"n": 200, "mean": 0.05}, "target": %s},
         "per_slice": [
           {"column": "segment", "value": "a", "kl": {"n": 120, "mean": 0.1}, "target": %s},
           {"column": "segment", "value": "b", "kl": {"n": 80, "mean": 0.2}}],
         "sequences": {"mode": "tail_bucket", "teacher_tail_mass": {"n": 200, "mean": 0.1},
           "by_position": [
             {"bucket": "0", "positions": 20, "kl_mean": 0.01, "target": %s},
             {"bucket": "1-3", "positions": 0}],
           "by_teacher_entropy": [
             {"bucket": "<0.01", "positions": 0},
             {"bucket": "0.5-1", "positions": 200, "kl_mean": 0.05, "target": %s}],
           "top_tokens": [
             {"token_id": 5, "positions": 100, "kl_mean": 0.07, "target": %s},
             {"token_id": 6, "positions": 30, "kl_mean": 0.02}]}}
        """
            .formatted(target(9), target(1), target(2), target(3), target(4));
    return SummaryJson.read(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyGroupCarriesItsOwnTargetFiguresAndNullsWithoutThem() {
    List<MetricRow> rows = MetricRow.of(summary(), List.of());
    assertGroup(rows, "global", "", "", 9);
    assertGroup(rows, "slice", "segment", "a", 1);
    assertGroup(rows, "slice", "segment", "b", 0);
    assertGroup(rows, "position", "0", "0", 2);
    assertGroup(rows, "position", "1", "1-3", 0);
    assertGroup(rows, "entropy", "0", "<0.01", 0);
    assertGroup(rows, "entropy", "1", "0.5-1", 3);
    assertGroup(rows, "token", "5", "5", 4);
    assertGroup(rows, "token", "6", "6", 0);
    // the entropy buckets have the position buckets' other metrics too
    assertThat(value(rows, "entropy", "0.5-1", "kl.n")).isEqualTo(200.0);
    assertThat(value(rows, "entropy", "0.5-1", "kl.mean")).isEqualTo(0.05);
    assertThat(MetricRow.metricsOf("slice")).containsAll(BASE.keySet());
    assertThat(MetricRow.metricsOf("entropy")).containsAll(BASE.keySet()).contains("kl.mean");
    assertThat(MetricRow.metricsOf("class")).doesNotContain("target.n");
  }

  /** Scale 0: the group has no target figures, every target metric is null. */
  private static void assertGroup(
      List<MetricRow> rows, String scope, String column, String key, int scale) {
    for (Map.Entry<String, Double> e : BASE.entrySet()) {
      List<MetricRow> found =
          rows.stream()
              .filter(
                  r ->
                      r.scope().equals(scope)
                          && r.column().equals(column)
                          && r.key().equals(key)
                          && r.metric().equals(e.getKey()))
              .toList();
      assertThat(found).as("%s %s %s", scope, key, e.getKey()).hasSize(1);
      Double v = found.get(0).value();
      if (scale == 0) {
        assertThat(v).as("%s %s %s", scope, key, e.getKey()).isNull();
      } else {
        assertThat(v)
            .as("%s %s %s", scope, key, e.getKey())
            .isCloseTo(e.getValue() * scale, within(1e-12));
      }
    }
  }

  private static Double value(List<MetricRow> rows, String scope, String key, String metric) {
    return rows.stream()
        .filter(r -> r.scope().equals(scope) && r.key().equals(key) && r.metric().equals(metric))
        .findFirst()
        .orElseThrow()
        .value();
  }

  @Test
  void targetChecksOfGroupsUseTargetNAsTheirSample() {
    DriftConfig config =
        DriftConfig.builder()
            .set("check.token_ppl.metric", "target.ln_ppl_ratio")
            .set("check.token_ppl.scope", "token")
            .set("check.token_ppl.warn", "0.5")
            .set("check.token_ppl.min_n", "41")
            .set("check.entropy_dp.metric", "target.delta_p_rms")
            .set("check.entropy_dp.scope", "entropy")
            .set("check.entropy_dp.alert", "0.5")
            .set("check.entropy_dp.min_n", "30")
            .build();
    List<Summary.CheckResult> results =
        Checks.evaluate(
            Checks.parse(config), MetricRow.of(summary(), List.of()), List.of(), config);
    Map<String, Summary.CheckResult> byKey = new LinkedHashMap<>();
    results.forEach(r -> byKey.put(r.name() + "|" + r.scopeValue(), r));
    // token 5: 100 counted positions, but target.n = 40 < 41
    assertThat(byKey.get("token_ppl|5").outcome()).isEqualTo("INSUFFICIENT_DATA");
    assertThat(byKey.get("token_ppl|5").n()).isEqualTo(40);
    assertThat(byKey.get("token_ppl|6").n()).isZero();
    // entropy 0.5-1: target.n 30, delta_p_rms 0.19 × 3 = 0.57 beyond 0.5
    Summary.CheckResult entropy = byKey.get("entropy_dp|0.5-1");
    assertThat(entropy.outcome()).isEqualTo("ALERT");
    assertThat(entropy.scope()).isEqualTo("entropy");
    assertThat(entropy.scopeColumn()).isEqualTo("1");
    assertThat(entropy.value()).isCloseTo(0.57, within(1e-12));
    assertThat(entropy.n()).isEqualTo(30);
    assertThat(byKey.get("entropy_dp|<0.01").outcome()).isEqualTo("INSUFFICIENT_DATA");
  }

  @Test
  void anUnknownScopeNamesEntropyAmongTheValidOnes() {
    DriftConfig config =
        DriftConfig.builder()
            .set("check.x.metric", "target.ln_ppl_ratio")
            .set("check.x.scope", "bucket")
            .set("check.x.warn", "0.1")
            .build();
    assertThatThrownBy(() -> Checks.parse(config))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("global, slice, class, position, entropy or token");
    DriftConfig classTarget =
        DriftConfig.builder()
            .set("check.x.metric", "target.ln_ppl_ratio")
            .set("check.x.scope", "class")
            .set("check.x.warn", "0.1")
            .build();
    assertThatThrownBy(() -> Checks.parse(classTarget))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("check.x.metric");
  }
}
