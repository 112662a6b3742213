package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.NA;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.str;

import io.kldrift.summary.TokenText;
import io.kldrift.summary.WorstSequenceColumns;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The worst_examples/ rows as a table: the highest-KL examples, or the highest-KL sequences. Their
 * key and slice columns have whatever names and types the user's tables have, so the columns are
 * the union of the rows' own, in first-seen order.
 */
final class WorstRows {
  /** The worst-sequence figures, in the engine's order; every other column is a key or a slice. */
  private static final List<String> SEQUENCE_FIGURES = WorstSequenceColumns.withText();

  private WorstRows() {}

  /**
   * The worst examples; a value of one of {@code classColumns} is shown as "name (index)" when
   * {@code names} knows the class.
   */
  static void examples(
      StringBuilder h,
      List<Map<String, Object>> rows,
      Map<Integer, String> names,
      Set<String> classColumns) {
    if (!openSection(
        h, "worst-examples", "Highest-KL examples", rows.isEmpty(), "No examples were given.")) {
      return;
    }
    List<Map<String, Object>> present = present(rows);
    Set<String> keys = columns(present, List.of());
    Table t = new Table().breakHeadersAtUnderscores();
    for (String k : keys) {
      boolean numeric = isNumeric(present, k) && !(classColumns.contains(k) && !names.isEmpty());
      t.columns(numeric ? "num" : "", k);
    }
    for (Map<String, Object> r : present) {
      List<String> cells = new ArrayList<>();
      for (String k : keys) {
        Object v = r.get(k);
        cells.add(
            classColumns.contains(k) && v instanceof Number n && names.containsKey(n.intValue())
                ? ExampleSections.classLabel(names.get(n.intValue()), n.intValue())
                : str(v));
      }
      t.row("", cells.toArray(String[]::new));
    }
    t.write(h, "worst-examples-table");
    closeSection(h);
  }

  /** The worst sequences; {@code klSuffix} follows the KL headers (" (lower bound)" or ""). */
  static void sequences(StringBuilder h, List<Map<String, Object>> rows, String klSuffix) {
    List<Map<String, Object>> present = present(rows);
    if (!openSection(
        h,
        "worst-sequences",
        "Highest-KL sequences",
        present.isEmpty(),
        "No sequences were given.")) {
      return;
    }
    // Keys and slices first, in the rows' order; then the figures, tail mass next to the KL.
    Set<String> ids = columns(present, SEQUENCE_FIGURES);
    Table t = new Table();
    ids.forEach(k -> t.columns(isNumeric(present, k) ? "num" : "", k));
    t.columns(
        "num",
        "Mean KL" + klSuffix,
        "Teacher tail mass",
        "KL sum",
        "KL max",
        "Counted positions",
        "First divergence",
        "Agreement");
    boolean tokens =
        present.stream().anyMatch(r -> r.containsKey("first_divergence_teacher_token"));
    if (tokens) {
      t.columns("", "Top-1 tokens there");
    }
    for (Map<String, Object> r : present) {
      List<String> cells = new ArrayList<>();
      ids.forEach(k -> cells.add(str(r.get(k))));
      cells.add(num(r.get("kl")));
      cells.add(num(r.get("teacher_tail_mass")));
      cells.add(num(r.get("kl_sum")));
      cells.add(num(r.get("kl_max")));
      cells.add(count(r.get("positions")));
      // Null means the top-1 tokens agree at every counted position; absent means not given.
      Object first = r.get("first_divergence");
      cells.add(first != null ? count(first) : r.containsKey("first_divergence") ? "none" : NA);
      cells.add(pct(r.get("agreement")));
      if (tokens) {
        cells.add(firstTokens(r));
      }
      t.row("", cells.toArray(String[]::new));
    }
    t.write(h, "worst-sequences-table seq-table");
    note(
        h,
        "Sequences by their mean KL per counted position, highest first. First divergence: the"
            + " first counted position whose top-1 tokens differ; none when they agree throughout.");
    closeSection(h);
  }

  /**
   * "teacher 5 \" e\", student 2 \"c\"": the top-1 tokens at the first divergence, with their text
   * when the rows carry it (a vocabulary); n/a without a divergence.
   */
  private static String firstTokens(Map<String, Object> r) {
    Object teacher = r.get("first_divergence_teacher_token");
    Object student = r.get("first_divergence_student_token");
    if (teacher == null && student == null) {
      return NA;
    }
    boolean texts = r.containsKey("first_divergence_teacher_text");
    Integer size = texts ? Integer.MAX_VALUE : null;
    return "teacher "
        + token(teacher, r.get("first_divergence_teacher_text"), size)
        + ", student "
        + token(student, r.get("first_divergence_student_text"), size);
  }

  private static String token(Object id, Object text, Integer vocabulary) {
    return id instanceof Number n
        ? TokenText.label(n.longValue(), text == null ? null : text.toString(), vocabulary)
        : NA;
  }

  private static List<Map<String, Object>> present(List<Map<String, Object>> rows) {
    return rows.stream().filter(Objects::nonNull).toList();
  }

  /** The rows' columns but {@code left}: rows may differ in theirs, the union keeps their order. */
  private static Set<String> columns(List<Map<String, Object>> rows, List<String> left) {
    Set<String> keys = new LinkedHashSet<>();
    rows.forEach(r -> r.keySet().stream().filter(k -> !left.contains(k)).forEach(keys::add));
    return keys;
  }

  private static boolean isNumeric(List<Map<String, Object>> rows, String key) {
    List<Object> values = rows.stream().map(r -> r.get(key)).filter(Objects::nonNull).toList();
    return !values.isEmpty() && values.stream().allMatch(v -> v instanceof Number);
  }
}
