package io.kldrift.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftException;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Check rules on hand-made histories; every expected number is worked out in the comments. */
class ChecksTest {

  private static List<MetricRow> run(double n, double mean, double std) {
    return List.of(
        new MetricRow("global", "", "", "kl.n", n),
        new MetricRow("global", "", "", "kl.mean", mean),
        new MetricRow("global", "", "", "kl.std", std),
        new MetricRow("slice", "segment", "kiosk", "kl.n", 12.0),
        new MetricRow("slice", "segment", "kiosk", "kl.mean", 0.9),
        new MetricRow("slice", "segment", "web", "kl.n", 5000.0),
        new MetricRow("slice", "segment", "web", "kl.mean", 0.05));
  }

  private static List<Checks.Run> history(double... means) {
    List<Checks.Run> h = new ArrayList<>();
    for (int i = 0; i < means.length; i++) {
      h.add(
          new Checks.Run("2026-11-0" + (i + 1), i == 0 ? "golden" : "", run(1000, means[i], 0.1)));
    }
    return h;
  }

  private static List<Summary.CheckResult> eval(
      List<MetricRow> current, List<Checks.Run> h, String... conf) {
    DriftConfig.Builder b = DriftConfig.builder();
    for (int i = 0; i < conf.length; i += 2) {
      b.set(conf[i], conf[i + 1]);
    }
    DriftConfig c = b.build();
    return Checks.evaluate(Checks.parse(c), current, h, c);
  }

  @Test
  void absoluteThresholdGradesWarnAndAlert() {
    String[] conf = {"check.a.metric", "kl.mean", "check.a.warn", "0.05", "check.a.alert", "0.2"};
    assertThat(eval(run(1000, 0.04, 0.1), List.of(), conf).get(0).outcome()).isEqualTo("OK");
    assertThat(eval(run(1000, 0.06, 0.1), List.of(), conf).get(0).outcome()).isEqualTo("WARN");
    List<Summary.CheckResult> r = eval(run(1000, 0.25, 0.1), List.of(), conf);
    assertThat(r.get(0).outcome()).isEqualTo("ALERT");
    assertThat(Checks.status(r)).isEqualTo("ALERT");
  }

  @Test
  void belowDirectionForAgreementLikeMetrics() {
    List<MetricRow> cur =
        List.of(
            new MetricRow("global", "", "", "kl.n", 500.0),
            new MetricRow("global", "", "", "agreement.mean", 0.85));
    assertThat(
            eval(
                    cur,
                    List.of(),
                    "check.ag.metric",
                    "agreement.mean",
                    "check.ag.direction",
                    "below",
                    "check.ag.alert",
                    "0.9")
                .get(0)
                .outcome())
        .isEqualTo("ALERT");
  }

  @Test
  void tinySliceIsInsufficientDataNotAnAlarm() {
    List<Summary.CheckResult> r =
        eval(
            run(1000, 0.05, 0.1),
            List.of(),
            "check.s.metric",
            "kl.mean",
            "check.s.scope",
            "slice",
            "check.s.alert",
            "0.5",
            "check.s.min_n",
            "100");
    assertThat(r).hasSize(2);
    Summary.CheckResult kiosk =
        r.stream().filter(x -> "kiosk".equals(x.scopeValue())).findFirst().orElseThrow();
    assertThat(kiosk.outcome()).isEqualTo("INSUFFICIENT_DATA");
    assertThat(kiosk.message()).contains("n = 12 is below min_n = 100");
    assertThat(Checks.status(r)).isEqualTo("OK");
  }

