package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.str;

import io.kldrift.input.RowRule;
import io.kldrift.summary.Summary.Invalid;
import io.kldrift.summary.Summary.RuleCount;
import io.kldrift.summary.Summary.SideRules;
import java.util.Map;

/**
 * The row-rule counts of both sides, listing the rules of the page's layout only ({@link
 * Sections#listsRule}), and any other rule that rows broke.
 */
final class RowRules {
  private RowRules() {}

  static void write(StringBuilder h, Invalid invalid, Sections layout) {
    SideRules teacher = at(invalid, Invalid::teacher);
    SideRules student = at(invalid, Invalid::student);
    if (!openSection(
        h,
        "row-rules",
        "Input row rules",
        teacher == null || student == null,
        "No row-rule counts in this summary.")) {
      return;
    }
    note(
        h,
        "Teacher: "
            + count(teacher.quarantined())
            + " rows quarantined, "
            + count(teacher.renormalized())
            + " renormalized; student: "
            + count(student.quarantined())
            + " rows quarantined, "
            + count(student.renormalized())
            + " renormalized (at most "
            + pct(invalid.maxQuarantinedShare())
            + " of a table may be quarantined). A row is counted once, under the first rule it breaks;"
            + " quarantined rows are in quarantine/teacher/ and quarantine/student/.");
    Table t =
        new Table()
            .columns("figure", "Rule")
            .columns("", "Policy")
            .columns("num", "Teacher rows", "Student rows")
            .columns("wide", "Example key");
    Map<String, RuleCount> studentRules = student.rules() == null ? Map.of() : student.rules();
    if (teacher.rules() != null) {
      for (Map.Entry<String, RuleCount> rule : teacher.rules().entrySet()) {
        RuleCount tr = rule.getValue();
        RuleCount sr = studentRules.get(rule.getKey());
        String tKey = at(tr, RuleCount::exampleKey);
        String sKey = at(sr, RuleCount::exampleKey);
        String example =
            tKey != null ? "teacher " + str(tKey) : sKey != null ? "student " + str(sKey) : "";
        Long tRows = at(tr, RuleCount::rows);
        Long sRows = at(sr, RuleCount::rows);
        boolean broken = (tRows != null && tRows > 0) || (sRows != null && sRows > 0);
        RowRule known = RowRule.byLabel(rule.getKey());
        if (!broken && known != null && !layout.listsRule(known)) {
          continue;
        }
        t.row(
            broken ? "outcome-warn" : "",
            str(rule.getKey()),
            str(at(tr, RuleCount::policy)),
            count(tRows),
            count(sRows),
            str(example));
      }
    }
    t.write(h, "row-rules-table");
    closeSection(h);
  }
}
