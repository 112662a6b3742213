package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The sequence layout with whole distributions per position (kind log_probs, {@code
 * array<array<float>>} over a vocabulary of 5, no ids columns): the figures are the exact
 * divergences, computed here from their definitions, and the report says so.
 */
class SequenceDenseTest {
  static final int V = 5;

  /** One sequence: key, slice value, per position p and q over V, and the mask. */
  record Seq(long id, String segment, double[][] p, double[][] q, boolean[] mask) {}

  /** A softmax of smooth but distinct logits, so that every position differs. */
  static double[] softmax(double seed, double spread) {
    double[] z = new double[V];
    double sum = 0;
    for (int i = 0; i < V; i++) {
      z[i] = spread * Math.sin(seed * (i + 1) + i * i);
      sum += Math.exp(z[i]);
    }
    for (int i = 0; i < V; i++) {
      z[i] = Math.exp(z[i]) / sum;
    }
    return z;
  }

  static final List<Seq> DATA = data();

  private static List<Seq> data() {
    List<Seq> out = new ArrayList<>();
    int[] lengths = {4, 6, 3, 5};
    for (int id = 0; id < lengths.length; id++) {
      int n = lengths[id];
      double[][] p = new double[n][];
      double[][] q = new double[n][];
      boolean[] mask = new boolean[n];
      for (int j = 0; j < n; j++) {
        p[j] = softmax(0.7 + id + 0.3 * j, 2.0);
        // The student: the teacher's distribution seen through other logits.
        q[j] = softmax(0.7 + id + 0.3 * j + 0.05 * (id + 1), 1.6);
        mask[j] = j > 0 || id % 2 == 0;
      }
      out.add(new Seq(id, id < 2 ? "x" : "y", p, q, mask));
    }
    return out;
  }

  static double kl(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < V; i++) {
      s += p[i] * Math.log(p[i] / q[i]);
    }
    return s;
  }

  static double tv(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < V; i++) {
      s += Math.abs(p[i] - q[i]);
    }
    return s / 2;
  }

  static double js(double[] p, double[] q) {
    double[] m = new double[V];
    for (int i = 0; i < V; i++) {
      m[i] = (p[i] + q[i]) / 2;
    }
    return (kl(p, m) + kl(q, m)) / 2;
  }

  private static List<List<Float>> logs(double[][] d) {
    List<List<Float>> out = new ArrayList<>();
    for (double[] x : d) {
      List<Float> l = new ArrayList<>();
      for (double v : x) {
        l.add((float) Math.log(v));
      }
      out.add(l);
    }
    return out;
  }

  static final StructType TEACHER =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("segment", DataTypes.StringType)
          .add("mask", DataTypes.createArrayType(DataTypes.BooleanType))
          .add("lp", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType)));

  static final StructType STUDENT =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("lp", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType)));

  @SuppressWarnings("unchecked")
  static Dataset<Row>[] tables(List<Seq> data) {
    List<Row> t = new ArrayList<>();
    List<Row> s = new ArrayList<>();
    for (Seq q : data) {
      List<Boolean> mask = new ArrayList<>();
      for (boolean b : q.mask()) {
        mask.add(b);
      }
      t.add(RowFactory.create(q.id(), q.segment(), mask, logs(q.p())));
      s.add(RowFactory.create(q.id(), logs(q.q())));
    }
    return new Dataset[] {SPARK.createDataFrame(t, TEACHER), SPARK.createDataFrame(s, STUDENT)};
  }

  static DriftConfig.Builder config() {
    return DriftConfig.builder()
        .set("input.layout", "sequence")
        .set("input.key_columns", "sequence_id")
        .set("input.teacher.column", "lp")
        .set("input.teacher.kind", "log_probs")
        .set("input.student.column", "lp")
        .set("input.student.kind", "log_probs")
        .set("input.mask_column", "mask")
        .set("input.slice_columns", "segment");
  }

  @Test
  void denseDistributionsGiveTheExactDivergences() {
    double klSum = 0;
    double jsSum = 0;
    double tvSum = 0;
    double seqSum = 0;
    long n = 0;
    double max = 0;
    Map<String, double[]> bySegment = new TreeMap<>();
    for (Seq s : DATA) {
      double sum = 0;
      int counted = 0;
      for (int j = 0; j < s.p().length; j++) {
        if (!s.mask()[j]) {
          continue;
        }
        double k = kl(s.p()[j], s.q()[j]);
        klSum += k;
        jsSum += js(s.p()[j], s.q()[j]);
        tvSum += tv(s.p()[j], s.q()[j]);
        max = Math.max(max, k);
        sum += k;
        counted++;
        n++;
        double[] seg = bySegment.computeIfAbsent(s.segment(), x -> new double[2]);
        seg[0] += k;
        seg[1]++;
      }
      seqSum += sum / counted;
    }
    assertThat(klSum / n).isGreaterThan(0.01);
    Dataset<Row>[] t = tables(DATA);
    Summary r;
    try (DriftReport report =
        KlDrift.analyze(SPARK, t[0], t[1], config().build(), SequenceFixtures.DAY)) {
      r = report.summary();
    }
    assertThat(r.sequences().mode()).isEqualTo("exact");
    assertThat(r.global().bounds()).isNull();
    assertThat(r.sequences().teacherK()).isEqualTo(V);
    assertThat(r.inputs().matched()).isEqualTo(DATA.size());
    assertThat(r.global().kl().n()).isEqualTo(n);
    assertThat(r.sequences().maskedPositions()).isEqualTo(2);
    assertThat(r.global().kl().mean()).isCloseTo(klSum / n, within(1e-6));
    assertThat(r.global().kl().max()).isCloseTo(max, within(1e-6));
    assertThat(r.global().sequenceKl().mean()).isCloseTo(seqSum / DATA.size(), within(1e-6));
    assertThat(r.global().js().mean()).isCloseTo(jsSum / n, within(1e-6));
    assertThat(r.global().totalVariation().mean()).isCloseTo(tvSum / n, within(1e-6));
    // Exact: the intervals collapse to the value.
    assertThat(r.sequences().js().lower().mean()).isCloseTo(jsSum / n, within(1e-6));
    assertThat(r.sequences().js().upper().mean()).isCloseTo(jsSum / n, within(1e-6));
    assertThat(r.sequences().totalVariation().upper().mean()).isCloseTo(tvSum / n, within(1e-6));
    assertThat(r.sequences().teacherTailMass().max()).isEqualTo(0.0);
    assertThat(r.perSlice()).extracting(Summary.SliceSummary::value).containsExactly("x", "y");
    for (Summary.SliceSummary sl : r.perSlice()) {
      double[] e = bySegment.get(sl.value());
      assertThat(sl.kl().n()).isEqualTo((long) e[1]);
      assertThat(sl.kl().mean()).isCloseTo(e[0] / e[1], within(1e-6));
    }
  }
}
