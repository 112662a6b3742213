package io.kldrift.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.TestSpark;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The sequence generator against what it promises: the written top-k is the top-k of the full
 * distribution found by sorting the whole (small) vocabulary, the student's log-probabilities at
 * the teacher's ids are those of its full distribution, the three shapes hold the same values, and
 * the rows depend on the seed only. Expectations come from the full distributions and from the
 * tables read back, never from the generator's own shortcut over the candidates.
 */
class SequenceSampleGeneratorTest {
  private static final SparkSession spark = TestSpark.get();
  private static final int VOCAB = 500;
  private static final int K = 20;
  private static final double SENTINELS = 0.13;

  @TempDir static Path tmp;

  private static Tables arrays;
  private static Tables arraysInThreeFiles;
  private static Tables structs;
  private static Tables tokens;
  private static Tables withSentinels;

  /** One sequence on the teacher side, whatever the shape it was read from. */
  record Teacher(
      String segment,
      List<Integer> tokens,
      List<Boolean> mask,
      List<List<Integer>> ids,
      List<List<Float>> logProbs) {}

  /** One sequence on the student side. */
  record Student(
      List<Integer> tokens,
      List<List<Integer>> ids,
      List<List<Float>> logProbs,
      List<List<Float>> atTeacher) {}

  /** Both tables of one generated folder, by key. */
  record Tables(Map<Long, Teacher> teacher, Map<Long, Student> student) {}

  static Spec spec(long seed, Shape shape, double sentinels, int files) {
    return new Spec(
        60, seed, VOCAB, K, 16, 64, 0.08, sentinels, List.of(3, 5, 11), 1.5, shape, files, false);
  }

  @BeforeAll
  static void generate() throws Exception {
    arrays = read(write("arrays", spec(11, Shape.ARRAYS, 0, 1)), Shape.ARRAYS);
    arraysInThreeFiles = read(write("arrays3", spec(11, Shape.ARRAYS, 0, 3)), Shape.ARRAYS);
    structs = read(write("structs", spec(11, Shape.STRUCTS, 0, 1)), Shape.STRUCTS);
    tokens = read(write("tokens", spec(11, Shape.TOKENS, 0, 4)), Shape.TOKENS);
    withSentinels = read(write("sentinels", spec(11, Shape.ARRAYS, SENTINELS, 1)), Shape.ARRAYS);
  }

  @Test
  void sameSeedGivesTheSameRowsWhateverTheNumberOfFiles() throws Exception {
    assertThat(arraysInThreeFiles).isEqualTo(arrays);
    assertThat(parts("arrays3/teacher")).hasSize(3);
    Tables otherSeed = read(write("seed12", spec(12, Shape.ARRAYS, 0, 1)), Shape.ARRAYS);
    assertThat(otherSeed.teacher()).isNotEqualTo(arrays.teacher());
  }

  @Test
  void writtenTopKIsTheTopKOfTheFullDistributions() {
    Spec spec = spec(11, Shape.ARRAYS, 0, 1);
    int positions = 0;
    for (Map.Entry<Long, Teacher> e : arrays.teacher().entrySet()) {
      long id = e.getKey();
      Teacher t = e.getValue();
      Student s = arrays.student().get(id);
      for (int pos = 0; pos < t.tokens().size(); pos++) {
        double[] p = SequenceSampleGenerator.teacherDistribution(spec, id, pos);
        double[] q = SequenceSampleGenerator.studentDistribution(spec, id, pos);
        assertThat(p).hasSize(VOCAB);
        assertThat(sum(p)).isCloseTo(1.0, within(1e-12));
        assertThat(sum(q)).isCloseTo(1.0, within(1e-12));
        assertThat(t.tokens().get(pos)).isBetween(0, VOCAB - 1);
        assertTopK(t.ids().get(pos), t.logProbs().get(pos), p);
        if (s == null) {
          continue;
        }
        assertTopK(s.ids().get(pos), s.logProbs().get(pos), q);
        for (int i = 0; i < K; i++) {
          assertClose(s.atTeacher().get(pos).get(i), Math.log(q[t.ids().get(pos).get(i)]));
        }
        double kl = 0;
        for (int v = 0; v < VOCAB; v++) {
          kl += p[v] * Math.log(p[v] / q[v]);
        }
        assertThat(SequenceSampleGenerator.exactKl(spec, id, pos))
            .isCloseTo(kl, within(1e-12 + 1e-9 * kl));
        positions++;
      }
    }
    assertThat(positions).isGreaterThan(1000);
  }

