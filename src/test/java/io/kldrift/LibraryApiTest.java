package io.kldrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SampleGenerator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notebook surface: per-example metrics on Datasets, and the temperature sweep. */
class LibraryApiTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  @Test
  void perExampleOnOneDatasetWithBothColumns() {
    Dataset<Row> df =
        spark.sql(
            "SELECT 1L AS id, array(0.5D, 0.5D) AS t, array(0.9D, 0.1D) AS s UNION ALL"
                + " SELECT 2L, array(0.9D, 0.1D), array(0.9D, 0.1D)");
    Dataset<Row> m = KlDrift.perExample(df, "t", "s", DriftConfig.builder().build()).orderBy("id");
    assertThat(m.columns())
        .startsWith("id", "t", "s", "kl", "reverse_kl", "js")
        .contains("agree", "t2_kl");
    List<Row> rows = m.collectAsList();
    assertThat(rows.get(0).getDouble(rows.get(0).fieldIndex("kl")))
        .isCloseTo(0.5108256238, within(1e-10));
    assertThat(rows.get(1).getDouble(rows.get(1).fieldIndex("kl"))).isEqualTo(0.0);
  }

  @Test
  void perExampleOfTwoDatasetsKeepsKeysSlicesAndLabel() throws Exception {
    String data = tmp.resolve("d").toString();
    SampleGenerator.generate(
        spark, new SampleGenerator.Spec(500, 4, 3, false, List.of(1), 1.0, 0.02, 1), data);
    DriftConfig config = DriftConfig.builder().file(Path.of(data, "kldrift.properties")).build();
    Dataset<Row> t = spark.read().parquet(data + "/teacher");
    Dataset<Row> s = spark.read().parquet(data + "/student");
    Dataset<Row> m = KlDrift.perExample(t, s, config);
    assertThat(Arrays.asList(m.columns())).startsWith("example_id", "segment", "label", "kl");
    long matched = t.join(s, "example_id").count();
    assertThat(m.count()).isEqualTo(matched);
  }

  @Test
  void temperatureSweepMatchesSoftmaxComputedWithBuiltIns() throws Exception {
    String data = tmp.resolve("logits").toString();
    SampleGenerator.generate(
        spark, new SampleGenerator.Spec(400, 5, 9, true, List.of(2), 1.0, 0.0, 1), data);
    DriftConfig config = DriftConfig.builder().file(Path.of(data, "kldrift.properties")).build();
    Dataset<Row> t = spark.read().parquet(data + "/teacher");
    Dataset<Row> s = spark.read().parquet(data + "/student");
    List<Row> sweep =
        KlDrift.temperatureSweep(t, s, config, 1.0, 2.0, 4.0)
            .orderBy("temperature")
            .collectAsList();
    assertThat(sweep).hasSize(3);
    t.createOrReplaceTempView("lt");
    s.createOrReplaceTempView("ls");
    for (Row r : sweep) {
      double temp = r.getDouble(r.fieldIndex("temperature"));
      // independent: softmax of logits / T with Spark's exp/ln, then sum p ln(p/q), averaged
      String softmax =
          "transform(%1$s, x -> exp(x / %2$s - ln(aggregate(%1$s, 0D, (a, y) -> a + exp(y / %2$s)))))";
      double expected =
          spark
              .sql(
                  String.format(
                      java.util.Locale.ROOT,
                      "SELECT avg(aggregate(zip_with(p, q, (a, b) -> a * ln(a / b)), 0D, (x, y) -> x + y)) FROM"
                          + " (SELECT "
                          + softmax
                          + " AS p, "
                          + softmax.replace("%1$s", "%3$s")
                          + " AS q"
                          + " FROM lt JOIN ls USING (example_id))",
                      "lt.logits",
                      temp,
                      "ls.logits"))
              .first()
              .getDouble(0);
      assertThat(r.getDouble(r.fieldIndex("mean_kl")))
          .as("T = %s", temp)
          .isCloseTo(expected, within(1e-9 * expected));
      assertThat(r.getDouble(r.fieldIndex("mean_t2_kl")))
          .isCloseTo(temp * temp * expected, within(1e-8 * expected * temp * temp));
      assertThat(r.getLong(r.fieldIndex("n"))).isEqualTo(400);
    }
    // softer targets (higher T) bring the distributions closer: mean KL falls with T here
    assertThat(sweep.get(0).getDouble(2)).isGreaterThan(sweep.get(2).getDouble(2));
  }

  @Test
  void temperatureSweepNeedsLogits() {
    Dataset<Row> t = spark.sql("SELECT 1L AS example_id, array(0.5F, 0.5F) AS probs");
    assertThatThrownBy(() -> KlDrift.temperatureSweep(t, t, DriftConfig.builder().build(), 2.0))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("needs logits");
  }

  @Test
  void historyIsEmptyWithoutRuns() {
    assertThat(KlDrift.history(spark, tmp.resolve("none").toString()).count()).isZero();
    assertThat(KlDrift.history(spark, tmp.resolve("none").toString()).columns())
        .contains("run_date", "metric", "value");
  }
}
