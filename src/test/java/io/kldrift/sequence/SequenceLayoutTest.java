package io.kldrift.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftException;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The sequence layout on sequences whose full distributions are known (V = 3): every figure is
 * checked against KL computed from its definition here, in the three input shapes, with masks,
 * sentinels and the rules of the layout.
 */
class SequenceLayoutTest {
  private static final SparkSession SPARK = TestSpark.get();
  private static final LocalDate DAY = LocalDate.parse("2026-11-28");

  /** One position: teacher and student distributions over the vocabulary. */
  record Pos(double[] p, double[] q) {}

  /** One sequence: key, slice value, positions, mask (true = counted), token ids. */
  record Seq(long id, String segment, List<Pos> positions, boolean[] mask, int[] tokens) {}

  private static Pos pos(double p0, double p1, double p2, double q0, double q1, double q2) {
    return new Pos(new double[] {p0, p1, p2}, new double[] {q0, q1, q2});
  }

  /** Two sequences; the second's first position is masked out (and would dominate the KL). */
  static final List<Seq> DATA =
      List.of(
          new Seq(
              1,
              "a",
              List.of(
                  pos(0.5, 0.3, 0.2, 0.4, 0.4, 0.2),
                  pos(0.7, 0.2, 0.1, 0.7, 0.2, 0.1),
                  pos(0.1, 0.1, 0.8, 0.2, 0.1, 0.7)),
              new boolean[] {true, true, true},
              new int[] {0, 0, 2}),
          new Seq(
              2,
              "b",
              List.of(
                  pos(0.9, 0.05, 0.05, 0.1, 0.1, 0.8),
                  pos(0.6, 0.3, 0.1, 0.3, 0.6, 0.1),
                  pos(0.2, 0.5, 0.3, 0.25, 0.45, 0.3)),
              new boolean[] {false, true, true},
              new int[] {0, 0, 1}));