  @Test
  void outsideAFewCandidatesBothSidesAreTheSameZipfBackground() {
    Spec spec = spec(11, Shape.ARRAYS, 0, 1);
    for (long id = 0; id < 5; id++) {
      for (int pos = 0; pos < 16; pos++) {
        double[] p = SequenceSampleGenerator.teacherDistribution(spec, id, pos);
        double[] q = SequenceSampleGenerator.studentDistribution(spec, id, pos);
        // Token id r has Zipf rank r (id 0 has rank V). Most ids are background only, so the
        // median of p / rank^-1.1 is the background's weight.
        double[] ratios = new double[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
          ratios[v] = p[v] / Math.pow(v == 0 ? VOCAB : v, -1.1);
        }
        Arrays.sort(ratios);
        double scale = ratios[VOCAB / 2];
        int off = 0;
        for (int v = 0; v < VOCAB; v++) {
          double background = scale * Math.pow(v == 0 ? VOCAB : v, -1.1);
          if (Math.abs(p[v] - background) > 1e-9 * background) {
            off++;
          } else {
            assertThat(q[v]).isCloseTo(p[v], within(1e-12 * p[v]));
          }
        }
        assertThat(off).isBetween(1, 48);
      }
    }
  }

  @Test
  void topKIsSortedDescendingAndThePromptPrefixIsMasked() {
    for (Tables tables : List.of(arrays, withSentinels)) {
      for (Teacher t : tables.teacher().values()) {
        t.logProbs().forEach(SequenceSampleGeneratorTest::assertDescending);
      }
      for (Student s : tables.student().values()) {
        s.logProbs().forEach(SequenceSampleGeneratorTest::assertDescending);
      }
    }
    for (Teacher t : arrays.teacher().values()) {
      int length = t.mask().size();
      assertThat(length).isBetween(16, 64).isEqualTo(t.ids().size());
      int prompt = t.mask().indexOf(true);
      assertThat(prompt).isPositive().isBetween((int) (0.1 * length) - 1, (int) (0.4 * length));
      assertThat(t.mask().subList(prompt, length)).containsOnly(true);
    }
  }

  @Test
  void keysSegmentsAndTokenSequences() {
    Set<Long> teacherOnly = new HashSet<>(arrays.teacher().keySet());
    teacherOnly.removeAll(arrays.student().keySet());
    Set<Long> studentOnly = new HashSet<>(arrays.student().keySet());
    studentOnly.removeAll(arrays.teacher().keySet());
    Set<Long> all = new HashSet<>(arrays.teacher().keySet());
    all.addAll(arrays.student().keySet());
    assertThat(all).hasSize(60).allMatch(id -> id >= 0 && id < 60);
    assertThat(teacherOnly).isNotEmpty();
    assertThat(studentOnly).isNotEmpty();
    arrays
        .teacher()
        .forEach(
            (id, t) -> {
              Student s = arrays.student().get(id);
              if (s != null) {
                assertThat(s.tokens()).isEqualTo(t.tokens());
              }
            });
    assertThat(arrays.teacher().values().stream().map(Teacher::segment).distinct())
        .containsExactlyInAnyOrder("chat", "code", "math");
  }

  @Test
  void theDriftIsOnTheCodeSegment() {
    Spec spec = spec(11, Shape.ARRAYS, 0, 1);
    Map<String, double[]> bySegment = new HashMap<>();
    arrays
        .teacher()
        .forEach(
            (id, t) -> {
              double[] acc = bySegment.computeIfAbsent(t.segment(), x -> new double[2]);
              for (int pos = 0; pos < t.tokens().size(); pos++) {
                acc[0] += SequenceSampleGenerator.exactKl(spec, id, pos);
                acc[1]++;
              }
            });
    double code = bySegment.get("code")[0] / bySegment.get("code")[1];
    double chat = bySegment.get("chat")[0] / bySegment.get("chat")[1];
    assertThat(code).isGreaterThan(2 * chat);
    assertThat(chat).isPositive();
  }