  @Test
  void relativeChangeAgainstPreviousPinnedAndMeanBaselines() {
    List<Checks.Run> h = history(0.10, 0.20, 0.30);
    String[] base = {
      "check.r.metric",
      "kl.mean",
      "check.r.type",
      "relative",
      "check.r.warn",
      "0.5",
      "check.r.alert",
      "1.0"
    };
    // previous = 0.30: 0.42 / 0.30 - 1 = +40% -> below warn 0.5
    Summary.CheckResult prev = eval(run(1000, 0.42, 0.1), h, base).get(0);
    assertThat(prev.statistic()).isCloseTo(0.4, within(1e-12));
    assertThat(prev.outcome()).isEqualTo("OK");
    // 0.48 / 0.30 - 1 = +60% -> WARN
    assertThat(eval(run(1000, 0.48, 0.1), h, base).get(0).outcome()).isEqualTo("WARN");
    // pinned to the first run (0.10): 0.45 / 0.10 - 1 = +350% -> ALERT
    Summary.CheckResult pinned =
        eval(
                run(1000, 0.45, 0.1),
                h,
                concat(base, "baseline.mode", "pinned", "baseline.pinned_run_date", "2026-11-01"))
            .get(0);
    assertThat(pinned.baseline()).isEqualTo(0.10);
    assertThat(pinned.outcome()).isEqualTo("ALERT");
    // pinned by label finds the same run
    assertThat(
            eval(
                    run(1000, 0.45, 0.1),
                    h,
                    concat(base, "baseline.mode", "pinned", "baseline.pinned_label", "golden"))
                .get(0)
                .baseline())
        .isEqualTo(0.10);
    // mean of the last 2 runs = 0.25: 0.45 / 0.25 - 1 = +80% -> WARN
    Summary.CheckResult mean =
        eval(run(1000, 0.45, 0.1), h, concat(base, "baseline.mode", "mean", "baseline.window", "2"))
            .get(0);
    assertThat(mean.baseline()).isCloseTo(0.25, within(1e-15));
    assertThat(mean.outcome()).isEqualTo("WARN");
    // no history at all: no baseline
    assertThat(eval(run(1000, 0.45, 0.1), List.of(), base).get(0).outcome())
        .isEqualTo("INSUFFICIENT_DATA");
  }

  @Test
  void sigmaBandOverTheLastRuns() {
    // history 0.10, 0.12, 0.11, 0.13, 0.09: mean 0.11, sample std sqrt(0.001/4) = 0.0158114
    List<Checks.Run> h = history(0.10, 0.12, 0.11, 0.13, 0.09);
    String[] conf = {
      "check.z.metric",
      "kl.mean",
      "check.z.type",
      "sigma",
      "check.z.warn",
      "3",
      "check.z.alert",
      "4"
    };
    Summary.CheckResult ok = eval(run(1000, 0.13, 0.1), h, conf).get(0);
    assertThat(ok.statistic()).isCloseTo((0.13 - 0.11) / Math.sqrt(0.001 / 4), within(1e-9));
    assertThat(ok.outcome()).isEqualTo("OK");
    // (0.2 - 0.11) / 0.0158114 = 5.69 sigma -> ALERT
    assertThat(eval(run(1000, 0.2, 0.1), h, conf).get(0).outcome()).isEqualTo("ALERT");
    // two runs are not enough for a band (min_history 3)
    assertThat(eval(run(1000, 0.2, 0.1), history(0.1, 0.1), conf).get(0).outcome())
        .isEqualTo("INSUFFICIENT_DATA");
    // a flat history does not make noise an alarm: sigma is floored at 1% of the mean
    Summary.CheckResult flat =
        eval(run(1000, 0.1003, 0.1), history(0.1, 0.1, 0.1, 0.1), conf).get(0);
    assertThat(flat.statistic()).isCloseTo(0.0003 / 0.001, within(1e-9));
    assertThat(flat.outcome()).isEqualTo("OK");
  }

  @Test
  void significanceNeedsBothASignificantAndALargeEnoughChange() {
    List<Checks.Run> h = history(0.100);
    String[] conf = {
      "check.t.metric",
      "kl.mean",
      "check.t.type",
      "significance",
      "check.t.warn",
      "0.05",
      "check.t.alert",
      "0.2"
    };
    // baseline n=1000, mean 0.100, std 0.1; current n=1000, mean 0.101: t = 0.001/sqrt(2e-5) =
    // 0.224, p = 0.82
    Summary.CheckResult noise = eval(run(1000, 0.101, 0.1), h, conf).get(0);
    assertThat(noise.pValue()).isCloseTo(0.823, within(0.002));
    assertThat(noise.outcome()).isEqualTo("OK");
    // mean 0.13: t = 0.03/sqrt(2e-5) = 6.7, p ~ 3e-11; change +30% -> ALERT
    Summary.CheckResult real = eval(run(1000, 0.13, 0.1), h, conf).get(0);
    assertThat(real.pValue()).isLessThan(1e-9);
    assertThat(real.outcome()).isEqualTo("ALERT");
  }

