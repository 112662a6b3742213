package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static io.kldrift.sequence.SequenceFixtures.config;
import static io.kldrift.sequence.SequenceFixtures.generate;
import static io.kldrift.sequence.SequenceFixtures.spec;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sequence.SequenceFixtures.Expected;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequence part of the drift state merges: two days (the generated sequences split by key
 * parity), each analyzed and written, rolled up, give the report of one run over the union, and
 * both give the figures computed from the tables.
 */
class SequenceRollupTest {
  @TempDir Path tmp;

  @Test
  void aRollupOfTwoDaysEqualsTheRunOverTheirUnion() throws Exception {
    Path dir = generate(tmp.resolve("gen"), spec(Shape.ARRAYS, 0, 1));
    DriftConfig config = config(dir).build();
    Dataset<Row> teacher = SequenceFixtures.table(dir, "teacher");
    Dataset<Row> student = SequenceFixtures.table(dir, "student");
    String root = tmp.resolve("out").toString();
    LocalDate first = LocalDate.parse("2026-11-23");
    for (int d = 0; d < 2; d++) {
      LocalDate day = first.plusDays(d);
      int parity = d;
      try (DriftReport r =
          KlDrift.analyze(
              SPARK,
              teacher.where(col("sequence_id").mod(2).equalTo(parity)),
              student.where(col("sequence_id").mod(2).equalTo(parity)),
              config,
              day)) {
        assertThat(r.summary().global().kl().n()).isPositive();
        KlDrift.write(SPARK, r, root, day);
      }
    }
    Expected e =
        SequenceFixtures.expected(SequenceFixtures.counted(SequenceFixtures.readArrays(dir), true));
    try (DriftReport rollup = KlDrift.rollup(SPARK, root, first, first.plusDays(1), null);
        DriftReport union = SequenceFixtures.analyze(dir, config)) {
      Summary r = rollup.summary();
      Summary u = union.summary();
      assertThat(r.period().merged()).containsExactly("2026-11-23", "2026-11-24");
      assertThat(r.inputs()).usingRecursiveComparison().isEqualTo(u.inputs());
      assertThat(r.global().kl().n()).isEqualTo(u.global().kl().n()).isEqualTo(e.n());
      assertThat(r.global().kl().mean()).isCloseTo(u.global().kl().mean(), within(1e-12));
      assertThat(r.global().sequenceKl().n()).isEqualTo(u.global().sequenceKl().n());
      assertThat(r.global().sequenceKl().mean())
          .isCloseTo(u.global().sequenceKl().mean(), within(1e-12));
      for (int b = 0; b < u.sequences().byPosition().size(); b++) {
        assertThat(r.sequences().byPosition().get(b).positions())
            .isEqualTo(u.sequences().byPosition().get(b).positions())
            .isEqualTo(e.bucketN()[b]);
      }
      assertThat(r.sequences().mode()).isEqualTo(u.sequences().mode()).isEqualTo("tail_bucket");
      assertThat(r.global().bounds()).isEqualTo(u.global().bounds());
      assertThat(r.sequences().sequences()).isEqualTo(u.sequences().sequences());
      assertThat(r.sequences().countedPositions()).isEqualTo(u.sequences().countedPositions());
      assertThat(r.sequences().teacherK()).isEqualTo(8);
      // The target figures merge as the rest (their values against the exact distributions:
      // SequenceTargetPropertyTest).
      Summary.Target rt = r.global().target();
      Summary.Target ut = u.global().target();
      assertThat(rt.n()).isEqualTo(ut.n()).isEqualTo(e.n());
      assertThat(rt.teacherNllMean()).isCloseTo(ut.teacherNllMean(), within(1e-12));
      assertThat(rt.studentNllMean()).isCloseTo(ut.studentNllMean(), within(1e-12));
      assertThat(rt.lnPplRatio()).isCloseTo(ut.lnPplRatio(), within(1e-12));
      assertThat(rt.lnPplRatioCi95Low()).isCloseTo(ut.lnPplRatioCi95Low(), within(1e-12));
      assertThat(rt.deltaPMean()).isCloseTo(ut.deltaPMean(), within(1e-12));
      assertThat(rt.deltaPRms()).isCloseTo(ut.deltaPRms(), within(1e-12));
      assertThat(rt.teacherAccuracy()).isEqualTo(ut.teacherAccuracy());
      assertThat(rt.studentAccuracy()).isEqualTo(ut.studentAccuracy());
      assertThat(rt.teacherTargetMissing()).isEqualTo(ut.teacherTargetMissing());
      assertThat(rt.studentTargetMissing()).isEqualTo(ut.studentTargetMissing());
      assertThat(rt.deltaP().min()).isEqualTo(ut.deltaP().min());
      assertThat(rt.deltaP().max()).isEqualTo(ut.deltaP().max());
      // The target figures per slice value, bucket and token merge too.
      assertThat(r.perSlice()).hasSameSizeAs(u.perSlice());
      for (int i = 0; i < u.perSlice().size(); i++) {
        assertSameTarget(r.perSlice().get(i).target(), u.perSlice().get(i).target());
      }
      for (int b = 0; b < u.sequences().byPosition().size(); b++) {
        assertSameTarget(
            r.sequences().byPosition().get(b).target(), u.sequences().byPosition().get(b).target());
        assertSameTarget(
            r.sequences().byTeacherEntropy().get(b).target(),
            u.sequences().byTeacherEntropy().get(b).target());
      }
      assertThat(r.sequences().topTokens())
          .extracting(Summary.TokenShare::tokenId)
          .containsExactlyElementsOf(
              u.sequences().topTokens().stream().map(Summary.TokenShare::tokenId).toList());
      for (int i = 0; i < u.sequences().topTokens().size(); i++) {
        assertSameTarget(
            r.sequences().topTokens().get(i).target(), u.sequences().topTokens().get(i).target());
      }
      assertThat(r.sequences().targetNote()).isNull();
      java.util.Map<Long, Row> unionTokens = new java.util.HashMap<>();
      for (Row t : union.perToken().collectAsList()) {
        unionTokens.put(t.getAs("token_id"), t);
      }
      java.util.List<Row> rollupTokens = rollup.perToken().collectAsList();
      assertThat(rollupTokens).hasSize(unionTokens.size());
      for (Row t : rollupTokens) {
        Row w = unionTokens.get(t.<Long>getAs("token_id"));
        assertThat(t.<Long>getAs("target_n")).isEqualTo(w.<Long>getAs("target_n"));
        assertThat(t.<Double>getAs("ln_ppl_ratio"))
            .isCloseTo(w.<Double>getAs("ln_ppl_ratio"), within(1e-12));
        assertThat(t.<Double>getAs("delta_p_rms"))
            .isCloseTo(w.<Double>getAs("delta_p_rms"), within(1e-12));
      }
      // Everything else the report shows, against the tables, for the rollup and the union.
      SequenceFixtures.assertMatches(rollup, e, 1e-12);
      SequenceFixtures.assertMatches(union, e, 1e-12);

      KlDrift.writeRollup(SPARK, rollup, root);
      Path written = Path.of(root, "rollup=2026-11-23_2026-11-24", "summary.json");
      JsonNode json = SummaryJson.mapper().readTree(Files.readAllBytes(written));
      assertThat(json.at("/global/kl/n").asLong()).isEqualTo(e.n());
      assertThat(json.at("/sequences/mode").asText()).isEqualTo("tail_bucket");
      assertThat(json.at("/global/target/n").asLong()).isEqualTo(e.n());
    }
  }

