package io.kldrift.input;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import io.kldrift.DriftException;
import io.kldrift.config.DriftConfig;
import io.kldrift.config.InputFormat;
import io.kldrift.config.RowPolicy;
import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the teacher and student tables and enforces the input contract (DESIGN §1): the schema
 * first, without scanning, then the row rules in one scan per table. Any violation is a {@link
 * DriftException} naming the table, column, rule and an example key.
 */
public final class PredictionInputs {

  /** Internal names of the distribution columns after reading. */
  public static final String TEACHER = "__kd_p", STUDENT = "__kd_q", LABEL = "__kd_label";

  /**
   * Row-rule codes of the sequence layout, after the kernel's check codes: lists that do not line
   * up (rule misaligned), token ids that differ from the teacher's (rule token_mismatch).
   */
  public static final int MISALIGNED = Divergences.NOT_NORMALIZED_BEYOND_BOUND + 1,
      TOKEN_MISMATCH = MISALIGNED + 1;

  /**
   * Both tables, checked and reduced to the columns the job needs: the keys, {@link #TEACHER} or
   * {@link #STUDENT}, and on the teacher side the label ({@link #LABEL}) and slice columns.
   */
  public record Checked(
      Dataset<Row> teacher,
      Dataset<Row> student,
      long teacherRows,
      long studentRows,
      int numClasses,
      boolean hasLabel,
      List<String> sliceColumns,
      SideValidation teacherValidation,
      SideValidation studentValidation) {}

  /**
   * What the row rules found in one table and what their policies did: rows per rule (each row
   * counted once, under the first rule it breaks), an example key per rule, the rows set aside and
   * the rows renormalized. {@code quarantine} holds the set-aside rows, every column of the input
   * plus {@code ruleColumn}, or is null when nothing was set aside.
   */
  public record SideValidation(
      String side,
      long rows,
      Map<RowRule, Long> broken,
      Map<RowRule, String> examples,
      long duplicateKeys,
      long quarantined,
      long renormalized,
      Dataset<Row> quarantine,
      String ruleColumn) {

    /** The counts as {@code summary.json} lists them under {@code inputs.invalid.<side>}. */
    public Summary.SideRules asSummary(DriftConfig config) {
      Map<String, Summary.RuleCount> rules = new LinkedHashMap<>();
      for (RowRule r : RowRule.values()) {
        rules.put(
            r.label(),
            new Summary.RuleCount(
                broken.getOrDefault(r, 0L),
                r == RowRule.DUPLICATE_KEY ? duplicateKeys : null,
                r.policy(config).label(),
                examples.get(r)));
      }
      return new Summary.SideRules(rows, quarantined, renormalized, rules);
    }
  }

  private PredictionInputs() {}

  /**
   * Reads both tables named by the configuration and checks their schemas (no scan) with the
   * configured layout's {@code check}.
   */
  public static Prepared read(SparkSession spark, DriftConfig config, SchemaCheck check) {
    Dataset<Row> t = load(spark, config, "teacher", config.get(DriftConfig.TEACHER_PATH));
    Dataset<Row> s = load(spark, config, "student", config.get(DriftConfig.STUDENT_PATH));
    if (t == null || s == null) {
      // A folder without data files (an empty night) is an empty table with the columns the
      // configuration names, typed like the other side's where it has them.
      StructType like = t != null ? t.schema() : s != null ? s.schema() : null;
      if (t == null) {
        t = EmptyTables.of(spark, config, like, true);
      }
      if (s == null) {
        s = EmptyTables.of(spark, config, like, false);
      }
    }
    Prepared p = prepare(t, s, config, check);
    if (config.inputFormat() == InputFormat.PARQUET) {
      checkClassCount(
          p.config(), Footers.valuesPerRow(spark, t, p.config().get(DriftConfig.TEACHER_COLUMN)));
    }
    return p;
  }

