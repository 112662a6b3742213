package io.kldrift.input;

import io.kldrift.DriftException;
import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The failure of a table that breaks several rules whose policy is fail: every such rule on a line
 * of its own, with its row count, an example key and its fix, so that one run names all the repairs
 * a table needs. The counts are those of the validation pass; nothing is read again.
 */
final class BrokenRules {
  private BrokenRules() {}

  /** What one table's pass found, as the lines need it. */
  record Found(
      String side,
      String column,
      Kind kind,
      List<String> keys,
      Map<RowRule, Long> rows,
      Map<RowRule, String> examples,
      long duplicateKeys,
      int wrongLength,
      String expectedLength) {}

  static DriftException failure(List<RowRule> rules, Found f) {
    List<String> lines = new ArrayList<>();
    List<String> policies = new ArrayList<>();
    for (RowRule r : rules) {
      lines.add(line(r, f));
      policies.add(r.policyKey().key() + "=quarantine");
    }
    return InputErrors.brokenRules(f.side(), f.column(), f.kind().label(), lines, policies);
  }

  private static String line(RowRule r, Found f) {
    long n = f.rows().getOrDefault(r, 0L);
    StringBuilder b = new StringBuilder(r.label()).append(": ");
    b.append(String.format(Locale.ROOT, "%,d %s", n, n == 1 ? "row" : "rows"));
    if (r == RowRule.DUPLICATE_KEY) {
      b.append(
          String.format(
              Locale.ROOT,
              " (%,d %s)",
              f.duplicateKeys(),
              f.duplicateKeys() == 1 ? "key" : "keys"));
    }
    String example = f.examples().get(r);
    if (example != null) {
      b.append(", e.g. key ").append(example);
      if (r == RowRule.WRONG_LENGTH && f.wrongLength() >= 0) {
        b.append(" has length ").append(f.wrongLength());
      }
    }
    if (r == RowRule.WRONG_LENGTH) {
      b.append(" (").append(f.expectedLength()).append(')');
    }
    return b.append("; ").append(fix(r, f)).toString();
  }

  private static String fix(RowRule r, Found f) {
    if (r == RowRule.DUPLICATE_KEY) {
      return "deduplicate the "
          + f.side()
          + " table on "
          + String.join(", ", f.keys())
          + " (a re-run that appended the same partition twice is the usual cause)";
    }
    if (r == RowRule.NOT_NORMALIZED && f.kind() == Kind.TOPK_LOG_PROBS) {
      return "check that the lists hold natural-log probabilities of one distribution per"
          + " position (not logits), or raise validate.sum_tolerance";
    }
    return r.fix();
  }
}