  /** Two groups' target figures: counts equal, means to rounding. */
  private static void assertSameTarget(Summary.TargetGroup a, Summary.TargetGroup b) {
    assertThat(a.n()).isEqualTo(b.n());
    assertThat(a.teacherTargetMissing()).isEqualTo(b.teacherTargetMissing());
    assertThat(a.studentTargetMissing()).isEqualTo(b.studentTargetMissing());
    assertThat(a.teacherAccuracy()).isEqualTo(b.teacherAccuracy());
    assertThat(a.studentAccuracy()).isEqualTo(b.studentAccuracy());
    if (b.n() == 0) {
      assertThat(a.teacherNllMean()).isNull();
      return;
    }
    assertThat(a.teacherNllMean()).isCloseTo(b.teacherNllMean(), within(1e-12));
    assertThat(a.studentNllMean()).isCloseTo(b.studentNllMean(), within(1e-12));
    assertThat(a.lnPplRatio()).isCloseTo(b.lnPplRatio(), within(1e-12));
    assertThat(a.deltaPMean()).isCloseTo(b.deltaPMean(), within(1e-12));
    assertThat(a.deltaPRms()).isCloseTo(b.deltaPRms(), within(1e-12));
    if (b.n() > 1) {
      assertThat(a.lnPplRatioCi95Low()).isCloseTo(b.lnPplRatioCi95Low(), within(1e-12));
    }
  }
}