  /**
   * Blames, before any scan, the class-name setting or the column when the footers show that every
   * teacher vector has {@code perRow} values: a different count of names, or one class.
   */
  private static void checkClassCount(DriftConfig config, long perRow) {
    if (perRow <= 0) {
      return; // the footers cannot tell: the pass judges the lengths row by row
    }
    List<String> names = config.get(DriftConfig.CLASS_NAMES);
    String column = config.get(DriftConfig.TEACHER_COLUMN);
    if (!names.isEmpty() && names.size() != perRow) {
      String setting =
          config.get(DriftConfig.CLASS_NAMES_FILE).isEmpty()
              ? "input.class_names"
              : "input.class_names_file (" + config.get(DriftConfig.CLASS_NAMES_FILE) + ")";
      throw InputErrors.classNamesVsFooters(setting, names.size(), column, perRow);
    }
    if (perRow == 1) {
      throw InputErrors.oneClassByFooters(column);
    }
  }

  /**
   * Both tables after the schema checks, reduced to the columns the job needs (the keys, {@link
   * #TEACHER} or {@link #STUDENT}, and on the teacher side the label ({@link #LABEL}) and slice
   * columns). The row rules are judged later, from the counts of the one pass ({@link #judge}).
   *
   * @param teacher the teacher's keys, distribution ({@link #TEACHER}), label ({@link #LABEL}) and
   *     slices
   * @param student the student's keys and distribution ({@link #STUDENT})
   * @param hasLabel whether the teacher table has the configured label column
   * @param sliceColumns the slice columns (of the teacher table)
   * @param teacherRows the teacher table's row rules
   * @param studentRows the student table's row rules
   * @param classNames the configured class names (empty: class_<index>)
   * @param config the configuration as the inputs resolved it: the one given, but with Spark ML's
   *     {@code probability} column where the default distribution column was absent. The pass and
   *     the report use this one, so that summary.json records the columns read.
   */
  public record Prepared(
      Dataset<Row> teacher,
      Dataset<Row> student,
      boolean hasLabel,
      List<String> sliceColumns,
      Rows teacherRows,
      Rows studentRows,
      List<String> classNames,
      DriftConfig config) {

    /**
     * Applies the row rules to what the pass counted on each side: decides the class count, throws
     * the failure naming every rule whose policy is fail that a table breaks, and describes what
     * the quarantine and renormalize policies did.
     */
    public Checked judge(List<Group> teacherGroups, List<Group> studentGroups) {
      Expected tExpected =
          classNames.isEmpty()
              ? null
              : new Expected(
                  classNames.size(), "input.class_names lists " + classNames.size() + " classes");
      Outcome tOut = teacherRows.check(teacherGroups, tExpected);
      Expected sExpected =
          tOut.length() >= 0
              ? new Expected(
                  tOut.length(), "the teacher vectors have " + tOut.length() + " classes")
              : tExpected;
      Outcome sOut = studentRows.check(studentGroups, sExpected);
      // An empty table is a valid input (its report says INSUFFICIENT_DATA); the class count then
      // comes from the other table, or from the configured names when both are empty.
      int numClasses =
          tOut.length() >= 0
              ? tOut.length()
              : sOut.length() >= 0 ? sOut.length() : classNames.size();
      return new Checked(
          tOut.data(),
          sOut.data(),
          tOut.validation().rows(),
          sOut.validation().rows(),
          numClasses,
          hasLabel,
          sliceColumns,
          tOut.validation(),
          sOut.validation());
    }
  }

  /**
   * A judge of row-rule counts without tables, for rollups: the verdicts and counts are the same,
   * but no quarantine table can be built (the days' own reports hold theirs).
   */
  public static Prepared countsOnly(
      DriftConfig config, boolean hasLabel, List<String> sliceColumns) {
    return prepared(null, null, null, null, hasLabel, sliceColumns, config);
  }

  /**
   * Both sides prepared: {@code t} and {@code s} reduced from the tables {@code teacher} and {@code
   * student} as read (all null for counts only), with the configured class names.
   */
  private static Prepared prepared(
      Dataset<Row> teacher,
      Dataset<Row> t,
      Dataset<Row> student,
      Dataset<Row> s,
      boolean hasLabel,
      List<String> slices,
      DriftConfig config) {
    return new Prepared(
        t,
        s,
        hasLabel,
        slices,
        Rows.of(false, teacher, t, config),
        Rows.of(true, student, s, config),
        config.get(DriftConfig.CLASS_NAMES),
        config);
  }

