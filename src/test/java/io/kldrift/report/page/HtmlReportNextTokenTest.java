package io.kldrift.report.page;

import static io.kldrift.report.page.HtmlReportSequenceTest.element;
import static io.kldrift.report.page.HtmlReportSequenceTest.sequenceInput;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The "next token" section of a sequence page, read back from the HTML as rows of unescaped cells:
 * the fixture's target figures (HtmlReportSequenceTest) rounded by hand to four significant digits,
 * the hostile slice value as text, and no section without target figures.
 */
class HtmlReportNextTokenTest {

  /** The rows of the table with this class inside {@code html}, each as its unescaped cells. */
  static List<List<String>> rows(String html, String tableClass) {
    int start = html.indexOf("<table class=\"" + tableClass);
    assertThat(start).as("table %s", tableClass).isNotNegative();
    String table = html.substring(start, html.indexOf("</table>", start));
    List<List<String>> out = new ArrayList<>();
    Matcher tr = Pattern.compile("<tr[^>]*>(.*?)</tr>", Pattern.DOTALL).matcher(table);
    while (tr.find()) {
      Matcher td = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL).matcher(tr.group(1));
      List<String> cells = new ArrayList<>();
      while (td.find()) {
        cells.add(unescape(td.group(1)));
      }
      if (!cells.isEmpty()) {
        out.add(cells);
      }
    }
    return out;
  }

  private static String unescape(String s) {
    assertThat(s).doesNotContain("<", ">");
    return s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
  }

  private static List<String> row(List<List<String>> rows, String first) {
    return rows.stream().filter(r -> r.get(0).equals(first)).findFirst().orElseThrow();
  }

  @Test
  void theSectionShowsPerplexitiesTheRatioDeltaPAccuraciesAndMissingCounts() {
    String page = HtmlReport.render(sequenceInput());
    String section = element(page, "section", "next-token");
    assertThat(section).contains("<h2>Next token</h2>");
    List<List<String>> figures = rows(section, "next-token-table");

    assertThat(row(figures, "Perplexity, teacher \u2192 student"))
        .containsSequence("8.166 \u2192 9.025")
        .anySatisfy(c -> assertThat(c).contains("over 10,400 counted positions"));
    assertThat(row(figures, "Mean NLL (nats)")).contains("teacher 2.1, student 2.2");
    assertThat(row(figures, "ln(PPL student / PPL teacher)"))
        .contains("0.1")
        .anySatisfy(c -> assertThat(c).startsWith("95% CI 0.09123 \u2013 0.1088 "));
    List<String> dp = row(figures, "\u0394p = p_student(target) \u2212 p_teacher(target)");
    assertThat(dp.get(1)).isEqualTo("-0.01235");
    assertThat(dp.get(2))
        .startsWith("95% CI -0.0131 \u2013 -0.0115; RMS 0.04568; min -0.61, p01 -0.2, p05 -0.09")
        .endsWith("p99 0.1, p99.9 0.3, max 0.52");
    assertThat(row(figures, "Accuracy (top-1 is the target)"))
        .contains("teacher 45.00%, student 43.00%")
        .anySatisfy(c -> assertThat(c).endsWith("82.46%"));
    assertThat(row(figures, "Missing targets")).contains("teacher 57, student 0");

    List<List<String>> groups = rows(section, "next-token-groups");
    assertThat(groups)
        .containsExactly(
            List.of(
                "segment",
                "chat",
                "5,800",
                "6.5",
                "6.9",
                "0.0597",
                "0.05 \u2013 0.07",
                "-0.0081",
                "0.031",
                "50.00%",
                "49.00%",
                "40, 0"),
            List.of(
                "segment",
                HtmlReportTest.EVIL_SLICE,
                "4,600",
                "10.5",
                "12.25",
                "0.154",
                "n/a \u2013 n/a",
                "-0.0175",
                "0.06",
                "39.00%",
                "36.00%",
                "17, 0"),
            List.of(
                "position",
                "1-3",
                "5",
                "20.5",
                "22",
                "0.0706",
                "n/a \u2013 n/a",
                "0.001",
                "0.01",
                "40.00%",
                "40.00%",
                "0, 0"),
            List.of(
                "teacher top-1 token",
                "3",
                "217",
                "3.1",
                "3.4",
                "0.0924",
                "n/a \u2013 n/a",
                "-0.02",
                "0.08",
                "30.00%",
                "25.00%",
                "0, 0"));
    assertThat(section.toLowerCase(Locale.ROOT)).doesNotContain("<img");
  }

  @Test
  void theSectionComesAfterTheHeadlineFigures() {
    String page = HtmlReport.render(sequenceInput());
    assertThat(page.indexOf("id=\"next-token\""))
        .isGreaterThan(page.indexOf("id=\"headline\""))
        .isLessThan(page.indexOf("id=\"row-rules\""));
  }

  @Test
  void withoutTargetFiguresThereIsNoSection() throws Exception {
    Summary full = HtmlReportSequenceTest.sequenceInput().summary();
    ObjectNode json = (ObjectNode) SummaryJson.mapper().readTree(SummaryJson.bytes(full));
    ((ObjectNode) json.get("global")).remove("target");
    Summary s = SummaryJson.read(SummaryJson.mapper().writeValueAsBytes(json));
    assertThat(s.global().target()).isNull();
    String page = HtmlReport.render(new HtmlReport.Input(s, List.of(), List.of(), List.of()));
    assertThat(page).doesNotContain("id=\"next-token\"", "Perplexity");
  }

  @Test
  void unknownFiguresSayWhy() {
    String json =
        HtmlReportSequenceTest.SEQUENCE_JSON
            .replaceFirst(
                "\"target\": \\{\"n\": 10400,",
                "\"target\": {\"note\": \"unknown: <a state> merged\", \"n\": null,")
            .replace(
                "\"top_tokens\": [",
                "\"target_note\": \"per group unknown (format < 5)\", \"top_tokens\": [");
    Summary s = HtmlReportSequenceTest.summary(json);
    String page = HtmlReport.render(new HtmlReport.Input(s, List.of(), List.of(), List.of()));
    String section = element(page, "section", "next-token");
    assertThat(section)
        .contains("The target figures are unknown: &lt;a state&gt; merged.")
        .contains("By group: per group unknown (format &lt; 5).");
    assertThat(row(rows(section, "next-token-table"), "Perplexity, teacher \u2192 student"))
        .contains("8.166 \u2192 9.025");
  }
}
