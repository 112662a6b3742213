package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static io.kldrift.sequence.SequenceFixtures.config;
import static io.kldrift.sequence.SequenceFixtures.generate;
import static io.kldrift.sequence.SequenceFixtures.spec;
import static org.apache.spark.sql.functions.expr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sequence.SequenceFixtures.Expected;
import io.kldrift.sequence.SequenceFixtures.Student;
import io.kldrift.sequence.SequenceFixtures.Tables;
import io.kldrift.sequence.SequenceFixtures.Teacher;
import io.kldrift.summary.Summary;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entries at or below −9999 (sentinels, −Infinity) are not reported. Padding appended to clean
 * lists changes nothing but the list lengths; the generator's sentinels replace the lowest-ranked
 * real entries, so that report is compared with the clean data truncated by hand: those entries
 * join the tail cell, and the bound can only fall.
 */
class SequenceSentinelsTest {
  @TempDir static Path tmp;

  private static Path clean;
  private static Path sentinels;
  private static Tables cleanTables;

  @BeforeAll
  static void generateWithAndWithoutSentinels() throws Exception {
    clean = generate(tmp.resolve("clean"), spec(Shape.ARRAYS, 0, 1));
    sentinels = generate(tmp.resolve("sentinels"), spec(Shape.ARRAYS, 0.25, 1));
    cleanTables = SequenceFixtures.readArrays(clean);
  }

  /** Three not-reported entries before the teacher's list, two after the student's. */
  private static Dataset<Row>[] padded(Path dir) {
    String teacherLp =
        "array(cast(-9999 as float), cast(-100000 as float), cast('-Infinity' as float))";
    Dataset<Row> t =
        SequenceFixtures.table(dir, "teacher")
            .withColumn("topk_ids", expr("transform(topk_ids, x -> concat(array(0, 7, 0), x))"))
            .withColumn(
                "topk_logprobs",
                expr("transform(topk_logprobs, x -> concat(" + teacherLp + ", x))"));
    Dataset<Row> s =
        SequenceFixtures.table(dir, "student")
            .withColumn("topk_ids", expr("transform(topk_ids, x -> concat(x, array(0, 0)))"))
            .withColumn(
                "topk_logprobs",
                expr(
                    "transform(topk_logprobs, x -> concat(x,"
                        + " array(cast(-99999 as float), cast('-Infinity' as float))))"))
            .withColumn(
                "logprobs_at_teacher",
                expr(
                    "transform(logprobs_at_teacher, x -> concat(array(cast(-1.5 as float),"
                        + " cast(-9999 as float), cast(-2 as float)), x))"));
    @SuppressWarnings("unchecked")
    Dataset<Row>[] out = new Dataset[] {t, s};
    return out;
  }

  @Test
  void paddingWithNotReportedEntriesChangesNothingButTheListLengths() {
    for (boolean tailBucket : List.of(true, false)) {
      DriftConfig.Builder b = config(clean);
      if (!tailBucket) {
        b.set(DriftConfig.AT_TEACHER_COLUMN, "");
      }
      DriftConfig config = b.build();
      Expected e = SequenceFixtures.expected(SequenceFixtures.counted(cleanTables, tailBucket));
      Dataset<Row>[] p = padded(clean);
      try (DriftReport plain = SequenceFixtures.analyze(clean, config);
          DriftReport pad = KlDrift.analyze(SPARK, p[0], p[1], config, SequenceFixtures.DAY)) {
        SequenceFixtures.assertMatches(plain, e, 1e-12);
        SequenceFixtures.assertMatches(pad, e, 1e-12);
        Summary.Sequences x = plain.summary().sequences();
        Summary.Sequences y = pad.summary().sequences();
        assertThat(y.mode()).isEqualTo(tailBucket ? "tail_bucket" : "shared_top_k");
        assertThat(x.teacherK()).isEqualTo(8);
        assertThat(y.teacherK()).isEqualTo(11);
        assertThat(y.studentK()).isEqualTo(10);
        for (Summary.Interval[] i :
            List.of(
                new Summary.Interval[] {x.js(), y.js()},
                new Summary.Interval[] {x.totalVariation(), y.totalVariation()})) {
          assertThat(i[1].lower().mean()).isCloseTo(i[0].lower().mean(), within(1e-12));
          assertThat(i[1].upper().mean()).isCloseTo(i[0].upper().mean(), within(1e-12));
        }
        assertThat(y.teacherTailMass().mean()).isCloseTo(x.teacherTailMass().mean(), within(1e-12));
        assertThat(y.studentTailMass().mean()).isCloseTo(x.studentTailMass().mean(), within(1e-12));
        assertThat(y.overlap().mean()).isCloseTo(x.overlap().mean(), within(1e-12));
        assertThat(y.top1Rank().mean()).isEqualTo(x.top1Rank().mean());
        assertThat(y.top1OutsideStudentList()).isEqualTo(x.top1OutsideStudentList());
        assertThat(y.firstDivergence().mean()).isEqualTo(x.firstDivergence().mean());
        assertThat(pad.summary().global().teacherEntropy().mean())
            .isCloseTo(plain.summary().global().teacherEntropy().mean(), within(1e-12));
      }
    }
  }

