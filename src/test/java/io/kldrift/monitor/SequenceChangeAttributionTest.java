package io.kldrift.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.config.DriftConfig;
import io.kldrift.report.page.HtmlReport;
import io.kldrift.summary.Change;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The change of the sequence layout's token-weighted mean KL split over slice values, position
 * buckets and teacher top-1 tokens, on hand-made nights of 1,000 counted positions whose every part
 * is worked out in the comments (each view's parts add up to the night's mean KL).
 */
class SequenceChangeAttributionTest {
  private static final double EPS = 1e-12;

  /**
   * Baseline 2026-11-01: mean 0.02. Slices: chat 600 × 0.02 → 0.012, code 400 × 0.02 → 0.008.
   * Positions: 0: 100 × 0.05 → 0.005; 1-3: 300 × 0.02 → 0.006; 4-15: 600 × 0.015 → 0.009; 16-63
   * empty. Tokens listed: 3: 200 × 0.03 → 0.006; 5: 100 × 0.02 → 0.002; 7: 100 × 0.01 → 0.001.
   */
  private static List<MetricRow> baseline() {
    List<MetricRow> rows = new ArrayList<>(global(0.02, 0.05));
    rows.addAll(group("slice", "segment", "chat", 600, 0.02));
    rows.addAll(group("slice", "segment", "code", 400, 0.02));
    rows.addAll(group("position", "0", "0", 100, 0.05));
    rows.addAll(group("position", "1", "1-3", 300, 0.02));
    rows.addAll(group("position", "2", "4-15", 600, 0.015));
    rows.addAll(group("position", "3", "16-63", 0, null));
    rows.addAll(group("token", "3", "3", 200, 0.03));
    rows.addAll(group("token", "5", "5", 100, 0.02));
    rows.addAll(group("token", "7", "7", 100, 0.01));
    return rows;
  }

  /**
   * This night: mean 0.05. Slices: chat 600 × 0.02 → 0.012, code 400 × 0.095 → 0.038. Positions: 0:
   * 100 × 0.04 → 0.004; 1-3: 300 × 0.05 → 0.015; 4-15: 600 × (0.031 / 0.6) → 0.031. Tokens listed:
   * 3: 200 × 0.12 → 0.024; 5: 100 × 0.02 → 0.002; 11: 100 × 0.05 → 0.005 (7 is not listed).
   */
  private static List<MetricRow> current() {
    List<MetricRow> rows = new ArrayList<>(global(0.05, 0.08));
    rows.addAll(group("slice", "segment", "chat", 600, 0.02));
    rows.addAll(group("slice", "segment", "code", 400, 0.095));
    rows.addAll(group("position", "0", "0", 100, 0.04));
    rows.addAll(group("position", "1", "1-3", 300, 0.05));
    rows.addAll(group("position", "2", "4-15", 600, 0.031 / 0.6));
    rows.addAll(group("position", "3", "16-63", 0, null));
    rows.addAll(group("token", "3", "3", 200, 0.12));
    rows.addAll(group("token", "5", "5", 100, 0.02));
    rows.addAll(group("token", "11", "11", 100, 0.05));
    return rows;
  }

  private static List<MetricRow> global(double mean, double std) {
    return List.of(
        new MetricRow("global", "", "", "kl.n", 1000.0),
        new MetricRow("global", "", "", "kl.mean", mean),
        new MetricRow("global", "", "", "kl.std", std));
  }

  private static List<MetricRow> group(
      String scope, String column, String key, double n, Double mean) {
    return List.of(
        new MetricRow(scope, column, key, "kl.n", n),
        new MetricRow(scope, column, key, "kl.mean", mean));
  }

  private static Change change() {
    return ChangeAttribution.of(
        current(),
        List.of(new Checks.Run("2026-11-01", "", baseline())),
        DriftConfig.builder().build());
  }

