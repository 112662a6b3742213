package io.kldrift.input;

import io.kldrift.DriftException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.types.DataType;

/**
 * Every error the input stage raises, one method per error: the message names the table, column,
 * rule or key and says how to fix it, written once here; a call site passes only the facts.
 */
public final class InputErrors {
  private InputErrors() {}

  /** Where a column error is: "teacher table, column 'probs'". */
  private static String at(String side, String column) {
    return side + " table, column '" + column + "'";
  }

  // ---- tables and columns ----

  /** Neither --teacher/--student nor input.&lt;side&gt;.path names the table. */
  public static DriftException noInput(String side) {
    return DriftException.invalidConfig(
        "no " + side + " input given", "pass --" + side + " PATH or set input." + side + ".path");
  }

  /** Spark could not read the table at all ({@code message}: Spark's reason). */
  public static DriftException unreadable(String side, String path, String message) {
    return DriftException.invalidInput(
        side + " table cannot be read from '" + path + "': " + message,
        "check that the path exists and holds Parquet files (or that the table exists)");
  }

  /** A Parquet file whose footer cannot be read ({@code why}: the first line of the reason). */
  public static DriftException unreadableFile(String side, String file, String why) {
    return DriftException.invalidInput(
        side + " table: file " + file + " is not a readable Parquet file (" + why + ")",
        "rewrite or remove the file (a truncated write or a file that is not Parquet is the"
            + " usual cause), or point the path at the table's good files");
  }

  /**
   * The file system refused to let the job's user read {@code what}, e.g. "teacher table: file
   * /data/t/part-0.parquet".
   */
  public static DriftException permissionDenied(String what) {
    return DriftException.invalidInput(
        what
            + " cannot be read: permission denied for user "
            + InputFiles.user()
            + " (the data is there; the job may not read it)",
        "grant the job's user read access (chmod/ACL on a local or HDFS path, the bucket or"
            + " storage access policy on an object store; folders also need execute access), or"
            + " run the job as a user that can read the table");
  }

  /** A configured column ({@code role}, set by {@code key}) that the table does not have. */
  public static DriftException missingColumn(
      String side, String role, String column, List<String> columns, String key) {
    return DriftException.invalidInput(
        side
            + " table has no "
            + role
            + " '"
            + column
            + "' (columns: "
            + String.join(", ", columns)
            + ")",
        "set " + key + " to the right column, or add the column to the " + side + " table");
  }

  /** A distribution column of a type that is no distribution (example layout). */
  public static DriftException distributionType(
      String side, String column, DataType type, String key) {
    return DriftException.invalidInput(
        at(side, column)
            + " has type "
            + type.simpleString()
            + ", expected array<float>, array<double> or an ML Vector",
        "write the distribution as one of those types, or set " + key + " to the right column");
  }

  /** Nested lists or structs per row, read in the example layout: LLM data. */
  public static DriftException sequenceDataInExampleLayout(
      String side, String column, DataType type) {
    return DriftException.invalidConfig(
        at(side, column)
            + " has type "
            + type.simpleString()
            + ": one list per position (or top-k entries) of a sequence, not one distribution per"
            + " example (input.layout=example)",
        "set input.layout=sequence, and for top-k log-probabilities input.*.kind=topk_log_probs"
            + " with input.*.ids_column (README, \"Sequence layout\")");
  }

  // ---- keys, slices and labels ----

  /** A key column whose type Spark cannot join on. */
  public static DriftException keyNotJoinable(String key, DataType type) {
    return DriftException.invalidInput(
        "key column '" + key + "' has type " + type.simpleString() + ", which cannot be joined on",
        "use an integer, string, date or other atomic column as the key");
  }

