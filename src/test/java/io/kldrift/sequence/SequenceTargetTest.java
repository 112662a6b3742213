package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static java.lang.Math.log;
import static java.lang.Math.sqrt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.DriftException;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.monitor.MetricRow;
import io.kldrift.report.Prometheus;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The target figures (input.target_ids_column) on two hand-written top-k sequences and one dense
 * one, every expected value worked out by hand from the probabilities below: a target inside and
 * outside each side's list, inside only the teacher's list (found through the student's
 * log-probabilities at the teacher's ids), a masked position, an ignored label (−100), and the
 * target log-probability columns taking precedence over the lists.
 */
class SequenceTargetTest {
  private static final DataType IDS = nested(DataTypes.IntegerType);
  private static final DataType LPS = nested(DataTypes.DoubleType);

  private static DataType nested(DataType t) {
    return DataTypes.createArrayType(DataTypes.createArrayType(t));
  }

  private static final StructType TEACHER =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("mask", DataTypes.createArrayType(DataTypes.BooleanType))
          .add("ids", IDS)
          .add("lp", LPS)
          .add("target", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("t_target_lp", DataTypes.createArrayType(DataTypes.DoubleType));

  private static final StructType STUDENT =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("ids", IDS)
          .add("lp", LPS)
          .add("at", LPS)
          .add("s_target_lp", DataTypes.createArrayType(DataTypes.DoubleType));

  private static List<Double> logs(double... p) {
    return Arrays.stream(p).map(Math::log).boxed().toList();
  }

  private static List<Integer> ids(int... i) {
    return Arrays.stream(i).boxed().toList();
  }

  /**
   * Sequence 1: position 0 target 7 (teacher lists it at 0.3; the student lists 5 and 9, its
   * log-prob at the teacher's 7 is ln 0.25); position 1 target 3 (teacher 0.7, top-1; student 0.35,
   * not top-1); position 2 masked. Sequence 2: position 0 target 9, in neither list; position 1
   * target 6 (teacher 0.9, student 0.8, both top-1).
   */
  private static Dataset<Row>[] tables() {
    List<Row> t =
        List.of(
            RowFactory.create(
                1L,
                List.of(true, true, false),
                List.of(ids(5, 7), ids(3, 4), ids(8, 1)),
                List.of(logs(0.6, 0.3), logs(0.7, 0.2), logs(0.5, 0.5)),
                ids(7, 3, 8),
                logs(0.3, 0.7, 0.5)),
            RowFactory.create(
                2L,
                List.of(true, true),
                List.of(ids(1, 2), ids(6, 1)),
                List.of(logs(0.5, 0.4), logs(0.9, 0.05)),
                ids(9, 6),
                logs(0.02, 0.9)));
    List<Row> s =
        List.of(
            RowFactory.create(
                1L,
                List.of(ids(5, 9), ids(4, 3), ids(8, 1)),
                List.of(logs(0.5, 0.2), logs(0.4, 0.35), logs(0.5, 0.5)),
                List.of(logs(0.5, 0.25), logs(0.35, 0.4), logs(0.5, 0.5)),
                logs(0.25, 0.35, 0.5)),
            RowFactory.create(
                2L,
                List.of(ids(1, 2), ids(6, 1)),
                List.of(logs(0.6, 0.3), logs(0.8, 0.1)),
                List.of(logs(0.6, 0.3), logs(0.8, 0.1)),
                logs(0.01, 0.8)));
    @SuppressWarnings("unchecked")
    Dataset<Row>[] out =
        new Dataset[] {SPARK.createDataFrame(t, TEACHER), SPARK.createDataFrame(s, STUDENT)};
    return out;
  }

  private static DriftConfig.Builder config() {
    return DriftConfig.builder()
        .set("input.layout", "sequence")
        .set("input.key_columns", "sequence_id")
        .set("input.teacher.column", "lp")
        .set("input.teacher.ids_column", "ids")
        .set("input.teacher.kind", "topk_log_probs")
        .set("input.student.column", "lp")
        .set("input.student.ids_column", "ids")
        .set("input.student.kind", "topk_log_probs")
        .set("input.mask_column", "mask")
        .set("input.target_ids_column", "target");
  }

  private static Summary.Target target(Dataset<Row>[] d, DriftConfig config) {
    try (DriftReport r = KlDrift.analyze(SPARK, d[0], d[1], config, SequenceFixtures.DAY)) {
      return r.summary().global().target();
    }
  }

  /** Asserts every figure of {@code x} against the per-position probabilities given. */
  private static void assertFigures(
      Summary.Target x, double[] p, double[] q, long tHits, long sHits, long tMiss, long sMiss) {
    int n = p.length;
    double tNll = 0;
    double sNll = 0;
    double dp = 0;
    double dp2 = 0;
    double[] diff = new double[n];
    for (int i = 0; i < n; i++) {
      tNll -= log(p[i]) / n;
      sNll -= log(q[i]) / n;
      dp += (q[i] - p[i]) / n;
      dp2 += (q[i] - p[i]) * (q[i] - p[i]) / n;
      diff[i] = log(p[i]) - log(q[i]);
    }
    double dMean = Arrays.stream(diff).sum() / n;
    double dVar = 0;
    for (double d : diff) {
      dVar += (d - dMean) * (d - dMean) / (n - 1);
    }
    double half = 1.959963984540054 * sqrt(dVar / n);
    assertThat(x.n()).isEqualTo(n);
    assertThat(x.teacherNllMean()).isCloseTo(tNll, within(1e-12));
    assertThat(x.studentNllMean()).isCloseTo(sNll, within(1e-12));
    assertThat(x.teacherPpl()).isCloseTo(Math.exp(tNll), within(1e-12));
    assertThat(x.studentPpl()).isCloseTo(Math.exp(sNll), within(1e-12));
    assertThat(x.lnPplRatio()).isCloseTo(sNll - tNll, within(1e-12));
    assertThat(x.lnPplRatioCi95Low()).isCloseTo(dMean - half, within(1e-9));
    assertThat(x.lnPplRatioCi95High()).isCloseTo(dMean + half, within(1e-9));
    assertThat(x.deltaPMean()).isCloseTo(dp, within(1e-12));
    assertThat(x.deltaPRms()).isCloseTo(sqrt(dp2), within(1e-12));
    assertThat(x.teacherAccuracy()).isCloseTo((double) tHits / n, within(1e-15));
    assertThat(x.studentAccuracy()).isCloseTo((double) sHits / n, within(1e-15));
    assertThat(x.teacherTargetMissing()).isEqualTo(tMiss);
    assertThat(x.studentTargetMissing()).isEqualTo(sMiss);
    double[] sorted = new double[n];
    for (int i = 0; i < n; i++) {
      sorted[i] = q[i] - p[i];
    }
    Arrays.sort(sorted);
    assertThat(x.deltaP().min()).isCloseTo(sorted[0], within(1e-12));
    assertThat(x.deltaP().max()).isCloseTo(sorted[n - 1], within(1e-12));
    assertThat(x.note()).isNull();
  }

  @Test
  void theTargetComesFromTheListsAndTheStudentsLogProbsAtTheTeachersIds() {
    // Counted: (0.3, 0.25), (0.7, 0.35), (0.9, 0.8); 9 in neither list: missing on both sides.
    Summary.Target x =
        target(tables(), config().set("input.student.at_teacher_column", "at").build());
    assertFigures(x, new double[] {0.3, 0.7, 0.9}, new double[] {0.25, 0.35, 0.8}, 2, 1, 1, 1);
  }

  @Test
  void theTargetFiguresAreMetricsOfChecksTheHistoryAndMetricsProm() {
    DriftConfig c =
        config()
            .set("input.student.at_teacher_column", "at")
            .set("check.ppl.metric", "target.ln_ppl_ratio")
            .set("check.ppl.warn", "0.3")
            .set("check.ppl.alert", "0.4")
            .set("check.ppl.min_n", "3")
            .build();
    // ln(0.3/0.25), ln(0.7/0.35), ln(0.9/0.8): mean 0.331..., between the warn and alert levels.
    double ratio = (log(1.2) + log(2) + log(1.125)) / 3;
    double rms = sqrt((0.05 * 0.05 + 0.35 * 0.35 + 0.1 * 0.1) / 3);
    Dataset<Row>[] d = tables();
    try (DriftReport r = KlDrift.analyze(SPARK, d[0], d[1], c, SequenceFixtures.DAY)) {
      Summary summary = r.summary();
      Summary.CheckResult check =
          summary.checks().stream().filter(x -> x.name().equals("ppl")).findFirst().orElseThrow();
      assertThat(check.value()).isCloseTo(ratio, within(1e-12));
      assertThat(check.outcome()).isEqualTo("WARN");
      // its sample is the positions with a known target on both sides, not the 4 counted ones
      assertThat(check.n()).isEqualTo(3);
      List<MetricRow> rows = MetricRow.of(summary, List.of());
      assertThat(value(rows, "target.ln_ppl_ratio")).isCloseTo(ratio, within(1e-12));
      assertThat(value(rows, "target.delta_p_rms")).isCloseTo(rms, within(1e-12));
      assertThat(value(rows, "target.student_target_missing")).isEqualTo(1.0);
      String prom = Prometheus.render(summary);
      assertThat(prom).contains("# TYPE kldrift_ln_ppl_ratio gauge");
      String line =
          prom.lines().filter(l -> l.startsWith("kldrift_delta_p_rms{")).findFirst().orElseThrow();
      // metrics.prom writes ten significant digits
      assertThat(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
          .isCloseTo(rms, within(1e-10));
    }
  }

  @Test
  void summaryJsonNamesTheFiguresAsTheContractSaysAndReadsThemBack() throws Exception {
    DriftConfig c = config().set("input.student.at_teacher_column", "at").build();
    Dataset<Row>[] d = tables();
    try (DriftReport r = KlDrift.analyze(SPARK, d[0], d[1], c, SequenceFixtures.DAY)) {
      byte[] json = SummaryJson.bytes(r.summary());
      JsonNode global = SummaryJson.mapper().readTree(json).get("global");
      assertThat(global.get("target").fieldNames())
          .toIterable()
          .contains(
              "n",
              "teacher_nll_mean",
              "student_nll_mean",
              "teacher_ppl",
              "student_ppl",
              "ln_ppl_ratio",
              "ln_ppl_ratio_ci95_low",
              "ln_ppl_ratio_ci95_high",
              "delta_p_mean",
              "delta_p_ci95_low",
              "delta_p_ci95_high",
              "delta_p_rms",
              "delta_p",
              "teacher_accuracy",
              "student_accuracy",
              "teacher_target_missing",
              "student_target_missing");
      assertThat(global.get("target").get("delta_p").fieldNames())
          .toIterable()
          .contains("p001", "p01", "p05", "p10", "p50", "p99", "p999", "min", "max");
      assertThat(global.get("kl").fieldNames())
          .toIterable()
          .contains("p001", "p01", "p05", "p10", "p999", "min");
      // the file carries the exact minimum the summary holds
      assertThat(global.get("kl").get("min").asDouble()).isEqualTo(r.summary().global().kl().min());
      assertThat(SummaryJson.read(json).global().target()).isEqualTo(r.summary().global().target());
    }
  }

  private static Double value(List<MetricRow> rows, String metric) {
    return rows.stream()
        .filter(x -> x.scope().equals("global") && x.metric().equals(metric))
        .findFirst()
        .orElseThrow()
        .value();
  }

  @Test
  void withoutTheLogProbsAtTheTeachersIdsATargetOutsideTheStudentsListIsMissing() {
    // The student lists 5 and 9 at sequence 1 position 0, not the target 7.
    Summary.Target x = target(tables(), config().build());
    assertFigures(x, new double[] {0.7, 0.9}, new double[] {0.35, 0.8}, 2, 1, 1, 2);
  }

  @Test
  void theTargetLogProbColumnsTakePrecedenceOverTheLists() {
    // The teacher's column gives 0.02 for the target 9 it does not list; the student's 0.01.
    Summary.Target x =
        target(
            tables(),
            config()
                .set("input.teacher.target_logprob_column", "t_target_lp")
                .set("input.student.target_logprob_column", "s_target_lp")
                .build());
    assertFigures(
        x, new double[] {0.3, 0.7, 0.02, 0.9}, new double[] {0.25, 0.35, 0.01, 0.8}, 2, 1, 0, 0);
  }

  @Test
  void withoutATargetColumnThereAreNoTargetFigures() {
    DriftConfig c = config().set("input.target_ids_column", "").build();
    assertThat(target(tables(), c)).isNull();
  }

  @Test
  void denseDistributionsGiveTheExactFiguresAndAnIgnoredLabelIsMissing() {
    StructType ts =
        new StructType()
            .add("sequence_id", DataTypes.LongType)
            .add("p", LPS)
            .add("target", DataTypes.createArrayType(DataTypes.LongType));
    StructType ss = new StructType().add("sequence_id", DataTypes.LongType).add("p", LPS);
    List<Row> t =
        List.of(
            RowFactory.create(
                1L,
                List.of(logs(0.5, 0.3, 0.2), logs(0.1, 0.2, 0.7), logs(0.4, 0.4, 0.2)),
                List.of(1L, 2L, -100L)));
    List<Row> s =
        List.of(
            RowFactory.create(
                1L, List.of(logs(0.45, 0.35, 0.2), logs(0.1, 0.3, 0.6), logs(0.3, 0.3, 0.4))));
    DriftConfig c =
        DriftConfig.builder()
            .set("input.layout", "sequence")
            .set("input.key_columns", "sequence_id")
            .set("input.column", "p")
            .set("input.kind", "log_probs")
            .set("input.target_ids_column", "target")
            .build();
    try (DriftReport r =
        KlDrift.analyze(
            SPARK,
            SPARK.createDataFrame(t, ts),
            SPARK.createDataFrame(s, ss),
            c,
            SequenceFixtures.DAY)) {
      assertFigures(
          r.summary().global().target(),
          new double[] {0.3, 0.7},
          new double[] {0.35, 0.6},
          1,
          1,
          1,
          1);
    }
  }

  @Test
  void aTargetColumnOfTheWrongTypeStopsTheRunBeforeAnyScan() {
    Dataset<Row>[] d = tables();
    Dataset<Row> t = d[0].withColumn("target", d[0].col("target").cast("array<string>"));
    assertThatThrownBy(
            () -> KlDrift.analyze(SPARK, t, d[1], config().build(), SequenceFixtures.DAY).close())
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("teacher table, column 'target' has type array<string>")
        .hasMessageContaining("input.target_ids_column");
  }

  @Test
  void aTargetListOfAnotherLengthIsMisaligned() {
    Dataset<Row>[] d = tables();
    Dataset<Row> t =
        d[0].withColumn(
            "target",
            org.apache.spark.sql.functions.expr(
                "if(sequence_id = 2, slice(target, 1, 1), target)"));
    assertThatThrownBy(
            () -> KlDrift.analyze(SPARK, t, d[1], config().build(), SequenceFixtures.DAY).close())
        .isInstanceOf(DriftException.class)
        .hasMessageStartingWith("teacher table")
        .hasMessageContaining("(rule misaligned)")
        .hasMessageContaining("{\"sequence_id\":2}");
  }

  @Test
  void aTargetLogProbColumnWithoutTargetIdsIsAConfigurationError() {
    DriftConfig c =
        config()
            .set("input.target_ids_column", "")
            .set("input.student.target_logprob_column", "s_target_lp")
            .build();
    Dataset<Row>[] d = tables();
    assertThatThrownBy(() -> KlDrift.analyze(SPARK, d[0], d[1], c, SequenceFixtures.DAY).close())
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("input.student.target_logprob_column is set")
        .hasMessageContaining("input.target_ids_column is empty");
  }
}
