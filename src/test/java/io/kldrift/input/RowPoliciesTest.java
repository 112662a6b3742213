package io.kldrift.input;

import static io.kldrift.Fixtures.f;
import static io.kldrift.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.DriftException;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fixture of deliberately broken Parquet files, one per rule and side, next to a file of good
 * rows: each rule's default policy fails naming it; quarantine sets exactly the fixture's rows
 * aside and counts them by rule and side; renormalize repairs sums within the bound; the maximum
 * quarantined share fails the run. Expected counts and KL are the fixture's own, computed here.
 */
class RowPoliciesTest {
  private static final SparkSession spark = TestSpark.get();

  @TempDir static Path dir;

  /**
   * Teacher files: rule to keys. Good rows are keys 1..1000 plus partners of the student's broken
   * keys.
   */
  private static final Map<String, long[]> TEACHER_BROKEN = new LinkedHashMap<>();

  private static final Map<String, long[]> STUDENT_BROKEN = new LinkedHashMap<>();
  private static final Map<Long, float[]> TEACHER_GOOD = new TreeMap<>();
  private static final Map<Long, float[]> STUDENT_GOOD = new TreeMap<>();

  static {
    TEACHER_BROKEN.put("null_vector", keys(2001, 1));
    TEACHER_BROKEN.put("empty_vector", keys(2002, 2));
    TEACHER_BROKEN.put("wrong_length", keys(2004, 3));
    TEACHER_BROKEN.put("not_finite", keys(2007, 4));
    TEACHER_BROKEN.put("negative_probability", keys(2011, 5));
    TEACHER_BROKEN.put("not_normalized", keys(2016, 6)); // sums 1.02: within the renormalize bound
    TEACHER_BROKEN.put("not_normalized_far", keys(2022, 2)); // sums 1.5: beyond it
    // Second copies of good keys; key 2's copy also holds a NaN: counted once, as a duplicate.
    TEACHER_BROKEN.put("duplicate_key", new long[] {1, 2});
    STUDENT_BROKEN.put("not_finite", keys(3001, 3));
    STUDENT_BROKEN.put("negative_probability", keys(3004, 2));
    STUDENT_BROKEN.put("wrong_length", keys(3006, 1));
    STUDENT_BROKEN.put("not_normalized", keys(3007, 5)); // sums 0.97
    STUDENT_BROKEN.put("null_vector", keys(3012, 1));
    STUDENT_BROKEN.put("empty_vector", keys(3013, 1));
    STUDENT_BROKEN.put("duplicate_key", new long[] {3, 3}); // two more copies of key 3
  }

  private static String teacherDir;
  private static String studentDir;

  private static long[] keys(long first, int n) {
    return LongStream.range(first, first + n).toArray();
  }

  private static float[] dist(Random r) {
    float a = 0.05f + r.nextFloat();
    float b = 0.05f + r.nextFloat();
    float c = 0.05f + r.nextFloat();
    float s = a + b + c;
    return f(a / s, b / s, 1f - a / s - b / s);
  }

  @BeforeAll
  static void writeFixture() throws IOException {
    Random r = new Random(11);
    for (long k = 1; k <= 1000; k++) {
      TEACHER_GOOD.put(k, dist(r));
      STUDENT_GOOD.put(k, dist(r));
    }
    for (long k = 3001; k <= 3013; k++) {
      TEACHER_GOOD.put(k, dist(r));
    }
    for (long k = 2001; k <= 2023; k++) {
      STUDENT_GOOD.put(k, dist(r));
    }
    teacherDir = dir.resolve("teacher").toString();
    studentDir = dir.resolve("student").toString();
    file("teacher", "good", goodRows(TEACHER_GOOD));
    file("student", "good", goodRows(STUDENT_GOOD));
    for (Map.Entry<String, long[]> e : TEACHER_BROKEN.entrySet()) {
      file("teacher", e.getKey(), broken(e.getKey(), e.getValue(), TEACHER_GOOD, 1.02f));
    }
    for (Map.Entry<String, long[]> e : STUDENT_BROKEN.entrySet()) {
      file("student", e.getKey(), broken(e.getKey(), e.getValue(), STUDENT_GOOD, 0.97f));
    }
    // Null keys: two teacher rows (one also with a NaN), one student row.
    file(
        "teacher",
        "null_key",
        List.of(
            RowFactory.create(null, f(0.2f, 0.3f, 0.5f), 1, "kiosk"),
            RowFactory.create(null, f(Float.NaN, 0.5f, 0.5f), 1, "kiosk")));
    file("student", "null_key", List.of(RowFactory.create(null, f(0.2f, 0.3f, 0.5f), 1, "kiosk")));
  }

