package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static io.kldrift.sequence.SequenceFixtures.config;
import static io.kldrift.sequence.SequenceFixtures.generate;
import static io.kldrift.sequence.SequenceFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import io.kldrift.sequence.SequenceFixtures.Tables;
import io.kldrift.sequence.SequenceFixtures.Teacher;
import io.kldrift.summary.Summary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's top-k figures against the divergences of the full distributions behind the generated
 * logs: KL (tail bucket and shared top-k), reverse KL and the teacher's entropy are lower bounds,
 * token- and sequence-weighted and per slice; JS and total variation lie in their intervals; with k
 * = V (tables built here from the full distributions, since the generator caps k at V/2) the bounds
 * are the exact values.
 */
class SequenceBoundsTest {
  @TempDir static Path tmp;

  private static final double LN2 = Math.log(2);
  private static Spec spec;
  private static Path dir;
  private static Exact exact;

  /** Exact per-position divergences, summed over the counted positions. */
  static final class Exact {
    long n;
    double kl;
    double reverseKl;
    double js;
    double jsd03;
    double tv;
    double entropy;
    final Map<String, double[]> bySegment = new TreeMap<>();
    final Map<Long, Double> sequenceMean = new HashMap<>();

    double mean(double sum) {
      return sum / n;
    }

    double sequenceMeans() {
      return sequenceMean.values().stream()
          .mapToDouble(Double::doubleValue)
          .average()
          .orElseThrow();
    }
  }

