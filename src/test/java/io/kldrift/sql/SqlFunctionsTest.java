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
        // A struct prints as [a,b,...] (a Row), like the documented form.
        String[] got = actual.replace("[", "").replace("]", "").split(",");
        assertThat(got).as(sql).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
          if (want[i].equals("NULL")) {
            assertThat(got[i]).as(sql).isEqualTo("null");
            continue;
          }
          if (!want[i].matches("-?[0-9.]+")) {
            assertThat(got[i]).as(sql).isEqualTo(want[i]);
            continue;
          }
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
            "kl_div: argument q = array(1.0) does not match p = array(0.5, 0.5): p has 2 entries"
                + " and q has 1 (rule wrong_length)");
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
    io.kldrift.config.DriftConfig config = io.kldrift.config.DriftConfig.builder().build();
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
  void unaliasedCallsAreNamedAsWritten() {
    spark
        .sql("SELECT array(0.5D, 0.5D) AS p, array(0.9D, 0.1D) AS q, 'a' AS g")
        .createOrReplaceTempView("named_calls");
    org.apache.spark.sql.Dataset<Row> q =
        spark.sql(
            "SELECT kl_div(t.p, t.q), kldrift_metrics(p, q).js, avg(js_div(p, q)),"
                + " kl_div(array(0.5D, 0.5D), array(0.9D, 0.1D), 1e-9D)"
                + " FROM named_calls t GROUP BY p, q");
    assertThat(q.columns())
        .containsExactly(
            "kl_div(p, q)",
            "kldrift_metrics(p, q).js",
            "avg(js_div(p, q))",
            "kl_div(array(0.5, 0.5), array(0.9, 0.1), 1.0E-9)");
    org.apache.spark.sql.Dataset<Row> api =
        spark
            .table("named_calls")
            .select(
                org.apache.spark.sql.functions.call_function(
                    "kl_div",
                    org.apache.spark.sql.functions.col("p"),
                    org.apache.spark.sql.functions.col("q")));
    assertThat(api.columns()).containsExactly("kl_div(p, q)");
    assertThat(api.first().getDouble(0))
        .isCloseTo(0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1), within(1e-15));
    assertThat(q.first().getDouble(3)).isCloseTo(api.first().getDouble(0), within(1e-15));
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

  @Test
  void topkKlOverBigintIdsAndFloatLogProbabilities() {
    // teacher reports ids 151643 and 7 at -0.5 and -1.5; the student's values there are -1 and
    // -0.75 (all exact in float). Cells: the two ids and the rest, 1 - P_A against 1 - Q_A.
    double p1 = Math.exp(-0.5), p2 = Math.exp(-1.5), q1 = Math.exp(-1), q2 = Math.exp(-0.75);
    double pt = 1 - p1 - p2, qt = 1 - q1 - q2;
    double expected = p1 * (-0.5 + 1) + p2 * (-1.5 + 0.75) + pt * Math.log(pt / qt);
    String call =
        "topk_kl_div(CAST(array(151643, 7) AS ARRAY<BIGINT>), array(-0.5F, -1.5F),"
            + " CAST(array(7, 151643) AS ARRAY<BIGINT>), array(-0.75F, -1F)%s)";
    assertThat(scalar("SELECT " + call.formatted(""))).isCloseTo(expected, within(1e-15));
    // the student's own list covers the same ids, so the tail-bucket form agrees here
    assertThat(scalar("SELECT " + call.formatted(", array(-1F, -0.75F)")))
        .isCloseTo(expected, within(1e-15));
    // a NULL literal student_at_teacher is the same as leaving it out
    assertThat(scalar("SELECT " + call.formatted(", NULL"))).isCloseTo(expected, within(1e-15));
  }

  @Test
  void topkDivergencesFieldsNullsAndErrors() {
    Row d =
        spark
            .sql(
                "SELECT topk_divergences(CAST(array(151643, 7) AS ARRAY<BIGINT>),"
                    + " array(ln(0.6D), ln(0.3D)), array(7, 151643), array(ln(0.5D), ln(0.2D)))"
                    + " AS d")
            .first()
            .getStruct(0);
    // A = {151643, 7}: cells (0.6, 0.2), (0.3, 0.5), rest (0.1, 0.3)
    double kl = 0.6 * Math.log(0.6 / 0.2) + 0.3 * Math.log(0.3 / 0.5) + 0.1 * Math.log(0.1 / 0.3);
    assertThat(d.getDouble(d.fieldIndex("kl_bound"))).isCloseTo(kl, within(1e-15));
    // TV: ½(0.4 + 0.2 + 0.2) = 0.4 and ½(0.4 + 0.2) + ½(0.1 + 0.3) = 0.5
    assertThat(d.getDouble(d.fieldIndex("tv_lower"))).isCloseTo(0.4, within(1e-15));
    assertThat(d.getDouble(d.fieldIndex("tv_upper"))).isCloseTo(0.5, within(1e-15));
    assertThat(d.getDouble(d.fieldIndex("teacher_tail_mass"))).isCloseTo(0.1, within(1e-15));
    assertThat(d.getDouble(d.fieldIndex("student_tail_mass"))).isCloseTo(0.3, within(1e-15));
    assertThat(d.getLong(d.fieldIndex("teacher_top1"))).isEqualTo(151643L);
    assertThat(d.getLong(d.fieldIndex("student_top1"))).isEqualTo(7L);
    assertThat(d.getInt(d.fieldIndex("top1_rank"))).isEqualTo(2);
    assertThat(d.getInt(d.fieldIndex("cells"))).isEqualTo(2);
    assertThat(d.getDouble(d.fieldIndex("overlap"))).isEqualTo(1.0);

    // a teacher reporting nothing (sentinels only): no top-1, no rank, no overlap
    Row e =
        spark
            .sql(
                "SELECT topk_divergences(array(3, 0), array(-9999D, -99999D), array(3),"
                    + " array(ln(0.5D))) AS d")
            .first()
            .getStruct(0);
    assertThat(e.isNullAt(e.fieldIndex("teacher_top1"))).isTrue();
    assertThat(e.isNullAt(e.fieldIndex("top1_rank"))).isTrue();
    assertThat(e.isNullAt(e.fieldIndex("overlap"))).isTrue();
    assertThat(e.getLong(e.fieldIndex("student_top1"))).isEqualTo(3L);
    assertThat(e.getDouble(e.fieldIndex("teacher_tail_mass"))).isEqualTo(1.0);

    Row n =
        spark
            .sql(
                "SELECT topk_divergences(CAST(NULL AS ARRAY<INT>), array(0D), array(0), array(0D)),"
                    + " topk_kl_div(NULL, array(0D), array(0), array(0D))")
            .first();
    assertThat(n.isNullAt(0)).isTrue();
    assertThat(n.isNullAt(1)).isTrue();

    assertThatThrownBy(
            () ->
                spark
                    .sql("SELECT topk_kl_div(array(0, 1), array(0D), array(0), array(0D))")
                    .collect())
        .hasStackTraceContaining("teacher_ids has 2 entries but teacher_logprobs has 1");
    assertThatThrownBy(
            () -> spark.sql("SELECT topk_kl_div(array(0.5D), array(0D), array(0), array(0D))"))
        .hasStackTraceContaining("teacher_ids")
        .hasStackTraceContaining("has type array<double>, not array<int> or array<bigint>");
  }

  @Test
  void sequenceKlCountsMaskedAndNullPositionsOnlyWhereTheyCount() {
    // Position 0 is NULL on the teacher side (vLLM's first prompt position), position 3 is masked
    // out; positions 1 and 2 count. With student_at_teacher (k = V = 2 here) each bound is the
    // dense KL: position 1: (0.5, 0.5) vs (0.9, 0.1) = 0.5108256238; position 2: (0.1, 0.9) vs
    // (0.9, 0.1) = 0.8 ln 9 = 1.7577796618, where the top-1s first differ.
    spark
        .sql(
            "SELECT array(NULL, array(0, 1), array(0, 1), array(0, 1)) AS t_ids,"
                + " array(NULL, array(ln(0.5D), ln(0.5D)), array(ln(0.1D), ln(0.9D)),"
                + "   array(ln(0.1D), ln(0.9D))) AS t_lp,"
                + " array(array(0), array(0, 1), array(0, 1), array(1, 0)) AS s_ids,"
                + " array(array(0D), array(ln(0.9D), ln(0.1D)), array(ln(0.9D), ln(0.1D)),"
                + "   array(ln(0.9D), ln(0.1D))) AS s_lp,"
                + " array(array(0D), array(ln(0.9D), ln(0.1D)), array(ln(0.9D), ln(0.1D)),"
                + "   array(ln(0.1D), ln(0.9D))) AS s_at,"
                + " array(true, true, NULL, false) AS mask_with_null,"
                + " array(true, true, true, false) AS mask")
        .createOrReplaceTempView("seq");
    Row r =
        spark
            .sql(
                "SELECT sequence_kl_div(t_ids, t_lp, s_ids, s_lp, s_at, mask) AS a,"
                    + " sequence_kl_div(t_ids, t_lp, s_ids, s_lp, NULL, mask) AS b,"
                    + " sequence_kl_div(t_ids, t_lp, s_ids, s_lp, s_at, mask_with_null) AS c,"
                    + " sequence_kl_div(t_ids, t_lp, s_ids, s_lp) AS d,"
                    + " sequence_kl_div(CAST(NULL AS ARRAY<ARRAY<INT>>), t_lp, s_ids, s_lp) AS e"
                    + " FROM seq")
            .limit(1)
            .first();
    double kl1 = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1), kl2 = 0.8 * Math.log(9);
    for (int col = 0; col < 2; col++) {
      Row a = r.getStruct(col);
      assertThat(a.getInt(a.fieldIndex("positions"))).isEqualTo(2);
      assertThat(a.getDouble(a.fieldIndex("sum"))).isCloseTo(kl1 + kl2, within(1e-14));
      assertThat(a.getDouble(a.fieldIndex("mean"))).isCloseTo((kl1 + kl2) / 2, within(1e-14));
      assertThat(a.getDouble(a.fieldIndex("max"))).isCloseTo(kl2, within(1e-14));
      assertThat(a.getInt(a.fieldIndex("first_divergence"))).isEqualTo(2);
    }
    // a NULL mask entry does not count: only position 1, whose top-1s agree
    Row c = r.getStruct(2);
    assertThat(c.getInt(c.fieldIndex("positions"))).isEqualTo(1);
    assertThat(c.getDouble(c.fieldIndex("mean"))).isCloseTo(kl1, within(1e-14));
    assertThat(c.isNullAt(c.fieldIndex("first_divergence"))).isTrue();
    // without a mask position 3 counts too: teacher (0.1, 0.9) against the student's own list
    // (0.9 at id 1, 0.1 at id 0), KL = 0; its top-1s agree (id 1)
    Row d = r.getStruct(3);
    assertThat(d.getInt(d.fieldIndex("positions"))).isEqualTo(3);
    assertThat(d.getDouble(d.fieldIndex("sum"))).isCloseTo(kl1 + kl2, within(1e-14));
    assertThat(r.isNullAt(4)).isTrue();
    assertThatThrownBy(
            () ->
                spark
                    .sql(
                        "SELECT sequence_kl_div(t_ids, t_lp, s_ids, s_lp, s_at,"
                            + " array(false)) FROM seq")
                    .collect())
        .hasStackTraceContaining("teacher_ids has 4 positions but mask has 1");
  }

  @Test
  void sequenceKlRunsInsideGeneratedCode() {
    // ids from a column, so the call cannot be folded into a constant before it runs
    org.apache.spark.sql.Dataset<Row> q =
        spark
            .range(4)
            .selectExpr(
                "sequence_kl_div(array(array(id, id + 1)), array(array(ln(0.5D), ln(0.5D))),"
                    + " array(array(id + 1, id)), array(array(ln(0.1D), ln(0.9D)))).sum AS kl");
    String plan = q.queryExecution().executedPlan().toString();
    assertThat(plan)
        .containsPattern(
            "\\*\\(\\d+\\) Project \\[.*static_invoke\\(io.kldrift.sql.KernelCalls.sequenceKl\\(");
    // per row: the teacher's (0.5, 0.5) at ids (id, id+1) against the student's (0.9, 0.1) there
    double kl = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
    assertThat(q.agg(org.apache.spark.sql.functions.sum("kl")).first().getDouble(0))
        .isCloseTo(4 * kl, within(1e-13));
  }
}