  /** A key column of different types in the two tables, which no widening reconciles. */
  public static DriftException keyTypeMismatch(String key, DataType teacher, DataType student) {
    return DriftException.invalidInput(
        "key column '"
            + key
            + "' has type "
            + teacher.simpleString()
            + " in the teacher table but "
            + student.simpleString()
            + " in the student table",
        "cast one side so both keys have the same type (integers of different widths and"
            + " string beside varchar are widened; other types are not)");
  }

  /**
   * A key or slice column that is also the label column; {@code role} reads "key column
   * (input.key_columns)" or "slice column (input.slice_columns)".
   */
  public static DriftException columnIsLabel(String role, String column, boolean key) {
    return DriftException.invalidConfig(
        role.replace(" (", " '" + column + "' (")
            + " is also the label column (input.label_column)",
        key
            ? "set input.label_column to the label, or input.label_column= (empty) to ignore labels"
            : "remove it from input.slice_columns: the per-label figures are already in"
                + " per_class/ (label_count, label_mean_kl, label accuracies)");
  }

  /** A key or slice column named like a column kldrift adds to the per-row tables. */
  public static DriftException columnNameTaken(String role, String column, Set<String> added) {
    return DriftException.invalidConfig(
        role.replace(" (", " '" + column + "' (")
            + " has the name of a column kldrift adds to worst_examples/ and per_example/ ("
            + String.join(", ", added)
            + ")",
        "rename it in the input, e.g. in a view: SELECT *, "
            + column
            + " AS "
            + column
            + "_in FROM t,"
            + " and name the new column in the configuration");
  }

  /** A slice column that is also a key column ({@code perRowKey}: the per-row table's switch). */
  public static DriftException sliceIsKey(String slice, String perRowKey) {
    return DriftException.invalidConfig(
        "slice column '"
            + slice
            + "' is also a key column (input.key_columns): every value would"
            + " be its own slice",
        "remove it from input.slice_columns; per-row figures are in worst_examples/ and, with "
            + perRowKey
            + "=true, in the per-row table");
  }

  /** A slice column listed twice. */
  public static DriftException sliceTwice(String slice) {
    return DriftException.invalidConfig(
        "slice column '" + slice + "' is listed twice in input.slice_columns",
        "list each slice column once");
  }

  /** A slice column that is the position column (sequence layout, one row per token). */
  public static DriftException sliceIsPosition(String slice) {
    return DriftException.invalidConfig(
        "slice column '" + slice + "' is the position column (input.position_column)",
        "remove it from input.slice_columns: the report has KL by position bucket");
  }

  /** A label column of strings without class names to map them to indices. */
  public static DriftException labelNamesWithoutClassNames(String label) {
    return DriftException.invalidConfig(
        "teacher table, label column '"
            + label
            + "' holds strings, but no class names are set to map them to class indices",
        "set input.class_names or input.class_names_file (one name per class, in vector order),"
            + " store the label as the 0-based class index, or set input.label_column= (empty)"
            + " to ignore it");
  }

  /** A label column of a type that is neither a class index nor a class name. */
  public static DriftException labelType(String label, DataType type) {
    return DriftException.invalidInput(
        "teacher table, label column '"
            + label
            + "' has type "
            + type.simpleString()
            + ", expected an integer class index (or a double holding one, as Spark ML writes"
            + " it) or a class name (string)",
        "store the label as the 0-based class index or as one of the class names, or set"
            + " input.label_column= (empty) to ignore it");
  }

  // ---- classes ----

  /** The class names ({@code setting}) disagree with the vector length the footers show. */
  public static DriftException classNamesVsFooters(
      String setting, int names, String column, long perRow) {
    return DriftException.invalidConfig(
        setting
            + " lists "
            + names
            + (names == 1 ? " class" : " classes")
            + ", but every teacher vector (column '"
            + column
            + "') has "
            + perRow
            + " values, by the Parquet footers",
        "list one name per vector entry, in vector order, in "
            + setting
            + ", or clear it to use class_<index>");
  }