  /** The clean tables with each list cut where the sentinel tables' sentinels begin. */
  private static Tables truncated(Tables withSentinels) {
    Map<Long, Teacher> t = new TreeMap<>();
    Map<Long, Student> s = new TreeMap<>();
    long cut = 0;
    for (Teacher c : cleanTables.teacher().values()) {
      Teacher w = withSentinels.teacher().get(c.id());
      long[][] ids = new long[c.ids().length][];
      double[][] lp = new double[c.ids().length][];
      Student cs = cleanTables.student().get(c.id());
      double[][] at = cs == null ? null : new double[c.ids().length][];
      for (int j = 0; j < ids.length; j++) {
        int keep = reportedPrefix(w.lp()[j]);
        cut += c.ids()[j].length - keep;
        ids[j] = Arrays.copyOf(c.ids()[j], keep);
        lp[j] = Arrays.copyOf(c.lp()[j], keep);
        if (at != null) {
          at[j] = Arrays.copyOf(cs.at()[j], keep);
        }
      }
      t.put(c.id(), new Teacher(c.id(), c.segment(), c.tokens(), c.mask(), ids, lp));
      if (cs != null) {
        s.put(c.id(), new Student(c.id(), cs.tokens(), cs.ids(), cs.lp(), at));
      }
    }
    assertThat(cut).as("teacher entries replaced by sentinels").isPositive();
    for (Student c : cleanTables.student().values()) {
      Student w = withSentinels.student().get(c.id());
      Student base = s.getOrDefault(c.id(), c);
      long[][] ids = new long[c.ids().length][];
      double[][] lp = new double[c.ids().length][];
      for (int j = 0; j < ids.length; j++) {
        int keep = reportedPrefix(w.lp()[j]);
        ids[j] = Arrays.copyOf(c.ids()[j], keep);
        lp[j] = Arrays.copyOf(c.lp()[j], keep);
      }
      s.put(c.id(), new Student(c.id(), c.tokens(), ids, lp, base.at()));
    }
    return new Tables(t, s);
  }

  private static int reportedPrefix(double[] lp) {
    int n = 0;
    while (n < lp.length && lp[n] > SequenceFixtures.NOT_REPORTED) {
      n++;
    }
    return n;
  }

  @Test
  void theGeneratorsSentinelsAreTheCleanListsCutShortAndTheBoundFalls() {
    Tables cut = truncated(SequenceFixtures.readArrays(sentinels));
    Expected e = SequenceFixtures.expected(SequenceFixtures.counted(cut, true));
    Expected full = SequenceFixtures.expected(SequenceFixtures.counted(cleanTables, true));
    try (DriftReport r = SequenceFixtures.analyze(sentinels, config(sentinels).build())) {
      SequenceFixtures.assertMatches(r, e, 1e-12);
      Summary s = r.summary();
      assertThat(s.sequences().teacherK()).isEqualTo(8);
      // Fewer cells: every position's bound is at most the clean one, and the mean is below it.
      assertThat(s.global().kl().mean()).isLessThan(full.mean());
      assertThat(s.global().kl().max()).isLessThanOrEqualTo(full.max() + 1e-12);
      assertThat(s.sequences().teacherTailMass().mean()).isGreaterThan(0.01);
    }
  }
}
