package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
  static final String EVIL_CLASS = "<script>alert(1)</script>";
  static final String EVIL_SLICE = "\"><img src=x onerror=alert(1)>";
  static final String EVIL_CLASS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;";
  static final String EVIL_SLICE_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";

  /** A small ALERT run with hostile names, nulls, one negative class and a four-run history. */
  static HtmlReport.Input sampleInput() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("schema_version", 1);
    summary.put("status", "ALERT");
    summary.put(
        "run",
        map(
            "run_date", "2026-11-29",
            "teacher_model", "teacher-v7",
            "student_model", "student-v3",
            "dataset", null,
            "teacher_path", "/data/teacher",
            "student_path", "/data/student",
            "kldrift_version", "0.1.0",
            "spark_version", "4.2.0",
            "duration_seconds", 14.549));
    summary.put(
        "inputs",
        map(
            "teacher_rows", 1000L,
            "student_rows", 1001L,
            "matched", 998L,
            "teacher_only", 2L,
            "student_only", 3L,
            "num_classes", 3,
            "support_violations", map("examples", 4L, "total", 5L, "epsilon", 1e-12)));
    Map<String, Object> kl =
        map(
            "n", 998L,
            "mean", 0.12,
            "std", 0.1,
            "ci95_low", 0.11,
            "ci95_high", 0.13,
            "min", 1e-5,
            "p50", 0.08,
            "p90", 0.3,
            "p95", 0.4,
            "p99", null,
            "max", 1.7);
    kl.put("share_above", map("0.01", 0.8, "0.1", 0.3));
    // Six bins over three edges; only the middle four hold examples.
    kl.put(
        "histogram",
        map(
            "edges",
            List.of(1e-3, 1e-2, 1e-1, 1.0),
            "counts",
            List.of(0L, 10L, 500L, 480L, 8L, 0L)));
    summary.put(
        "global",
        map(
            "kl",
            kl,
            "js",
            map("n", 998L, "mean", 0.03, "ci95_low", 0.028, "ci95_high", 0.032),
            "agreement",
            map("n", 998L, "mean", 0.9, "ci95_low", 0.88, "ci95_high", 0.92),
            "marginal_kl",
            0.004));
    summary.put(
        "per_slice",
        List.of(
            map(
                "column", "segment",
                "value", EVIL_SLICE,
                "kl", map("n", 400L, "mean", 0.25, "ci95_low", 0.22, "ci95_high", 0.28, "p99", 1.1),
                "js", map("mean", 0.06),
                "agreement", map("mean", 0.82)),
            map("column", "segment", "value", "web", "kl", map("n", 598L, "mean", 0.03))));
    summary.put(
        "top_confusions",
        List.of(
            map(
                "teacher_class_index",
                1,
                "teacher_class_name",
                EVIL_CLASS,
                "student_class_index",
                0,
                "student_class_name",
                "cat",
                "count",
                40L,
                "mean_kl",
                0.31)));
    summary.put(
        "checks",
        List.of(
            check(
                "mean_kl_threshold",
                "threshold",
                "global",
                null,
                null,
                0.12,
                0.5,
                1.0,
                "OK",
                "below"),
            check(
                "mean_kl_history",
                "sigma",
                "global",
                null,
                null,
                null,
                null,
                null,
                "INSUFFICIENT_DATA",
                "needs 7 runs of history, has 1"),
            check(
                "slice_mean_kl",
                "threshold",
                "slice",
                "segment",
                EVIL_SLICE,
                0.25,
                0.1,
                0.2,
                "ALERT",
                "mean KL 0.25 above 0.2")));

    List<Map<String, Object>> perClass =
        List.of(
            classRow(0, "cat", 0.09, 0.75),
            classRow(1, EVIL_CLASS, 0.05, 0.42),
            classRow(2, "dog", -0.02, -0.17));
    Map<String, Object> worst = new LinkedHashMap<>();
    worst.put("example_id", 17L);
    worst.put("segment", EVIL_SLICE);
    worst.put("label", null);
    worst.put("kl", 1.7);
    worst.put("js", 0.2);
    worst.put("teacher_top1", 1);
    worst.put("student_top1", 0);
    List<Map<String, Object>> trend =
        List.of(
            run("2026-11-26", 0.05, 0.4),
            run("2026-11-27", 0.06, null),
            run("2026-11-28", 0.07, 0.5),
            run("2026-11-29", 0.12, 0.9));
    return new HtmlReport.Input(summary, perClass, List.of(worst), trend);
  }

  @Test
  void bannerShowsTheStatusAndRunDate() {
    String page = HtmlReport.render(sampleInput());

    assertThat(page).contains("<header id=\"status\" class=\"status-alert\">");
    assertThat(page).contains("<span class=\"status-word\">ALERT</span>");
    assertThat(page).contains("<span class=\"status-date\">2026-11-29</span>");
    assertThat(page).contains("checks: 1 ALERT, 1 INSUFFICIENT_DATA, 1 OK");
  }

  @Test
  void failingChecksComeFirstThenInsufficientDataThenOk() {
    String page = HtmlReport.render(sampleInput());

    int alert = page.indexOf("slice_mean_kl (threshold)");
    int insufficient = page.indexOf("mean_kl_history (sigma)");
    int ok = page.indexOf("mean_kl_threshold (threshold)");
    assertThat(alert).isPositive().isLessThan(insufficient);
    assertThat(insufficient).isLessThan(ok);
    assertThat(page).contains("<tr class=\"outcome-alert\"><td class=\"outcome\">ALERT</td>");
    assertThat(page.indexOf("id=\"checks\"")).isLessThan(page.indexOf("id=\"headline\""));
  }

  @Test
  void chartsHaveStableIdsAndOneBarPerBinOrClass() {
    String page = HtmlReport.render(sampleInput());

    // Empty bins at both ends are not drawn: 6 bins, 4 with examples.
    assertThat(count(svg(page, "kl-histogram"), "<rect class=\"bar\"")).isEqualTo(4);
    assertThat(count(svg(page, "class-contributions"), "<rect class=\"bar\"")).isEqualTo(3);
    assertThat(count(svg(page, "class-contributions"), "<g class=\"neg\">")).isEqualTo(1);
    String trend = svg(page, "kl-trend");
    assertThat(count(trend, "<rect class=\"bar\"")).isZero();
    assertThat(count(trend, "<polyline class=\"trend-mean\"")).isEqualTo(1);
    // The missing p99 of the second run splits its line; the first point stays as a marker.
    assertThat(count(trend, "<polyline class=\"trend-p99\"")).isEqualTo(1);
    assertThat(count(trend, "<circle class=\"point-p99\"")).isEqualTo(3);
    assertThat(count(trend, "<line class=\"threshold-warn\"")).isEqualTo(1);
    assertThat(count(trend, "<line class=\"threshold-alert\"")).isEqualTo(1);
    assertThat(count(page, "<title>")).isGreaterThanOrEqualTo(1 + 4 + 3);
  }

  @Test
  void sectionsComeInTheDocumentedOrder() {
    String page = HtmlReport.render(sampleInput());

    List<String> order =
        List.of(
            "id=\"status\"",
            "id=\"checks\"",
            "id=\"headline\"",
            "id=\"kl-histogram\"",
            "id=\"class-contributions\"",
            "id=\"kl-trend\"",
            "id=\"slices\"",
            "id=\"confusions\"",
            "id=\"worst-examples\"",
            "id=\"run\"");
    List<Integer> positions = order.stream().map(page::indexOf).toList();
    assertThat(positions).doesNotContain(-1).isSorted();
  }

  @Test
  void everyValueFromDataIsEscaped() {
    String page = HtmlReport.render(sampleInput());

    assertThat(page).contains(EVIL_CLASS_ESCAPED, EVIL_SLICE_ESCAPED);
    // The class name inside the chart's bar tooltip and axis label, too.
    assertThat(svg(page, "class-contributions")).contains(EVIL_CLASS_ESCAPED);
    assertThat(page).doesNotContain("<script>alert(1)", "<img src=x");
    assertThat(page.toLowerCase(Locale.ROOT))
        .doesNotContain("<script", "<img", "http://", "https://");
  }

  @Test
  void headlineShowsConfidenceIntervalsAndNullsAsNa() {
    String page = HtmlReport.render(sampleInput());

    assertThat(page)
        .contains(
            "<td class=\"num\">0.12</td><td class=\"wide\">95% CI 0.11 \u2013 0.13 (n = 998)</td>");
    assertThat(page).contains("<td class=\"num\">90.00%</td>");
    assertThat(page).contains("<td class=\"num\">n/a (p99)</td>");
    // The banner leaves the unset dataset out; the run table shows it.
    assertThat(page)
        .contains("teacher teacher-v7 \u2192 student student-v3 \u00b7 mean KL 0.12 nats");
    assertThat(page).contains("<td class=\"figure\">dataset</td><td>n/a</td>");
    assertThat(page)
        .contains("<td class=\"num\">5</td><td class=\"wide\">teacher only 2, student only 3</td>");
  }

  @Test
  void numbersIgnoreTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY);
      String page = HtmlReport.render(sampleInput());

      assertThat(page).contains("95% CI 0.11 \u2013 0.13", "1,000", "90.00%");
      assertThat(svg(page, "kl-histogram")).doesNotContainPattern("x=\"\\d+,\\d");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void emptyOrShortTrendRendersANoteInsteadOfTheChart() {
    HtmlReport.Input in = sampleInput();
    String empty =
        HtmlReport.render(
            new HtmlReport.Input(in.summary(), in.perClass(), in.worstExamples(), List.of()));
    String single =
        HtmlReport.render(
            new HtmlReport.Input(
                in.summary(),
                in.perClass(),
                in.worstExamples(),
                List.of(run("2026-11-29", 0.1, 0.2))));

    assertThat(empty)
        .doesNotContain("id=\"kl-trend\"")
        .contains("No trend yet", "the history has 0.");
    assertThat(single).doesNotContain("id=\"kl-trend\"").contains("the history has 1.");
  }

  @Test
  void missingOrMalformedInputRendersWithoutExceptions() {
    Map<String, Object> odd = new HashMap<>();
    odd.put("status", 42);
    odd.put("checks", "not a list");
    odd.put(
        "global",
        map("kl", map("histogram", map("edges", null, "counts", Arrays.asList(3L, null, "x")))));
    odd.put("per_slice", Arrays.asList(null, map("kl", null)));

    assertThatCode(() -> HtmlReport.render(new HtmlReport.Input(null, null, null, null)))
        .doesNotThrowAnyException();
    String empty = HtmlReport.render(new HtmlReport.Input(null, null, null, null));
    List<Map<String, Object>> history =
        Arrays.asList(null, run("2026-11-28", null, null), run("2026-11-29", 0.1, null));
    String malformed =
        HtmlReport.render(
            new HtmlReport.Input(
                odd, Arrays.asList(null, map()), Arrays.asList(null, map()), history));

    assertThat(empty)
        .contains(
            "class=\"status-unknown\"",
            "<span class=\"status-word\">n/a</span>",
            "No checks are configured");
    assertThat(empty).contains("No histogram", "No per-class contributions", "No trend yet");
    assertThat(malformed)
        .contains("<span class=\"status-word\">42</span>", "id=\"kl-histogram\"", "bin 0")
        .contains("the history has 1.");
  }

  @Test
  void manyClassesShowTheThirtyLargestByMagnitude() {
    List<Map<String, Object>> classes = new ArrayList<>();
    for (int i = 0; i < 45; i++) {
      classes.add(classRow(i, "class_" + i, (i % 2 == 0 ? 1 : -1) * i / 1000.0, null));
    }
    String page = HtmlReport.render(new HtmlReport.Input(Map.of(), classes, List.of(), List.of()));

    String chart = svg(page, "class-contributions");
    assertThat(count(chart, "<rect class=\"bar\"")).isEqualTo(30);
    assertThat(chart).contains("class_44 (44)", "class_15 (15)").doesNotContain("class_14 (14)");
    assertThat(page).contains("The 30 of 45 classes with the largest |contribution|.");
  }

  @Test
  void classChartFallsBackToTheSummarysTopClasses() {
    Map<String, Object> summary =
        map("top_drifted_classes", List.of(classRow(5, "dog", 0.04, 0.7)));
    String page = HtmlReport.render(new HtmlReport.Input(summary, List.of(), List.of(), List.of()));

    assertThat(count(svg(page, "class-contributions"), "<rect class=\"bar\"")).isEqualTo(1);
  }

  @Test
  void worstExamplesShowEveryColumnInMapOrderWithNumbersAligned() {
    String page = HtmlReport.render(sampleInput());

    assertThat(page)
        .contains(
            "<th class=\"num\">example_id</th><th>segment</th><th>label</th><th"
                + " class=\"num\">kl</th><th class=\"num\">js</th><th"
                + " class=\"num\">teacher_top1</th><th class=\"num\">student_top1</th>")
        .contains(
            "<td class=\"num\">17</td><td>"
                + EVIL_SLICE_ESCAPED
                + "</td><td>n/a</td><td class=\"num\">1.7</td>");
  }

  private static String svg(String page, String id) {
    int start = page.indexOf("<svg id=\"" + id + "\"");
    assertThat(start).as("svg %s", id).isNotNegative();
    return page.substring(start, page.indexOf("</svg>", start));
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  /** An insertion-ordered map that, unlike Map.of, takes null values. */
  private static Map<String, Object> map(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  private static Map<String, Object> check(
      String name,
      String type,
      String scope,
      String column,
      String value,
      Double metricValue,
      Double warn,
      Double alert,
      String outcome,
      String message) {
    return map(
        "name", name,
        "type", type,
        "metric", "kl.mean",
        "scope", scope,
        "scope_column", column,
        "scope_value", value,
        "value", metricValue,
        "n", metricValue == null ? 1L : 400L,
        "warn", warn,
        "alert", alert,
        "baseline", null,
        "outcome", outcome,
        "message", message);
  }

  private static Map<String, Object> classRow(
      int index, String name, double contribution, Double share) {
    return map(
        "class_index",
        index,
        "class_name",
        name,
        "kl_contribution",
        contribution,
        "kl_share",
        share,
        "teacher_mean_prob",
        0.33,
        "student_mean_prob",
        0.31,
        "support_violations",
        0L,
        "teacher_top1_count",
        330L,
        "teacher_top1_mean_kl",
        0.1,
        "teacher_top1_agreement",
        0.9,
        "student_top1_count",
        320L);
  }

  private static Map<String, Object> run(String date, Double mean, Double p99) {
    return map("run_date", date, "kl_mean", mean, "kl_p99", p99, "warn", 0.1, "alert", 0.2);
  }
}