  @Test
  void resultsComeWorstFirstInTheDeclaredOrderWithinAnOutcome() {
    // Declared (name) order: a on both slices, then b; b alerts, kiosk is too small, web is fine.
    List<Summary.CheckResult> r =
        eval(
            run(1000, 0.25, 0.1),
            List.of(),
            "check.a.metric",
            "kl.mean",
            "check.a.scope",
            "slice",
            "check.a.alert",
            "0.95",
            "check.b.metric",
            "kl.mean",
            "check.b.alert",
            "0.2",
            "check.c.metric",
            "kl.mean",
            "check.c.alert",
            "0.9");
    assertThat(r)
        .extracting(c -> c.name() + "/" + c.scopeValue() + "/" + c.outcome())
        .containsExactly("b/null/ALERT", "a/kiosk/INSUFFICIENT_DATA", "a/web/OK", "c/null/OK");
    assertThat(Checks.status(r)).isEqualTo("ALERT");
  }

  @Test
  void summaryJsonHasTheFieldsOfEachCheckType() throws Exception {
    List<Checks.Run> h = history(0.10, 0.12, 0.11);
    String[] threshold = {"check.t.metric", "kl.mean", "check.t.warn", "0.5"};
    String[] relative = {
      "check.r.metric", "kl.mean", "check.r.type", "relative", "check.r.warn", "1"
    };
    String[] significance = {
      "check.s.metric", "kl.mean", "check.s.type", "significance", "check.s.warn", "1"
    };
    assertThat(fields(eval(run(1000, 0.13, 0.1), h, threshold).get(0)))
        .containsExactly(
            "name",
            "type",
            "metric",
            "scope",
            "scope_column",
            "scope_value",
            "value",
            "n",
            "warn",
            "alert",
            "direction",
            "baseline",
            "outcome",
            "message");
    assertThat(fields(eval(run(1000, 0.13, 0.1), h, relative).get(0)))
        .containsSubsequence("baseline", "baseline_runs", "statistic", "outcome")
        .doesNotContain("p_value");
    assertThat(fields(eval(run(1000, 0.13, 0.1), h, significance).get(0)))
        .containsSubsequence("baseline", "baseline_runs", "statistic", "p_value", "outcome");
  }

  @Test
  void aChangeFromAZeroBaselineHasNoStatistic() throws Exception {
    // Baseline mean 0: the relative change is infinite, which summary.json cannot spell.
    List<Checks.Run> h = history(0.0);
    Summary.CheckResult r =
        eval(
                run(1000, 0.13, 0.1),
                h,
                "check.s.metric",
                "kl.mean",
                "check.s.type",
                "significance",
                "check.s.alert",
                "0.2")
            .get(0);
    assertThat(r.outcome()).isEqualTo("ALERT");
    assertThat(r.baseline()).isEqualTo(0.0);
    assertThat(r.statistic()).isNull();
    assertThat(fields(r)).contains("p_value").doesNotContain("statistic");
  }

  private static List<String> fields(Summary.CheckResult r) throws Exception {
    List<String> names = new ArrayList<>();
    SummaryJson.mapper()
        .readTree(SummaryJson.mapper().writeValueAsBytes(r))
        .fieldNames()
        .forEachRemaining(names::add);
    return names;
  }

  @Test
  void poolingStatesEqualsPoolingSamples() {
    // samples {1,2,3} (n 3, mean 2, std 1) and {4,5} (n 2, mean 4.5, std 0.7071): pooled 1..5, mean
    // 3, std 1.5811
    double[] p =
        Checks.Anomaly.pool(List.of(new double[] {3, 2, 1}, new double[] {2, 4.5, Math.sqrt(0.5)}));
    assertThat(p[0]).isEqualTo(5);
    assertThat(p[1]).isCloseTo(3.0, within(1e-12));
    assertThat(p[2]).isCloseTo(Math.sqrt(2.5), within(1e-12));
  }