  /** Every teacher vector has one value, by the footers: no divergence could ever show. */
  public static DriftException oneClassByFooters(String column) {
    return DriftException.invalidConfig(
        "teacher table, column '"
            + column
            + "': the vectors have one class (by the Parquet footers), so every divergence is 0"
            + " and the report could never show drift",
        "point input.teacher.column at the distribution over all classes (a column of one"
            + " probability is not one)");
  }

  /** Every vector of a side has one value, by the data. */
  public static DriftException oneClass(String side, String column) {
    return DriftException.invalidConfig(
        at(side, column)
            + ": the vectors have one class, so every divergence is 0 and the report could"
            + " never show drift",
        "point input."
            + side
            + ".column at the distribution over all classes (a column of one probability is"
            + " not one)");
  }

  /** The configured class count ({@code source}) matches no vector of the side. */
  public static DriftException classNamesMatchNoVector(
      String source, String side, Map<Integer, Long> rowsByLength) {
    return DriftException.invalidConfig(
        source
            + ", but no "
            + side
            + " vector has that length (lengths and rows: "
            + rowsByLength
            + ")",
        "list one name per vector entry in input.class_names or input.class_names_file"
            + " (the class-name file must have one line per class), or clear it to use"
            + " class_<index>");
  }

  /** No vector length is more common than the others, and no class names are set. */
  public static DriftException classCountUnknown(
      String side, String column, Map<Integer, Long> rowsByLength) {
    return DriftException.invalidInput(
        at(side, column)
            + ": the class count cannot be told from the data (vector lengths and rows "
            + rowsByLength
            + ": none is more common than the others), so no row can be judged by rule wrong_length",
        "list the classes in input.class_names or input.class_names_file");
  }

  // ---- row rules ----

  /** Rows of rule not_normalized too far off 1 for the renormalize policy. */
  public static DriftException beyondRenormalizeBound(
      String place, long rows, double bound, String example) {
    return DriftException.invalidInput(
        place
            + rows
            + " rows have probabilities whose sum is off 1 by more than validate.renormalize_bound ("
            + bound
            + "), too far to renormalize (rule not_normalized), e.g. key "
            + example,
        "fix these rows upstream, set validate.not_normalized=quarantine to set them aside, or raise validate.renormalize_bound");
  }

  /** More of a table's rows quarantined than validate.max_quarantined_share allows. */
  public static DriftException tooManyQuarantined(
      String side, long quarantined, long rows, List<String> byRule, double maxShare) {
    return DriftException.invalidInput(
        String.format(
            Locale.ROOT,
            "%s table: %,d of %,d rows (%.2f%%) break rules whose policy is quarantine (%s), more than"
                + " validate.max_quarantined_share (%s) allows",
            side,
            quarantined,
            rows,
            100.0 * quarantined / rows,
            String.join(", ", byRule),
            maxShare),
        "repair the "
            + side
            + " table, or raise validate.max_quarantined_share if this share is expected");
  }

  /** Rule null_key under the fail policy. */
  public static DriftException nullKeys(String side, long rows, List<String> keys, String fix) {
    return DriftException.invalidInput(
        side
            + " table: "
            + rows
            + " rows have a null in key column(s) "
            + String.join(", ", keys)
            + " (rule null_key)",
        fix);
  }

  /** Rule duplicate_key under the fail policy ({@code policyKey}: validate.duplicate_key). */
  public static DriftException duplicateKeys(
      String side,
      long keys,
      long rows,
      String example,
      List<String> keyColumns,
      String policyKey) {
    return DriftException.invalidInput(
        side
            + " table: "
            + keys
            + " keys occur more than once (rule duplicate_key; "
            + rows
            + " rows), e.g. key "
            + example,
        "deduplicate the "
            + side
            + " table on "
            + String.join(", ", keyColumns)
            + " (a re-run that appended the same partition twice is the usual cause), or set "
            + policyKey
            + "=quarantine to set every copy aside");
  }