  @Test
  void theThreeShapesHoldTheSameValues() throws Exception {
    assertThat(structs).isEqualTo(arrays);
    assertThat(tokens).isEqualTo(arrays);
    // One row per token, spread over the files in no order.
    List<Path> files = parts("tokens/teacher");
    assertThat(files).hasSize(4);
    Map<Long, Set<Path>> filesOfSequence = new HashMap<>();
    for (Path file : files) {
      for (Row r : spark.read().parquet(file.toString()).collectAsList()) {
        filesOfSequence.computeIfAbsent(r.getLong(0), x -> new HashSet<>()).add(file);
      }
    }
    assertThat(filesOfSequence.values()).anyMatch(s -> s.size() > 1);
    List<Row> first = spark.read().parquet(files.get(0).toString()).collectAsList();
    List<Row> sorted = new ArrayList<>(first);
    sorted.sort(
        Comparator.<Row>comparingLong(r -> r.getLong(0)).thenComparingInt(r -> r.getInt(1)));
    assertThat(first).isNotEqualTo(sorted);
  }

  @Test
  void schemasAreTheContract() {
    assertThat(schema("arrays/teacher"))
        .isEqualTo(
            "struct<sequence_id:bigint,segment:string,token_ids:array<int>,"
                + "completion_mask:array<boolean>,topk_ids:array<array<int>>,"
                + "topk_logprobs:array<array<float>>,target_ids:array<int>,"
                + "target_logprob:array<double>>");
    assertThat(schema("arrays/student"))
        .isEqualTo(
            "struct<sequence_id:bigint,token_ids:array<int>,topk_ids:array<array<int>>,"
                + "topk_logprobs:array<array<float>>,logprobs_at_teacher:array<array<float>>,"
                + "target_logprob:array<double>>");
    assertThat(schema("structs/teacher"))
        .isEqualTo(
            "struct<sequence_id:bigint,segment:string,token_ids:array<int>,"
                + "completion_mask:array<boolean>,"
                + "top_logprobs:array<array<struct<token:string,logprob:float>>>,"
                + "target_ids:array<int>,target_logprob:array<double>>");
    assertThat(schema("structs/student"))
        .isEqualTo(
            "struct<sequence_id:bigint,token_ids:array<int>,"
                + "top_logprobs:array<array<struct<token:string,logprob:float>>>,"
                + "logprobs_at_teacher:array<array<float>>,target_logprob:array<double>>");
    assertThat(schema("tokens/teacher"))
        .isEqualTo(
            "struct<sequence_id:bigint,position:int,segment:string,token_id:int,"
                + "completion_mask:boolean,topk_ids:array<int>,topk_logprobs:array<float>,"
                + "target_id:int,target_logprob:double>");
    assertThat(schema("tokens/student"))
        .isEqualTo(
            "struct<sequence_id:bigint,position:int,token_id:int,topk_ids:array<int>,"
                + "topk_logprobs:array<float>,logprobs_at_teacher:array<float>,"
                + "target_logprob:double>");
  }

  @Test
  void propertiesNameTheColumnsOfEachShape() throws Exception {
    List<String> expected = new java.util.ArrayList<>();
    expected.addAll(
        List.of(
            "input.layout=sequence",
            "input.key_columns=sequence_id",
            "input.teacher.column=topk_logprobs",
            "input.teacher.ids_column=topk_ids",
            "input.teacher.kind=topk_log_probs",
            "input.student.column=topk_logprobs",
            "input.student.ids_column=topk_ids",
            "input.student.kind=topk_log_probs",
            "input.student.at_teacher_column=logprobs_at_teacher",
            "input.mask_column=completion_mask",
            "input.token_ids_column=token_ids",
            "input.target_ids_column=target_ids",
            "input.teacher.target_logprob_column=target_logprob",
            "input.student.target_logprob_column=target_logprob",
            "input.slice_columns=segment",
            "input.label_column=",
            "input.vocabulary=tokenizer.json"));
    expected.addAll(SequenceSampleGenerator.CHECKS);
    assertThat(properties("arrays")).isEqualTo(expected);
    assertThat(properties("structs"))
        .contains("input.teacher.column=top_logprobs", "input.student.column=top_logprobs")
        .noneMatch(line -> line.contains(".ids_column"))
        .hasSize(expected.size() - 2);
    assertThat(properties("tokens"))
        .contains(
            "input.position_column=position",
            "input.mask_column=completion_mask",
            "input.token_ids_column=token_id",
            "input.target_ids_column=target_id",
            "input.teacher.ids_column=topk_ids")
        .hasSize(expected.size() + 1);
    assertThat(Files.readAllLines(tmp.resolve("arrays/kldrift.properties")).get(0)).startsWith("#");
  }

