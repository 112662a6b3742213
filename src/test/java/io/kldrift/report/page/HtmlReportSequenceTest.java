package io.kldrift.report.page;

import static io.kldrift.report.page.HtmlReportTest.EVIL_SLICE;
import static io.kldrift.report.page.HtmlReportTest.EVIL_SLICE_ESCAPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import io.kldrift.summary.TrendPoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * report.html for a sequence-layout summary: bounds labelled, the tail mass next to every KL
 * figure, the bucket charts, the token, slice and worst-sequence tables, and no class sections. The
 * expected texts are the fixture's numbers rounded by hand to four significant digits.
 */
class HtmlReportSequenceTest {
  /**
   * A top-k (tail_bucket) run of 100 sequences: figures like sample-data/llm's, the first and two
   * last position buckets empty, an empty teacher-entropy bucket between two full ones, three
   * tokens, two slices (one hostile), two worst sequences (the second without a divergence) and
   * three runs of history.
   */
  static HtmlReport.Input sequenceInput() {
    List<TrendPoint> trend =
        List.of(
            new TrendPoint("2026-11-30", 0.0598, 0.43, null, null),
            new TrendPoint("2026-12-01", 0.0604, 0.45, null, null),
            new TrendPoint("2026-12-02", 0.0613409, 0.456781, null, null));
    return new HtmlReport.Input(summary(SEQUENCE_JSON), List.of(), worstRows(), trend);
  }

