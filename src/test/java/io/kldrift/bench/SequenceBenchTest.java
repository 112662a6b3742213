package io.kldrift.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import io.kldrift.summary.Summary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code jobs/bench --sequences} relies on: the DuckDB script computes kldrift's core figures
 * (also with sentinels, where cells drop out), the dense tables hold the full distributions and
 * give the exact KL, and the Markdown section is replaced without touching the rest of the file.
 */
class SequenceBenchTest {
  private static final SparkSession spark = TestSpark.get();
  private static final LocalDate DAY = LocalDate.parse("2026-11-28");

  @TempDir Path tmp;

  private static Spec topK(double sentinels) {
    return new Spec(
        30, 5, 500, 8, 16, 48, 0.05, sentinels, List.of(3, 5, 11), 1.5, Shape.ARRAYS, 2, false);
  }

  private static DriftReport analyze(Path dir) {
    DriftConfig c =
        DriftConfig.builder()
            .file(dir.resolve("kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, dir.resolve("teacher").toString())
            .set(DriftConfig.STUDENT_PATH, dir.resolve("student").toString())
            .build();
    return KlDrift.analyze(spark, c, DAY);
  }

  private static double[] duck(Path dir, Path out) throws Exception {
    Files.createDirectories(out);
    Map<String, String> v =
        Map.of(
            "teacher", dir.resolve("teacher") + "/*.parquet",
            "student", dir.resolve("student") + "/*.parquet",
            "out", out.toString());
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      DuckRun.run(c, DuckRun.statements(DuckRun.substitute(SequenceBench.readScript(), v)), false);
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT matched, counted_positions, kl_mean, sequence_kl_mean, agreement,"
                      + " teacher_tail_mass, target_n, teacher_ppl, student_ppl, ln_ppl_ratio,"
                      + " delta_p_mean, delta_p_rms, teacher_accuracy, student_accuracy"
                      + " FROM read_parquet('"
                      + out.resolve("global.parquet")
                      + "')")) {
        rs.next();
        return new double[] {
          rs.getLong(1),
          rs.getLong(2),
          rs.getDouble(3),
          rs.getDouble(4),
          rs.getDouble(5),
          rs.getDouble(6),
          rs.getLong(7),
          rs.getDouble(8),
          rs.getDouble(9),
          rs.getDouble(10),
          rs.getDouble(11),
          rs.getDouble(12),
          rs.getDouble(13),
          rs.getDouble(14)
        };
      }
    }
  }

  @Test
  void duckdbScriptGivesKldriftsFiguresWithAndWithoutSentinels() throws Exception {
    for (double sentinels : new double[] {0, 0.15}) {
      Path dir = tmp.resolve("topk-" + sentinels);
      SequenceSampleGenerator.generate(spark, topK(sentinels), dir.toString());
      double[] d = duck(dir, tmp.resolve("duck-" + sentinels));
      try (DriftReport r = analyze(dir)) {
        Summary s = r.summary();
        assertThat(d[0]).isEqualTo(s.inputs().matched());
        assertThat(d[1]).isEqualTo(s.sequences().countedPositions());
        double kl = s.global().kl().mean();
        assertThat(d[2]).isCloseTo(kl, within(1e-12 * kl));
        double seq = s.global().sequenceKl().mean();
        assertThat(d[3]).isCloseTo(seq, within(1e-12 * seq));
        assertThat(d[4]).isCloseTo(s.global().agreement().mean(), within(1e-12));
        assertThat(d[5]).isCloseTo(s.sequences().teacherTailMass().mean(), within(1e-12));
        Summary.Target t = s.global().target();
        assertThat((long) d[6]).isEqualTo(t.n()).isPositive();
        assertThat(d[7]).isCloseTo(t.teacherPpl(), within(1e-9 * t.teacherPpl()));
        assertThat(d[8]).isCloseTo(t.studentPpl(), within(1e-9 * t.studentPpl()));
        assertThat(d[9]).isCloseTo(t.lnPplRatio(), within(1e-9));
        assertThat(d[10]).isCloseTo(t.deltaPMean(), within(1e-9));
        assertThat(d[11]).isCloseTo(t.deltaPRms(), within(1e-9));
        assertThat(d[12]).isCloseTo(t.teacherAccuracy(), within(1e-12));
        assertThat(d[13]).isCloseTo(t.studentAccuracy(), within(1e-12));
      }
    }
  }

  @Test
  void denseTablesHoldTheFullDistributionsAndGiveTheExactKl() throws Exception {
    Spec spec = new Spec(6, 9, 300, 8, 8, 12, 0, 0, List.of(3, 5, 11), 1.5, Shape.ARRAYS, 1, true);
    Path dir = tmp.resolve("dense");
    SequenceSampleGenerator.generate(spark, spec, dir.toString());
    String props = Files.readString(dir.resolve("kldrift.properties"), StandardCharsets.UTF_8);
    assertThat(props)
        .contains("input.teacher.column=log_probs", "input.student.kind=log_probs")
        .doesNotContain("teacher.ids_column", "student.ids_column", "at_teacher");
    assertThat(spark.read().parquet(dir.resolve("student").toString()).columns())
        .containsExactly("sequence_id", "token_ids", "log_probs");

    double total = 0;
    long n = 0;
    for (Row r :
        spark
            .read()
            .parquet(dir.resolve("teacher").toString())
            .join(
                spark.read().parquet(dir.resolve("student").toString()).select("sequence_id"),
                "sequence_id")
            .select("sequence_id", "completion_mask", "log_probs")
            .collectAsList()) {
      long id = r.getLong(0);
      List<Boolean> mask = r.getList(1);
      List<scala.collection.Seq<Float>> lp = r.getList(2);
      for (int pos = 0; pos < mask.size(); pos++) {
        double[] p = SequenceSampleGenerator.teacherDistribution(spec, id, pos);
        scala.collection.Seq<Float> row = lp.get(pos);
        assertThat(row.length()).isEqualTo(300);
        for (int v = 0; v < 300; v++) {
          assertThat((double) row.apply(v)).isCloseTo(Math.log(p[v]), within(1e-5));
        }
        if (mask.get(pos)) {
          total += SequenceSampleGenerator.exactKl(spec, id, pos);
          n++;
        }
      }
    }
    try (DriftReport r = analyze(dir)) {
      assertThat(r.summary().sequences().countedPositions()).isEqualTo(n);
      assertThat(r.summary().sequences().mode()).isEqualTo("exact");
      assertThat(r.summary().global().kl().mean()).isCloseTo(total / n, within(1e-6 * total / n));
    }
  }

  @Test
  void sectionIsReplacedAndTheRestKept() {
    String doc =
        "# t\n\n## A\n\na\n\n## Sequence layout\n\nold\n\n```\n## not a heading\n```\n\n## B\n\nb\n";
    String s = SequenceBench.SECTION + "\n\nnew\n";
    assertThat(SequenceBench.replaceSection(doc, s))
        .isEqualTo("# t\n\n## A\n\na\n\n## Sequence layout\n\nnew\n\n## B\n\nb\n");
    assertThat(SequenceBench.replaceSection("# t\n\n## A\n\na\n", s))
        .isEqualTo("# t\n\n## A\n\na\n\n## Sequence layout\n\nnew\n");
    String handWritten = "## Sequence layout: where the time goes (written by hand)\n\nnotes\n";
    assertThat(SequenceBench.replaceSection("## Sequence layout\n\nold\n\n" + handWritten, s))
        .isEqualTo("## Sequence layout\n\nnew\n\n" + handWritten);
  }
}