  @Test
  void sentinelsReplaceTheLowestRankedShareAndNothingElse() {
    long sentinels = 0;
    long entries = 0;
    for (Map.Entry<Long, Teacher> e : withSentinels.teacher().entrySet()) {
      Teacher t = e.getValue();
      Teacher clean = arrays.teacher().get(e.getKey());
      Student s = withSentinels.student().get(e.getKey());
      Student cleanStudent = arrays.student().get(e.getKey());
      for (int pos = 0; pos < t.ids().size(); pos++) {
        int n =
            assertSentinelSuffix(
                t.ids().get(pos),
                t.logProbs().get(pos),
                clean.ids().get(pos),
                clean.logProbs().get(pos));
        sentinels += n;
        entries += K;
        if (s == null) {
          continue;
        }
        assertSentinelSuffix(
            s.ids().get(pos),
            s.logProbs().get(pos),
            cleanStudent.ids().get(pos),
            cleanStudent.logProbs().get(pos));
        List<Float> at = s.atTeacher().get(pos);
        for (int i = 0; i < K; i++) {
          if (i < K - n) {
            assertThat(at.get(i)).isEqualTo(cleanStudent.atTeacher().get(pos).get(i));
          } else {
            assertThat(at.get(i)).isEqualTo(-9999f);
          }
        }
      }
    }
    assertThat((double) sentinels / entries).isCloseTo(SENTINELS, within(0.01));
  }

  /** Checks the entries before the sentinels against the clean run; returns how many there are. */
  private static int assertSentinelSuffix(
      List<Integer> ids, List<Float> logProbs, List<Integer> cleanIds, List<Float> cleanLogProbs) {
    int n = (int) logProbs.stream().filter(x -> x == -9999f).count();
    assertThat(ids.subList(0, K - n)).isEqualTo(cleanIds.subList(0, K - n));
    assertThat(logProbs.subList(0, K - n)).isEqualTo(cleanLogProbs.subList(0, K - n));
    assertThat(ids.subList(K - n, K)).containsOnly(0);
    assertThat(logProbs.subList(K - n, K)).containsOnly(-9999f);
    return n;
  }

  /** The top-k by sorting the whole vocabulary (ties by id), against what was written. */
  private static void assertTopK(List<Integer> ids, List<Float> logProbs, double[] p) {
    List<Integer> ranked =
        IntStream.range(0, p.length)
            .boxed()
            .sorted(
                Comparator.<Integer>comparingDouble(v -> -p[v]).thenComparingInt(Integer::intValue))
            .limit(K)
            .toList();
    assertThat(ids).isEqualTo(ranked);
    for (int i = 0; i < K; i++) {
      assertClose(logProbs.get(i), Math.log(p[ranked.get(i)]));
    }
  }

  private static void assertClose(float written, double exact) {
    assertThat((double) written).isCloseTo(exact, within(1e-6 * Math.max(1, Math.abs(exact))));
  }

  private static void assertDescending(List<Float> logProbs) {
    for (int i = 1; i < logProbs.size(); i++) {
      assertThat(logProbs.get(i)).isLessThanOrEqualTo(logProbs.get(i - 1));
    }
  }

  private static double sum(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s;
  }

  private static String write(String name, Spec spec) throws Exception {
    String out = tmp.resolve(name).toString();
    SequenceSampleGenerator.generate(spark, spec, out);
    return out;
  }