  /**
   * Checks the schemas of two tables that are already loaded (notebooks); see {@link #read}. Keys
   * of different integer widths are widened ({@link KeyTypes}); then the configured layout's {@code
   * check} checks and normalizes the tables.
   */
  public static Prepared prepare(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config, SchemaCheck check) {
    KeyTypes.Tables joinable =
        KeyTypes.widen(teacher, student, config.get(DriftConfig.KEY_COLUMNS));
    return check.prepare(joinable.teacher(), joinable.student(), config);
  }

  /**
   * The example layout's schema checks, once the keys are widened: Spark ML's transform output is
   * read as it comes ({@link SparkMlColumns}). {@code metricColumns} are the per-example metric
   * columns that worst_examples/ and per_example/ add, which no key or slice column may be named.
   */
  public static Prepared prepareExamples(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config, String[] metricColumns) {
    DriftConfig resolved = SparkMlColumns.resolve(teacher.schema(), student.schema(), config);
    return checkExamples(teacher, student, resolved, metricColumns);
  }

  private static Prepared checkExamples(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config, String[] metricColumns) {
    List<String> keys = config.get(DriftConfig.KEY_COLUMNS);
    String tCol = config.get(DriftConfig.TEACHER_COLUMN);
    String sCol = config.get(DriftConfig.STUDENT_COLUMN);
    StructType ts = teacher.schema();
    StructType ss = student.schema();
    if (config.get(DriftConfig.TEACHER_KIND) == Kind.TOPK_LOG_PROBS
        || config.get(DriftConfig.STUDENT_KIND) == Kind.TOPK_LOG_PROBS) {
      throw InputErrors.topKNeedsSequenceLayout();
    }
    checkKeys(ts, ss, keys);
    String both = " (or " + DriftConfig.INPUT_COLUMN.key() + " for both tables)";
    checkDistribution(ts, "teacher", tCol, DriftConfig.TEACHER_COLUMN.key() + both);
    checkDistribution(ss, "student", sCol, DriftConfig.STUDENT_COLUMN.key() + both);
    SparkMlColumns.checkLogits(teacher, "teacher", tCol, config.get(DriftConfig.TEACHER_KIND));
    SparkMlColumns.checkLogits(student, "student", sCol, config.get(DriftConfig.STUDENT_KIND));

    String label = config.get(DriftConfig.LABEL_COLUMN);
    boolean hasLabel = !label.isEmpty() && ts.getFieldIndex(label).isDefined();
    List<String> names = config.get(DriftConfig.CLASS_NAMES);
    boolean namedLabel = false;
    boolean fractionalLabel = false;
    if (hasLabel) {
      DataType lt = ts.apply(label).dataType();
      namedLabel = lt == DataTypes.StringType;
      if (namedLabel && names.isEmpty()) {
        throw InputErrors.labelNamesWithoutClassNames(label);
      }
      fractionalLabel = lt == DataTypes.DoubleType || lt == DataTypes.FloatType;
      if (!namedLabel
          && !fractionalLabel
          && !(lt == DataTypes.IntegerType
              || lt == DataTypes.LongType
              || lt == DataTypes.ShortType
              || lt == DataTypes.ByteType)) {
        throw InputErrors.labelType(label, lt);
      }
    }
    List<String> slices = config.get(DriftConfig.SLICE_COLUMNS);
    checkSlices(ts, keys, slices, DriftConfig.WRITE_PER_EXAMPLE.key());
    checkAddedColumns(keys, slices, hasLabel ? label : null, metricColumns);

    List<Column> tSel = new ArrayList<>();
    keys.forEach(k -> tSel.add(col(k)));
    tSel.add(asArray(ts, tCol).as(TEACHER));
    if (hasLabel) {
      tSel.add(
          (namedLabel
                  ? classIndex(col(label), names)
                  : fractionalLabel
                      ? wholeIndex(col(label))
                      : col(label).cast(DataTypes.IntegerType))
              .as(LABEL));
    }
    slices.forEach(sc -> tSel.add(col(sc)));
    Dataset<Row> t = teacher.select(tSel.toArray(Column[]::new));
    List<Column> sSel = new ArrayList<>();
    keys.forEach(k -> sSel.add(col(k)));
    sSel.add(asArray(ss, sCol).as(STUDENT));
    Dataset<Row> s = student.select(sSel.toArray(Column[]::new));

    return prepared(teacher, t, student, s, hasLabel, slices, config);
  }

