package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static java.lang.Math.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target figures per slice value, position bucket, teacher-entropy bucket and token (the
 * teacher's top-1) on two hand-written top-k sequences, each group's positions listed by hand
 * below, in summary.json's groups and in per_slice/ and per_token/.
 */
class SequenceTargetGroupsTest {
  private static final DataType IDS =
      DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.IntegerType));
  private static final DataType LPS =
      DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.DoubleType));
  private static final DataType LP = DataTypes.createArrayType(DataTypes.DoubleType);

  private static List<Double> logs(double... p) {
    return Arrays.stream(p).map(Math::log).boxed().toList();
  }

  private static List<Integer> ids(int... i) {
    return Arrays.stream(i).boxed().toList();
  }

  /**
   * Sequence 1 (segment a): position 0 target 7, teacher (5: 0.6, 7: 0.3), student (5: 0.5, 7:
   * 0.4), neither top-1 is 7; position 1 target 3, teacher (3: 0.7, 4: 0.2), student (3: 0.6, 4:
   * 0.3), both hit; position 2 target 5, teacher (5: 0.5, 2: 0.4), the student's target
   * log-probability null (missing). Sequence 2 (segment b): position 0 target 5, teacher (5: 0.8,
   * 1: 0.1), student (5: 0.9, 1: 0.05), both hit; position 1 target 6, teacher (6: 0.9, 1: 0.05),
   * student (1: 0.5, 6: 0.4), only the teacher hits. Teacher entropies of the listed cells plus the
   * tail cell: 0.898, 0.802, 0.943, 0.639 (bucket 0.5-1) and 0.394 (bucket 0.1-0.5).
   */
  private static DriftReport analyze() {
    return analyze("");
  }

  private static DriftReport analyze(String vocabulary) {
    StructType ts =
        new StructType()
            .add("sequence_id", DataTypes.LongType)
            .add("segment", DataTypes.StringType)
            .add("ids", IDS)
            .add("lp", LPS)
            .add("target", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("t_lp", LP);
    StructType ss =
        new StructType()
            .add("sequence_id", DataTypes.LongType)
            .add("ids", IDS)
            .add("lp", LPS)
            .add("s_lp", LP);
    List<Row> t =
        List.of(
            RowFactory.create(
                1L,
                "a",
                List.of(ids(5, 7), ids(3, 4), ids(5, 2)),
                List.of(logs(0.6, 0.3), logs(0.7, 0.2), logs(0.5, 0.4)),
                ids(7, 3, 5),
                logs(0.3, 0.7, 0.5)),
            RowFactory.create(
                2L,
                "b",
                List.of(ids(5, 1), ids(6, 1)),
                List.of(logs(0.8, 0.1), logs(0.9, 0.05)),
                ids(5, 6),
                logs(0.8, 0.9)));
    List<Row> s =
        List.of(
            RowFactory.create(
                1L,
                List.of(ids(5, 7), ids(3, 4), ids(2, 5)),
                List.of(logs(0.5, 0.4), logs(0.6, 0.3), logs(0.5, 0.4)),
                Arrays.asList(log(0.4), log(0.6), null)),
            RowFactory.create(
                2L,
                List.of(ids(5, 1), ids(1, 6)),
                List.of(logs(0.9, 0.05), logs(0.5, 0.4)),
                logs(0.9, 0.4)));
    DriftConfig c =
        DriftConfig.builder()
            .set("input.layout", "sequence")
            .set("input.key_columns", "sequence_id")
            .set("input.slice_columns", "segment")
            .set("input.teacher.column", "lp")
            .set("input.teacher.ids_column", "ids")
            .set("input.teacher.kind", "topk_log_probs")
            .set("input.student.column", "lp")
            .set("input.student.ids_column", "ids")
            .set("input.student.kind", "topk_log_probs")
            .set("input.target_ids_column", "target")
            .set("input.teacher.target_logprob_column", "t_lp")
            .set("input.student.target_logprob_column", "s_lp")
            .set("input.vocabulary", vocabulary)
            .build();
    return KlDrift.analyze(
        SPARK, SPARK.createDataFrame(t, ts), SPARK.createDataFrame(s, ss), c, SequenceFixtures.DAY);
  }

  @Test
  void eachGroupHasTheFiguresOfItsPositions() {
    try (DriftReport r = analyze()) {
      Summary s = r.summary();
      double tol = 1e-12;
      Map<String, Summary.SliceSummary> slices =
          s.perSlice().stream().collect(Collectors.toMap(Summary.SliceSummary::value, x -> x));
      // each position as (p_teacher(target), p_student(target), teacher hit, student hit)
      TargetOracle a =
          new TargetOracle()
              .add(0.3, 0.4, false, false)
              .add(0.7, 0.6, true, true)
              .add(0.5, null, true, false);
      a.assertMatches(slices.get("a").target(), tol, "slice a");
      // by hand: -(ln 0.3 + ln 0.7) / 2, and Δp (0.1 − 0.1) / 2
      assertThat(slices.get("a").target().teacherNllMean())
          .isCloseTo((1.2039728043259361 + 0.35667494393873245) / 2, within(1e-15));
      assertThat(slices.get("a").target().deltaPMean()).isCloseTo(0, within(1e-15));
      assertThat(slices.get("a").target().studentTargetMissing()).isEqualTo(1);
      new TargetOracle()
          .add(0.8, 0.9, true, true)
          .add(0.9, 0.4, true, false)
          .assertMatches(slices.get("b").target(), tol, "slice b");

      List<Summary.Bucket> pos = s.sequences().byPosition();
      new TargetOracle()
          .add(0.3, 0.4, false, false)
          .add(0.8, 0.9, true, true)
          .assertMatches(pos.get(0).target(), tol, "position 0");
      new TargetOracle()
          .add(0.7, 0.6, true, true)
          .add(0.5, null, true, false)
          .add(0.9, 0.4, true, false)
          .assertMatches(pos.get(1).target(), tol, "positions 1-3");
      new TargetOracle().assertMatches(pos.get(2).target(), tol, "positions 4-15");

      Map<String, Summary.Bucket> entropy =
          s.sequences().byTeacherEntropy().stream()
              .collect(Collectors.toMap(Summary.Bucket::bucket, x -> x));
      new TargetOracle()
          .add(0.9, 0.4, true, false)
          .assertMatches(entropy.get("0.1-0.5").target(), tol, "entropy 0.1-0.5");
      new TargetOracle()
          .add(0.3, 0.4, false, false)
          .add(0.7, 0.6, true, true)
          .add(0.5, null, true, false)
          .add(0.8, 0.9, true, true)
          .assertMatches(entropy.get("0.5-1").target(), tol, "entropy 0.5-1");

      Map<Long, Summary.TokenShare> tokens =
          s.sequences().topTokens().stream()
              .collect(Collectors.toMap(Summary.TokenShare::tokenId, x -> x));
      TargetOracle five =
          new TargetOracle()
              .add(0.3, 0.4, false, false)
              .add(0.5, null, true, false)
              .add(0.8, 0.9, true, true);
      TargetOracle three = new TargetOracle().add(0.7, 0.6, true, true);
      TargetOracle six = new TargetOracle().add(0.9, 0.4, true, false);
      five.assertMatches(tokens.get(5L).target(), tol, "token 5");
      three.assertMatches(tokens.get(3L).target(), tol, "token 3");
      six.assertMatches(tokens.get(6L).target(), tol, "token 6");

      Map<Long, Row> perToken =
          r.perToken().collectAsList().stream()
              .collect(Collectors.toMap(x -> x.<Long>getAs("token_id"), x -> x));
      assertThat(perToken).containsOnlyKeys(3L, 5L, 6L);
      five.assertRow(perToken.get(5L), tol, "per_token 5");
      three.assertRow(perToken.get(3L), tol, "per_token 3");
      six.assertRow(perToken.get(6L), tol, "per_token 6");
      Map<String, Row> perSlice =
          r.perSlice().collectAsList().stream()
              .collect(Collectors.toMap(x -> x.<String>getAs("slice_value"), x -> x));
      a.assertRow(perSlice.get("a"), tol, "per_slice a");
      assertThat(s.sequences().targetNote()).isNull();
    }
  }

  @Test
  void aVocabularyShowsTokensAsTextAndIdsOutsideItAsIds(@TempDir Path tmp) throws Exception {
    // ids 0..5: the teacher top-1 tokens 3 and 5 are in it, 6 is not
    Path vocab = tmp.resolve("vocab.txt");
    Files.writeString(vocab, "a\nb\nc\n<b>&amp;\nd\n e\n", StandardCharsets.UTF_8);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (DriftReport r = analyze(vocab.toString())) {
      System.setErr(err);
      Summary s = r.summary();
      assertThat(s.sequences().vocabularySize()).isEqualTo(6);
      Map<Long, String> texts = new java.util.HashMap<>();
      s.sequences().topTokens().forEach(t -> texts.put(t.tokenId(), t.token()));
      assertThat(texts)
          .containsEntry(3L, "<b>&amp;")
          .containsEntry(5L, " e")
          .containsEntry(6L, null);
      Map<Long, String> column = new java.util.HashMap<>();
      for (Row row : r.perToken().collectAsList()) {
        column.put(row.getAs("token_id"), row.getAs("token"));
      }
      assertThat(column).isEqualTo(texts);
      assertThat(r.perToken().columns()).startsWith("token_id", "token", "positions");
      assertThat(captured.toString(StandardCharsets.UTF_8))
          .contains(
              "has 6 ids, but 1 token id(s) of the report are outside it (e.g. 6): they are shown"
                  + " as ids");
      // The first divergences: sequence 1 at position 2 (teacher 5, student 2), sequence 2 at
      // position 1 (teacher 6, outside the vocabulary, student 1).
      List<Map<String, Object>> worst = new java.util.ArrayList<>();
      for (Row row : r.worstExamples().collectAsList()) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (String f : row.schema().fieldNames()) {
          m.put(f, row.getAs(f));
        }
        worst.add(m);
      }
      Map<Long, Map<String, Object>> bySequence =
          worst.stream().collect(Collectors.toMap(m -> (Long) m.get("sequence_id"), m -> m));
      assertThat(bySequence.get(1L))
          .containsEntry("first_divergence", 2)
          .containsEntry("first_divergence_teacher_token", 5L)
          .containsEntry("first_divergence_teacher_text", " e")
          .containsEntry("first_divergence_student_token", 2L)
          .containsEntry("first_divergence_student_text", "c");
      assertThat(bySequence.get(2L))
          .containsEntry("first_divergence", 1)
          .containsEntry("first_divergence_teacher_token", 6L)
          .containsEntry("first_divergence_teacher_text", null)
          .containsEntry("first_divergence_student_token", 1L)
          .containsEntry("first_divergence_student_text", "b");
      String page =
          io.kldrift.report.page.HtmlReport.render(
              new io.kldrift.report.page.HtmlReport.Input(s, List.of(), worst, List.of()));
      assertThat(page)
          .contains("<td>teacher 5 &quot; e&quot;, student 2 &quot;c&quot;</td>")
          .contains("<td>teacher 6 (not in the vocabulary), student 1 &quot;b&quot;</td>");
      assertThat(page)
          .contains("<td class=\"num\">3 &quot;&lt;b&gt;&amp;amp;&quot;</td>")
          .contains("<td>5 &quot; e&quot;</td>")
          .contains("6 (not in the vocabulary)")
          .doesNotContain("<b>&amp;");
    } finally {
      System.setErr(err);
    }
  }

  @Test
  void aMissingVocabularyFailsTheRunBeforeTheScan(@TempDir Path tmp) {
    String missing = tmp.resolve("tokenizer.json").toString();
    assertThatThrownBy(() -> analyze(missing).close())
        .isInstanceOf(io.kldrift.DriftException.class)
        .hasMessageContaining("input.vocabulary '" + missing + "' cannot be read: no such file");
  }

  @Test
  void withoutATargetColumnTheGroupsAndTablesHaveNoTargetFigures() {
    StructType ts =
        new StructType()
            .add("sequence_id", DataTypes.LongType)
            .add("segment", DataTypes.StringType)
            .add("ids", IDS)
            .add("lp", LPS);
    List<Row> rows =
        List.of(RowFactory.create(1L, "a", List.of(ids(5, 7)), List.of(logs(0.6, 0.3))));
    DriftConfig c = SequenceFixtures.handWrittenTopK().build();
    try (DriftReport r =
        KlDrift.analyze(
            SPARK,
            SPARK.createDataFrame(rows, ts),
            SPARK.createDataFrame(rows, ts).drop("segment"),
            c,
            SequenceFixtures.DAY)) {
      Summary s = r.summary();
      assertThat(s.perSlice()).extracting(Summary.SliceSummary::target).containsOnlyNulls();
      assertThat(s.sequences().byPosition()).extracting(Summary.Bucket::target).containsOnlyNulls();
      assertThat(s.sequences().topTokens())
          .extracting(Summary.TokenShare::target)
          .containsOnlyNulls();
      assertThat(r.perToken().columns()).doesNotContain("target_n");
      assertThat(r.perSlice().columns()).doesNotContain("target_n");
    }
  }
}