  private static List<Row> goodRows(Map<Long, float[]> good) {
    List<Row> rows = new ArrayList<>();
    good.forEach((k, p) -> rows.add(row(k, p, (int) (k % 3), k % 2 == 0 ? "web" : "mobile")));
    return rows;
  }

  private static List<Row> broken(String rule, long[] keys, Map<Long, float[]> good, float scale) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < keys.length; i++) {
      long k = keys[i];
      float[] p;
      switch (rule) {
        case "null_vector" -> p = null;
        case "empty_vector" -> p = new float[0];
        case "wrong_length" ->
            p = good == TEACHER_GOOD ? f(0.25f, 0.25f, 0.25f, 0.25f) : f(0.5f, 0.5f);
        case "not_finite" ->
            p =
                new float[][] {
                      f(Float.NaN, 0.5f, 0.5f),
                      f(0.2f, Float.POSITIVE_INFINITY, 0.3f),
                      f(Float.NEGATIVE_INFINITY, 0.5f, 0.5f)
                    }
                    [i % 3];
        case "negative_probability" -> p = f(-0.1f, 0.6f, 0.5f);
        case "not_normalized" -> p = scaled(0.2f + 0.01f * i, 0.3f, 0.5f - 0.01f * i, scale);
        case "not_normalized_far" -> p = scaled(0.2f, 0.3f, 0.5f, 1.5f);
        case "duplicate_key" -> p = k == 2 ? f(Float.NaN, 0.5f, 0.5f) : good.get(k);
        default -> throw new AssertionError(rule);
      }
      rows.add(row(k, p, 1, "kiosk"));
    }
    return rows;
  }

  private static float[] scaled(float a, float b, float c, float s) {
    return f(a * s, b * s, c * s);
  }

  /** Writes one Parquet file {@code <side>/<name>.parquet}. */
  private static void file(String side, String name, List<Row> rows) throws IOException {
    String tmp = Fixtures.parquet(dir, "tmp-" + side + "-" + name, Fixtures.SCHEMA, rows);
    Path part;
    try (var files = Files.list(Path.of(tmp))) {
      part =
          files
              .filter(p -> p.getFileName().toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow();
    }
    Files.createDirectories(dir.resolve(side));
    Files.move(part, dir.resolve(side).resolve(name + ".parquet"));
  }

  private static String glob(String side, String... names) {
    return dir.resolve(side) + "/{" + String.join(",", names) + "}.parquet";
  }

  private record Run(int code, String out, String stdout) {
    JsonNode summary() throws IOException {
      return Fixtures.summary(out + "/run_date=2026-11-29");
    }
  }

  private static Run job(String name, String teacher, String student, String... conf) {
    String out = dir.resolve("out-" + name).toString();
    List<String> args =
        new ArrayList<>(
            List.of(
                "--teacher",
                teacher,
                "--student",
                student,
                "--out",
                out,
                "--run-date",
                "2026-11-29",
                "--quiet"));
    for (String c : conf) {
      args.add("--conf");
      args.add(c);
    }
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = DriftJob.run(args.toArray(String[]::new));
    } finally {
      System.setOut(saved);
    }
    return new Run(code, out, captured.toString(StandardCharsets.UTF_8));
  }

  private static DriftException failure(String teacher, String student, String... conf) {
    io.kldrift.config.DriftConfig.Builder b =
        io.kldrift.config.DriftConfig.builder()
            .set(io.kldrift.config.DriftConfig.TEACHER_PATH, teacher)
            .set(io.kldrift.config.DriftConfig.STUDENT_PATH, student);
    for (String c : conf) {
      b.set(c.substring(0, c.indexOf('=')), c.substring(c.indexOf('=') + 1));
    }
    io.kldrift.config.DriftConfig config = b.build();
    Throwable t =
        catchThrowable(
            () -> io.kldrift.KlDrift.analyze(spark, config, java.time.LocalDate.of(2026, 11, 29)));
    assertThat(t).isInstanceOf(DriftException.class);
    assertThat(((DriftException) t).kind().exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    return (DriftException) t;
  }

  private static String ruleOf(String file) {
    return file.equals("not_normalized_far") ? "not_normalized" : file;
  }

  private static String keyJson(long k) {
    return "{\"example_id\":" + k + "}";
  }

  @Test
  void nullKeysFailByDefault() {
    assertThat(failure(glob("teacher", "good", "null_key"), glob("student", "good")).getMessage())
        .contains("teacher table: 2 rows have a null in key column(s) example_id (rule null_key)")
        .contains("validate.null_key=quarantine");
    assertThat(failure(glob("teacher", "good"), glob("student", "good", "null_key")).getMessage())
        .contains("student table: 1 rows have a null in key column(s) example_id (rule null_key)");
  }

  @Test
  void everyBrokenFileFailsByDefaultNamingSideRuleAndOneOfItsKeys() {
    for (Map.Entry<String, long[]> e : TEACHER_BROKEN.entrySet()) {
      String m = failure(glob("teacher", "good", e.getKey()), glob("student", "good")).getMessage();
      assertThat(m)
          .as(e.getKey())
          .startsWith("teacher table")
          .contains("rule " + ruleOf(e.getKey()))
          .containsAnyOf(
              LongStream.of(e.getValue())
                  .mapToObj(RowPoliciesTest::keyJson)
                  .toArray(String[]::new));
    }
    for (Map.Entry<String, long[]> e : STUDENT_BROKEN.entrySet()) {
      String m = failure(glob("teacher", "good"), glob("student", "good", e.getKey())).getMessage();
      assertThat(m)
          .as(e.getKey())
          .startsWith("student table")
          .contains("rule " + ruleOf(e.getKey()))
          .containsAnyOf(
              LongStream.of(e.getValue())
                  .mapToObj(RowPoliciesTest::keyJson)
                  .toArray(String[]::new));
    }
  }

  private static final String[] QUARANTINE_ALL = {
    "validate.null_vector=quarantine",
    "validate.empty_vector=quarantine",
    "validate.wrong_length=quarantine",
    "validate.not_finite=quarantine",
    "validate.negative_probability=quarantine",
    "validate.not_normalized=quarantine",
    "validate.duplicate_key=quarantine",
    "validate.null_key=quarantine"
  };

  private static String[] plus(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void quarantineSetsAsideAndCountsEveryRuleBySide() throws IOException {
    Run run =
        job(
            "quarantine",
            teacherDir,
            studentDir,
            plus(QUARANTINE_ALL, "validate.max_quarantined_share=0.05"));
    assertThat(run.code()).as(run.stdout()).isEqualTo(ExitCodes.OK);
    JsonNode in = run.summary().get("inputs");

    // By rule: the fixture's rows, each duplicated key counted with every copy.
    Map<String, Long> teacher =
        Map.of(
            "null_vector",
            1L,
            "empty_vector",
            2L,
            "wrong_length",
            3L,
            "not_finite",
            4L,
            "negative_probability",
            5L,
            "not_normalized",
            8L,
            "duplicate_key",
            4L,
            "null_key",
            2L);
    Map<String, Long> student =
        Map.of(
            "null_vector",
            1L,
            "empty_vector",
            1L,
            "wrong_length",
            1L,
            "not_finite",
            3L,
            "negative_probability",
            2L,
            "not_normalized",
            5L,
            "duplicate_key",
            3L,
            "null_key",
            1L);
    for (String rule : teacher.keySet()) {
      assertThat(in.at("/invalid/teacher/rules/" + rule + "/rows").asLong())
          .as("teacher " + rule)
          .isEqualTo(teacher.get(rule));
      assertThat(in.at("/invalid/student/rules/" + rule + "/rows").asLong())
          .as("student " + rule)
          .isEqualTo(student.get(rule));
      assertThat(in.at("/invalid/teacher/rules/" + rule + "/policy").asText())
          .isEqualTo("quarantine");
    }
    assertThat(in.at("/invalid/teacher/rules/duplicate_key/keys").asLong()).isEqualTo(2);
    assertThat(in.at("/invalid/student/rules/duplicate_key/keys").asLong()).isEqualTo(1);
    assertThat(in.at("/invalid/teacher/rules/not_finite/example_key").asText())
        .isIn(
            "{\"example_id\":2007}",
            "{\"example_id\":2008}",
            "{\"example_id\":2009}",
            "{\"example_id\":2010}");
    // Rows read: good + broken files; quarantined: every broken row.
    assertThat(in.get("teacher_rows").asLong()).isEqualTo(1013 + 1 + 2 + 3 + 4 + 5 + 6 + 2 + 2 + 2);
    assertThat(in.get("student_rows").asLong()).isEqualTo(1023 + 3 + 2 + 1 + 5 + 1 + 1 + 2 + 1);
    assertThat(in.get("teacher_quarantined").asLong()).isEqualTo(29);
    assertThat(in.get("student_quarantined").asLong()).isEqualTo(17);
    assertThat(in.at("/invalid/teacher/quarantined").asLong()).isEqualTo(29);
    // Joined: keys 4..1000 (1, 2 and 3 are duplicated on one side); the partners of quarantined
    // rows are unmatched: teacher 3 and 3001..3013, student 1, 2 and 2001..2023.
    assertThat(in.get("matched").asLong()).isEqualTo(997);
    assertThat(in.get("teacher_only").asLong()).isEqualTo(14);
    assertThat(in.get("student_only").asLong()).isEqualTo(25);

    // The mean KL is over the good rows only, from the definition.
    double sum = 0;
    for (long k = 4; k <= 1000; k++) {
      sum += kl(TEACHER_GOOD.get(k), STUDENT_GOOD.get(k));
    }
    assertThat(run.summary().at("/global/kl/mean").asDouble()).isCloseTo(sum / 997, within(1e-12));

    // quarantine/<side>/ holds exactly those rows, with every input column and the rule.
    for (String side : List.of("teacher", "student")) {
      Map<String, long[]> files = side.equals("teacher") ? TEACHER_BROKEN : STUDENT_BROKEN;
      List<Row> rows =
          spark
              .read()
              .parquet(run.out() + "/run_date=2026-11-29/quarantine/" + side)
              .collectAsList();
      assertThat(rows.get(0).schema().fieldNames())
          .contains("example_id", "probs", "label", "segment", "kldrift_rule");
      Map<String, TreeSet<Long>> got = new TreeMap<>();
      Map<String, Long> copies = new HashMap<>();
      for (Row r : rows) {
        String rule = r.getAs("kldrift_rule");
        copies.merge(rule, 1L, Long::sum);
        if (rule.equals("null_key")) {
          assertThat(r.isNullAt(r.fieldIndex("example_id"))).isTrue();
        } else {
          got.computeIfAbsent(rule, x -> new TreeSet<>()).add(r.getAs("example_id"));
        }
      }
      Map<String, TreeSet<Long>> want = new TreeMap<>();
      files.forEach(
          (file, ks) ->
              LongStream.of(ks)
                  .forEach(k -> want.computeIfAbsent(ruleOf(file), x -> new TreeSet<>()).add(k)));
      assertThat(got).as(side).isEqualTo(want);
      assertThat(copies).as(side).isEqualTo(side.equals("teacher") ? teacher : student);
    }

    // The printed summary and the HTML page show the counts by rule and side.
    assertThat(run.stdout())
        .contains(
            "row rules   teacher: null_key 2 quarantined, duplicate_key 4 quarantined, null_vector 1 quarantined,"
                + " empty_vector 2 quarantined, wrong_length 3 quarantined, not_finite 4 quarantined, negative_probability 5"
                + " quarantined, not_normalized 8 quarantined; student: null_key 1 quarantined, duplicate_key 3 quarantined");
    String html = Files.readString(Path.of(run.out(), "run_date=2026-11-29", "report.html"));
    assertThat(html)
        .contains(
            "<td class=\"figure\">not_finite</td><td>quarantine</td><td class=\"num\">4</td><td class=\"num\">3</td>")
        .contains(
            "<td class=\"figure\">duplicate_key</td><td>quarantine</td><td class=\"num\">4</td><td class=\"num\">3</td>")
        .contains(
            "Teacher: 29 rows quarantined, 0 renormalized; student: 17 rows quarantined, 0 renormalized");
    assertThat(run.summary().get("tables").toString())
        .contains("quarantine/teacher", "quarantine/student");
  }

  @Test
  void aQuarantinedShareAboveTheMaximumFailsTheRun() {
    String m = failure(teacherDir, glob("student", "good"), QUARANTINE_ALL).getMessage();
    assertThat(m)
        .contains("teacher table: 29 of 1,040 rows (2.79%) break rules whose policy is quarantine")
        .contains("not_finite 4")
        .contains("more than validate.max_quarantined_share (0.01)")
        .contains("raise validate.max_quarantined_share");
  }

  @Test
  void renormalizeRepairsSumsWithinTheBoundAndCountsThem() throws IOException {
    Run run =
        job(
            "renormalize",
            glob("teacher", "good", "not_normalized"),
            glob("student", "good"),
            "validate.not_normalized=renormalize");
    assertThat(run.code()).as(run.stdout()).isEqualTo(ExitCodes.OK);
    JsonNode in = run.summary().get("inputs");
    assertThat(in.get("teacher_renormalized").asLong()).isEqualTo(6);
    assertThat(in.get("teacher_quarantined").asLong()).isZero();
    assertThat(in.at("/invalid/teacher/rules/not_normalized/rows").asLong()).isEqualTo(6);
    assertThat(in.at("/invalid/teacher/rules/not_normalized/policy").asText())
        .isEqualTo("renormalize");
    assertThat(in.get("matched").asLong()).isEqualTo(1006);
    assertThat(run.stdout()).contains("row rules   teacher: not_normalized 6 renormalized\n");
    assertThat(Path.of(run.out(), "run_date=2026-11-29", "quarantine")).doesNotExist();

    // From the definition: the six teacher vectors divided by their sums, the rest as they are.
    double sum = 0;
    for (long k = 1; k <= 1000; k++) {
      sum += kl(TEACHER_GOOD.get(k), STUDENT_GOOD.get(k));
    }
    List<Row> broken =
        broken("not_normalized", TEACHER_BROKEN.get("not_normalized"), TEACHER_GOOD, 1.02f);
    for (Row r : broken) {
      float[] raw = r.getAs(1);
      double total = 0;
      for (float x : raw) {
        total += x;
      }
      double[] p = new double[raw.length];
      for (int c = 0; c < raw.length; c++) {
        p[c] = raw[c] / total;
      }
      sum += kl(p, toDouble(STUDENT_GOOD.get(r.getLong(0))));
    }
    assertThat(run.summary().at("/global/kl/mean").asDouble()).isCloseTo(sum / 1006, within(1e-12));
  }

  @Test
  void renormalizeShiftsLogProbabilitiesByTheLogOfTheirSum() throws IOException {
    // Teacher log-probabilities whose exp sums to 1.03 (one row) or 1 (the rest); student probs.
    List<Row> teacher = new ArrayList<>();
    List<Row> student = new ArrayList<>();
    Random r = new Random(5);
    double expected = 0;
    for (long k = 1; k <= 4; k++) {
      float[] p = dist(r);
      float[] q = dist(r);
      double scale = k == 1 ? 1.03 : 1.0;
      float[] logs =
          f(
              (float) Math.log(p[0] * scale),
              (float) Math.log(p[1] * scale),
              (float) Math.log(p[2] * scale));
      teacher.add(row(k, logs, 0, "web"));
      student.add(row(k, q, 0, "web"));
      // Only the broken row is renormalized; valid rows are used as they are.
      double total = 0;
      for (float x : logs) {
        total += k == 1 ? Math.exp(x) : 0;
      }
      total = k == 1 ? total : 1;
      double[] pd = new double[3];
      for (int c = 0; c < 3; c++) {
        pd[c] = Math.exp(logs[c]) / total;
      }
      expected += kl(pd, toDouble(q));
    }
    String t = Fixtures.parquet(dir, "logprob-teacher", Fixtures.SCHEMA, teacher);
    String st = Fixtures.parquet(dir, "logprob-student", Fixtures.SCHEMA, student);
    Run run =
        job(
            "logprobs",
            t,
            st,
            "input.teacher.kind=log_probs",
            "validate.not_normalized=renormalize");
    assertThat(run.code()).as(run.stdout()).isEqualTo(ExitCodes.OK);
    assertThat(run.summary().at("/inputs/teacher_renormalized").asLong()).isEqualTo(1);
    assertThat(run.summary().at("/global/kl/mean").asDouble())
        .isCloseTo(expected / 4, within(1e-12));
  }

  @Test
  void renormalizeAndQuarantineTogether() throws IOException {
    Run run =
        job(
            "renormalize-quarantine",
            glob("teacher", "good", "not_normalized", "not_finite"),
            glob("student", "good"),
            "validate.not_normalized=renormalize",
            "validate.not_finite=quarantine");
    assertThat(run.code()).as(run.stdout()).isEqualTo(ExitCodes.OK);
    JsonNode in = run.summary().get("inputs");
    assertThat(in.get("teacher_renormalized").asLong()).isEqualTo(6);
    assertThat(in.get("teacher_quarantined").asLong()).isEqualTo(4);
    assertThat(in.get("matched").asLong()).isEqualTo(1006);
    List<Row> q =
        spark.read().parquet(run.out() + "/run_date=2026-11-29/quarantine/teacher").collectAsList();
    assertThat(q.stream().map(r -> r.<Long>getAs("example_id")).sorted().toList())
        .containsExactly(2007L, 2008L, 2009L, 2010L);
    assertThat(q).allMatch(r -> r.<String>getAs("kldrift_rule").equals("not_finite"));
  }

  @Test
  void equallyCommonLengthsWithoutClassNamesAreAnErrorWhateverThePolicy() {
    List<Row> teacher = new ArrayList<>();
    for (long k = 1; k <= 4; k++) {
      teacher.add(row(k, k <= 2 ? f(0.2f, 0.3f, 0.5f) : f(0.1f, 0.2f, 0.3f, 0.4f), 0, "web"));
    }
    String t = Fixtures.parquet(dir, "tie-teacher", Fixtures.SCHEMA, teacher);
    for (String policy : List.of("fail", "quarantine")) {
      assertThat(failure(t, t, "validate.wrong_length=" + policy).getMessage())
          .contains(
              "the class count cannot be told from the data (vector lengths and rows {3=2, 4=2}")
          .contains("input.class_names");
    }
  }

  @Test
  void renormalizeRefusesSumsBeyondTheBound() {
    String m =
        failure(
                glob("teacher", "good", "not_normalized", "not_normalized_far"),
                glob("student", "good"),
                "validate.not_normalized=renormalize")
            .getMessage();
    assertThat(m)
        .contains(
            "teacher table, column 'probs' (kind probs): 2 rows have probabilities whose sum is off 1 by"
                + " more than validate.renormalize_bound (0.05), too far to renormalize")
        .contains("{\"example_id\":202");
  }

  @Test
  void classNamesThatNoVectorMatchesAreAConfigurationError() {
    // Not one row has the configured class count: the class names are wrong, not the 1,013 rows
    // (this used to blame every row under rule wrong_length and offer to quarantine them).
    io.kldrift.config.DriftConfig config =
        io.kldrift.config.DriftConfig.builder()
            .set(io.kldrift.config.DriftConfig.TEACHER_PATH, glob("teacher", "good"))
            .set(io.kldrift.config.DriftConfig.STUDENT_PATH, glob("student", "good"))
            .set("input.class_names", "a,b")
            .build();
    Throwable t =
        catchThrowable(
            () -> io.kldrift.KlDrift.analyze(spark, config, java.time.LocalDate.of(2026, 11, 29)));
    assertThat(t).isInstanceOf(DriftException.class);
    DriftException e = (DriftException) t;
    assertThat(e.kind()).isEqualTo(DriftException.Kind.INVALID_CONFIG);
    assertThat(e.getMessage())
        .contains(
            "input.class_names lists 2 classes, but every teacher vector (column 'probs') has 3"
                + " values, by the Parquet footers")
        .contains("Fix: list one name per vector entry, in vector order, in input.class_names")
        .doesNotContain("quarantine");
  }

  private static double kl(float[] p, float[] q) {
    return kl(toDouble(p), toDouble(q));
  }

  private static double kl(double[] p, double[] q) {
    double s = 0;
    for (int c = 0; c < p.length; c++) {
      s += p[c] * Math.log(p[c] / q[c]);
    }
    return s;
  }

  private static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }
}
