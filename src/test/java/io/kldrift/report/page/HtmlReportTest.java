package io.kldrift.report.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import io.kldrift.summary.TrendPoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
    // Six histogram bins over three edges; only the middle four hold examples.
    Summary summary =
        summary(
            """
            {
              "schema_version": 1,
              "status": "ALERT",
              "run": {
                "run_date": "2026-11-29", "teacher_model": "teacher-v7",
                "student_model": "student-v3", "dataset": null,
                "teacher_path": "/data/teacher", "student_path": "/data/student",
                "kldrift_version": "0.1.0", "spark_version": "4.2.0", "duration_seconds": 14.549
              },
              "inputs": {
                "teacher_rows": 1000, "student_rows": 1001, "matched": 998,
                "teacher_only": 2, "student_only": 3, "num_classes": 3,
                "support_violations": {"examples": 4, "total": 5, "epsilon": 1e-12}
              },
              "global": {
                "kl": {
                  "n": 998, "mean": 0.12, "std": 0.1, "ci95_low": 0.11, "ci95_high": 0.13,
                  "min": 1e-5, "p50": 0.08, "p90": 0.3, "p95": 0.4, "p99": null, "max": 1.7,
                  "share_above": {"0.01": 0.8, "0.1": 0.3},
                  "histogram": {"edges": [1e-3, 1e-2, 1e-1, 1.0], "counts": [0, 10, 500, 480, 8, 0]}
                },
                "js": {"n": 998, "mean": 0.03, "ci95_low": 0.028, "ci95_high": 0.032},
                "agreement": {"n": 998, "mean": 0.9, "ci95_low": 0.88, "ci95_high": 0.92},
                "marginal_kl": 0.004
              },
              "per_slice": [
                {
                  "column": "segment", "value": $EVIL_SLICE,
                  "kl": {"n": 400, "mean": 0.25, "ci95_low": 0.22, "ci95_high": 0.28, "p99": 1.1},
                  "js": {"mean": 0.06},
                  "agreement": {"mean": 0.82}
                },
                {"column": "segment", "value": "web", "kl": {"n": 598, "mean": 0.03}}
              ],
              "top_confusions": [
                {
                  "teacher_class_index": 1, "teacher_class_name": $EVIL_CLASS,
                  "student_class_index": 0, "student_class_name": "cat",
                  "count": 40, "mean_kl": 0.31
                }
              ]
            }
            """);
    List<Summary.CheckResult> checks =
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
                "mean KL 0.25 above 0.2"));

    List<ClassRow> perClass =
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
    List<TrendPoint> trend =
        List.of(
            run("2026-11-26", 0.05, 0.4),
            run("2026-11-27", 0.06, null),
            run("2026-11-28", 0.07, 0.5),
            run("2026-11-29", 0.12, 0.9));
    return new HtmlReport.Input(
        summary.withComparison(checks, "ALERT", summary.change()), perClass, List.of(worst), trend);
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
    // Names are plain text (CSS wraps them), so a name copied from the page is the config's.
    String page = HtmlReport.render(sampleInput());
    assertThat(page)
        .doesNotContain("\u200B")
        .contains("<td class=\"name\">slice_mean_kl (threshold)");

    int alert = page.indexOf("slice_mean_kl (threshold)");
    int insufficient = page.indexOf("mean_kl_history (sigma)");
    int ok = page.indexOf("mean_kl_threshold (threshold)");
    assertThat(alert).isPositive().isLessThan(insufficient);
    assertThat(insufficient).isLessThan(ok);
    assertThat(page).contains("<tr class=\"outcome-alert\"><td class=\"outcome\">ALERT</td>");
    assertThat(page.indexOf("id=\"checks\"")).isLessThan(page.indexOf("id=\"headline\""));
  }

  @Test
  void classSharesAreOfTheKlAddedAndNeverNegative() {
    String chart = svg(HtmlReport.render(sampleInput()), "class-contributions");

    // contributions 0.09, 0.05, -0.02: the positive ones add 0.14; 0.09 / 0.14 = 64%,
    // 0.05 / 0.14 = 36%, and -0.02 offsets 0.02 / 0.14 = 14% of it
    assertThat(chart)
        .contains(">0.09 (64%)</text>")
        .contains(">0.05 (36%)</text>")
        .contains(">-0.02 (offsets 14%)</text>")
        .doesNotContain("(-");
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
    Summary odd =
        summary(
            """
            {
              "status": "42",
              "checks": null,
              "global": {"kl": {"histogram": {"edges": null, "counts": [3, null, 0]}}},
              "per_slice": [null, {"kl": null}]
            }
            """);

    assertThatCode(() -> HtmlReport.render(new HtmlReport.Input(null, null, null, null)))
        .doesNotThrowAnyException();
    String empty = HtmlReport.render(new HtmlReport.Input(null, null, null, null));
    List<TrendPoint> history =
        Arrays.asList(null, run("2026-11-28", null, null), run("2026-11-29", 0.1, null));
    String malformed =
        HtmlReport.render(
            new HtmlReport.Input(
                odd,
                Arrays.asList(null, undefinedClassRow()),
                Arrays.asList(null, map()),
                history));

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
    List<ClassRow> classes = new ArrayList<>();
    for (int i = 0; i < 45; i++) {
      classes.add(classRow(i, "class_" + i, (i % 2 == 0 ? 1 : -1) * i / 1000.0, null));
    }
    String page = HtmlReport.render(new HtmlReport.Input(null, classes, List.of(), List.of()));

    String chart = svg(page, "class-contributions");
    assertThat(count(chart, "<rect class=\"bar\"")).isEqualTo(30);
    assertThat(chart).contains("class_44 (44)", "class_15 (15)").doesNotContain("class_14 (14)");
    assertThat(page).contains("The 30 of 45 classes with the largest |contribution|.");
  }

  @Test
  void classChartFallsBackToTheSummarysTopClasses() {
    Summary summary =
        summary(
            """
            {"top_drifted_classes": [{"class_index": 5, "class_name": "dog",
                                      "kl_contribution": 0.04, "kl_share": 0.7}]}
            """);
    String page = HtmlReport.render(new HtmlReport.Input(summary, List.of(), List.of(), List.of()));

    assertThat(count(svg(page, "class-contributions"), "<rect class=\"bar\"")).isEqualTo(1);
  }

  @Test
  void rowRulesShowBothSidesAndMarkTheBrokenRules() {
    Summary summary =
        summary(
            """
            {"inputs": {"invalid": {
              "teacher": {"rows": 1000, "quarantined": 3, "renormalized": 0, "rules": {
                "not_finite": {"rows": 3, "policy": "quarantine", "example_key": "{\\"id\\":7}"},
                "not_normalized": {"rows": 0, "policy": "renormalize", "example_key": null},
                "null_key": {"rows": 0, "policy": "fail", "example_key": null}}},
              "student": {"rows": 1001, "quarantined": 0, "renormalized": 2, "rules": {
                "not_finite": {"rows": 0, "policy": "quarantine", "example_key": null},
                "not_normalized": {"rows": 2, "policy": "renormalize", "example_key": "{\\"id\\":9}"},
                "null_key": {"rows": 0, "policy": "fail", "example_key": null}}},
              "max_quarantined_share": 0.01}}}
            """);
    String page = HtmlReport.render(new HtmlReport.Input(summary, null, null, null));

    assertThat(page)
        .contains(
            "Teacher: 3 rows quarantined, 0 renormalized; student: 0 rows quarantined,"
                + " 2 renormalized (at most 1.00% of a table may be quarantined).")
        .contains(
            "<tr class=\"outcome-warn\"><td class=\"figure\">not_finite</td><td>quarantine</td>"
                + "<td class=\"num\">3</td><td class=\"num\">0</td>"
                + "<td class=\"wide\">teacher {&quot;id&quot;:7}</td></tr>")
        .contains(
            "<tr class=\"outcome-warn\"><td class=\"figure\">not_normalized</td>"
                + "<td>renormalize</td><td class=\"num\">0</td><td class=\"num\">2</td>"
                + "<td class=\"wide\">student {&quot;id&quot;:9}</td></tr>")
        .contains(
            "<tr><td class=\"figure\">null_key</td><td>fail</td><td class=\"num\">0</td>"
                + "<td class=\"num\">0</td><td class=\"wide\">n/a</td></tr>");
  }

  @Test
  void worstExamplesShowEveryColumnInMapOrderWithNumbersAlignedAndClassesNamed() {
    String page = HtmlReport.render(sampleInput());

    assertThat(page)
        .contains(
            "<th class=\"num\">example_<wbr>id</th><th>segment</th><th>label</th><th"
                + " class=\"num\">kl</th><th class=\"num\">js</th><th>teacher_<wbr>top1</th>"
                + "<th>student_<wbr>top1</th>")
        .contains(
            "<td class=\"num\">17</td><td>"
                + EVIL_SLICE_ESCAPED
                + "</td><td>n/a</td><td class=\"num\">1.7</td>")
        // class 1 is the hostile name, class 0 is cat (per_class rows of the sample)
        .contains("<td>" + EVIL_CLASS_ESCAPED + " (1)</td><td>cat (0)</td></tr>");
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

  /**
   * A summary read from summary.json text, as a report may be rendered from a file; {@code
   * $EVIL_CLASS} and {@code $EVIL_SLICE} stand for the hostile names as JSON strings.
   */
  private static Summary summary(String json) {
    try {
      String text =
          json.replace("$EVIL_CLASS", SummaryJson.mapper().writeValueAsString(EVIL_CLASS))
              .replace("$EVIL_SLICE", SummaryJson.mapper().writeValueAsString(EVIL_SLICE));
      return SummaryJson.read(text.getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Summary.CheckResult check(
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
    return new Summary.CheckResult(
        name,
        type,
        "kl.mean",
        scope,
        column,
        value,
        metricValue,
        metricValue == null ? 1L : 400L,
        warn,
        alert,
        null,
        null,
        null,
        null,
        null,
        outcome,
        message);
  }

  private static ClassRow classRow(int index, String name, double contribution, Double share) {
    return new ClassRow(
        index,
        name,
        contribution,
        share,
        0.33,
        0.31,
        0.0,
        0L,
        0.0,
        330L,
        0.1,
        null,
        0.9,
        320L,
        null,
        null,
        null,
        null,
        null);
  }

  /** A class row whose every figure is undefined. */
  private static ClassRow undefinedClassRow() {
    return new ClassRow(
        0,
        null,
        Double.NaN,
        null,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        0L,
        null,
        0L,
        null,
        null,
        null,
        0L,
        null,
        null,
        null,
        null,
        null);
  }

  private static TrendPoint run(String date, Double mean, Double p99) {
    return new TrendPoint(date, mean, p99, 0.1, 0.2);
  }
}
