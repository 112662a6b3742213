package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.input.RowRule;
import io.kldrift.report.page.HtmlReport;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The page's "Input row rules" table lists the rules of its layout: summary.json counts every rule,
 * but a sequence of top-k lists cannot have a wrong length, nor an example a misaligned position.
 */
class RowRulesPageTest {
  @Test
  void eachLayoutListsItsOwnRules() {
    String example = rulesTable(page(null, 0));
    String topK = rulesTable(page("tail_bucket", 0));
    String dense = rulesTable(page("exact", 0));

    assertThat(example)
        .contains(">null_key<", ">wrong_length<", ">negative_probability<", ">not_normalized<")
        .doesNotContain(">misaligned<", ">token_mismatch<");
    assertThat(topK)
        .contains(">null_key<", ">not_finite<", ">not_normalized<", ">misaligned<")
        .contains(">token_mismatch<")
        .doesNotContain(">wrong_length<", ">negative_probability<");
    assertThat(dense).contains(">wrong_length<", ">negative_probability<", ">misaligned<");
  }

  @Test
  void aBrokenRuleIsListedWhateverTheLayout() {
    assertThat(rulesTable(page("tail_bucket", 4))).contains(">wrong_length<");
  }

  private static String rulesTable(String page) {
    int start = page.indexOf("<table class=\"row-rules-table\">");
    return page.substring(start, page.indexOf("</table>", start));
  }

  /** Every rule at 0 rows but wrong_length at {@code wrongLength}; {@code mode} null: examples. */
  private static String page(String mode, long wrongLength) {
    List<String> rules = new ArrayList<>();
    for (RowRule r : RowRule.values()) {
      long rows = r == RowRule.WRONG_LENGTH ? wrongLength : 0;
      rules.add("\"" + r.label() + "\": {\"rows\": " + rows + ", \"policy\": \"fail\"}");
    }
    String side = "{\"rows\": 10, \"rules\": {" + String.join(", ", rules) + "}}";
    String json =
        "{\"inputs\": {\"invalid\": {\"teacher\": "
            + side
            + ", \"student\": "
            + side
            + "}}"
            + (mode == null ? "" : ", \"sequences\": {\"mode\": \"" + mode + "\"}")
            + "}";
    Summary s = SummaryJson.read(json.getBytes(StandardCharsets.UTF_8));
    return HtmlReport.render(new HtmlReport.Input(s, null, null, null));
  }
}