  /**
   * Rule wrong_length under the fail policy ({@code expected}: where the class count comes from).
   */
  public static DriftException wrongLength(
      String side,
      String column,
      long rows,
      String expected,
      String example,
      int length,
      String fix) {
    return DriftException.invalidInput(
        at(side, column)
            + ": "
            + rows
            + " rows have vectors of the wrong length (rule wrong_length; "
            + expected
            + "), e.g. key "
            + example
            + " has length "
            + length,
        fix);
  }

  /**
   * Several row rules under the fail policy at once: one line per rule ({@code lines}) and the
   * settings that would quarantine them ({@code quarantine}: "validate.&lt;rule&gt;=quarantine").
   */
  public static DriftException brokenRules(
      String side, String column, String kind, List<String> lines, List<String> quarantine) {
    return DriftException.invalidInput(
        String.format(
            Locale.ROOT,
            "%s table breaks %d rules whose policy is fail (column '%s', kind %s)",
            side,
            lines.size(),
            column,
            kind),
        lines,
        "repair the rows as each line says, or set "
            + String.join(", ", quarantine.subList(0, quarantine.size() - 1))
            + " and "
            + quarantine.get(quarantine.size() - 1)
            + " to set such rows aside");
  }

  /** Top-k lists whose probabilities sum above 1: not log-probabilities of one distribution. */
  public static DriftException topKAboveOne(String place, long sequences, String example) {
    return DriftException.invalidInput(
        place
            + sequences
            + " sequences have a position whose top-k probabilities sum above 1 +"
            + " validate.sum_tolerance (rule not_normalized), while a top-k list (and the"
            + " student's list at the teacher's ids) holds only part of one distribution,"
            + " e.g. key "
            + example,
        "check that the lists hold natural-log probabilities of one distribution per"
            + " position (not logits), or raise validate.sum_tolerance");
  }

  /** Any other row rule under the fail policy ({@code text}: what the rows do). */
  public static DriftException brokenRule(
      String place, long rows, String text, String rule, String example, String fix) {
    return DriftException.invalidInput(
        place + rows + " rows " + text + " (rule " + rule + "), e.g. key " + example, fix);
  }

  // ---- kinds and the sequence layout ----

  /** A column read as logits that looks like probabilities or scores of another kind. */
  public static DriftException notLogits(String side, String column, int rows, String found) {
    return DriftException.invalidConfig(
        String.format(
            Locale.ROOT,
            "%s table, column '%s' is read as logits (kind logits), but its first %d rows are"
                + " non-negative and %s, not log-space scores",
            side,
            column,
            rows,
            found),
        "among Spark MLlib's classifiers only LogisticRegression, MultilayerPerceptronClassifier,"
            + " NaiveBayes, GBTClassifier and LinearSVC give logits in rawPrediction; for a"
            + " RandomForest or DecisionTree model read its probability column with kind probs"
            + " (input.column=probability, input.kind=probs)");
  }

  /** Kind topk_log_probs with input.layout=example. */
  public static DriftException topKNeedsSequenceLayout() {
    return DriftException.invalidConfig(
        "kind topk_log_probs needs the sequence layout (input.layout=example)",
        "set input.layout=sequence, or set input.teacher.kind and input.student.kind to probs,"
            + " log_probs or logits");
  }

  /** One side top-k lists, the other whole distributions. */
  public static DriftException mixedTopKAndDense(String teacherKind, String studentKind) {
    return DriftException.invalidConfig(
        "input.teacher.kind is "
            + teacherKind
            + " but input.student.kind is "
            + studentKind
            + ": top-k lists and whole distributions cannot be compared position by position",
        "give both models the same form (both topk_log_probs with their ids, or both dense)");
  }

  /** input.student.at_teacher_column with dense distributions. */
  public static DriftException atTeacherWithDense(String kind) {
    return DriftException.invalidConfig(
        "input.student.at_teacher_column is set, but the distributions are dense ("
            + kind
            + "), where the exact KL needs no such column",
        "clear input.student.at_teacher_column, or set both kinds to topk_log_probs");
  }