  @Test
  void badCheckDeclarationsAreConfigErrors() {
    assertThatThrownBy(() -> DriftConfig.builder().set("check.x.metrc", "kl.mean"))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("did you mean 'check.x.metric'");
    assertThatThrownBy(
            () ->
                Checks.parse(
                    DriftConfig.builder()
                        .set("check.x.metric", "kl.median")
                        .set("check.x.warn", "1")
                        .build()))
        .hasMessageContaining("check.x.metric = 'kl.median'")
        .hasMessageContaining("kl.p50");
    assertThatThrownBy(
            () -> Checks.parse(DriftConfig.builder().set("check.x.metric", "kl.mean").build()))
        .hasMessageContaining("neither warn nor alert");
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void levelsInTheWrongOrderForTheDirectionAreAConfigurationError() {
    for (String[] conf :
        List.of(
            new String[] {
              "check.x.metric", "kl.mean", "check.x.warn", "0.5", "check.x.alert", "0.3"
            },
            new String[] {
              "check.x.metric", "agreement.mean", "check.x.direction", "below",
              "check.x.warn", "0.7", "check.x.alert", "0.9"
            },
            new String[] {
              "check.x.metric",
              "kl.mean",
              "check.x.type",
              "relative",
              "check.x.direction",
              "both",
              "check.x.warn",
              "-0.6",
              "check.x.alert",
              "0.4"
            })) {
      assertThatThrownBy(() -> eval(run(1000, 0.1, 0.1), List.of(), conf))
          .isInstanceOf(DriftException.class)
          .hasMessageContaining("check.x.warn")
          .hasMessageContaining("is beyond check.x.alert")
          .satisfies(
              e ->
                  assertThat(((DriftException) e).kind())
                      .isEqualTo(DriftException.Kind.INVALID_CONFIG));
    }
    // Equal levels, and the right orders, are accepted.
    assertThat(
            eval(
                run(1000, 0.1, 0.1),
                List.of(),
                "check.x.metric",
                "kl.mean",
                "check.x.direction",
                "below",
                "check.x.warn",
                "0.9",
                "check.x.alert",
                "0.7"))
        .hasSize(1);
  }

  @Test
  void aSigmaBandSaysWhenItsSigmaWasFloored() {
    // Runs 0.1, 0.1, 0.1, 0.1001: std 5e-5 is below 1% of the mean (0.100025 * 0.01 = 0.00100025),
    // so sigma is floored; 0.11 is (0.11 - 0.100025) / 0.00100025 = 9.97 sigma away.
    List<Summary.CheckResult> r =
        eval(
            run(1000, 0.11, 0.1),
            history(0.1, 0.1, 0.1, 0.1001),
            "check.b.metric",
            "kl.mean",
            "check.b.type",
            "sigma",
            "check.b.alert",
            "6");
    assertThat(r.get(0).statistic()).isCloseTo(9.97, within(0.01));
    assertThat(r.get(0).message())
        .contains("is 10.0 sigma from the mean 0.100025 of 4 runs")
        .contains("sigma floored at 0.00100025, 1% of the mean; the runs' own 5.00000e-05");
  }

  @Test
  void aSigmaBandLeavesOutTheRunsItFlaggedItself() {
    // Runs 1..4 are clean (0.10, 0.11, 0.09, 0.10); run 5 (0.30) was flagged WARN by this band.
    // The band is mean 0.10, std sqrt((0 + 0.0001 + 0.0001 + 0) / 3) = 0.0081650 over runs 1..4;
    // 0.13 is (0.13 - 0.10) / 0.0081650 = 3.674 sigma away. With run 5 in it, the band's mean
    // would be 0.14 and 0.13 below it: OK.
    List<Checks.Run> h = new ArrayList<>(history(0.10, 0.11, 0.09, 0.10, 0.30));
    Checks.Run flagged = h.get(4);
    List<MetricRow> rows = new ArrayList<>(flagged.rows());
    rows.add(new MetricRow("check", "b", "global||", "outcome", 1.0));
    h.set(4, new Checks.Run(flagged.runDate(), flagged.label(), rows));
    List<Summary.CheckResult> r =
        eval(
            run(1000, 0.13, 0.1),
            h,
            "check.b.metric",
            "kl.mean",
            "check.b.type",
            "sigma",
            "check.b.alert",
            "3");
    assertThat(r.get(0).statistic()).isCloseTo(3.674, within(0.001));
    assertThat(r.get(0).outcome()).isEqualTo("ALERT");
    assertThat(r.get(0).baselineRuns()).isEqualTo("2026-11-01..2026-11-04");
    assertThat(r.get(0).message()).contains("1 run this band flagged is left out of it");
  }

  @Test
  void theDefaultSupportViolationKlShareCheckGradesTheShareTheEpsilonDecides() {
    // Default levels: warn above 0.01, alert above 0.1, min_n 0 (the share is a fact of the
    // computation, not an estimate from a sample). 0 is what inputs without zeros and logits give.
    java.util.function.Function<Double, Summary.CheckResult> at =
        share ->
            eval(
                    List.of(
                        new MetricRow("global", "", "", "kl.n", 3.0),
                        new MetricRow("global", "", "", "support_violation_kl_share", share)),
                    List.of())
                .stream()
                .filter(r -> r.name().equals("support_violation_kl_share"))
                .findFirst()
                .orElseThrow();
    assertThat(at.apply(0.0).outcome()).isEqualTo("OK");
    assertThat(at.apply(0.005).outcome()).isEqualTo("OK");
    assertThat(at.apply(0.05).outcome()).isEqualTo("WARN");
    Summary.CheckResult alert = at.apply(0.381);
    assertThat(alert.outcome()).isEqualTo("ALERT");
    assertThat(alert.metric()).isEqualTo("support_violation_kl_share");
    assertThat(alert.alert()).isEqualTo(0.1);
    assertThat(alert.message())
        .isEqualTo("support_violation_kl_share = 0.381000 beyond the alert level 0.100000");
    // unknown (a rollup over states that did not keep it): INSUFFICIENT_DATA, never an alarm
    assertThat(at.apply(null).outcome()).isEqualTo("INSUFFICIENT_DATA");
    // configurable and disable-able like the other default checks
    List<MetricRow> high =
        List.of(new MetricRow("global", "", "", "support_violation_kl_share", 0.381));
    assertThat(eval(high, List.of(), "check.support_violation_kl_share.alert", "0.5"))
        .extracting(Summary.CheckResult::outcome)
        .containsExactly("WARN");
    assertThat(eval(high, List.of(), "check.support_violation_kl_share.enabled", "false"))
        .isEmpty();
  }

  @Test
  void aNightWithoutMatchedExamplesAfterNightsWithSomeAlerts() {
    // matched 0 against 1000 is a change of -100%, beyond the default alert level -0.9; its
    // min_n = 1 does not hide it (the count is its own sample size).
    List<MetricRow> empty =
        List.of(
            new MetricRow("global", "", "", "kl.n", 0.0),
            new MetricRow("global", "", "", "matched", 0.0));
    List<Checks.Run> h =
        List.of(
            new Checks.Run(
                "2026-11-01", "", List.of(new MetricRow("global", "", "", "matched", 1000.0))));
    DriftConfig c = DriftConfig.builder().build();
    List<Summary.CheckResult> r =
        Checks.evaluate(
            Checks.parse(c),
            empty,
            Checks.Past.of(h, c),
            c,
            "no data: teacher input x does not exist");
    Summary.CheckResult matched =
        r.stream().filter(x -> x.name().equals("matched")).findFirst().orElseThrow();
    assertThat(matched.outcome()).isEqualTo("ALERT");
    assertThat(matched.statistic()).isEqualTo(-1.0);
    assertThat(matched.message())
        .contains("changed by -100.0% against run 2026-11-01")
        .endsWith("; no data: teacher input x does not exist");
    assertThat(Checks.status(r, 0)).isEqualTo("ALERT");
    // The first run ever without data has nothing to compare with.
    List<Summary.CheckResult> first =
        Checks.evaluate(Checks.parse(c), empty, Checks.Past.NONE, c, "no data: x");
    assertThat(Checks.status(first, 0)).isEqualTo("INSUFFICIENT_DATA");
  }
}