  static final String SEQUENCE_JSON =
      """
      {
        "schema_version": 1,
        "status": "OK",
        "run": {"run_date": "2026-12-02", "teacher_model": "llm-teacher",
                "student_model": "llm-student"},
        "inputs": {"teacher_rows": 100, "student_rows": 100, "matched": 100,
                   "teacher_only": 0, "student_only": 0, "num_classes": 0},
        "global": {
          "kl": {"n": 10457, "mean": 0.0613409, "ci95_low": 0.0594587, "ci95_high": 0.0632231,
                 "p50": 0.0153297, "p95": 0.260501, "p99": 0.456781, "max": 1.372187,
                 "histogram": {"edges": [1e-3, 1e-2, 1e-1, 1.0],
                               "counts": [0, 1500, 6000, 2900, 57, 0]}},
          "reverse_kl": {"n": 10457, "mean": 0.0561604},
          "js": {"n": 10457, "mean": 0.0138535},
          "teacher_entropy": {"n": 10457, "mean": 2.174816},
          "total_variation": {"n": 10457, "mean": 0.0896826},
          "agreement": {"n": 10457, "mean": 0.824615, "ci95_low": 0.8173, "ci95_high": 0.8319},
          "sequence_kl": {"n": 100, "mean": 0.0651328, "ci95_low": 0.0510493,
                          "ci95_high": 0.0792163},
          "target": {"n": 10400, "teacher_nll_mean": 2.1, "student_nll_mean": 2.2,
                     "teacher_ppl": 8.16617, "student_ppl": 9.02501, "ln_ppl_ratio": 0.1,
                     "ln_ppl_ratio_ci95_low": 0.0912345, "ln_ppl_ratio_ci95_high": 0.1087655,
                     "delta_p_mean": -0.0123456, "delta_p_ci95_low": -0.0131,
                     "delta_p_ci95_high": -0.0115, "delta_p_rms": 0.0456789,
                     "delta_p": {"n": 10400, "mean": -0.0123456, "min": -0.61, "p001": -0.4,
                                 "p01": -0.2, "p05": -0.09, "p10": -0.05, "p50": -0.001,
                                 "p90": 0.02, "p95": 0.04, "p99": 0.1, "p999": 0.3, "max": 0.52},
                     "teacher_accuracy": 0.45, "student_accuracy": 0.43,
                     "teacher_target_missing": 57, "student_target_missing": 0},
          "bounds": {
            "kl": "lower bound: KL over the teacher's top-20 ids plus one tail cell",
            "sequence_kl": "mean over sequences of each sequence's mean kl lower bound",
            "teacher_entropy": "lower bound: the entropy of the teacher's listed cells"
          }
        },
        "per_slice": [
          {"column": "segment", "value": "chat",
           "kl": {"n": 5871, "mean": 0.0239386, "ci95_low": 0.0229689, "ci95_high": 0.0249084},
           "js": {"mean": 0.00523931}, "agreement": {"mean": 0.889968},
           "sequence_kl": {"n": 51, "mean": 0.0239194},
           "target": {"n": 5800, "teacher_ppl": 6.5, "student_ppl": 6.9, "ln_ppl_ratio": 0.0597,
                      "ln_ppl_ratio_ci95_low": 0.05, "ln_ppl_ratio_ci95_high": 0.07,
                      "delta_p_mean": -0.0081, "delta_p_rms": 0.031, "teacher_accuracy": 0.5,
                      "student_accuracy": 0.49, "teacher_target_missing": 40,
                      "student_target_missing": 0}},
          {"column": "segment", "value": $EVIL_SLICE,
           "kl": {"n": 4586, "mean": 0.109231},
           "sequence_kl": {"n": 49, "mean": 0.108215},
           "target": {"n": 4600, "teacher_ppl": 10.5, "student_ppl": 12.25,
                      "ln_ppl_ratio": 0.154, "delta_p_mean": -0.0175, "delta_p_rms": 0.06,
                      "teacher_accuracy": 0.39, "student_accuracy": 0.36,
                      "teacher_target_missing": 17, "student_target_missing": 0}}
        ],
        "top_drifted_classes": [],
        "top_confusions": [],
        "checks": [],
        "tables": ["per_slice", "worst_examples", "per_token"],
        "sequences": {
          "mode": "tail_bucket",
          "kl_note": "lower bound: KL over the teacher's top-20 ids plus one tail cell",
          "teacher_k": 20, "student_k": 20,
          "sequences": 100, "positions": 14018, "counted_positions": 10457,
          "masked_positions": 3561, "sequences_without_counted_positions": 0,
          "sequence_kl_sum": {"n": 100, "mean": 6.414422, "max": 38.21883},
          "sequence_kl_max": {"n": 100, "mean": 0.337164, "max": 1.372187},
          "first_divergence": {"n": 99, "mean": 41.3939, "min": 1.0, "max": 106.0},
          "sequences_without_divergence": 1,
          "js": {"lower": {"n": 10457, "mean": 0.0138535},
                 "upper": {"n": 10457, "mean": 0.130760},
                 "note": "lower: the merged cells; upper: the unlisted mass at its worst"},
          "total_variation": {"lower": {"n": 10457, "mean": 0.0896826},
                              "upper": {"n": 10457, "mean": 0.255149},
                              "note": "lower: the merged cells; upper: the unlisted mass at its worst"},
          "teacher_tail_mass": {"n": 10457, "mean": 0.167548},
          "student_tail_mass": {"n": 10457, "mean": 0.164708},
          "overlap": {"n": 10457, "mean": 0.935426},
          "by_position": [
            {"bucket": "0", "positions": 0, "kl_share": 0.0},
            {"bucket": "1-3", "positions": 5, "kl_mean": 0.0822400, "kl_share": 0.000641,
             "agreement": 0.8, "teacher_tail_mass": 0.189037,
             "target": {"n": 5, "teacher_ppl": 20.5, "student_ppl": 22, "ln_ppl_ratio": 0.0706,
                        "delta_p_mean": 0.001, "delta_p_rms": 0.01, "teacher_accuracy": 0.4,
                        "student_accuracy": 0.4, "teacher_target_missing": 0,
                        "student_target_missing": 0}},
            {"bucket": "4-15", "positions": 206, "kl_mean": 0.0818468, "kl_share": 0.0262852,
             "agreement": 0.825243, "teacher_tail_mass": 0.166865},
            {"bucket": "16-63", "positions": 2248, "kl_mean": 0.0621725, "kl_share": 0.217890,
             "agreement": 0.814057, "teacher_tail_mass": 0.169117},
            {"bucket": "64-255", "positions": 7998, "kl_mean": 0.0605660, "kl_share": 0.755184,
             "agreement": 0.827582, "teacher_tail_mass": 0.167111},
            {"bucket": "256-1023", "positions": 0, "kl_share": 0.0},
            {"bucket": "1024+", "positions": 0, "kl_share": 0.0}
          ],
          "by_teacher_entropy": [
            {"bucket": "<0.01", "positions": 3, "kl_mean": 0.0004, "kl_share": 0.000002,
             "agreement": 1.0, "teacher_tail_mass": 0.01},
            {"bucket": "0.01-0.1", "positions": 0, "kl_share": 0.0},
            {"bucket": "0.1-0.5", "positions": 7, "kl_mean": 0.00119671, "kl_share": 0.0000187,
             "agreement": 1.0, "teacher_tail_mass": 0.0388849},
            {"bucket": "0.5-1", "positions": 224, "kl_mean": 0.0135478, "kl_share": 0.00473108,
             "agreement": 0.995536, "teacher_tail_mass": 0.0713845},
            {"bucket": "1-2", "positions": 2763, "kl_mean": 0.0499259, "kl_share": 0.215055,
             "agreement": 0.925081, "teacher_tail_mass": 0.119976},
            {"bucket": "2-4", "positions": 7460, "kl_mean": 0.0670845, "kl_share": 0.780195,
             "agreement": 0.782038, "teacher_tail_mass": 0.188227},
            {"bucket": ">=4", "positions": 0, "kl_share": 0.0}
          ],
          "top_tokens": [
            {"token_id": 3, "positions": 217, "kl_mean": 0.186075, "kl_share": 0.0629491,
             "agreement": 0.207373, "teacher_tail_mass": 0.169668,
             "target": {"n": 217, "teacher_ppl": 3.1, "student_ppl": 3.4, "ln_ppl_ratio": 0.0924,
                        "delta_p_mean": -0.02, "delta_p_rms": 0.08, "teacher_accuracy": 0.3,
                        "student_accuracy": 0.25, "teacher_target_missing": 0,
                        "student_target_missing": 0}},
            {"token_id": 5, "positions": 186, "kl_mean": 0.190356, "kl_share": 0.0551979,
             "agreement": 0.231183, "teacher_tail_mass": 0.176577},
            {"token_id": 11, "positions": 104, "kl_mean": 0.204187, "kl_share": 0.0331058,
             "agreement": 0.230769, "teacher_tail_mass": 0.160796}
          ]
        }
      }
      """;

