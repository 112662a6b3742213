package io.kldrift;

import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.config.DriftConfig;
import io.kldrift.job.ExitCodes;
import io.kldrift.sample.SampleGenerator;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollup of three daily reports equals one run over the union of the three days' inputs (counts,
 * means, per-class contributions and marginals, confusion counts; quantiles within the sketch's
 * rank error), reads no prediction data, and names a day without a report.
 */
class RollupTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  private DriftConfig config(String teacher, String student, String root) {
    // Day 2's student gives exact zeros on purpose (below): this test compares sums, not statuses.
    return DriftConfig.builder()
        .file(tmp.resolve("gen1/kldrift.properties"))
        .set("check.support_violation_kl_share.enabled", "false")
        .set(DriftConfig.KEY_COLUMNS, "day,example_id")
        .set(DriftConfig.TEACHER_PATH, teacher)
        .set(DriftConfig.STUDENT_PATH, student)
        .set(DriftConfig.OUTPUT_PATH, root)
        .build();
  }

  @Test
  void aRollupOfThreeDaysEqualsTheRunOverTheirUnion() throws Exception {
    LocalDate first = LocalDate.of(2026, 11, 2);
    for (int d = 1; d <= 3; d++) {
      String gen = tmp.resolve("gen" + d).toString();
      // Day 2 drifts more, so the union is not three copies of one distribution.
      SampleGenerator.generate(
          spark,
          new SampleGenerator.Spec(
              1500 + 300 * d, 6, d, false, List.of(1), d == 2 ? 3 : 1, 0.02, 2),
          gen);
      for (String side : List.of("teacher", "student")) {
        // Day 2's student is one-hot on every 20th example, as a random forest's can be: the
        // teacher's other classes are support violations whose clipped KL the rollup must sum.
        String probs =
            d == 2 && side.equals("student")
                ? "IF(example_id % 20 = 0,"
                    + " transform(probs, x -> CAST(IF(x = array_max(probs), 1, 0) AS FLOAT)),"
                    + " probs)"
                : "probs";
        spark
            .read()
            .parquet(gen + "/" + side)
            .withColumn("probs", expr(probs))
            .withColumn("day", lit(d))
            .write()
            .parquet(tmp.resolve(side + "/day" + d).toString());
      }
    }
    String root = tmp.resolve("out").toString();
    for (int d = 1; d <= 3; d++) {
      DriftConfig c =
          config(
              tmp.resolve("teacher/day" + d).toString(),
              tmp.resolve("student/day" + d).toString(),
              root);
      LocalDate date = first.plusDays(d - 1);
      try (DriftReport r = KlDrift.analyze(spark, c, date)) {
        KlDrift.write(spark, r, root, date);
      }
    }
    DriftReport union =
        KlDrift.analyze(
            spark,
            config(tmp.resolve("teacher/*").toString(), tmp.resolve("student/*").toString(), ""),
            LocalDate.of(2026, 12, 1));

    List<String> scans = Collections.synchronizedList(new ArrayList<>());
    QueryExecutionListener l =
        new QueryExecutionListener() {
          @Override
          public void onSuccess(String f, QueryExecution qe, long ns) {
            String plan = qe.executedPlan().toString();
            if (plan.contains("FileScan") && plan.contains(tmp.resolve("teacher").toString())
                || plan.contains(tmp.resolve("student").toString())) {
              scans.add(plan);
            }
          }

          @Override
          public void onFailure(String f, QueryExecution qe, Exception e) {}
        };
    spark.listenerManager().register(l);
    DriftReport rollup;
    try {
      rollup = KlDrift.rollup(spark, root, first.minusDays(1), first.plusDays(2), null);
      KlDrift.writeRollup(spark, rollup, root);
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.listenerManager().unregister(l);
    }
    assertThat(scans).as("queries of the rollup that read prediction data").isEmpty();

    Summary r = rollup.summary();
    Summary u = union.summary();
    assertThat(r.period().merged()).containsExactly("2026-11-02", "2026-11-03", "2026-11-04");
    assertThat(r.period().missing()).containsExactly("2026-11-01");
    assertThat(r.period().days()).isEqualTo(4);
    assertThat(r.inputs()).usingRecursiveComparison().isEqualTo(u.inputs());
    assertThat(r.global().kl().n()).isEqualTo(u.global().kl().n());
    // 1,800 + 2,100 + 2,400 examples, less the keys generated on one side only.
    assertThat(u.inputs().matched()).isBetween(5900L, 6300L);
    double mean = u.global().kl().mean();
    assertThat(r.global().kl().mean()).isCloseTo(mean, within(1e-12 * mean));
    assertThat(r.global().js().mean()).isCloseTo(u.global().js().mean(), within(1e-12));
    assertThat(r.global().kl().std()).isCloseTo(u.global().kl().std(), within(1e-9));
    assertThat(r.global().marginalKl()).isCloseTo(u.global().marginalKl(), within(1e-12));
    assertThat(u.inputs().supportViolations().examples()).isGreaterThan(50);
    double share = u.global().supportViolationKlShare();
    assertThat(share).isBetween(0.01, 1.0);
    assertThat(r.global().supportViolationKlShare()).isCloseTo(share, within(1e-12 * share));
    assertThat(r.global().klWithoutViolations())
        .isCloseTo(u.global().klWithoutViolations(), within(1e-12 * mean));
    assertThat(r.global().kl().histogram().counts())
        .isEqualTo(u.global().kl().histogram().counts());
    for (int c = 0; c < 6; c++) {
      ClassRow a = rollup.perClassRows().get(c);
      ClassRow b = union.perClassRows().get(c);
      assertThat(a.klContribution()).isCloseTo(b.klContribution(), within(1e-12 * mean));
      assertThat(a.supportViolationKl()).isCloseTo(b.supportViolationKl(), within(1e-12 * mean));
      assertThat(a.teacherMeanProb()).isCloseTo(b.teacherMeanProb(), within(1e-14));
      assertThat(a.studentMeanProb()).isCloseTo(b.studentMeanProb(), within(1e-14));
      assertThat(a.teacherTop1Count()).isEqualTo(b.teacherTop1Count());
    }
    assertThat(r.topConfusions()).hasSameSizeAs(u.topConfusions());
    for (int i = 0; i < r.topConfusions().size(); i++) {
      assertThat(r.topConfusions().get(i).count()).isEqualTo(u.topConfusions().get(i).count());
    }
    // Quantiles: ranks in the union's exact per-example KL (its per-example table).
    double[] kl =
        union.perExample().select("kl").collectAsList().stream()
            .mapToDouble(x -> x.getDouble(0))
            .sorted()
            .toArray();
    double err = r.global().quantileRankError() + 1.0 / kl.length;
    assertThat(rank(kl, r.global().kl().p50())).isCloseTo(0.5, within(err));
    assertThat(rank(kl, r.global().kl().p99())).isCloseTo(0.99, within(err));

    Path written = Path.of(root, "rollup=2026-11-01_2026-11-04");
    JsonNode json =
        SummaryJson.mapper().readTree(Files.readAllBytes(written.resolve("summary.json")));
    assertThat(json.at("/period/missing/0").asText()).isEqualTo("2026-11-01");
    assertThat(json.at("/inputs/matched").asLong()).isEqualTo(u.inputs().matched());
    assertThat(json.at("/global/support_violation_kl_share").asDouble())
        .isCloseTo(share, within(1e-12 * share));
    assertThat(Files.exists(written.resolve("report.html"))).isTrue();
    assertThat(Files.isDirectory(written.resolve("per_class"))).isTrue();

    // The command: a named rollup, and a range without any state (exit 3, nothing written).
    assertThat(
            io.kldrift.job.RollupJob.run(
                "--out", root, "--from", "2026-11-02", "--to", "2026-11-04", "--name", "week48"))
        .isEqualTo(ExitCodes.OK);
    JsonNode week =
        SummaryJson.mapper()
            .readTree(Files.readAllBytes(Path.of(root, "rollup=week48", "summary.json")));
    assertThat(week.at("/period/missing").size()).isZero();
    assertThat(week.at("/global/kl/mean").asDouble()).isCloseTo(mean, within(1e-12 * mean));
    assertThat(
            io.kldrift.job.RollupJob.run(
                "--out", root, "--from", "2020-01-01", "--to", "2020-01-07", "--quiet"))
        .isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(Files.exists(Path.of(root, "rollup=2020-01-01_2020-01-07"))).isFalse();
  }

  private static double rank(double[] sorted, double q) {
    int i = 0;
    while (i < sorted.length && sorted[i] <= q) {
      i++;
    }
    return (double) i / sorted.length;
  }
}