  /** An ids column with dense distributions. */
  public static DriftException idsWithDense(String kind) {
    return DriftException.invalidConfig(
        "an ids column is set, but the kinds are " + kind + " (dense)",
        "set input.teacher.kind and input.student.kind to topk_log_probs, or clear the ids"
            + " columns");
  }

  /** report.per_sequence with dense sequence inputs. */
  public static DriftException perSequenceNeedsTopK() {
    return DriftException.invalidConfig(
        "report.per_sequence=true needs top-k inputs (kind topk_log_probs) for now; the dense"
            + " kinds have the per-sequence figures in the summary and worst_examples/ only",
        "set report.per_sequence=false");
  }

  /** A policy other than fail in the sequence layout. */
  public static DriftException sequencePolicy(String policyKey, String policy) {
    return DriftException.invalidConfig(
        policyKey
            + "="
            + policy
            + ": the sequence layout supports only the fail policy for now (a sequence that"
            + " breaks a rule stops the run, with the rule, the count and an example key)",
        "set " + policyKey + "=fail, or repair the rows upstream");
  }

  /** A sequence column of the wrong type ({@code layout}: which row shape was expected). */
  public static DriftException sequenceColumnType(
      String side, String column, DataType type, String expected, String layout, String key) {
    return DriftException.invalidInput(
        at(side, column)
            + " has type "
            + type.simpleString()
            + ", expected "
            + expected
            + " for "
            + layout,
        "write the column as " + expected + ", or set " + key + " to the right column");
  }

  /** Top-k structs in a column whose kind is not topk_log_probs. */
  public static DriftException structsNotTopK(String side, String column, String kind) {
    return DriftException.invalidConfig(
        at(side, column) + " holds top-k structs, but the kind is " + kind,
        "set input." + side + ".kind=topk_log_probs");
  }

  /** Top-k structs without the id and log-probability fields. */
  public static DriftException topKStructFields(String side, String column, DataType struct) {
    return DriftException.invalidInput(
        at(side, column)
            + " has structs "
            + struct.simpleString()
            + ", expected fields token_id (or id, or token: \"token_id:N\") and logprob",
        "write the top-k entries as struct<token_id, logprob>");
  }

  /** A top-k id field that is neither an integer nor a "token_id:N" string. */
  public static DriftException topKIdType(String side, String column, String field, DataType type) {
    return DriftException.invalidInput(
        at(side, column)
            + ": field '"
            + field
            + "' has type "
            + type.simpleString()
            + ", expected an integer or \"token_id:N\" string",
        "write the token ids as integers");
  }

  /** Kind topk_log_probs without an ids column. */
  public static DriftException noIdsColumn(String side, String idsKey) {
    return DriftException.invalidConfig(
        "input." + side + ".kind=topk_log_probs, but no ids column is set",
        "set " + idsKey + " to the column with the top-k token ids");
  }

  // ---- vocabulary ----

  /** The vocabulary file ({@code input.vocabulary}) is missing or cannot be read or parsed. */
  public static DriftException vocabularyUnreadable(String path, String why) {
    return DriftException.invalidConfig(
        "input.vocabulary '" + path + "' cannot be read: " + why,
        "point input.vocabulary at the model's tokenizer.json or a text file with one token per"
            + " line (line number = id), or leave it empty to show token ids");
  }

  /**
   * The warning for token ids the vocabulary does not have: the run goes on and shows them as ids.
   */
  public static String idsOutsideVocabulary(String path, int size, long ids, long example) {
    return "input.vocabulary '"
        + path
        + "' has "
        + size
        + " ids, but "
        + ids
        + " token id(s) of the report are outside it (e.g. "
        + example
        + "): they are shown as ids; check that the vocabulary is the models' own";
  }
}