  /** The key columns exist on both sides with one joinable type. */
  static void checkKeys(StructType ts, StructType ss, List<String> keys) {
    for (String k : keys) {
      DataType tk =
          require(ts, "teacher", k, "key column", DriftConfig.KEY_COLUMNS.key()).dataType();
      DataType sk =
          require(ss, "student", k, "key column", DriftConfig.KEY_COLUMNS.key()).dataType();
      if (!tk.equals(sk)) {
        throw InputErrors.keyTypeMismatch(k, tk, sk);
      }
      if (!orderable(tk)) {
        throw InputErrors.keyNotJoinable(k, tk);
      }
    }
  }

  /**
   * A slice column that is also a key, or a column twice in a list, would clash with the columns
   * the report adds; found before any scan.
   */
  /**
   * A class name's 0-based index among {@code names}; -1 for a name that is none of them (counted
   * in the summary's inputs.labels_outside_classes), null for a null label.
   */
  private static Column classIndex(Column label, List<String> names) {
    Column all = functions.array(names.stream().map(functions::lit).toArray(Column[]::new));
    return functions.array_position(all, label).cast(DataTypes.IntegerType).minus(1);
  }

  /**
   * A class index stored as a double or float, as Spark ML writes labels: a whole value in the int
   * range is the index; any other (1.5, NaN, a negative or huge value) is -1, a label outside the
   * classes (counted in inputs.labels_outside_classes), like a class name that is no class.
   */
  private static Column wholeIndex(Column label) {
    Column d = label.cast(DataTypes.DoubleType);
    return when(d.isNull(), lit(null).cast(DataTypes.IntegerType))
        .when(
            d.mod(1).equalTo(0).and(d.geq(0)).and(d.leq(Integer.MAX_VALUE)),
            d.cast(DataTypes.IntegerType))
        .otherwise(lit(-1));
  }

  /**
   * Refuses, before any scan, key and slice columns whose names clash with the label or with the
   * columns kldrift adds to worst_examples/ and per_example/ (kl, js, teacher_top1, ...): Spark
   * would only fail when the report is written.
   */
  private static void checkAddedColumns(
      List<String> keys, List<String> slices, String label, String[] metricColumns) {
    java.util.Set<String> added = new java.util.TreeSet<>();
    added.add("label");
    for (String f : metricColumns) {
      added.add(f);
    }
    added.add("t2_kl");
    for (String c : concat(keys, slices)) {
      String role =
          keys.contains(c)
              ? "key column (input.key_columns)"
              : "slice column (input.slice_columns)";
      if (label != null && c.equalsIgnoreCase(label)) {
        throw InputErrors.columnIsLabel(role, c, keys.contains(c));
      }
      if (added.contains(c.toLowerCase(java.util.Locale.ROOT))) {
        throw InputErrors.columnNameTaken(role, c, added);
      }
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  static void checkSlices(StructType ts, List<String> keys, List<String> slices, String perRow) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String sc : slices) {
      require(ts, "teacher", sc, "slice column", DriftConfig.SLICE_COLUMNS.key());
      String lower = sc.toLowerCase(java.util.Locale.ROOT);
      if (keys.stream().anyMatch(k -> k.equalsIgnoreCase(sc))) {
        throw InputErrors.sliceIsKey(sc, perRow);
      }
      if (!seen.add(lower)) {
        throw InputErrors.sliceTwice(sc);
      }
    }
  }

