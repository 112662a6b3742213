package io.kldrift.input;

import static io.kldrift.Fixtures.f;
import static io.kldrift.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.DriftException;
import io.kldrift.Fixtures;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each broken input fails with a message naming the table, column, rule and an example key. */
class BadInputTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  private static List<Row> good() {
    List<Row> rows = new ArrayList<>();
    for (long i = 1; i <= 5; i++) {
      rows.add(row(i, f(0.25f, 0.75f), 1, "a"));
    }
    return rows;
  }

  private DriftException failure(List<Row> teacher, List<Row> student, String... conf) {
    return failure(Fixtures.SCHEMA, teacher, student, conf);
  }

  private DriftException failure(
      StructType teacherSchema, List<Row> teacher, List<Row> student, String... conf) {
    String t = Fixtures.parquet(tmp, "t", teacherSchema, teacher);
    String s = Fixtures.parquet(tmp, "s", Fixtures.SCHEMA, student);
    DriftConfig.Builder b =
        DriftConfig.builder().set(DriftConfig.TEACHER_PATH, t).set(DriftConfig.STUDENT_PATH, s);
    for (int i = 0; i < conf.length; i += 2) {
      b.set(conf[i], conf[i + 1]);
    }
    DriftConfig config = b.build();
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1)));
    assertThat(thrown).isInstanceOf(DriftException.class);
    return (DriftException) thrown;
  }

  private static List<Row> with(List<Row> rows, int index, Row replacement) {
    List<Row> copy = new ArrayList<>(rows);
    copy.set(index, replacement);
    return copy;
  }

  @Test
  void missingColumnNamesTableColumnAndFix() {
    DriftException e = failure(good(), good(), "input.teacher.column", "scores");
    assertThat(e.kind()).isEqualTo(DriftException.Kind.INVALID_INPUT);
    assertThat(e.getMessage())
        .contains("teacher table has no distribution column 'scores'")
        .contains("columns: example_id, probs, label, segment")
        .contains("Fix: set input.teacher.column");
  }

  @Test
  void columnsThatClashWithTheLabelOrTheAddedColumnsAreConfigurationErrors() {
    DriftException label = failure(good(), good(), "input.slice_columns", "label");
    assertThat(label.kind()).isEqualTo(DriftException.Kind.INVALID_CONFIG);
    assertThat(label.getMessage())
        .contains("slice column 'label' (input.slice_columns) is also the label column")
        .contains("per_class/");
    StructType named =
        new StructType()
            .add("example_id", DataTypes.LongType)
            .add("probs", DataTypes.createArrayType(DataTypes.FloatType))
            .add("js", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (long i = 1; i <= 5; i++) {
      rows.add(org.apache.spark.sql.RowFactory.create(i, f(0.25f, 0.75f), "a"));
    }
    DriftException added = failure(named, rows, good(), "input.slice_columns", "js");
    assertThat(added.kind()).isEqualTo(DriftException.Kind.INVALID_CONFIG);
    assertThat(added.getMessage())
        .contains("slice column 'js' (input.slice_columns) has the name of a column kldrift adds")
        .contains("SELECT *, js AS js_in FROM t");
  }

  @Test
  void wrongTypeIsRejectedBeforeAnyScan() {
    StructType stringProbs =
        new StructType().add("example_id", DataTypes.LongType).add("probs", DataTypes.StringType);
    List<Row> rows = List.of(RowFactory.create(1L, "0.5,0.5"));
    DriftException e = failure(stringProbs, rows, good());
    assertThat(e.getMessage())
        .contains("teacher table, column 'probs' has type string, expected array<float>");
  }

  @Test
  void keyTypesMustMatch() {
    StructType stringKey =
        new StructType()
            .add("example_id", DataTypes.StringType)
            .add("probs", DataTypes.createArrayType(DataTypes.FloatType));
    DriftException e = failure(stringKey, List.of(RowFactory.create("1", f(0.5f, 0.5f))), good());
    assertThat(e.getMessage())
        .contains("key column 'example_id' has type string in the teacher table but bigint");
  }

  @Test
  void vectorsOfDifferentLength() {
    DriftException e = failure(good(), with(good(), 3, row(4, f(0.2f, 0.3f, 0.5f), 1, "a")));
    assertThat(e.getMessage())
        .contains("student table, column 'probs'")
        .contains("rule wrong_length")
        .contains("{\"example_id\":4} has length 3")
        .contains("the teacher vectors have 2 classes");
  }

  @Test
  void teacherVectorsOfDifferentLengths() {
    DriftException e = failure(with(good(), 1, row(2, f(0.2f, 0.3f, 0.5f), 1, "a")), good());
    assertThat(e.getMessage())
        .contains("teacher table, column 'probs'")
        .contains("rule wrong_length")
        .contains("lengths from 2 to 3")
        .contains("{\"example_id\":2} has length 3");
  }

  @Test
  void oneClassIsAConfigurationError() {
    List<Row> one = new ArrayList<>();
    for (long i = 1; i <= 3; i++) {
      one.add(row(i, f(1.0f), 0, "a"));
    }
    DriftException e = failure(one, one);
    assertThat(e.kind()).isEqualTo(DriftException.Kind.INVALID_CONFIG);
    assertThat(e.getMessage())
        .contains(
            "teacher table, column 'probs': the vectors have one class (by the Parquet footers),"
                + " so every divergence is 0");
  }

  @Test
  void nan() {
    DriftException e = failure(with(good(), 2, row(3, f(Float.NaN, 1f), 1, "a")), good());
    assertThat(e.getMessage())
        .contains("teacher table, column 'probs' (kind probs): 1 rows contain NaN")
        .contains("rule not_finite")
        .contains("{\"example_id\":3}");
  }

  @Test
  void negativeProbability() {
    DriftException e = failure(good(), with(good(), 1, row(2, f(-0.25f, 1.25f), 1, "a")));
    assertThat(e.getMessage())
        .contains("student table")
        .contains("rule negative_probability")
        .contains("{\"example_id\":2}");
  }

  @Test
  void notNormalized() {
    DriftException e = failure(good(), with(good(), 0, row(1, f(0.5f, 0.6f), 1, "a")));
    assertThat(e.getMessage()).contains("rule not_normalized").contains("{\"example_id\":1}");
  }

  @Test
  void nullVector() {
    DriftException e = failure(good(), with(good(), 4, row(5, null, 1, "a")));
    assertThat(e.getMessage()).contains("rule null_vector").contains("{\"example_id\":5}");
  }

  @Test
  void duplicateKeys() {
    List<Row> dup = good();
    dup.add(row(3, f(0.5f, 0.5f), 1, "a"));
    DriftException e = failure(dup, good());
    assertThat(e.getMessage())
        .contains(
            "teacher table: 1 keys occur more than once (rule duplicate_key; 2 rows), e.g. key {\"example_id\":3}")
        .contains("set validate.duplicate_key=quarantine");
  }

  @Test
  void everyRuleATableBreaksIsNamedInOneMessage() {
    // A duplicate key, a NaN row and a row that does not sum to 1: one run names all three.
    List<Row> student = good();
    student.add(row(4, f(0.5f, 0.5f), 1, "a"));
    student = with(student, 1, row(2, f(Float.NaN, 1f), 1, "a"));
    student = with(student, 2, row(3, f(0.5f, 0.6f), 1, "a"));
    DriftException e = failure(good(), student);
    assertThat(e.kind()).isEqualTo(DriftException.Kind.INVALID_INPUT);
    assertThat(e.lines())
        .containsExactly(
            "student table breaks 3 rules whose policy is fail (column 'probs', kind probs):",
            "duplicate_key: 2 rows (1 key), e.g. key {\"example_id\":4}; deduplicate the student"
                + " table on example_id (a re-run that appended the same partition twice is the"
                + " usual cause)",
            "not_finite: 1 row, e.g. key {\"example_id\":2}; fix the model export; NaN usually"
                + " means a numerical overflow in the model",
            "not_normalized: 1 row, e.g. key {\"example_id\":3}; normalize the vectors, raise"
                + " validate.sum_tolerance, set validate.not_normalized=renormalize, or set"
                + " input.*.kind if they are logits or log-probabilities",
            "Fix: repair the rows as each line says, or set validate.duplicate_key=quarantine,"
                + " validate.not_finite=quarantine and validate.not_normalized=quarantine to set"
                + " such rows aside.");
    assertThat(e.getMessage()).isEqualTo(String.join("\n  ", e.lines()));
  }

  @Test
  void theJobPrintsOneLinePerBrokenRule() {
    List<Row> student = with(good(), 1, row(2, f(Float.NaN, 1f), 1, "a"));
    student = with(student, 2, row(3, f(-0.5f, 1.5f), 1, "a"));
    String t = Fixtures.parquet(tmp, "mt", Fixtures.SCHEMA, good());
    String s = Fixtures.parquet(tmp, "ms", Fixtures.SCHEMA, student);
    java.io.PrintStream err = System.err;
    java.io.PrintStream out = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setErr(
          new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
      System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
      code =
          DriftJob.run(
              "--teacher", t, "--student", s, "--out", tmp.resolve("mo").toString(), "--quiet");
    } finally {
      System.setErr(err);
      System.setOut(out);
    }
    assertThat(code).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines())
        .containsExactly(
            "kldrift: error: student table breaks 2 rules whose policy is fail (column 'probs',"
                + " kind probs):",
            "  not_finite: 1 row, e.g. key {\"example_id\":2}; fix the model export; NaN usually"
                + " means a numerical overflow in the model",
            "  negative_probability: 1 row, e.g. key {\"example_id\":3}; check that the column"
                + " holds probabilities and not logits (input.*.kind=logits)",
            "  Fix: repair the rows as each line says, or set validate.not_finite=quarantine and"
                + " validate.negative_probability=quarantine to set such rows aside.");
  }

  @Test
  void logitsAreNotMistakenForProbabilities() {
    // logits may be negative and unnormalized; only NaN/infinity is invalid
    List<Row> logits = new ArrayList<>();
    for (long i = 1; i <= 5; i++) {
      logits.add(row(i, f(-3f, 4f), 1, "a"));
    }
    String t = Fixtures.parquet(tmp, "lt", Fixtures.SCHEMA, logits);
    String s = Fixtures.parquet(tmp, "ls", Fixtures.SCHEMA, good());
    DriftConfig config =
        DriftConfig.builder()
            .set(DriftConfig.TEACHER_PATH, t)
            .set(DriftConfig.STUDENT_PATH, s)
            .set(DriftConfig.TEACHER_KIND, "logits")
            .build();
    assertThat(KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1)).matched()).isEqualTo(5);
  }

  @Test
  void theJobExitsWithTheInvalidInputCode() {
    String t =
        Fixtures.parquet(
            tmp, "jt", Fixtures.SCHEMA, with(good(), 2, row(3, f(Float.NaN, 1f), 1, "a")));
    String s = Fixtures.parquet(tmp, "js", Fixtures.SCHEMA, good());
    int code =
        DriftJob.run(
            "--teacher", t, "--student", s, "--out", tmp.resolve("o").toString(), "--quiet");
    assertThat(code).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(tmp.resolve("o").resolve("run_date=" + LocalDate.now())).doesNotExist();
  }

  @Test
  void missingInputPathIsClear() {
    DriftConfig config =
        DriftConfig.builder()
            .set(DriftConfig.TEACHER_PATH, tmp.resolve("nope").toString())
            .set(DriftConfig.STUDENT_PATH, tmp.resolve("nope2").toString())
            .build();
    assertThatThrownBy(() -> KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1)))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("teacher table cannot be read from");
  }

  @Test
  void aTruncatedPartFileAmongGoodOnesIsBadInputNamingTheFileBeforeAnyScan() throws Exception {
    String t = Fixtures.parquet(tmp, "t", Fixtures.SCHEMA, good());
    String s = Fixtures.parquet(tmp, "s", Fixtures.SCHEMA, good());
    // A second part file, cut in half as by a killed writer: its footer is gone.
    Path part =
        java.nio.file.Files.list(Path.of(t))
            .filter(p -> p.getFileName().toString().endsWith(".parquet"))
            .findFirst()
            .orElseThrow();
    byte[] bytes = java.nio.file.Files.readAllBytes(part);
    Path cut = Path.of(t, "part-99999-truncated.snappy.parquet");
    java.nio.file.Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    DriftConfig config =
        DriftConfig.builder()
            .set(DriftConfig.TEACHER_PATH, t)
            .set(DriftConfig.STUDENT_PATH, s)
            .build();
    // Only the footer check, which runs before the pass, says "is not a readable Parquet file".
    assertThatThrownBy(() -> KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1)))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("teacher table: file ")
        .hasMessageContaining("part-99999-truncated.snappy.parquet is not a readable Parquet file")
        .hasMessageContaining("Fix: rewrite or remove the file")
        .satisfies(
            e ->
                assertThat(((DriftException) e).kind())
                    .isEqualTo(DriftException.Kind.INVALID_INPUT));
  }

  @Test
  void aTableWhoseOnlyFileIsTruncatedIsBadInputNamingTheFile() throws Exception {
    String t = Fixtures.parquet(tmp, "t", Fixtures.SCHEMA, good());
    String s = Fixtures.parquet(tmp, "s", Fixtures.SCHEMA, good());
    // Spark reads this footer to infer the schema, before kldrift's own footer check.
    Path part;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(Path.of(t))) {
      part =
          files
              .filter(p -> p.getFileName().toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow();
    }
    byte[] bytes = java.nio.file.Files.readAllBytes(part);
    java.nio.file.Files.write(part, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    java.nio.file.Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));
    DriftConfig config =
        DriftConfig.builder()
            .set(DriftConfig.TEACHER_PATH, t)
            .set(DriftConfig.STUDENT_PATH, s)
            .build();
    assertThatThrownBy(() -> KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1)))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("teacher table: file ")
        .hasMessageContaining(part.getFileName() + " is not a readable Parquet file")
        .hasMessageContaining("Fix: rewrite or remove the file")
        .hasMessageNotContaining("\n");
  }
}