  /** worst_examples rows as the job passes them: key, slice, then the sequence figures. */
  private static List<Map<String, Object>> worstRows() {
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(worst(7L, "code", 0.221729, 6.43, 1.372187, 29, 16, 0.167112, 0.517241));
    rows.add(worst(49L, EVIL_SLICE, 0.220490, 3.969, 0.633912, 18, null, 0.146311, 1.0));
    return rows;
  }

  private static Map<String, Object> worst(
      long id,
      String segment,
      double kl,
      double sum,
      double max,
      int positions,
      Integer first,
      double tail,
      double agreement) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sequence_id", id);
    m.put("segment", segment);
    m.put("kl", kl);
    m.put("kl_sum", sum);
    m.put("kl_max", max);
    m.put("positions", positions);
    m.put("first_divergence", first);
    m.put("teacher_tail_mass", tail);
    m.put("agreement", agreement);
    return m;
  }

  @Test
  void klPerTokenAndPerSequenceAreLabelledLowerBoundsWithTheTailMassNextToThem() {
    HtmlReport.Input in = sequenceInput();
    String page = HtmlReport.render(in);

    // The summary's values, formatted to four significant digits independently of the page code.
    Summary s = in.summary();
    String perToken = String.format(Locale.ROOT, "%.4g", s.global().kl().mean());
    String perSequence = String.format(Locale.ROOT, "%.4g", s.global().sequenceKl().mean());
    String tail = String.format(Locale.ROOT, "%.4g", s.sequences().teacherTailMass().mean());
    assertThat(List.of(perToken, perSequence, tail))
        .containsExactly("0.06134", "0.06513", "0.1675");
    String note = "lower bound: KL over the teacher&#39;s top-20 ids plus one tail cell";
    assertThat(element(page, "div", "card-kl-token"))
        .contains("<span class=\"value\">" + perToken + "</span><span class=\"unit\">nats</span>")
        .contains("<span class=\"bound\" title=\"" + note + "\">lower bound</span>")
        .contains("<div class=\"tail\">teacher tail mass " + tail + "</div>");
    assertThat(element(page, "div", "card-kl-sequence"))
        .contains("<span class=\"value\">" + perSequence + "</span>")
        .contains(">lower bound</span>")
        .contains("<div class=\"tail\">teacher tail mass " + tail + " (per token)</div>");
    // The kl_note is spelled out once under the cards, not only as a tooltip.
    assertThat(page).contains("Every KL figure on this page is a " + note + ".");
    assertThat(page)
        .contains(
            "<span class=\"status-detail\">teacher llm-teacher \u2192 student llm-student"
                + " \u00b7 KL per token 0.06134 nats (lower bound; teacher tail mass 0.1675)");
    // Detail table: value, bound and tail mass side by side.
    assertThat(page)
        .contains(
            "<td class=\"figure\">KL per token (nats)</td><td class=\"num\">0.06134</td>"
                + "<td class=\"nowrap\">lower bound</td><td class=\"num\">0.1675</td>")
        .contains(
            "<td class=\"figure\">KL per sequence (nats)</td><td class=\"num\">0.06513</td>"
                + "<td class=\"nowrap\">lower bound</td><td class=\"num\">0.1675</td>");
    assertThat(element(page, "div", "card-agreement")).contains(">82.46%</span>");
    assertThat(element(page, "div", "card-positions"))
        .contains(">10,457</span>", "of 14,018 positions; 3,561 masked");
    assertThat(element(page, "div", "card-sequences")).contains(">100</span>");
  }

  @Test
  void jsAndTvAreIntervalsLabelledAsBounds() {
    String page = HtmlReport.render(sequenceInput());

    assertThat(element(page, "div", "card-js"))
        .contains("<span class=\"value\">[0.01385, 0.1308]</span>", ">lower, upper bound</span>");
    assertThat(element(page, "div", "card-tv"))
        .contains("<span class=\"value\">[0.08968, 0.2551]</span>", ">lower, upper bound</span>");
  }

  @Test
  void exactInputHasNoBoundLabelsAndOneNumberPerInterval() {
    String exact =
        SEQUENCE_JSON
            .replace("\"mode\": \"tail_bucket\"", "\"mode\": \"exact\"")
            .replace(
                "\"kl_note\": \"lower bound: KL over the teacher's top-20 ids plus one tail cell\"",
                "\"kl_note\": \"exact: dense distributions over the vocabulary\"")
            .replace(
                "\"upper\": {\"n\": 10457, \"mean\": 0.130760}", "\"upper\": {\"mean\": 0.0138535}")
            .replaceFirst("\"bounds\": \\{[^}]*\\}", "\"bounds\": null");
    String page =
        HtmlReport.render(new HtmlReport.Input(summary(exact), List.of(), worstRows(), List.of()));

    assertThat(page).doesNotContain("lower bound", "class=\"bound\"");
    assertThat(element(page, "div", "card-js")).contains("<span class=\"value\">0.01385</span>");
    assertThat(element(page, "div", "card-kl-token"))
        .contains("<span class=\"value\">0.06134</span>", "teacher tail mass 0.1675");
  }

  @Test
  void positionCurveHasOnePointAndOneTailBarPerNonEmptyBucket() {
    HtmlReport.Input in = sequenceInput();
    String page = HtmlReport.render(in);

    String chart = svg(page, "position-buckets");
    long nonEmpty =
        in.summary().sequences().byPosition().stream().filter(b -> b.positions() > 0).count();
    assertThat(nonEmpty).isEqualTo(4);
    assertThat(count(chart, "<circle class=\"point-kl\"")).isEqualTo(4);
    assertThat(count(chart, "<rect class=\"tail-bar\"")).isEqualTo(4);
    assertThat(count(chart, "<polyline class=\"bucket-kl\"")).isEqualTo(1);
    // The higher mean KL is drawn higher: cy falls as KL rises (1-3 > 4-15 > 16-63 > 64-255).
    assertThat(cys(chart)).hasSize(4).isSorted();
    assertThat(chart)
        .contains(
            "<title>1-3: mean KL 0.08224 (lower bound), teacher tail mass 0.189, 0.06% of the KL"
                + " mass, agreement 80.00%, 5 positions</title>")
        .contains(">2,248 positions</text>")
        .doesNotContain(">256-1023<");
    assertThat(page)
        .contains("Buckets without counted positions are not drawn: 0, 256-1023, 1024+.");
    assertThat(page)
        .contains(
            "<tr><td class=\"figure\">4-15</td><td class=\"num\">206</td>"
                + "<td class=\"num\">0.08185</td><td class=\"num\">0.1669</td>"
                + "<td class=\"num\">2.63%</td><td class=\"num\">82.52%</td></tr>");
  }

  @Test
  void entropyCurveBreaksItsLineAtAnEmptyBucketInside() {
    String page = HtmlReport.render(sequenceInput());

    String chart = svg(page, "entropy-buckets");
    // <0.01, then the empty 0.01-0.1 as a gap, then four more: five points, and one line
    // through the last four (a single point has no line).
    assertThat(count(chart, "<circle class=\"point-kl\"")).isEqualTo(5);
    assertThat(count(chart, "<polyline class=\"bucket-kl\"")).isEqualTo(1);
    assertThat(pointsOfLine(chart)).isEqualTo(4);
    assertThat(chart).contains(">0.01-0.1</text>", "&lt;0.01");
    assertThat(page).contains("Buckets without counted positions are not drawn: &gt;=4.");
  }

  @Test
  void tokenTableListsTheTopTokensInTheSummarysOrder() {
    String page = HtmlReport.render(sequenceInput());

    String table = element(page, "section", "tokens");
    int first =
        table.indexOf(
            "<tr><td class=\"num\">1</td><td class=\"num\">3</td><td class=\"num\">217</td>"
                + "<td class=\"num\">0.1861</td><td class=\"num\">0.1697</td>"
                + "<td class=\"num\">6.29%</td><td class=\"num\">20.74%</td></tr>");
    int second =
        table.indexOf(
            "<tr><td class=\"num\">2</td><td class=\"num\">5</td><td class=\"num\">186</td>"
                + "<td class=\"num\">0.1904</td><td class=\"num\">0.1766</td>");
    int third =
        table.indexOf(
            "<tr><td class=\"num\">3</td><td class=\"num\">11</td><td class=\"num\">104</td>"
                + "<td class=\"num\">0.2042</td>");
    assertThat(List.of(first, second, third)).doesNotContain(-1).isSorted();
    assertThat(count(table, "<tr><td")).isEqualTo(3);
    assertThat(table)
        .contains(
            "<th class=\"num\">Mean KL (lower bound)</th><th class=\"num\">Teacher tail mass</th>")
        .contains("these 3 tokens hold 15.13% of it. The per_token table lists every token.");
  }

  @Test
  void slicesShowTheSequenceWeightedMeanNextToTheTokenWeightedOne() {
    String page = HtmlReport.render(sequenceInput());

    String slices = element(page, "section", "slices");
    assertThat(slices)
        .contains(
            "<th class=\"num\">KL per token (lower bound)</th>"
                + "<th class=\"num\">KL per sequence (lower bound)</th>")
        .contains(
            "<tr><td>segment</td><td>chat</td><td class=\"num\">51</td>"
                + "<td class=\"num\">5,871</td><td class=\"num\">0.02394</td>"
                + "<td class=\"num\">0.02392</td><td class=\"num\">0.02297 \u2013 0.02491</td>")
        .contains(
            "<td>"
                + EVIL_SLICE_ESCAPED
                + "</td><td class=\"num\">49</td><td class=\"num\">4,586</td>"
                + "<td class=\"num\">0.1092</td><td class=\"num\">0.1082</td>")
        .contains("over all positions: 0.1675");
  }

  @Test
  void worstSequencesShowTheSequenceColumnsAndNoneForNoDivergence() {
    String page = HtmlReport.render(sequenceInput());

    String worst = element(page, "section", "worst-sequences");
    assertThat(worst)
        .contains(
            "<th class=\"num\">sequence_id</th><th>segment</th>"
                + "<th class=\"num\">Mean KL (lower bound)</th><th class=\"num\">Teacher tail mass</th>"
                + "<th class=\"num\">KL sum</th><th class=\"num\">KL max</th>"
                + "<th class=\"num\">Counted positions</th><th class=\"num\">First divergence</th>"
                + "<th class=\"num\">Agreement</th>")
        .contains(
            "<tr><td class=\"num\">7</td><td>code</td><td class=\"num\">0.2217</td>"
                + "<td class=\"num\">0.1671</td><td class=\"num\">6.43</td>"
                + "<td class=\"num\">1.372</td><td class=\"num\">29</td>"
                + "<td class=\"num\">16</td><td class=\"num\">51.72%</td></tr>")
        .contains(
            "<tr><td class=\"num\">49</td><td>"
                + EVIL_SLICE_ESCAPED
                + "</td><td class=\"num\">0.2205</td><td class=\"num\">0.1463</td>"
                + "<td class=\"num\">3.969</td><td class=\"num\">0.6339</td>"
                + "<td class=\"num\">18</td><td class=\"num\">none</td>"
                + "<td class=\"num\">100.00%</td></tr>");
  }

  @Test
  void classSectionsAreLeftOutAndTheRestComeInOrder() {
    String page = HtmlReport.render(sequenceInput());

    assertThat(page)
        .doesNotContain(
            "id=\"classes\"",
            "id=\"class-contributions\"",
            "id=\"confusions\"",
            "id=\"worst-examples\"",
            "Marginal KL",
            "Support violations",
            "Label accuracy",
            ">classes<");
    List<String> order =
        List.of(
            "id=\"status\"",
            "id=\"checks\"",
            "id=\"headline\"",
            "id=\"row-rules\"",
            "id=\"position-buckets\"",
            "id=\"entropy-buckets\"",
            "id=\"tokens\"",
            "id=\"kl-histogram\"",
            "id=\"kl-trend\"",
            "id=\"slices\"",
            "id=\"worst-sequences\"",
            "id=\"run\"");
    assertThat(order.stream().map(page::indexOf).toList()).doesNotContain(-1).isSorted();
    assertThat(svg(page, "kl-histogram"))
        .contains("positions (", "per counted position, lower bound, nats, log scale");
    assertThat(page)
        .contains("<td class=\"figure\">sequences.mode</td><td>tail_bucket</td>")
        .contains("The history holds KL per token, a lower bound");
  }

  @Test
  void exampleLayoutPageKeepsItsStylesheet() {
    String page = HtmlReport.render(HtmlReportTest.sampleInput());

    assertThat(page).doesNotContain(SequenceSections.CSS, "card-", "bucket-kl");
  }

  @Test
  void everyValueIsEscapedAndNothingLoads() {
    String page = HtmlReport.render(sequenceInput());

    assertThat(page).contains(EVIL_SLICE_ESCAPED).doesNotContain("<img src=x");
    assertThat(page.toLowerCase(Locale.ROOT))
        .doesNotContain("<script", "<img", "http://", "https://");
  }

  @Test
  void emptyOrPartialSequenceFiguresRenderAsNa() {
    Summary bare = summary("{\"status\": \"OK\", \"sequences\": {}}");
    Summary nulls =
        summary(
            """
            {"global": {"bounds": {}}, "per_slice": [null, {"column": "x"}],
             "sequences": {"by_position": [null, {"bucket": "0", "positions": 0}],
                           "top_tokens": [null], "js": {}}}
            """);

    assertThatCode(() -> HtmlReport.render(new HtmlReport.Input(bare, null, null, null)))
        .doesNotThrowAnyException();
    List<Map<String, Object>> odd = new ArrayList<>();
    odd.add(null);
    odd.add(Map.of("sequence_id", 1));
    String page = HtmlReport.render(new HtmlReport.Input(nulls, null, odd, null));
    String empty = HtmlReport.render(new HtmlReport.Input(bare, null, null, null));

    assertThat(empty)
        .contains("No chart: no positions were counted.", "No tokens were counted.")
        .contains("No sequences were given.", "<span class=\"value\">n/a</span>");
    assertThat(page)
        .contains("<span class=\"value\">n/a</span>", ">lower bound</span>")
        .contains("<td class=\"num\">1</td><td class=\"num\">n/a</td>");
  }

  /** The element with this id, from its start tag to the matching close of the same name. */
  static String element(String page, String tag, String id) {
    int start = page.indexOf("id=\"" + id + "\"");
    assertThat(start).as("element %s", id).isNotNegative();
    start = page.lastIndexOf("<" + tag, start);
    int depth = 0;
    Matcher m = Pattern.compile("<(/?)" + tag + "[\\s>]").matcher(page);
    m.region(start, page.length());
    while (m.find()) {
      depth += m.group(1).isEmpty() ? 1 : -1;
      if (depth == 0) {
        return page.substring(start, m.end());
      }
    }
    throw new AssertionError("unclosed " + tag + " " + id);
  }

  private static String svg(String page, String id) {
    int start = page.indexOf("<svg id=\"" + id + "\"");
    assertThat(start).as("svg %s", id).isNotNegative();
    return page.substring(start, page.indexOf("</svg>", start));
  }

  private static List<Double> cys(String chart) {
    List<Double> out = new ArrayList<>();
    Matcher m =
        Pattern.compile("<circle class=\"point-kl\" cx=\"[^\"]+\" cy=\"([^\"]+)\"").matcher(chart);
    while (m.find()) {
      out.add(Double.parseDouble(m.group(1)));
    }
    return out;
  }

  private static int pointsOfLine(String chart) {
    Matcher m = Pattern.compile("<polyline class=\"bucket-kl\" points=\"([^\"]+)\"").matcher(chart);
    assertThat(m.find()).isTrue();
    return m.group(1).split(" ").length;
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  static Summary summary(String json) {
    try {
      String text =
          json.replace("$EVIL_SLICE", SummaryJson.mapper().writeValueAsString(EVIL_SLICE));
      return SummaryJson.read(text.getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