  private static Dataset<Row> load(
      SparkSession spark, DriftConfig config, String side, String path) {
    if (path.isEmpty()) {
      throw InputErrors.noInput(side);
    }
    InputFormat format = config.inputFormat();
    if (format == InputFormat.DELTA) {
      io.kldrift.store.DeltaSession.requireSession(spark, "input.format");
    }
    StructType footers =
        format == InputFormat.PARQUET ? Footers.checkBeforeRead(spark, path, side) : null;
    try {
      return switch (format) {
        case TABLE -> spark.table(path);
        case DELTA -> spark.read().format("delta").load(path);
        case PARQUET ->
            footers == null
                ? spark.read().parquet(path)
                : spark.read().schema(footers).parquet(path);
      };
    } catch (Exception e) {
      if (EmptyTables.isEmptyFolder(spark, path, e)) {
        io.kldrift.console.Progress.warn(
            side + " table: " + path + " holds no data files; read as empty");
        return null;
      }
      if (EmptyTables.isMissingPartition(spark, path, e)) {
        io.kldrift.console.Progress.warn(
            side + " table: partition " + path + " does not exist (yet); read as empty");
        return null;
      }
      // Inferring the schema reads a footer: when that is what failed, say so naming the file.
      Footers.checkFailedRead(spark, e, side);
      if (InputFiles.isPermissionDenied(e)) {
        throw InputErrors.permissionDenied(side + " table: " + path);
      }
      // Spark reports a missing path or table as an AnalysisException, a checked exception that
      // Scala throws undeclared.
      throw InputErrors.unreadable(side, path, e.getMessage());
    }
  }

  static StructField require(
      StructType schema, String side, String column, String role, String key) {
    if (schema.getFieldIndex(column).isEmpty()) {
      throw InputErrors.missingColumn(side, role, column, List.of(schema.fieldNames()), key);
    }
    return schema.apply(column);
  }

  private static void checkDistribution(StructType schema, String side, String column, String key) {
    DataType t = require(schema, side, column, "distribution column", key).dataType();
    boolean ok =
        t.equals(SQLDataTypes.VectorType())
            || (t instanceof ArrayType a
                && (a.elementType() == DataTypes.FloatType
                    || a.elementType() == DataTypes.DoubleType));
    if (!ok
        && t instanceof ArrayType a
        && !(a.elementType() instanceof org.apache.spark.sql.types.NumericType)) {
      // Nested arrays or structs per row: per-position distributions or top-k entries of an LLM.
      throw InputErrors.sequenceDataInExampleLayout(side, column, t);
    }
    if (!ok) {
      throw InputErrors.distributionType(side, column, t, key);
    }
  }

  static Column asArray(StructType schema, String column) {
    if (schema.apply(column).dataType().equals(SQLDataTypes.VectorType())) {
      return org.apache.spark.ml.functions.vector_to_array(col(column), "float64");
    }
    return col(column);
  }

  static boolean orderable(DataType t) {
    return !(t instanceof ArrayType
        || t instanceof StructType
        || t instanceof org.apache.spark.sql.types.MapType
        || t instanceof org.apache.spark.sql.types.BinaryType);
  }

  /** The class count a table's vectors must have, and where that count comes from. */
  private record Expected(int length, String source) {}

  /** A table after its row rules: the rows to analyze, the class count, what was found. */
  private record Outcome(Dataset<Row> data, int length, SideValidation validation) {}

  /**
   * Rows of one table that the pass counted together: null keys, duplicate keys (with the number of
   * distinct keys), null vectors ({@code rule} -1), or rows of one vector length with one kernel
   * check code; with an example key (JSON) where one is known.
   */
  public record Group(
      boolean nullKey,
      boolean duplicate,
      int rule,
      int length,
      long keys,
      long rows,
      String example) {}

