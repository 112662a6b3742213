package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.NA;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.str;

import io.kldrift.summary.Summary.CheckResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The checks table, failing checks first, and the banner's count of outcomes. */
final class Checks {
  private static final List<String> OUTCOME_ORDER =
      List.of("ALERT", "WARN", "INSUFFICIENT_DATA", "OK");

  private Checks() {}

  static void write(StringBuilder h, List<CheckResult> checks) {
    if (!openSection(
        h, "checks", "Checks", checks.isEmpty(), "No checks are configured for this run.")) {
      return;
    }
    List<CheckResult> sorted = new ArrayList<>(checks);
    // Stable sort: failing checks first, the configured order within one outcome.
    sorted.sort(Comparator.comparingInt(c -> outcomeRank(str(at(c, CheckResult::outcome)))));
    Table t =
        new Table()
            .columns("outcome", "Outcome")
            .columns("name", "Check", "Metric", "Scope")
            .columns("num", "Value", "n", "Warn", "Alert", "Baseline")
            .columns("message", "Message");
    for (CheckResult c : sorted) {
      t.row(
          outcomeClass(str(at(c, CheckResult::outcome))),
          str(at(c, CheckResult::outcome)),
          str(at(c, CheckResult::name)) + " (" + str(at(c, CheckResult::type)) + ")",
          str(at(c, CheckResult::metric)),
          scope(c),
          num(at(c, CheckResult::value)),
          count(at(c, CheckResult::n)),
          num(at(c, CheckResult::warn)),
          num(at(c, CheckResult::alert)),
          num(at(c, CheckResult::baseline)),
          str(at(c, CheckResult::message)));
    }
    t.write(h, "checks-table");
    closeSection(h);
  }

  /** "checks: 1 ALERT, 2 OK" for the banner. */
  static String counts(List<CheckResult> checks) {
    if (checks.isEmpty()) {
      return "no checks configured";
    }
    List<String> parts = new ArrayList<>();
    for (String outcome : OUTCOME_ORDER) {
      long n =
          checks.stream().filter(c -> outcome.equals(str(at(c, CheckResult::outcome)))).count();
      if (n > 0) {
        parts.add(n + " " + outcome);
      }
    }
    return "checks: " + (parts.isEmpty() ? NA : String.join(", ", parts));
  }

  private static int outcomeRank(String outcome) {
    int i = OUTCOME_ORDER.indexOf(outcome);
    return i < 0 ? OUTCOME_ORDER.size() : i;
  }

  private static String outcomeClass(String outcome) {
    return switch (outcome) {
      case "ALERT" -> "outcome-alert";
      case "WARN" -> "outcome-warn";
      case "INSUFFICIENT_DATA" -> "outcome-insufficient";
      case "OK" -> "outcome-ok";
      default -> "";
    };
  }

  private static String scope(CheckResult check) {
    String scope = str(at(check, CheckResult::scope));
    String column = at(check, CheckResult::scopeColumn);
    String value = at(check, CheckResult::scopeValue);
    if (column == null && value == null) {
      return scope;
    }
    return scope + " " + str(column) + "=" + str(value);
  }
}