  private static List<Path> parts(String table) throws Exception {
    try (Stream<Path> files = Files.list(tmp.resolve(table))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  private static String schema(String table) {
    return spark.read().parquet(tmp.resolve(table).toString()).schema().simpleString();
  }

  private static List<String> properties(String dir) throws Exception {
    return Files.readAllLines(
            tmp.resolve(dir).resolve("kldrift.properties"), StandardCharsets.UTF_8)
        .stream()
        .filter(line -> !line.startsWith("#"))
        .toList();
  }

  private static Tables read(String dir, Shape shape) {
    List<Row> teacher = spark.read().parquet(dir + "/teacher").collectAsList();
    List<Row> student = spark.read().parquet(dir + "/student").collectAsList();
    Map<Long, Teacher> t = new TreeMap<>();
    Map<Long, Student> s = new TreeMap<>();
    if (shape == Shape.TOKENS) {
      Map<Long, List<Row>> teacherRows = byPosition(teacher);
      Map<Long, List<Row>> studentRows = byPosition(student);
      teacherRows.forEach(
          (id, rows) ->
              t.put(
                  id,
                  new Teacher(
                      rows.get(0).getAs("segment"),
                      column(rows, r -> r.<Integer>getAs("token_id")),
                      column(rows, r -> r.<Boolean>getAs("completion_mask")),
                      column(rows, r -> list(r.getList(r.fieldIndex("topk_ids")))),
                      column(rows, r -> list(r.getList(r.fieldIndex("topk_logprobs")))))));
      studentRows.forEach(
          (id, rows) ->
              s.put(
                  id,
                  new Student(
                      column(rows, r -> r.<Integer>getAs("token_id")),
                      column(rows, r -> list(r.getList(r.fieldIndex("topk_ids")))),
                      column(rows, r -> list(r.getList(r.fieldIndex("topk_logprobs")))),
                      column(rows, r -> list(r.getList(r.fieldIndex("logprobs_at_teacher")))))));
      return new Tables(t, s);
    }
    for (Row r : teacher) {
      List<List<Integer>> ids;
      List<List<Float>> logProbs;
      if (shape == Shape.STRUCTS) {
        ids = structIds(r);
        logProbs = structLogProbs(r);
      } else {
        ids = nested(r, "topk_ids");
        logProbs = nested(r, "topk_logprobs");
      }
      t.put(
          r.getAs("sequence_id"),
          new Teacher(
              r.getAs("segment"),
              list(r.getList(r.fieldIndex("token_ids"))),
              list(r.getList(r.fieldIndex("completion_mask"))),
              ids,
              logProbs));
    }
    for (Row r : student) {
      boolean structsShape = shape == Shape.STRUCTS;
      s.put(
          r.getAs("sequence_id"),
          new Student(
              list(r.getList(r.fieldIndex("token_ids"))),
              structsShape ? structIds(r) : nested(r, "topk_ids"),
              structsShape ? structLogProbs(r) : nested(r, "topk_logprobs"),
              nested(r, "logprobs_at_teacher")));
    }
    return new Tables(t, s);
  }

  private static Map<Long, List<Row>> byPosition(List<Row> rows) {
    Map<Long, List<Row>> out = new TreeMap<>();
    for (Row r : rows) {
      out.computeIfAbsent(r.getAs("sequence_id"), x -> new ArrayList<>()).add(r);
    }
    for (List<Row> seq : out.values()) {
      seq.sort(Comparator.comparingInt(r -> r.<Integer>getAs("position")));
      for (int i = 0; i < seq.size(); i++) {
        assertThat(seq.get(i).<Integer>getAs("position")).isEqualTo(i);
      }
    }
    return out;
  }

  private static <T> List<T> column(List<Row> rows, java.util.function.Function<Row, T> f) {
    return rows.stream().map(f).toList();
  }

  private static <T> List<T> list(List<T> values) {
    return new ArrayList<>(values);
  }

  private static <T> List<List<T>> nested(Row r, String field) {
    List<scala.collection.Seq<T>> outer = r.getList(r.fieldIndex(field));
    List<List<T>> out = new ArrayList<>();
    for (scala.collection.Seq<T> inner : outer) {
      out.add(new ArrayList<>(CollectionConverters.asJava(inner)));
    }
    return out;
  }

  private static List<List<Integer>> structIds(Row r) {
    List<List<Integer>> out = new ArrayList<>();
    for (List<Row> entries : structEntries(r)) {
      List<Integer> ids = new ArrayList<>();
      for (Row entry : entries) {
        String token = entry.getAs("token");
        assertThat(token).startsWith("token_id:");
        ids.add(Integer.parseInt(token.substring("token_id:".length())));
      }
      out.add(ids);
    }
    return out;
  }

  private static List<List<Float>> structLogProbs(Row r) {
    List<List<Float>> out = new ArrayList<>();
    for (List<Row> entries : structEntries(r)) {
      out.add(entries.stream().map(e -> e.<Float>getAs("logprob")).toList());
    }
    return out;
  }

  private static List<List<Row>> structEntries(Row r) {
    return nested(r, "top_logprobs");
  }
}
