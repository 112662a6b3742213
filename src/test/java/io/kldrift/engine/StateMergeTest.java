package io.kldrift.engine;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.sample.SampleGenerator;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift state is mergeable: random splits of one dataset (by key, so each pair stays whole),
 * each passed on its own, serialized, read back and merged in a random order, finish into the same
 * report as one pass over the whole: counts equal, sums and means to rounding, quantiles within the
 * sketch's rank error of the exact distribution (per-example KL computed independently with Spark's
 * built-in functions).
 */
class StateMergeTest {
  private static final SparkSession spark = TestSpark.get();

  @TempDir static Path tmp;

  static DriftConfig config;
  static Dataset<Row> teacher;
  static Dataset<Row> student;
  static double[] exactKl;

  @BeforeAll
  static void data() throws Exception {
    String data = tmp.resolve("d").toString();
    SampleGenerator.generate(
        spark, new SampleGenerator.Spec(3000, 7, 11, false, List.of(2), 1.5, 0.02, 3), data);
    config =
        DriftConfig.builder()
            .file(Path.of(data, "kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, data + "/teacher")
            .set(DriftConfig.STUDENT_PATH, data + "/student")
            .set(DriftConfig.TOP_WORST, "25")
            .build();
    teacher = spark.read().parquet(data + "/teacher");
    student = spark.read().parquet(data + "/student");
    // KL from its definition with built-ins only: Σ_c p ln(p/q) over posexploded classes.
    Dataset<Row> tp = teacher.selectExpr("example_id", "posexplode(probs) as (c, p)");
    Dataset<Row> sq = student.selectExpr("example_id", "posexplode(probs) as (c, q)");
    List<Row> kl =
        tp.join(
                sq,
                scala.jdk.javaapi.CollectionConverters.asScala(List.of("example_id", "c")).toSeq())
            .groupBy("example_id")
            .agg(org.apache.spark.sql.functions.expr("sum(IF(p > 0, p * ln(p / q), 0D))").as("kl"))
            .select("kl")
            .collectAsList();
    exactKl = kl.stream().mapToDouble(r -> r.getDouble(0)).sorted().toArray();
  }

  private static Finisher.Finished finish(DriftState s) {
    PredictionInputs.Prepared in =
        PredictionInputs.prepare(teacher, student, config, Layout.of(config));
    return Finisher.finish(spark, config, s, in);
  }

  private static DriftState pass(Dataset<Row> t, Dataset<Row> s) {
    return OnePass.run(
        spark, PredictionInputs.prepare(t, s, config, Layout.of(config)), config, "2026-11-01");
  }

  /** The share of exact KL values at or below {@code q}. */
  private static double rank(double q) {
    int i = 0;
    while (i < exactKl.length && exactKl[i] <= q) {
      i++;
    }
    return (double) i / exactKl.length;
  }

  @Test
  void randomSplitsMergedInRandomOrdersFinishIntoTheSameReport() {
    Finisher.Finished whole = finish(pass(teacher, student));
    assertThat(whole.inputs().matched()).isEqualTo(exactKl.length);
    double rankError = Quantiles.rankError(config.get(DriftConfig.SKETCH_K));
    Random random = new Random(42);
    for (int trial = 0; trial < 3; trial++) {
      int k = 2 + random.nextInt(4);
      int seed = random.nextInt(1000);
      List<byte[]> parts = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        org.apache.spark.sql.Column mine =
            pmod(abs(hash(col("example_id"), lit(seed))), lit(k)).equalTo(i);
        parts.add(pass(teacher.where(mine), student.where(mine)).bytes());
      }
      Collections.shuffle(parts, random);
      DriftState merged = DriftState.read(parts.get(0), "part 0");
      for (int i = 1; i < parts.size(); i++) {
        merged = merged.merge(DriftState.read(parts.get(i), "part " + i));
      }
      Finisher.Finished f = finish(DriftState.read(merged.bytes(), "merged"));
      String what = "trial " + trial + " (" + k + " splits)";

      assertThat(f.inputs()).as(what).usingRecursiveComparison().isEqualTo(whole.inputs());
      Summary.Global g = f.global();
      Summary.Global w = whole.global();
      assertThat(g.kl().n()).isEqualTo(w.kl().n());
      assertThat(g.kl().mean()).as(what).isCloseTo(w.kl().mean(), within(1e-12 * w.kl().mean()));
      assertThat(g.kl().std()).isCloseTo(w.kl().std(), within(1e-9 * w.kl().std()));
      assertThat(g.js().mean()).isCloseTo(w.js().mean(), within(1e-12 * w.js().mean()));
      assertThat(g.crossEntropy().mean())
          .isCloseTo(w.crossEntropy().mean(), within(1e-12 * w.crossEntropy().mean()));
      assertThat(g.agreement().mean()).isEqualTo(w.agreement().mean());
      assertThat(g.kl().min()).isEqualTo(w.kl().min());
      assertThat(g.kl().max()).isEqualTo(w.kl().max());
      assertThat(g.kl().histogram().counts()).isEqualTo(w.kl().histogram().counts());
      assertThat(g.kl().shareAbove()).isEqualTo(w.kl().shareAbove());
      assertThat(g.teacherAccuracy()).isEqualTo(w.teacherAccuracy());
      for (double p : new double[] {0.5, 0.9, 0.95, 0.99}) {
        Double q =
            p == 0.5
                ? g.kl().p50()
                : p == 0.9 ? g.kl().p90() : p == 0.95 ? g.kl().p95() : g.kl().p99();
        assertThat(rank(q))
            .as(what + ": rank of the merged p" + (int) (100 * p))
            .isCloseTo(p, within(rankError + 1.0 / exactKl.length));
      }
      for (int c = 0; c < whole.classRows().size(); c++) {
        ClassRow a = f.classRows().get(c);
        ClassRow b = whole.classRows().get(c);
        assertThat(a.klContribution()).isCloseTo(b.klContribution(), within(1e-12 * w.kl().mean()));
        assertThat(a.teacherMeanProb()).isCloseTo(b.teacherMeanProb(), within(1e-14));
        assertThat(a.teacherTop1Count()).isEqualTo(b.teacherTop1Count());
        assertThat(a.studentTop1Count()).isEqualTo(b.studentTop1Count());
        assertThat(a.labelCount()).isEqualTo(b.labelCount());
      }
      assertThat(f.topConfusions()).hasSameSizeAs(whole.topConfusions());
      for (int i = 0; i < f.topConfusions().size(); i++) {
        assertThat(f.topConfusions().get(i).count())
            .isEqualTo(whole.topConfusions().get(i).count());
        assertThat(f.topConfusions().get(i).teacherClassIndex())
            .isEqualTo(whole.topConfusions().get(i).teacherClassIndex());
      }
      assertThat(f.slices()).hasSameSizeAs(whole.slices());
      for (int i = 0; i < f.slices().size(); i++) {
        assertThat(f.slices().get(i).kl().n()).isEqualTo(whole.slices().get(i).kl().n());
        assertThat(f.slices().get(i).kl().mean())
            .isCloseTo(whole.slices().get(i).kl().mean(), within(1e-12));
      }
      assertThat(f.worstExamples().collectAsList())
          .as(what + ": the worst examples do not depend on the split")
          .isEqualTo(whole.worstExamples().collectAsList());
    }
  }

  @Test
  void sparksOwnKllFunctionsReadTheSliceSketches() {
    Finisher.Finished whole = finish(pass(teacher, student));
    List<Row> rows =
        whole
            .perSliceTable()
            .selectExpr(
                "slice_value",
                "kl_p50",
                "kl_p99",
                "kll_sketch_get_quantile_double(kl_sketch, 0.5D) AS p50",
                "kll_sketch_get_quantile_double(kl_sketch, 0.99D) AS p99",
                "kll_sketch_get_n_double(kl_sketch) AS n",
                "n AS table_n")
            .collectAsList();
    assertThat(rows).hasSize(2);
    for (Row r : rows) {
      assertThat(r.getDouble(3)).as("p50 of %s", r.getString(0)).isEqualTo(r.getDouble(1));
      assertThat(r.getDouble(4)).isEqualTo(r.getDouble(2));
      assertThat(r.getLong(5)).isEqualTo(r.getLong(6));
    }
  }

  @Test
  void theWorstExamplesAreTheHighestKlWithTheirKeys() {
    Finisher.Finished whole = finish(pass(teacher, student));
    List<Row> worst = whole.worstExamples().collectAsList();
    assertThat(worst).hasSize(25);
    double[] top = new double[25];
    for (int i = 0; i < 25; i++) {
      top[i] = exactKl[exactKl.length - 1 - i];
    }
    for (int i = 0; i < 25; i++) {
      assertThat(worst.get(i).<Double>getAs("kl")).isCloseTo(top[i], within(1e-12));
    }
    assertThat(worst.get(0).schema().fieldNames())
        .startsWith("example_id", "segment", "label", "kl");
  }
}