  /** The row rules of one table: one validation scan, then the policies. */
  record Rows(
      Dataset<Row> original,
      Dataset<Row> df,
      String column,
      String side,
      String userColumn,
      Kind kind,
      List<String> keys,
      DriftConfig config) {

    /**
     * The rows of the teacher's or the {@code student}'s table ({@code original} as read, {@code
     * df} reduced to the keys and the distribution), with that side's configured column and kind.
     */
    static Rows of(boolean student, Dataset<Row> original, Dataset<Row> df, DriftConfig config) {
      return new Rows(
          original,
          df,
          student ? STUDENT : TEACHER,
          student ? "student" : "teacher",
          config.get(student ? DriftConfig.STUDENT_COLUMN : DriftConfig.TEACHER_COLUMN),
          config.get(student ? DriftConfig.STUDENT_KIND : DriftConfig.TEACHER_KIND),
          config.get(DriftConfig.KEY_COLUMNS),
          config);
    }

    private Column[] keyCols() {
      return keys.stream().map(k -> col(k)).toArray(Column[]::new);
    }

    /** The label of the row rule {@code v} breaks, as {@code kldrift_check} names it, or null. */
    private Column check(Column v) {
      double tol = config.get(DriftConfig.SUM_TOLERANCE);
      double bound = Math.max(tol, config.get(DriftConfig.RENORMALIZE_BOUND));
      return call_function("kldrift_check", v, lit(kind.label()), lit(tol), lit(bound));
    }

    Outcome check(List<Group> groups, Expected given) {
      long rows = 0;
      long dupKeys = 0;
      Map<Integer, Long> byLength = new java.util.TreeMap<>();
      for (Group g : groups) {
        rows += g.rows();
        if (g.duplicate()) {
          dupKeys += g.keys();
        } else if (!g.nullKey() && g.rule() != -1 && g.rule() != Divergences.EMPTY) {
          byLength.merge(g.length(), g.rows(), Long::sum);
        }
      }
      Expected expected = given != null ? given : mostCommonLength(byLength);
      if (given != null
          && given.source().startsWith("input.class_names")
          && !byLength.isEmpty()
          && !byLength.containsKey(given.length())) {
        // Not one row has the configured class count: the setting is wrong, not every row.
        throw InputErrors.classNamesMatchNoVector(given.source(), side, byLength);
      }
      if (expected.length() == 1 && !byLength.isEmpty()) {
        throw InputErrors.oneClass(side, userColumn);
      }
      Map<RowRule, Long> broken = new java.util.EnumMap<>(RowRule.class);
      Map<RowRule, String> examples = new java.util.EnumMap<>(RowRule.class);
      long beyondBound = 0;
      String beyondExample = null;
      int wrongLength = -1;
      for (Group g : groups) {
        RowRule rule = ruleOf(g, expected);
        if (rule == null) {
          continue;
        }
        broken.merge(rule, g.rows(), Long::sum);
        if (g.example() != null) {
          examples.putIfAbsent(rule, g.example());
        }
        if (rule == RowRule.WRONG_LENGTH && wrongLength < 0) {
          wrongLength = g.length();
        }
        if (rule == RowRule.NOT_NORMALIZED && g.rule() == Divergences.NOT_NORMALIZED_BEYOND_BOUND) {
          beyondBound += g.rows();
          beyondExample = beyondExample == null ? g.example() : beyondExample;
        }
      }
      if (rows == 0) {
        SideValidation v =
            new SideValidation(side, 0, broken, examples, 0, 0, 0, null, RULE_COLUMN);
        return new Outcome(df, given == null ? -1 : given.length(), v);
      }
      if (expected.length() < 0 && !byLength.isEmpty()) {
        throw InputErrors.classCountUnknown(side, userColumn, byLength);
      }
      List<RowRule> failing = new ArrayList<>();
      for (RowRule rule : RowRule.values()) {
        if (broken.getOrDefault(rule, 0L) > 0 && rule.policy(config) == RowPolicy.FAIL) {
          failing.add(rule);
        }
      }
      if (failing.size() == 1) {
        RowRule rule = failing.get(0);
        throw failure(rule, broken.get(rule), examples.get(rule), dupKeys, expected, wrongLength);
      }
      if (!failing.isEmpty()) {
        throw BrokenRules.failure(
            failing,
            new BrokenRules.Found(
                side,
                userColumn,
                kind,
                keys,
                broken,
                examples,
                dupKeys,
                wrongLength,
                expected.source()));
      }
      boolean renormalize = RowRule.NOT_NORMALIZED.policy(config) == RowPolicy.RENORMALIZE;
      if (renormalize && beyondBound > 0) {
        throw InputErrors.beyondRenormalizeBound(
            place(), beyondBound, config.get(DriftConfig.RENORMALIZE_BOUND), beyondExample);
      }
      long renormalized = renormalize ? broken.getOrDefault(RowRule.NOT_NORMALIZED, 0L) : 0;
      long quarantined = 0;
      List<String> parts = new ArrayList<>();
      for (Map.Entry<RowRule, Long> e : broken.entrySet()) {
        if (e.getKey().policy(config) == RowPolicy.QUARANTINE) {
          quarantined += e.getValue();
          parts.add(e.getKey().label() + " " + e.getValue());
        }
      }
      double maxShare = config.get(DriftConfig.MAX_QUARANTINED_SHARE);
      if (quarantined > maxShare * rows) {
        throw InputErrors.tooManyQuarantined(side, quarantined, rows, parts, maxShare);
      }
      Dataset<Row> data = df;
      Dataset<Row> quarantine = null;
      boolean duplicates = broken.getOrDefault(RowRule.DUPLICATE_KEY, 0L) > 0;
      if (df != null && (quarantined > 0 || renormalized > 0)) {
        Column v = col(column);
        Column rule = ruleColumn(v, expected.length());
        data =
            data.where(
                renormalized > 0
                    ? rule.isNull().or(rule.equalTo(RowRule.NOT_NORMALIZED.label()))
                    : rule.isNull());
        if (duplicates) {
          data = data.join(duplicateKeys(df), seq(keys), "left_anti");
        }
        if (renormalized > 0) {
          data =
              data.withColumn(
                  column,
                  when(check(v).equalTo(RowRule.NOT_NORMALIZED.label()), renormalized(v))
                      .otherwise(v.cast("array<double>")));
        }
      }
      String ruleColumn = RULE_COLUMN;
      if (original != null && quarantined > 0) {
        // Spark resolves column names case-insensitively by default.
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String c : original.columns()) {
          names.add(c.toLowerCase(java.util.Locale.ROOT));
        }
        while (names.contains(ruleColumn)) {
          ruleColumn = "_" + ruleColumn;
        }
        Column rule = ruleColumn(asArray(original.schema(), userColumn), expected.length());
        if (renormalize) {
          rule = when(rule.notEqual(RowRule.NOT_NORMALIZED.label()), rule);
        }
        quarantine = original.withColumn(ruleColumn, rule);
        if (duplicates) {
          quarantine =
              quarantine
                  .join(
                      duplicateKeys(original).withColumn("__kd_dup", lit(true)), seq(keys), "left")
                  .withColumn(
                      ruleColumn,
                      when(col("__kd_dup").isNotNull(), lit(RowRule.DUPLICATE_KEY.label()))
                          .otherwise(col(ruleColumn)))
                  .drop("__kd_dup");
        }
        quarantine = quarantine.where(col(ruleColumn).isNotNull());
      }
      if (df != null && (quarantined > 0 || renormalized > 0)) {
        io.kldrift.console.Progress.say(
            String.format(
                java.util.Locale.ROOT,
                "%s table: %,d rows quarantined%s, %,d renormalized",
                side,
                quarantined,
                parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")",
                renormalized));
      }
      SideValidation v =
          new SideValidation(
              side,
              rows,
              broken,
              examples,
              dupKeys,
              quarantined,
              renormalized,
              quarantine,
              ruleColumn);
      return new Outcome(data, expected.length(), v);
    }

