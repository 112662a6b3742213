package io.kldrift.engine;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import io.kldrift.summary.Summary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift state format 4 added the target figures, 5 those per slice value, bucket and token; a day
 * written in format 3 still rolls up, with its other figures as they were and the target figures
 * unknown (never zero), and a day in format 4 with the figures per group unknown.
 */
class TargetStateFormatTest {
  private static final SparkSession SPARK = TestSpark.get();

  @TempDir Path tmp;

  @Test
  void aDayInFormat3RollsUpWithTheTargetFiguresUnknown() throws Exception {
    Spec spec = new Spec(30, 5, 300, 6, 8, 24, 0, 0, List.of(3), 1.0, Shape.ARRAYS, 1, false);
    Path dir = tmp.resolve("gen");
    SequenceSampleGenerator.generate(SPARK, spec, dir.toString());
    DriftConfig config = DriftConfig.builder().file(dir.resolve("kldrift.properties")).build();
    Dataset<Row> teacher = SPARK.read().parquet(dir.resolve("teacher").toString());
    Dataset<Row> student = SPARK.read().parquet(dir.resolve("student").toString());
    String root = tmp.resolve("out").toString();
    LocalDate first = LocalDate.parse("2026-11-23");
    for (int d = 0; d < 2; d++) {
      try (DriftReport r =
          KlDrift.analyze(
              SPARK,
              teacher.where(col("sequence_id").mod(2).equalTo(d)),
              student.where(col("sequence_id").mod(2).equalTo(d)),
              config,
              first.plusDays(d))) {
        KlDrift.write(SPARK, r, root, first.plusDays(d));
      }
    }
    Summary.Global v4;
    try (DriftReport r = KlDrift.rollup(SPARK, root, first, first.plusDays(1), null)) {
      v4 = r.summary().global();
    }
    assertThat(v4.target().n()).isPositive();
    assertThat(v4.target().note()).isNull();

    Path state = Path.of(root, "run_date=2026-11-23", "drift-state.bin");
    byte[] current = Files.readAllBytes(state);
    DriftState day = DriftState.read(current, "day 1");
    byte[] old = day.bytes(3);
    assertThat(old.length).isLessThan(current.length);
    Files.write(state, old);
    // the local file system's checksum of the file as the run wrote it
    Files.deleteIfExists(state.resolveSibling(".drift-state.bin.crc"));
    try (DriftReport r = KlDrift.rollup(SPARK, root, first, first.plusDays(1), null)) {
      Summary.Global g = r.summary().global();
      assertThat(g.kl().n()).isEqualTo(v4.kl().n());
      assertThat(g.kl().mean()).isEqualTo(v4.kl().mean());
      Summary.Target t = g.target();
      assertThat(t.n()).isNull();
      assertThat(t.teacherPpl()).isNull();
      assertThat(t.lnPplRatio()).isNull();
      assertThat(t.deltaPRms()).isNull();
      assertThat(t.teacherTargetMissing()).isNull();
      assertThat(t.note()).contains("format < 4");
    }
    // a day in format 4 keeps the figures over all positions; those per group become unknown
    Files.write(state, day.bytes(4));
    try (DriftReport r = KlDrift.rollup(SPARK, root, first, first.plusDays(1), null)) {
      Summary s = r.summary();
      assertThat(s.global().target().n()).isEqualTo(v4.target().n());
      assertThat(s.global().target().lnPplRatio())
          .isCloseTo(v4.target().lnPplRatio(), org.assertj.core.api.Assertions.within(1e-12));
      assertThat(s.perSlice())
          .extracting(Summary.SliceSummary::target)
          .containsOnly(Summary.TargetGroup.UNKNOWN);
      assertThat(s.sequences().byPosition())
          .extracting(Summary.Bucket::target)
          .containsOnly(Summary.TargetGroup.UNKNOWN);
      assertThat(s.sequences().topTokens())
          .extracting(Summary.TokenShare::target)
          .containsOnly(Summary.TargetGroup.UNKNOWN);
      assertThat(s.sequences().targetNote()).contains("format < 5");
      assertThat(r.perToken().collectAsList())
          .allSatisfy(row -> assertThat(row.<Long>getAs("target_n")).isNull());
      // the worst sequences of the format 4 day (even keys) have no tokens at their first
      // divergence; those of the other day do, where they diverge
      List<Row> worst = r.worstExamples().collectAsList();
      assertThat(worst)
          .filteredOn(row -> row.<Long>getAs("sequence_id") % 2 == 0)
          .isNotEmpty()
          .allSatisfy(
              row -> assertThat(row.<Long>getAs("first_divergence_teacher_token")).isNull());
      assertThat(worst)
          .filteredOn(
              row ->
                  row.<Long>getAs("sequence_id") % 2 == 1 && row.getAs("first_divergence") != null)
          .isNotEmpty()
          .allSatisfy(
              row -> assertThat(row.<Long>getAs("first_divergence_teacher_token")).isNotNull());
    }
    Files.write(state, old);
    // read alone, and written again in the current format, the old day stays unknown
    DriftState again = DriftState.read(DriftState.read(old, "old").bytes(), "again");
    SequencePart p = again.parts(SequenceLayout.INSTANCE).toFinish(SequenceUpdater.TOPK_LENGTH);
    assertThat(p.target.known).isFalse();
    assertThat(p.target.teacherNll.n).isZero();
    assertThat(p.groupTargetsKnown).isFalse();
  }
}
