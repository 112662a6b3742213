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
 * The change against the baseline and its split, on a hand-made night whose every figure is worked
 * out in the comments (they add up: each run's slice parts and class contributions sum to its mean
 * KL).
 */
class ChangeAttributionTest {
  private static final double EPS = 1e-12;

  /**
   * Baseline 2026-11-01: n = 100, mean 0.05, std 0.1. Slices: mobile 40 × 0.05 → part 40/100 × 0.05
   * = 0.02; web 60 × 0.05 → 0.03 (sum 0.05). Classes: cat 0.02, dog 0.02, bird 0.01.
   */
  private static List<MetricRow> baseline() {
    List<MetricRow> rows = new ArrayList<>(global(100, 0.05, 0.1));
    rows.addAll(slice("mobile", 40, 0.05));
    rows.addAll(slice("web", 60, 0.05));
    rows.addAll(klass(0, "cat", 0.02, 10));
    rows.addAll(klass(1, "dog", 0.02, 10));
    rows.addAll(klass(2, "bird", 0.01, 80));
    rows.addAll(histogram(new double[] {0.01, 0.1}, new double[] {50, 40, 10}));
    return rows;
  }

  /**
   * This run: n = 200, mean 0.2, std 0.2. Slices: mobile 80 × 0.4 → 0.16; web 120 × 1/15 → 0.04
   * (sum 0.2). Classes: cat 0.12, dog 0.09, bird −0.01 (sum 0.2).
   */
  private static List<MetricRow> current() {
    List<MetricRow> rows = new ArrayList<>(global(200, 0.2, 0.2));
    rows.addAll(slice("mobile", 80, 0.4));
    rows.addAll(slice("web", 120, 1.0 / 15));
    rows.addAll(klass(0, "cat", 0.12, 20));
    rows.addAll(klass(1, "dog", 0.09, 20));
    rows.addAll(klass(2, "bird", -0.01, 160));
    rows.addAll(histogram(new double[] {0.01, 0.1}, new double[] {20, 100, 80}));
    return rows;
  }

  private static List<MetricRow> global(double n, double mean, double std) {
    return List.of(
        new MetricRow("global", "", "", "kl.n", n),
        new MetricRow("global", "", "", "kl.mean", mean),
        new MetricRow("global", "", "", "kl.std", std));
  }

  private static List<MetricRow> slice(String value, double n, double mean) {
    return List.of(
        new MetricRow("slice", "segment", value, "kl.n", n),
        new MetricRow("slice", "segment", value, "kl.mean", mean));
  }

  private static List<MetricRow> klass(int index, String name, double contribution, double n) {
    return List.of(
        new MetricRow("class", String.valueOf(index), name, "kl_contribution", contribution),
        new MetricRow("class", String.valueOf(index), name, "n", n));
  }