  private static Change.Part part(Change.Attribution a, String name) {
    return a.parts().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void splitsTheRiseExactlyOverSlicesPositionsAndTokens() {
    Change c = change();

    assertThat(c.delta()).isCloseTo(0.03, within(EPS));
    assertThat(c.ratio()).isCloseTo(2.5, within(EPS));
    assertThat(c.byClass()).as("no class view over a vocabulary").isNull();

    Change.Attribution seg = c.bySlice().get(0);
    // code 0.008 → 0.038: all of the +0.03; chat unchanged
    assertThat(part(seg, "code").delta()).isCloseTo(0.03, within(EPS));
    assertThat(part(seg, "code").share()).isCloseTo(1.0, within(EPS));
    assertThat(part(seg, "code").n()).isEqualTo(400);
    assertThat(part(seg, "chat").role()).isEqualTo("none");

    Change.Attribution pos = c.byPosition();
    assertThat(pos.dimension()).isEqualTo("position");
    // 0: −0.001 (offset); 1-3: +0.009; 4-15: +0.022; the empty 16-63 is left out
    assertThat(pos.parts()).extracting(Change.Part::name).containsExactly("4-15", "1-3", "0");
    assertThat(pos.increases()).isCloseTo(0.031, within(EPS));
    assertThat(pos.decreases()).isCloseTo(0.001, within(EPS));
    assertThat(pos.increases() - pos.decreases()).isCloseTo(c.delta(), within(EPS));
    assertThat(part(pos, "4-15").share()).isCloseTo(0.022 / 0.031, within(EPS));
    assertThat(part(pos, "4-15").role()).isEqualTo("driver");
    assertThat(part(pos, "0").role()).isEqualTo("offset");
    assertThat(part(pos, "0").share()).isCloseTo(0.001 / 0.031, within(EPS));

    Change.Attribution tok = c.byToken();
    // listed by both nights: 3 (0.006 → 0.024) and 5 (0.002 → 0.002); the rest is the mean
    // minus those: 0.02 − 0.008 = 0.012 → 0.05 − 0.026 = 0.024, over 1000 − 300 positions
    assertThat(tok.parts())
        .extracting(Change.Part::name)
        .containsExactly("3", Change.UNLISTED_TOKENS, "5");
    assertThat(part(tok, "3").delta()).isCloseTo(0.018, within(EPS));
    assertThat(part(tok, "3").share()).isCloseTo(0.6, within(EPS));
    Change.Part rest = part(tok, Change.UNLISTED_TOKENS);
    assertThat(rest.baseline()).isCloseTo(0.012, within(EPS));
    assertThat(rest.current()).isCloseTo(0.024, within(EPS));
    assertThat(rest.n()).isEqualTo(700);
    assertThat(tok.increases() - tok.decreases()).isCloseTo(c.delta(), within(EPS));
    double sum = tok.parts().stream().mapToDouble(Change.Part::current).sum();
    assertThat(sum).as("the token parts add up to the mean").isCloseTo(0.05, within(EPS));
  }

  @Test
  void summaryJsonHasTheTokenViewsAndThePageSaysItInTokens() throws Exception {
    Summary s = summary().withComparison(List.of(), "OK", change());

    String json = new String(SummaryJson.bytes(s), StandardCharsets.UTF_8);
    String page = HtmlReport.render(new HtmlReport.Input(s, List.of(), List.of(), List.of()));

    assertThat(json).contains("\"by_position\"", "\"by_token\"").doesNotContain("\"by_class\"");
    // 0.05 / 0.02 = 2.5×; code carries 100%; 4-15 carries 0.022 / 0.031 = 71%; token 3 carries
    // 0.018 / 0.03 = 60%, under three quarters, and is the only listed driver
    assertThat(page)
        .contains(
            "Mean KL per token 0.05 nats (lower bound), up 2.5\u00d7 from the baseline 0.02 (run"
                + " 2026-11-01); 100% of the rise is in segment=code; 71% of the rise is at"
                + " positions 4-15; teacher top-1 token 3 carries 60% of the rise.")
        .contains("Mean KL per token 0.02 \u2192 0.05 nats (lower bounds) against run 2026-11-01")
        .contains("data-dimension=\"position\"", "data-dimension=\"token\"")
        .contains("<th>Teacher top-1 token id</th>", "<td class=\"name\">unlisted tokens</td>")
        .doesNotContain("By class");
  }

  @Test
  void aBaselineStoredBeforeBucketsAndTokensLeavesThemOutExactly() {
    List<MetricRow> old = new ArrayList<>(baseline());
    old.removeIf(m -> m.scope().equals("position") || m.scope().equals("token"));

    Change c =
        ChangeAttribution.of(
            current(),
            List.of(new Checks.Run("2026-11-01", "", old)),
            DriftConfig.builder().build());

    assertThat(c.byPosition()).isNull();
    // no token is listed by both runs: one part, the whole mean, 0.02 -> 0.05
    Change.Part rest = c.byToken().parts().get(0);
    assertThat(c.byToken().parts()).hasSize(1);
    assertThat(rest.name()).isEqualTo(Change.UNLISTED_TOKENS);
    assertThat(rest.delta()).isCloseTo(0.03, within(EPS));
  }

  @Test
  void checksReadThePositionAndTokenRows() {
    DriftConfig config =
        DriftConfig.builder()
            .set("check.bucket_kl.metric", "kl.mean")
            .set("check.bucket_kl.scope", "position")
            .set("check.bucket_kl.warn", "0.045")
            .set("check.token_kl.metric", "kl.mean")
            .set("check.token_kl.scope", "token")
            .set("check.token_kl.type", "relative")
            .set("check.token_kl.warn", "1.0")
            .build();
    List<Checks.Run> history = List.of(new Checks.Run("2026-11-01", "", baseline()));

    List<Summary.CheckResult> results =
        Checks.evaluate(
            Checks.parse(config), current(), Checks.Past.of(history, config), config, null);

    // 4-15: 0.0517 and 1-3: 0.05 above 0.045; 0: 0.04 below; 16-63: no positions
    assertThat(outcome(results, "bucket_kl", "4-15")).isEqualTo("WARN");
    assertThat(outcome(results, "bucket_kl", "1-3")).isEqualTo("WARN");
    assertThat(outcome(results, "bucket_kl", "0")).isEqualTo("OK");
    assertThat(outcome(results, "bucket_kl", "16-63")).isEqualTo("INSUFFICIENT_DATA");
    // token 3: 0.03 -> 0.12 is +300%; token 5 did not move
    assertThat(outcome(results, "token_kl", "3")).isEqualTo("WARN");
    assertThat(outcome(results, "token_kl", "5")).isEqualTo("OK");
  }

  private static String outcome(List<Summary.CheckResult> results, String check, String value) {
    return results.stream()
        .filter(r -> r.name().equals(check) && r.scopeValue().equals(value))
        .findFirst()
        .orElseThrow()
        .outcome();
  }

  private static Summary summary() {
    String json =
        """
        {"schema_version": 1, "status": "OK", "config": {"baseline.mode": "previous"},
         "global": {"kl": {"n": 1000, "mean": 0.05}, "bounds": {"kl": "lower bound"}},
         "sequences": {"mode": "tail_bucket"}}
        """;
    return SummaryJson.read(json.getBytes(StandardCharsets.UTF_8));
  }
}