  static double kl(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        s += p[i] * Math.log(p[i] / q[i]);
      }
    }
    return s;
  }

  static double js(double[] p, double[] q) {
    double[] m = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      m[i] = 0.5 * (p[i] + q[i]);
    }
    return 0.5 * kl(p, m) + 0.5 * kl(q, m);
  }

  /** The generalized JSD(β) = β KL(p‖m) + (1−β) KL(q‖m), m = βp + (1−β)q. */
  static double jsd(double[] p, double[] q, double beta) {
    double[] m = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      m[i] = beta * p[i] + (1 - beta) * q[i];
    }
    return beta * kl(p, m) + (1 - beta) * kl(q, m);
  }

  static double tv(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += Math.abs(p[i] - q[i]);
    }
    return 0.5 * s;
  }

  static double entropy(double[] p) {
    double s = 0;
    for (double x : p) {
      if (x > 0) {
        s -= x * Math.log(x);
      }
    }
    return s;
  }

  @BeforeAll
  static void generateAndComputeTheExactValues() throws Exception {
    spec = spec(Shape.ARRAYS, 0, 1);
    dir = generate(tmp.resolve("gen"), spec);
    Tables tables = SequenceFixtures.readArrays(dir);
    exact = new Exact();
    for (long id : tables.matched()) {
      Teacher t = tables.teacher().get(id);
      double sum = 0;
      int counted = 0;
      for (int j = 0; j < t.mask().length; j++) {
        if (!t.mask()[j]) {
          continue;
        }
        double[] p = SequenceSampleGenerator.teacherDistribution(spec, id, j);
        double[] q = SequenceSampleGenerator.studentDistribution(spec, id, j);
        double k = SequenceSampleGenerator.exactKl(spec, id, j);
        // The generator's shortcut over its candidates against the sum over the vocabulary.
        assertThat(k).isCloseTo(kl(p, q), within(1e-12 + 1e-9 * k));
        exact.n++;
        exact.kl += k;
        exact.reverseKl += kl(q, p);
        exact.js += js(p, q);
        exact.jsd03 += jsd(p, q, 0.3);
        exact.tv += tv(p, q);
        exact.entropy += entropy(p);
        double[] seg = exact.bySegment.computeIfAbsent(t.segment(), x -> new double[2]);
        seg[0] += k;
        seg[1]++;
        sum += k;
        counted++;
      }
      exact.sequenceMean.put(id, sum / counted);
    }
  }

  private static Summary run(DriftConfig config, List<Row> worst) {
    try (DriftReport r = SequenceFixtures.analyze(dir, config)) {
      worst.addAll(r.worstExamples().collectAsList());
      return r.summary();
    }
  }

  @Test
  void tailBucketAndSharedTopKAreLowerBoundsTokenAndSequenceWeightedAndPerSlice() {
    List<Row> tailWorst = new ArrayList<>();
    List<Row> sharedWorst = new ArrayList<>();
    Summary tail = run(config(dir).build(), tailWorst);
    // β only changes sequences.jsd: the shared run checks a β other than JS's.
    Summary shared =
        run(
            config(dir)
                .set(DriftConfig.AT_TEACHER_COLUMN, "")
                .set(DriftConfig.JSD_BETA, "0.3")
                .build(),
            sharedWorst);
    assertThat(tail.sequences().mode()).isEqualTo("tail_bucket");
    assertThat(shared.sequences().mode()).isEqualTo("shared_top_k");
    double exactMean = exact.mean(exact.kl);
    assertThat(exactMean).isPositive();
    for (Summary s : List.of(tail, shared)) {
      String mode = s.sequences().mode();
      assertThat(s.global().kl().n()).as(mode).isEqualTo(exact.n);
      assertThat(s.global().kl().mean())
          .as(mode)
          .isPositive()
          .isLessThanOrEqualTo(exactMean + 1e-9);
      assertThat(s.global().kl().min()).as(mode).isGreaterThanOrEqualTo(-1e-12);
      assertThat(s.global().reverseKl().mean())
          .as(mode)
          .isLessThanOrEqualTo(exact.mean(exact.reverseKl) + 1e-9);
      assertThat(s.global().teacherEntropy().mean())
          .as(mode)
          .isLessThanOrEqualTo(exact.mean(exact.entropy) + 1e-9);
      // Sequence-weighted: every sequence's mean bound is at most its exact mean.
      assertThat(s.global().sequenceKl().n()).isEqualTo(exact.sequenceMean.size());
      assertThat(s.global().sequenceKl().min()).as(mode).isGreaterThanOrEqualTo(0.0);
      assertThat(s.global().sequenceKl().mean())
          .as(mode)
          .isLessThanOrEqualTo(exact.sequenceMeans() + 1e-9);
      assertThat(s.perSlice()).hasSize(exact.bySegment.size());
      for (Summary.SliceSummary sl : s.perSlice()) {
        double[] e = exact.bySegment.get(sl.value());
        assertThat(sl.kl().n()).isEqualTo((long) e[1]);
        assertThat(sl.kl().mean())
            .as("%s, slice %s", mode, sl.value())
            .isLessThanOrEqualTo(e[0] / e[1] + 1e-9);
        assertThat(sl.sequenceKl().min()).isGreaterThanOrEqualTo(0.0);
      }
      assertIntervals(s);
    }
    assertThat(tail.sequences().jsdBeta()).isEqualTo(0.5);
    assertThat(tail.sequences().jsd().mean())
        .isCloseTo(tail.sequences().js().lower().mean(), within(1e-12));
    assertThat(shared.sequences().jsdBeta()).isEqualTo(0.3);
    assertThat(shared.sequences().jsd().min()).isGreaterThanOrEqualTo(0.0);
    assertThat(shared.sequences().jsd().mean())
        .isPositive()
        .isLessThanOrEqualTo(exact.mean(exact.jsd03) + 1e-9);
    for (List<Row> worst : List.of(tailWorst, sharedWorst)) {
      assertThat(worst).hasSize(exact.sequenceMean.size());
      for (Row r : worst) {
        long id = r.getAs("sequence_id");
        assertThat(r.<Double>getAs("kl"))
            .as("sequence %s", id)
            .isGreaterThanOrEqualTo(0.0)
            .isLessThanOrEqualTo(exact.sequenceMean.get(id) + 1e-9);
      }
    }
    // The shared ids are a subset of the teacher's, so the tail bucket's partition refines the
    // shared one: its bound is the larger (the student's values are the same floats).
    assertThat(shared.global().kl().mean()).isLessThanOrEqualTo(tail.global().kl().mean() + 1e-12);
    assertThat(tail.global().kl().mean()).isGreaterThan(shared.global().kl().mean());
  }

  /** JS and TV: lower ≤ exact ≤ upper (in the mean), lower ≥ 0 and upper within the range. */
  private static void assertIntervals(Summary s) {
    String mode = s.sequences().mode();
    Summary.Interval js = s.sequences().js();
    Summary.Interval tv = s.sequences().totalVariation();
    for (Summary.Interval i : List.of(js, tv)) {
      double top = i == js ? LN2 : 1.0;
      double want = exact.mean(i == js ? exact.js : exact.tv);
      assertThat(i.lower().n()).isEqualTo(exact.n);
      assertThat(i.upper().n()).isEqualTo(exact.n);
      assertThat(i.lower().min()).as(mode).isGreaterThanOrEqualTo(0.0);
      assertThat(i.upper().max()).as(mode).isLessThanOrEqualTo(top + 1e-12);
      assertThat(i.lower().mean()).as(mode).isLessThanOrEqualTo(want + 1e-9);
      assertThat(i.upper().mean()).as(mode).isGreaterThanOrEqualTo(want - 1e-9);
      assertThat(i.lower().min()).isLessThanOrEqualTo(i.upper().min());
      assertThat(i.lower().max()).isLessThanOrEqualTo(i.upper().max());
    }
    assertThat(s.global().js().mean()).isEqualTo(js.lower().mean());
    assertThat(s.global().totalVariation().mean()).isEqualTo(tv.lower().mean());
  }

  // ---- k = V ----

  /** V = 64 (the generator's smallest), six sequences of 5–10 positions, first position masked. */
  private static final Spec SMALL =
      new Spec(6, 5, 64, 8, 16, 16, 0, 0, List.of(3, 5, 11), 1.5, Shape.ARRAYS, 1, false);

  private static final int[] LENGTHS = {5, 7, 10, 6, 8, 9};

  static Integer[] byDescending(double[] p) {
    Integer[] ids = new Integer[p.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    Arrays.sort(ids, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
    return ids;
  }

  static List<Float> logs(double[] p, Integer[] ids) {
    List<Float> l = new ArrayList<>();
    for (int i : ids) {
      l.add((float) Math.log(p[i]));
    }
    return l;
  }

  static final StructType TEACHER =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("segment", DataTypes.StringType)
          .add("mask", DataTypes.createArrayType(DataTypes.BooleanType))
          .add("ids", nested(DataTypes.IntegerType))
          .add("lp", nested(DataTypes.FloatType));

  static final StructType STUDENT =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("ids", nested(DataTypes.IntegerType))
          .add("lp", nested(DataTypes.FloatType))
          .add("at", nested(DataTypes.FloatType));

  static org.apache.spark.sql.types.DataType nested(org.apache.spark.sql.types.DataType t) {
    return DataTypes.createArrayType(DataTypes.createArrayType(t));
  }

  static DriftConfig.Builder handConfig() {
    return DriftConfig.builder()
        .set("input.layout", "sequence")
        .set("input.key_columns", "sequence_id")
        .set("input.teacher.column", "lp")
        .set("input.teacher.ids_column", "ids")
        .set("input.teacher.kind", "topk_log_probs")
        .set("input.student.column", "lp")
        .set("input.student.ids_column", "ids")
        .set("input.student.kind", "topk_log_probs")
        .set("input.student.at_teacher_column", "at")
        .set("input.mask_column", "mask")
        .set("input.slice_columns", "segment");
  }

  @Test
  void withTheWholeVocabularyListedTheBoundsAreTheExactValues() {
    List<Row> t = new ArrayList<>();
    List<Row> s = new ArrayList<>();
    double klSum = 0;
    double jsSum = 0;
    double jsd03Sum = 0;
    double tvSum = 0;
    double seqSum = 0;
    long n = 0;
    Map<String, double[]> bySegment = new TreeMap<>();
    for (int id = 0; id < LENGTHS.length; id++) {
      String segment = id % 2 == 0 ? "a" : "b";
      List<List<Integer>> tIds = new ArrayList<>();
      List<List<Float>> tLp = new ArrayList<>();
      List<List<Integer>> sIds = new ArrayList<>();
      List<List<Float>> sLp = new ArrayList<>();
      List<List<Float>> at = new ArrayList<>();
      List<Boolean> mask = new ArrayList<>();
      double sum = 0;
      for (int j = 0; j < LENGTHS[id]; j++) {
        double[] p = SequenceSampleGenerator.teacherDistribution(SMALL, id, j);
        double[] q = SequenceSampleGenerator.studentDistribution(SMALL, id, j);
        Integer[] ti = byDescending(p);
        Integer[] si = byDescending(q);
        tIds.add(List.of(ti));
        tLp.add(logs(p, ti));
        sIds.add(List.of(si));
        sLp.add(logs(q, si));
        at.add(logs(q, ti));
        mask.add(j > 0);
        if (j > 0) {
          double k = kl(p, q);
          sum += k;
          klSum += k;
          jsSum += js(p, q);
          jsd03Sum += jsd(p, q, 0.3);
          tvSum += tv(p, q);
          n++;
          double[] seg = bySegment.computeIfAbsent(segment, x -> new double[2]);
          seg[0] += k;
          seg[1]++;
        }
      }
      seqSum += sum / (LENGTHS[id] - 1);
      t.add(RowFactory.create((long) id, segment, mask, tIds, tLp));
      s.add(RowFactory.create((long) id, sIds, sLp, at));
    }
    Dataset<Row> teacher = SPARK.createDataFrame(t, TEACHER);
    Dataset<Row> student = SPARK.createDataFrame(s, STUDENT);
    double klMean = klSum / n;
    assertThat(klMean).isGreaterThan(0.01);
    for (DriftConfig config :
        List.of(
            handConfig().build(),
            handConfig()
                .set(DriftConfig.AT_TEACHER_COLUMN, "")
                .set(DriftConfig.JSD_BETA, "0.3")
                .build())) {
      Summary r;
      try (DriftReport report =
          KlDrift.analyze(SPARK, teacher, student, config, SequenceFixtures.DAY)) {
        r = report.summary();
      }
      String mode = r.sequences().mode();
      assertThat(r.sequences().teacherK()).isEqualTo(64);
      assertThat(r.global().kl().n()).isEqualTo(n);
      // Float log-probabilities: about 1e-7 relative error per entry.
      assertThat(r.global().kl().mean()).as(mode).isCloseTo(klMean, within(1e-6));
      assertThat(r.global().sequenceKl().mean())
          .as(mode)
          .isCloseTo(seqSum / LENGTHS.length, within(1e-6));
      for (Summary.SliceSummary sl : r.perSlice()) {
        double[] e = bySegment.get(sl.value());
        assertThat(sl.kl().mean()).as(mode).isCloseTo(e[0] / e[1], within(1e-6));
      }
      Summary.Interval js = r.sequences().js();
      Summary.Interval tv = r.sequences().totalVariation();
      assertThat(js.lower().mean()).as(mode).isCloseTo(jsSum / n, within(1e-6));
      assertThat(js.upper().mean()).as(mode).isCloseTo(jsSum / n, within(1e-6));
      assertThat(tv.lower().mean()).as(mode).isCloseTo(tvSum / n, within(1e-6));
      assertThat(tv.upper().mean()).as(mode).isCloseTo(tvSum / n, within(1e-6));
      double wantJsd = r.sequences().jsdBeta() == 0.3 ? jsd03Sum / n : jsSum / n;
      assertThat(r.sequences().jsd().mean()).as(mode).isCloseTo(wantJsd, within(1e-6));
      assertThat(r.sequences().teacherTailMass().max()).isLessThan(1e-5);
    }
  }
}