  private static List<MetricRow> histogram(double[] edges, double[] counts) {
    List<MetricRow> rows = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      rows.add(new MetricRow("histogram", "kl", String.valueOf(i), "count", counts[i]));
      rows.add(
          new MetricRow(
              "histogram",
              "kl",
              String.valueOf(i),
              "upper_edge",
              i < edges.length ? edges[i] : null));
    }
    return rows;
  }

  private static DriftConfig config(String... kv) {
    DriftConfig.Builder b = DriftConfig.builder();
    for (int i = 0; i < kv.length; i += 2) {
      b.set(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  private static Change.Part part(Change.Attribution a, String name) {
    return a.parts().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void splitsTheRiseExactlyOverSlicesAndClasses() {
    List<Checks.Run> history = List.of(new Checks.Run("2026-11-01", "", baseline()));

    Change c = ChangeAttribution.of(current(), history, config());

    assertThat(c.baselineRuns()).isEqualTo("run 2026-11-01");
    assertThat(c.baselineKlMean()).isCloseTo(0.05, within(EPS));
    assertThat(c.delta()).isCloseTo(0.15, within(EPS));
    assertThat(c.ratio()).isCloseTo(4.0, within(EPS));
    // 1.96 × sqrt(0.2²/200 + 0.1²/100) = 1.96 × sqrt(0.0003) = 0.0339482
    assertThat(c.noise()).isCloseTo(1.96 * Math.sqrt(0.0003), within(EPS));
    assertThat(c.direction()).isEqualTo("up");

    Change.Attribution seg = c.bySlice().get(0);
    assertThat(seg.dimension()).isEqualTo("segment");
    // mobile 0.02 → 0.16 (+0.14), web 0.03 → 0.04 (+0.01): both rose, 0.15 in all
    assertThat(seg.increases()).isCloseTo(0.15, within(EPS));
    assertThat(seg.decreases()).isCloseTo(0, within(EPS));
    Change.Part mobile = seg.parts().get(0);
    assertThat(mobile.name()).isEqualTo("mobile");
    assertThat(mobile.n()).isEqualTo(80);
    assertThat(mobile.baseline()).isCloseTo(0.02, within(EPS));
    assertThat(mobile.current()).isCloseTo(0.16, within(EPS));
    assertThat(mobile.delta()).isCloseTo(0.14, within(EPS));
    assertThat(mobile.share()).isCloseTo(0.14 / 0.15, within(EPS));
    assertThat(mobile.role()).isEqualTo("driver");
    assertThat(part(seg, "web").share()).isCloseTo(0.01 / 0.15, within(EPS));

    Change.Attribution cls = c.byClass();
    // cat +0.10, dog +0.07, bird −0.02: increases 0.17, decreases 0.02, net 0.15
    assertThat(cls.increases()).isCloseTo(0.17, within(EPS));
    assertThat(cls.decreases()).isCloseTo(0.02, within(EPS));
    assertThat(cls.parts()).extracting(Change.Part::name).containsExactly("cat", "dog", "bird");
    assertThat(part(cls, "cat").share()).isCloseTo(0.10 / 0.17, within(EPS));
    assertThat(part(cls, "dog").share()).isCloseTo(0.07 / 0.17, within(EPS));
    Change.Part bird = part(cls, "bird");
    assertThat(bird.delta()).isCloseTo(-0.02, within(EPS));
    assertThat(bird.role()).isEqualTo("offset");
    assertThat(bird.share())
        .as("an offset's share is positive")
        .isCloseTo(0.02 / 0.17, within(EPS));
    assertThat(bird.classIndex()).isEqualTo(2);
    assertThat(bird.n()).isEqualTo(160);

    // baseline histogram as shares: 50/100, 40/100, 10/100
    assertThat(c.baselineHistogramShares()).containsExactly(0.5, 0.4, 0.1);
  }

  @Test
  void theHeadlineAndTheTablesSayItInWords() {
    List<Checks.Run> history = List.of(new Checks.Run("2026-11-01", "", baseline()));
    Change c = ChangeAttribution.of(current(), history, config());
    Summary s = withChange(summary(200, 0.2), c);

    String page = HtmlReport.render(new HtmlReport.Input(s, List.of(), List.of(), List.of()));

    // 0.2 / 0.05 = 4.0×; mobile 0.14 / 0.15 = 93%; cat 0.10 / 0.17 = 59% is under three
    // quarters, with dog (0.07 / 0.17) the drivers' 100%
    assertThat(page)
        .contains(
            "Mean KL 0.2 nats, up 4.0\u00d7 from the baseline 0.05 (run 2026-11-01); 93% of the"
                + " rise is in segment=mobile; by class, classes cat and dog carry 100% of the"
                + " rise.");
    assertThat(page)
        .contains("<td class=\"role\">93% of the rise</td>")
        .contains("<td class=\"role\">7% of the rise</td>")
        .contains("<td class=\"role\">offsets 12%</td>")
        .contains("<td class=\"num\">\u22120.02</td>")
        .doesNotContain("-4.5%");
    assertThat(page).contains("Drivers +0.17 nats, offsets \u22120.02 nats, net +0.15 nats.");
  }

  @Test
  void aMeanBaselineAveragesTheRunsParts() {
    // second baseline run: mean 0.07 (mobile 40 × 0.1 → 0.04, web 60 × 0.05 → 0.03),
    // classes cat 0.04, dog 0.02, bird 0.01; no histogram rows (written before they existed)
    List<MetricRow> second = new ArrayList<>(global(100, 0.07, 0.1));
    second.addAll(slice("mobile", 40, 0.1));
    second.addAll(slice("web", 60, 0.05));
    second.addAll(klass(0, "cat", 0.04, 10));
    second.addAll(klass(1, "dog", 0.02, 10));
    second.addAll(klass(2, "bird", 0.01, 80));
    List<Checks.Run> history =
        List.of(
            new Checks.Run("2026-11-01", "", baseline()), new Checks.Run("2026-11-02", "", second));

    Change c = ChangeAttribution.of(current(), history, config("baseline.mode", "mean"));

    // baseline (0.05 + 0.07) / 2 = 0.06; mobile (0.02 + 0.04) / 2 = 0.03; cat (0.02 + 0.04) / 2
    assertThat(c.baselineRuns()).isEqualTo("the mean of 2 runs 2026-11-01..2026-11-02");
    assertThat(c.baselineKlMean()).isCloseTo(0.06, within(EPS));
    assertThat(c.delta()).isCloseTo(0.14, within(EPS));
    assertThat(part(c.bySlice().get(0), "mobile").baseline()).isCloseTo(0.03, within(EPS));
    assertThat(part(c.byClass(), "cat").baseline()).isCloseTo(0.03, within(EPS));
    // the parts' changes still add up to the change of the mean
    Change.Attribution cls = c.byClass();
    assertThat(cls.increases() - cls.decreases()).isCloseTo(0.14, within(EPS));
    // 1.96 × sqrt(0.2²/200 + (0.1²/100 + 0.1²/100) / 2²) = 1.96 × sqrt(0.00025)
    assertThat(c.noise()).isCloseTo(1.96 * Math.sqrt(0.00025), within(EPS));
    assertThat(c.baselineHistogramShares()).as("one run has no histogram").isNull();
  }

  @Test
  void noBaselineAndNoChangeGetTheirOwnSentences() {
    Summary alone = summary(200, 0.2);
    assertThat(ChangeAttribution.of(current(), List.of(), config())).isNull();
    assertThat(render(alone))
        .contains(
            "Mean KL 0.2 nats over 200 examples; the history has no eligible baseline run to compare with"
                + " (baseline.mode=previous).");

    // the same figures as the baseline except a mean of 0.052: |0.002| < 1.96 × sqrt(0.1²/100 +
    // 0.1²/100) = 0.0277
    List<MetricRow> same = new ArrayList<>(global(100, 0.052, 0.1));
    same.addAll(baseline().subList(3, baseline().size()));
    Change c =
        ChangeAttribution.of(same, List.of(new Checks.Run("2026-11-01", "", baseline())), config());
    assertThat(c.direction()).isEqualTo("unchanged");
    assertThat(render(withChange(summary(100, 0.052), c)))
        .contains(
            "Mean KL 0.052 nats, about the same as the baseline 0.05 (run 2026-11-01): a change of"
                + " +0.002 nats, within the noise (\u00b10.02772 at 95% confidence).");
  }

  @Test
  void histogramsOnOtherBinsAreNotOverlaid() {
    List<MetricRow> other = new ArrayList<>(baseline());
    other.removeIf(m -> m.scope().equals("histogram"));
    other.addAll(histogram(new double[] {0.01, 1.0}, new double[] {50, 40, 10}));

    Change c =
        ChangeAttribution.of(current(), List.of(new Checks.Run("2026-11-01", "", other)), config());

    assertThat(c.baselineHistogramShares()).isNull();
  }

  private static String render(Summary s) {
    return HtmlReport.render(new HtmlReport.Input(s, List.of(), List.of(), List.of()));
  }

  private static Summary withChange(Summary s, Change c) {
    return s.withComparison(s.checks() == null ? List.of() : s.checks(), s.status(), c);
  }

  private static Summary summary(long n, double mean) {
    String json =
        "{\"schema_version\": 1, \"status\": \"OK\", \"config\": {\"baseline.mode\": \"previous\"},"
            + " \"global\": {\"kl\": {\"n\": "
            + n
            + ", \"mean\": "
            + mean
            + "}}}";
    return SummaryJson.read(json.getBytes(StandardCharsets.UTF_8));
  }
}