  /** KL(p||q) from its definition. */
  static double kl(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        s += p[i] * Math.log(p[i] / q[i]);
      }
    }
    return s;
  }

  /** Mean KL over the counted positions (token-weighted) and the mean of sequence means. */
  static double[] expected(List<Seq> data) {
    double sum = 0;
    int n = 0;
    double seqSum = 0;
    int seqs = 0;
    for (Seq s : data) {
      double ss = 0;
      int sn = 0;
      for (int j = 0; j < s.positions().size(); j++) {
        if (s.mask()[j]) {
          double k = kl(s.positions().get(j).p(), s.positions().get(j).q());
          ss += k;
          sn++;
        }
      }
      sum += ss;
      n += sn;
      seqSum += ss / sn;
      seqs++;
    }
    return new double[] {sum / n, seqSum / seqs};
  }

  // ---- the three shapes ----

  /** Ids of one distribution's top-k, most probable first (ties: smaller id). */
  static Integer[] topIds(double[] p, int k) {
    Integer[] ids = new Integer[p.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    Arrays.sort(ids, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
    return Arrays.copyOf(ids, k);
  }

  static List<Float> logs(double[] p, Integer[] ids, int pad) {
    List<Float> l = new ArrayList<>();
    for (int i : ids) {
      l.add((float) Math.log(p[i]));
    }
    for (int i = 0; i < pad; i++) {
      l.add(-9999f);
    }
    return l;
  }

  static List<Integer> idList(Integer[] ids, int pad) {
    List<Integer> l = new ArrayList<>(Arrays.asList(ids));
    for (int i = 0; i < pad; i++) {
      l.add(0);
    }
    return l;
  }

  static DataType nested(DataType t) {
    return DataTypes.createArrayType(DataTypes.createArrayType(t));
  }

  static final StructType TEACHER_ARRAYS =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("segment", DataTypes.StringType)
          .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("mask", DataTypes.createArrayType(DataTypes.BooleanType))
          .add("ids", nested(DataTypes.IntegerType))
          .add("lp", nested(DataTypes.FloatType));

  static final StructType STUDENT_ARRAYS =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("ids", nested(DataTypes.IntegerType))
          .add("lp", nested(DataTypes.FloatType))
          .add("at", nested(DataTypes.FloatType));

  /** The arrays shape with top-k lists of length k, padded with {@code pad} sentinels. */
  static Dataset<Row>[] arrays(List<Seq> data, int k, int pad) {
    List<Row> t = new ArrayList<>();
    List<Row> s = new ArrayList<>();
    for (Seq q : data) {
      List<List<Integer>> tIds = new ArrayList<>();
      List<List<Float>> tLp = new ArrayList<>();
      List<List<Integer>> sIds = new ArrayList<>();
      List<List<Float>> sLp = new ArrayList<>();
      List<List<Float>> at = new ArrayList<>();
      for (Pos p : q.positions()) {
        Integer[] ti = topIds(p.p(), k);
        Integer[] si = topIds(p.q(), k);
        tIds.add(idList(ti, pad));
        tLp.add(logs(p.p(), ti, pad));
        sIds.add(idList(si, pad));
        sLp.add(logs(p.q(), si, pad));
        at.add(logs(p.q(), ti, pad));
      }
      List<Boolean> mask = new ArrayList<>();
      for (boolean b : q.mask()) {
        mask.add(b);
      }
      List<Integer> tokens = Arrays.stream(q.tokens()).boxed().toList();
      t.add(RowFactory.create(q.id(), q.segment(), tokens, mask, tIds, tLp));
      s.add(RowFactory.create(q.id(), tokens, sIds, sLp, at));
    }
    @SuppressWarnings("unchecked")
    Dataset<Row>[] out =
        new Dataset[] {
          SPARK.createDataFrame(t, TEACHER_ARRAYS), SPARK.createDataFrame(s, STUDENT_ARRAYS)
        };
    return out;
  }

  static DriftConfig.Builder topKConfig() {
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
        .set("input.token_ids_column", "token_ids")
        .set("input.slice_columns", "segment");
  }

  static Summary run(Dataset<Row>[] tables, DriftConfig config) {
    try (DriftReport r = KlDrift.analyze(SPARK, tables[0], tables[1], config, DAY)) {
      return r.summary();
    }
  }

  @Test
  void fullListsGiveTheExactKlTokenAndSequenceWeighted() {
    double[] want = expected(DATA);
    // By hand: the counted KLs are 0.0252672, 0, 0.0375104 (sequence 1) and 0.2079442 =
    // 0.3 ln 2, 0.0080516 (sequence 2): token mean 0.0557547, sequence means 0.0209259 and
    // 0.1079979.
    assertThat(want[0]).isCloseTo(0.0557547, within(1e-6));
    assertThat(want[1]).isCloseTo((0.0209259 + 0.1079979) / 2, within(1e-6));
    Summary s = run(arrays(DATA, 3, 0), topKConfig().build());
    assertThat(s.global().kl().n()).isEqualTo(5);
    // Float log-probabilities: 1e-7 relative error per entry.
    assertThat(s.global().kl().mean()).isCloseTo(want[0], within(1e-6));
    assertThat(s.global().sequenceKl().mean()).isCloseTo(want[1], within(1e-6));
    assertThat(s.global().bounds().get("kl"))
        .startsWith("lower bound: KL over the teacher's top-3");
    Summary.Sequences q = s.sequences();
    assertThat(q.mode()).isEqualTo("tail_bucket");
    assertThat(q.sequences()).isEqualTo(2);
    assertThat(q.positions()).isEqualTo(6);
    assertThat(q.countedPositions()).isEqualTo(5);
    assertThat(q.maskedPositions()).isEqualTo(1);
    // Sequence 2 diverges at position 1 (teacher top-1 id 0, student id 1); sequence 1 never.
    assertThat(q.sequencesWithoutDivergence()).isEqualTo(1);
    assertThat(q.firstDivergence().mean()).isEqualTo(1.0);
    assertThat(s.global().agreement().mean()).isCloseTo(4.0 / 5, within(1e-12));
    assertThat(q.teacherTailMass().max()).isLessThan(1e-6);
    // Position buckets: position 0 holds one counted KL (sequence 1's first), 1-3 the other four.
    assertThat(q.byPosition().get(0).positions()).isEqualTo(1);
    assertThat(q.byPosition().get(1).positions()).isEqualTo(4);
    assertThat(q.byPosition().get(0).klMean())
        .isCloseTo(
            kl(DATA.get(0).positions().get(0).p(), DATA.get(0).positions().get(0).q()),
            within(1e-6));
    // Slices: segment a is sequence 1, b sequence 2.
    assertThat(s.perSlice()).hasSize(2);
    assertThat(s.perSlice().get(1).value()).isEqualTo("b");
    assertThat(s.perSlice().get(1).kl().mean())
        .isCloseTo((0.3 * Math.log(2) + 0.0080516) / 2, within(1e-6));
    assertThat(s.inputs().matched()).isEqualTo(2);
    // metrics.prom carries both means with the mode that says they are bounds.
    String prom = io.kldrift.report.Prometheus.render(s);
    assertThat(prom)
        .contains(
            "kldrift_sequence_kl_mean{dataset=\"\",teacher_model=\"\",student_model=\"\",mode=\"tail_bucket\"} 0.064461")
        .contains(
            "kldrift_counted_tokens{dataset=\"\",teacher_model=\"\",student_model=\"\",mode=\"tail_bucket\"} 5.0");
  }

  @Test
  void sharedTopKWithoutTheStudentAtTheTeachersIdsIsAlsoExactWhenKIsTheVocabulary() {
    Summary s =
        run(arrays(DATA, 3, 0), topKConfig().set("input.student.at_teacher_column", "").build());
    assertThat(s.sequences().mode()).isEqualTo("shared_top_k");
    assertThat(s.global().kl().mean()).isCloseTo(expected(DATA)[0], within(1e-6));
  }

  @Test
  void truncatedListsGiveLowerBoundsAndSentinelsAreNotReported() {
    double exact = expected(DATA)[0];
    Summary two = run(arrays(DATA, 2, 0), topKConfig().build());
    assertThat(two.global().kl().mean()).isPositive().isLessThanOrEqualTo(exact + 1e-9);
    assertThat(two.sequences().teacherTailMass().mean()).isGreaterThan(0.09);
    Summary padded = run(arrays(DATA, 2, 2), topKConfig().build());
    assertThat(padded.global().kl().mean()).isCloseTo(two.global().kl().mean(), within(1e-12));
    assertThat(padded.sequences().teacherK()).isEqualTo(4);
  }

  @Test
  void perSequenceTableComesFromTheSqlFunctionAndAgreesWithTheState() {
    DriftConfig config = topKConfig().set("report.per_sequence", "true").build();
    try (DriftReport r =
        KlDrift.analyze(SPARK, arrays(DATA, 3, 0)[0], arrays(DATA, 3, 0)[1], config, DAY)) {
      List<Row> rows = r.perSequence().orderBy("sequence_id").collectAsList();
      assertThat(rows).hasSize(2);
      double[] want = expected(DATA);
      Row two = rows.get(1);
      assertThat(two.<Integer>getAs("positions")).isEqualTo(2);
      assertThat(two.<Integer>getAs("first_divergence")).isEqualTo(1);
      assertThat(rows.get(0).<Object>getAs("first_divergence")).isNull();
      double sum = rows.get(0).<Double>getAs("kl_sum") + two.<Double>getAs("kl_sum");
      assertThat(sum / 5).isCloseTo(want[0], within(1e-6));
      assertThat(sum / 5).isCloseTo(r.summary().global().kl().mean(), within(1e-12));
      // worst_examples/ holds the same sequences, worst (highest mean) first: sequence 2.
      Row worst = r.worstExamples().collectAsList().get(0);
      assertThat(worst.<Long>getAs("sequence_id")).isEqualTo(2L);
      assertThat(worst.<Double>getAs("kl")).isCloseTo(two.<Double>getAs("kl_mean"), within(1e-12));
      assertThat(r.perExample()).isNull();
    }
  }

  @Test
  void sequenceTablesReadAsExamplesAreToldToUseTheSequenceLayoutBeforeAnyScan() {
    DriftConfig example =
        DriftConfig.builder()
            .set("input.key_columns", "sequence_id")
            .set("input.teacher.column", "lp")
            .set("input.student.column", "lp")
            .build();
    long jobs = SPARK.sparkContext().statusTracker().getJobIdsForGroup(null).length;
    assertThatThrownBy(() -> run(arrays(DATA, 3, 0), example))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("teacher table, column 'lp' has type array<array<float>>")
        .hasMessageContaining("set input.layout=sequence")
        .satisfies(
            e ->
                assertThat(((DriftException) e).kind())
                    .isEqualTo(DriftException.Kind.INVALID_CONFIG));
    // A slice column that is the key: refused before anything runs (it used to fail at write time
    // with COLUMN_ALREADY_EXISTS after the whole computation).
    assertThatThrownBy(
            () ->
                run(
                    arrays(DATA, 3, 0),
                    topKConfig().set("input.slice_columns", "segment,sequence_id").build()))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("slice column 'sequence_id' is also a key column")
        .hasMessageContaining("report.per_sequence=true");
    assertThat(SPARK.sparkContext().statusTracker().getJobIdsForGroup(null).length).isEqualTo(jobs);
  }
}