    /** Where a row-rule message points: "teacher table, column 'probs' (kind probs): ". */
    private String place() {
      return side + " table, column '" + userColumn + "' (kind " + kind.label() + "): ";
    }

    private RowRule ruleOf(Group g, Expected expected) {
      if (g.nullKey()) {
        return RowRule.NULL_KEY;
      }
      if (g.duplicate()) {
        return RowRule.DUPLICATE_KEY;
      }
      if (g.rule() == -1) {
        return RowRule.NULL_VECTOR;
      }
      if (g.rule() == Divergences.EMPTY) {
        return RowRule.EMPTY_VECTOR;
      }
      if (g.length() != expected.length()) {
        return RowRule.WRONG_LENGTH;
      }
      switch (g.rule()) {
        case Divergences.NOT_FINITE:
          return RowRule.NOT_FINITE;
        case Divergences.NEGATIVE:
          return RowRule.NEGATIVE_PROBABILITY;
        case Divergences.NOT_NORMALIZED:
        case Divergences.NOT_NORMALIZED_BEYOND_BOUND:
          return RowRule.NOT_NORMALIZED;
        case MISALIGNED:
          return RowRule.MISALIGNED;
        case TOKEN_MISMATCH:
          return RowRule.TOKEN_MISMATCH;
        default:
          return null;
      }
    }

