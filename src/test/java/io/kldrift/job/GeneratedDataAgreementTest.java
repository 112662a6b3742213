package io.kldrift.job;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.sample.SampleGenerator;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of freshly generated data (7 classes, shuffled rows, unmatched keys on both sides)
 * agrees with an independent computation over the same Parquet files: Spark's built-in posexplode,
 * join and ln, none of kldrift's code.
 */
class GeneratedDataAgreementTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  @Test
  void meanKlAndPerClassContributionsAgreeWithBuiltInSql() throws Exception {
    String data = tmp.resolve("data").toString();
    SampleGenerator.generate(
        spark, new SampleGenerator.Spec(3000, 7, 11, false, List.of(2), 2.0, 0.01, 3), data);
    String out = tmp.resolve("out").toString();
    int code =
        DriftJob.run(
            "--teacher",
            data + "/teacher",
            "--student",
            data + "/student",
            "--out",
            out,
            "--config",
            data + "/kldrift.properties",
            "--run-date",
            "2026-01-02",
            "--quiet");
    assertThat(code).isEqualTo(ExitCodes.OK);
    String report = out + "/run_date=2026-01-02";

    spark.read().parquet(data + "/teacher").createOrReplaceTempView("gt");
    spark.read().parquet(data + "/student").createOrReplaceTempView("gs");
    Row counts =
        spark
            .sql(
                "SELECT (SELECT count(*) FROM gt), (SELECT count(*) FROM gs),"
                    + " (SELECT count(*) FROM gt JOIN gs USING (example_id))")
            .first();
    long matched = counts.getLong(2);
    List<Row> independent =
        spark
            .sql(
                "WITH t AS (SELECT example_id, pos, p FROM gt LATERAL VIEW posexplode(probs) e AS pos, p),"
                    + " s AS (SELECT example_id, pos, q FROM gs LATERAL VIEW posexplode(probs) e AS pos, q)"
                    + " SELECT t.pos, sum(IF(p > 0, CAST(p AS DOUBLE) * (ln(CAST(p AS DOUBLE)) - ln(CAST(q AS DOUBLE))), 0D)) / "
                    + matched
                    + " AS contribution"
                    + " FROM t JOIN s ON t.example_id = s.example_id AND t.pos = s.pos GROUP BY t.pos ORDER BY t.pos")
            .collectAsList();

    JsonNode s = Fixtures.summary(report);
    assertThat(s.get("inputs").get("teacher_rows").asLong()).isEqualTo(counts.getLong(0));
    assertThat(s.get("inputs").get("student_rows").asLong()).isEqualTo(counts.getLong(1));
    assertThat(s.get("inputs").get("matched").asLong()).isEqualTo(matched);
    assertThat(s.get("inputs").get("teacher_only").asLong()).isPositive();
    assertThat(s.get("inputs").get("student_only").asLong()).isPositive();

    double independentMean = independent.stream().mapToDouble(r -> r.getDouble(1)).sum();
    double reportedMean = s.get("global").get("kl").get("mean").asDouble();
    assertThat(relative(reportedMean, independentMean)).isLessThan(1e-9);

    List<Row> perClass =
        spark.read().parquet(report + "/per_class").orderBy("class_index").collectAsList();
    assertThat(perClass).hasSize(7);
    for (int c = 0; c < 7; c++) {
      double got = perClass.get(c).getDouble(perClass.get(c).fieldIndex("kl_contribution"));
      assertThat(relative(got, independent.get(c).getDouble(1))).as("class %d", c).isLessThan(1e-9);
    }
    // the drifted class carries the largest contribution
    assertThat(s.get("top_drifted_classes").get(0).get("class_index").asInt()).isEqualTo(2);
    // and the mobile slice, where the drift was injected, has the larger mean KL
    List<Row> slices =
        spark.read().parquet(report + "/per_slice").orderBy(col("kl_mean").desc()).collectAsList();
    assertThat(slices.get(0).getString(slices.get(0).fieldIndex("slice_value")))
        .isEqualTo("mobile");
  }

  private static double relative(double a, double b) {
    return Math.abs(a - b) / Math.max(Math.abs(b), Double.MIN_NORMAL);
  }
}
