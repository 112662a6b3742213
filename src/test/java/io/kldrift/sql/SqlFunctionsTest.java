package io.kldrift.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.TestSpark;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SqlFunctionsTest {
  private final SparkSession spark = TestSpark.get();

  private double scalar(String sql) {
    return spark.sql(sql).first().getDouble(0);
  }

  @Test
  void klOfTheWorkedExampleFromSql() {
    // 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1)
    double expected = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
    assertThat(scalar("SELECT kl_div(array(0.5D, 0.5D), array(0.9D, 0.1D))"))
        .isCloseTo(0.5108256238, within(1e-10))
        .isCloseTo(expected, within(1e-15));
    assertThat(scalar("SELECT kl_div(array(CAST(0.5 AS FLOAT), 0.5F), array(0.9F, 0.1F))"))
        .isCloseTo(
            0.5 * Math.log(0.5 / (double) 0.9f) + 0.5 * Math.log(0.5 / (double) 0.1f),
            within(1e-15));
  }

  @Test
  void everyDocumentedExampleReturnsWhatItsDocumentationSays() {
    for (KlDriftFunctions.Definition d : KlDriftFunctions.all()) {
      String[] lines = d.examples().split("\n");
      int run = 0;
      for (int l = 0; l < lines.length; l++) {
        if (!lines[l].trim().startsWith("> ")) {
          continue;
        }
        String statement = lines[l].trim().substring(2);
        String sql = statement.substring(0, statement.indexOf(';')).replace("_FUNC_", d.name());
        String documented = lines[l + 1].trim();
        Object v = spark.sql(sql).first().get(0);
        // Documented results are rounded to 10 decimals for readers; compare as numbers.
        String actual =
            v instanceof scala.collection.Seq<?> s ? s.mkString(",") : String.valueOf(v);
        String[] want = documented.replace("[", "").replace("]", "").split(",");
        String[] got = actual.split(",");
        assertThat(got).as(sql).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
          assertThat(Double.parseDouble(got[i]))
              .as(sql)
              .isCloseTo(Double.parseDouble(want[i]), within(1e-10));
        }
        run++;
      }
      assertThat(run).as(d.name() + " has an example").isPositive();
      List<Row> described = spark.sql("DESCRIBE FUNCTION " + d.name()).collectAsList();
      assertThat(described.toString()).contains("Usage:").contains(d.name());
    }
  }

  @Test
  void nullInNullOut() {
    Row r =
        spark
            .sql(
                "SELECT kl_div(CAST(NULL AS ARRAY<DOUBLE>), array(0.5D, 0.5D)), kl_div(NULL, array(1D)), kldrift_metrics(CAST(NULL AS ARRAY<FLOAT>), array(1F))")
            .first();
    assertThat(r.isNullAt(0)).isTrue();
    assertThat(r.isNullAt(1)).isTrue();
    assertThat(r.isNullAt(2)).isTrue();
  }

  @Test
  void differentLengthsFailClearly() {
    assertThatThrownBy(() -> spark.sql("SELECT kl_div(array(0.5D, 0.5D), array(1D))").collect())
        .hasStackTraceContaining(
            "vectors of different length: first argument has 2 classes, second has 1");
  }

  @Test
  void metricsStructFromLogitsAtATemperature() {
    // logits (2, 0) at T = 2 soften to softmax(1, 0) = (e/(e+1), 1/(e+1))
    double a = Math.E / (Math.E + 1), b = 1 / (Math.E + 1);
    Row m =
        spark
            .sql(
                "SELECT kldrift_metrics(array(2D, 0D), array(0.5D, 0.5D), 'logits', 'probs', 2.0) AS m")
            .first()
            .getStruct(0);
    double kl = a * Math.log(a / 0.5) + b * Math.log(b / 0.5);
    assertThat(m.getDouble(m.fieldIndex("kl"))).isCloseTo(kl, within(1e-14));
    assertThat(m.getDouble(m.fieldIndex("t2_kl"))).isCloseTo(4 * kl, within(1e-13));
    assertThat(m.getInt(m.fieldIndex("teacher_top1"))).isEqualTo(0);
    assertThat(m.getDouble(m.fieldIndex("teacher_confidence"))).isCloseTo(a, within(1e-15));
    Row sm = spark.sql("SELECT softmax(array(2D, 0D), 2.0)").first();
    assertThat(sm.getList(0))
        .satisfiesExactly(
            x -> assertThat((Double) x).isCloseTo(a, within(1e-15)),
            x -> assertThat((Double) x).isCloseTo(b, within(1e-15)));
  }

  @Test
  void mlVectorsDenseAndSparse() {
    double expected = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
    spark
        .createDataFrame(
            List.of(
                org.apache.spark.sql.RowFactory.create(
                    org.apache.spark.ml.linalg.Vectors.dense(0.5, 0.5, 0.0),
                    org.apache.spark.ml.linalg.Vectors.sparse(
                        3, new int[] {0, 1}, new double[] {0.9, 0.1}))),
            new org.apache.spark.sql.types.StructType()
                .add("p", org.apache.spark.ml.linalg.SQLDataTypes.VectorType())
                .add("q", org.apache.spark.ml.linalg.SQLDataTypes.VectorType()))
        .createOrReplaceTempView("vecs");
    assertThat(scalar("SELECT kl_div(p, q) FROM vecs")).isCloseTo(expected, within(1e-15));
  }

  @Test
  void fromTheJavaDatasetApi() {
    double expected = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
    org.apache.spark.sql.Dataset<Row> df =
        spark.sql("SELECT array(0.5D, 0.5D) AS t, array(0.9D, 0.1D) AS s");
    io.kldrift.DriftConfig config = io.kldrift.DriftConfig.builder().build();
    Row r =
        df.select(
                io.kldrift.KlDrift.metrics(
                        org.apache.spark.sql.functions.col("t"),
                        org.apache.spark.sql.functions.col("s"),
                        config)
                    .getField("kl"),
                org.apache.spark.sql.functions.call_function(
                    "js_div",
                    org.apache.spark.sql.functions.col("t"),
                    org.apache.spark.sql.functions.col("s")))
            .first();
    assertThat(r.getDouble(0)).isCloseTo(expected, within(1e-15));
    assertThat(r.getDouble(1)).isCloseTo(0.1017492251, within(1e-10));
  }

  @Test
  void aSecondSessionHasTheFunctionsAndTheServiceEntryNamesTheExtension() {
    SparkSession second = spark.newSession();
    assertThat(
            second.sql("SELECT kl_div(array(0.5D, 0.5D), array(0.9D, 0.1D))").first().getDouble(0))
        .isCloseTo(0.5108256238, within(1e-10));
    List<String> providers = new java.util.ArrayList<>();
    java.util.ServiceLoader.load(org.apache.spark.sql.SparkSessionExtensionsProvider.class)
        .forEach(p -> providers.add(p.getClass().getName()));
    assertThat(providers).contains(KlDriftExtensions.class.getName());
  }

  @Test
  void registerFunctionsRestoresThemInASessionWithout() {
    SparkSession third = spark.newSession();
    var registry =
        ((org.apache.spark.sql.classic.SparkSession) third).sessionState().functionRegistry();
    registry.dropFunction(
        org.apache.spark.sql.catalyst.analysis.FunctionRegistry$.MODULE$.builtinFunctionIdentifier(
            "kl_div"));
    assertThatThrownBy(() -> third.sql("SELECT kl_div(array(1D), array(1D))").collect())
        .hasMessageContaining("kl_div");
    registry.dropFunction(
        org.apache.spark.sql.catalyst.analysis.FunctionRegistry$.MODULE$.builtinFunctionIdentifier(
            "kldrift_metrics"));
    io.kldrift.KlDrift.registerFunctions(third);
    assertThat(third.sql("SELECT kl_div(array(1D), array(1D))").first().getDouble(0))
        .isEqualTo(0.0);
  }

  @Test
  void overParquetTheKernelRunsInsideGeneratedCode(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    String path = tmp.resolve("p").toString();
    spark
        .sql(
            "SELECT id, array(CAST(0.5 AS FLOAT), 0.5F) AS p, array(0.9F, 0.1F) AS q FROM range(10)")
        .write()
        .parquet(path);
    org.apache.spark.sql.Dataset<Row> q =
        spark.read().parquet(path).selectExpr("kldrift_metrics(p, q).kl AS kl");
    String plan = q.queryExecution().executedPlan().toString();
    // "*(n) Project [static_invoke(io.kldrift.sql.KernelCalls.metrics(...": the call sits in a
    // whole-stage-codegen stage fed by the columnar Parquet scan, not in an interpreted fallback.
    assertThat(plan)
        .containsPattern(
            "\\*\\(\\d+\\) Project \\[.*static_invoke\\(io.kldrift.sql.KernelCalls.metrics\\(");
    assertThat(plan).contains("ColumnarToRow");
    assertThat(q.agg(org.apache.spark.sql.functions.sum("kl")).first().getDouble(0))
        .isCloseTo(
            10 * (0.5 * Math.log(0.5 / (double) 0.9f) + 0.5 * Math.log(0.5 / (double) 0.1f)),
            within(1e-12));
  }
}