    /** The rule a row breaks, by name, or null; the same order and tests as {@link #ruleOf}. */
    private Column ruleColumn(Column v, int expected) {
      Column check = check(v);
      return when(anyKeyNull(), lit(RowRule.NULL_KEY.label()))
          .when(v.isNull(), lit(RowRule.NULL_VECTOR.label()))
          .when(size(v).equalTo(0), lit(RowRule.EMPTY_VECTOR.label()))
          .when(size(v).notEqual(expected), lit(RowRule.WRONG_LENGTH.label()))
          .when(
              check.startsWith(RowRule.NOT_NORMALIZED.label()), lit(RowRule.NOT_NORMALIZED.label()))
          .otherwise(check);
    }

    /**
     * The vector divided by its sum (probabilities) or shifted by log of its sum
     * (log-probabilities).
     */
    private Column renormalized(Column v) {
      return call_function("kldrift_renormalize", v, lit(kind.label()));
    }

    private Dataset<Row> duplicateKeys(Dataset<Row> table) {
      Column[] keyCols = keyCols();
      return table
          .groupBy(keyCols)
          .count()
          .where(col("count").gt(1).and(not(anyKeyNull())))
          .select(keyCols);
    }

    private Column anyKeyNull() {
      return keys.stream().map(k -> col(k).isNull()).reduce(Column::or).orElseThrow();
    }

    private Expected mostCommonLength(Map<Integer, Long> byLength) {
      int best = -1;
      long bestRows = -1;
      boolean tie = false;
      for (Map.Entry<Integer, Long> e : byLength.entrySet()) {
        if (e.getValue() > bestRows) {
          best = e.getKey();
          bestRows = e.getValue();
          tie = false;
        } else if (e.getValue() == bestRows) {
          tie = true;
        }
      }
      if (byLength.size() <= 1) {
        return new Expected(best, "all " + side + " vectors have " + best + " classes");
      }
      int min = byLength.keySet().iterator().next();
      int max = ((java.util.TreeMap<Integer, Long>) byLength).lastKey();
      String source =
          side
              + " vectors have lengths from "
              + min
              + " to "
              + max
              + (tie
                  ? ", none more common than the others"
                  : "; the most common is " + best + " (" + bestRows + " rows)");
      return new Expected(tie ? -1 : best, source);
    }

    private DriftException failure(
        RowRule rule, long n, String example, long dupKeys, Expected expected, int length) {
      String fix =
          rule.fix() + " (or set " + rule.policyKey().key() + "=quarantine to set such rows aside)";
      switch (rule) {
        case NULL_KEY:
          return InputErrors.nullKeys(side, n, keys, fix);
        case DUPLICATE_KEY:
          return InputErrors.duplicateKeys(side, dupKeys, n, example, keys, rule.policyKey().key());
        case WRONG_LENGTH:
          return InputErrors.wrongLength(
              side, userColumn, n, expected.source(), example, length, fix);
        case NOT_NORMALIZED:
          if (kind == Kind.TOPK_LOG_PROBS) {
            return InputErrors.topKAboveOne(place(), n, example);
          }
          return InputErrors.brokenRule(place(), n, rule.text(), rule.label(), example, fix);
        default:
          return InputErrors.brokenRule(place(), n, rule.text(), rule.label(), example, fix);
      }
    }
  }

  /** The column of the quarantine tables that names the rule each row broke. */
  public static final String RULE_COLUMN = "kldrift_rule";

  private static scala.collection.immutable.Seq<String> seq(List<String> list) {
    return scala.jdk.javaapi.CollectionConverters.asScala(list).toSeq();
  }
}
