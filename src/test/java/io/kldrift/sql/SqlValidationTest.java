package io.kldrift.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.TestSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The distribution and normalizing functions on arguments that are not distributions: an error with
 * condition KLDRIFT_NOT_A_DISTRIBUTION under ANSI mode, NULL without it and always NULL from the
 * try_ variants; valid arguments give the same numbers in every mode. Each mode runs in its own
 * session of the shared context ({@code newSession()}: its own SQL configuration), so the shared
 * session's settings are never changed.
 */
class SqlValidationTest {
  private static final SparkSession ANSI = session(true);
  private static final SparkSession LENIENT = session(false);

  /** KL(0.5, 0.5 || 0.9, 0.1), from the definition. */
  private static final double KL = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);

  private static final String P = "array(0.5D, 0.5D)", Q = "array(0.9D, 0.1D)";

  /** For each validating function, a call on valid arguments and its value by hand. */
  private static final Map<String, Double> VALID =
      Map.of(
          "kl_div(" + P + ", " + Q + ")",
          KL,
          "reverse_kl_div(" + P + ", " + Q + ")",
          0.9 * Math.log(0.9 / 0.5) + 0.1 * Math.log(0.1 / 0.5),
          // m = (0.7, 0.3): half of KL(p||m) plus half of KL(q||m)
          "js_div(" + P + ", " + Q + ")",
          0.5 * (0.5 * Math.log(0.5 / 0.7) + 0.5 * Math.log(0.5 / 0.3))
              + 0.5 * (0.9 * Math.log(0.9 / 0.7) + 0.1 * Math.log(0.1 / 0.3)),
          "cross_entropy(" + P + ", " + Q + ")",
          -0.5 * Math.log(0.9) - 0.5 * Math.log(0.1),
          "total_variation(" + P + ", " + Q + ")",
          0.5 * (0.4 + 0.4),
          "entropy(array(0.25D, 0.75D))",
          -0.25 * Math.log(0.25) - 0.75 * Math.log(0.75),
          "kldrift_metrics(" + P + ", " + Q + ").kl",
          KL);

  /** For each validating function, a call that breaks one rule, and the rule. */
  private static final List<String[]> INVALID =
      List.of(
          new String[] {"kl_div(array(0.5D, 0.5D), array(0.7D, 0.7D))", "not_normalized", "q"},
          new String[] {"reverse_kl_div(array(-0.5D, 1.5D), " + Q + ")", "negative_probability"},
          new String[] {"js_div(" + P + ", array(0.9D, 0.1D, 0D))", "wrong_length", "q"},
          new String[] {"cross_entropy(" + P + ", array(0.9D, NULL))", "not_finite", "q"},
          new String[] {"total_variation(array(double('NaN'), 1D), " + Q + ")", "not_finite"},
          new String[] {"entropy(CAST(array() AS ARRAY<DOUBLE>))", "empty_vector"},
          new String[] {
            "kldrift_metrics(" + P + ", array(ln(0.9D), ln(0.2D)), 'probs', 'log_probs')",
            "not_normalized",
            "q"
          },
          new String[] {"softmax(array(1D, double('NaN')), 2.0)", "not_finite", "logits"},
          new String[] {"log_softmax(CAST(array() AS ARRAY<DOUBLE>))", "empty_vector", "logits"},
          new String[] {
            "kldrift_renormalize(array(-0.5D, 1.5D), 'probs')", "negative_probability", "v"
          },
          new String[] {
            "kldrift_renormalize(array(1D, double('Infinity')), 'logits')", "not_finite", "v"
          },
          // no mass to divide by: probabilities 0 + 0, exp(-Infinity) + exp(-Infinity)
          new String[] {"kldrift_renormalize(array(0D, 0D), 'probs')", "not_normalized", "v"},
          new String[] {
            "kldrift_renormalize(array(double('-Infinity'), double('-Infinity')), 'log_probs')",
            "not_normalized",
            "v"
          });

  private static SparkSession session(boolean ansi) {
    SparkSession s = TestSpark.get().newSession();
    s.conf().set("spark.sql.ansi.enabled", String.valueOf(ansi));
    return s;
  }

  private static Object value(SparkSession s, String expr) {
    return s.sql("SELECT " + expr).first().get(0);
  }

  /** The SparkThrowable a statement raises, found in the cause chain as Spark wraps task errors. */
  private static SparkThrowable raised(SparkSession s, String sql) {
    Throwable e = null;
    try {
      s.sql(sql).collect();
    } catch (RuntimeException t) {
      e = t;
    }
    assertThat(e).as(sql).isNotNull();
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SparkThrowable t
          && NotADistributionException.CONDITION.equals(t.getCondition())) {
        return t;
      }
    }
    throw new AssertionError(sql + " raised no " + NotADistributionException.CONDITION, e);
  }

  @Test
  void validArgumentsGiveTheSameNumbersInEveryMode() {
    VALID.forEach(
        (call, expected) -> {
          String tryCall = "try_" + call;
          for (SparkSession s : List.of(ANSI, LENIENT)) {
            assertThat((Double) value(s, call)).as(call).isCloseTo(expected, within(1e-15));
            assertThat((Double) value(s, tryCall)).as(tryCall).isCloseTo(expected, within(1e-15));
          }
        });
  }

  @Test
  void underAnsiEachFunctionRaisesTheConditionNamingArgumentAndRule() {
    for (String[] c : INVALID) {
      String function = c[0].substring(0, c[0].indexOf('('));
      SparkThrowable t = raised(ANSI, "SELECT " + c[0]);
      assertThat(t.getCondition()).isEqualTo("KLDRIFT_NOT_A_DISTRIBUTION");
      assertThat(t.getSqlState()).isEqualTo("22023");
      assertThat(t.getMessageParameters())
          .as(c[0])
          .containsEntry("function", function)
          .containsEntry("rule", c[1])
          .containsEntry("argument", c.length > 2 ? c[2] : "p");
      assertThat(((Throwable) t).getMessage())
          .as(c[0])
          .startsWith("[KLDRIFT_NOT_A_DISTRIBUTION] " + function + ": argument ")
          .contains("(rule " + c[1] + ")")
          .contains("use try_" + function + " to get NULL instead")
          .endsWith("SQLSTATE: 22023");
    }
  }

  @Test
  void theMessagesStateTheProblem() {
    assertThat(
            ((Throwable) raised(ANSI, "SELECT kl_div(array(0.5D, 0.5D), array(0.7D, 0.7D))"))
                .getMessage())
        .isEqualTo(
            "[KLDRIFT_NOT_A_DISTRIBUTION] kl_div: argument q = array(0.7, 0.7) is not a"
                + " distribution: its entries sum to 1.4, 0.4 away from 1, beyond the tolerance"
                + " 0.001 (rule not_normalized). Fix: normalize it, e.g. kldrift_renormalize(q,"
                + " 'probs'); or use try_kl_div to get NULL instead (as kl_div does with"
                + " spark.sql.ansi.enabled=false). SQLSTATE: 22023");
    assertThat(message("kl_div(array(-0.5D, 1.5D), array(0.9D, 0.1D))"))
        .contains(
            "kl_div: argument p = array(-0.5, 1.5) is not a distribution: p[0] = -0.5 is negative"
                + " (rule negative_probability). Fix: check that it holds probabilities and not"
                + " logits");
    assertThat(message("js_div(array(0.5D, 0.5D), array(0.2D, 0.3D, 0.5D))"))
        .contains(
            "js_div: argument q = array(0.2, 0.3, 0.5) does not match p = array(0.5, 0.5): p has"
                + " 2 entries and q has 3 (rule wrong_length)");
    assertThat(message("cross_entropy(array(0.5D, 0.5D), array(0.9D, NULL))"))
        .contains("q[1] is NULL (rule not_finite)");
    assertThat(message("entropy(array(0.5D, double('NaN'), 0.5D))"))
        .contains("entropy: argument p = array(0.5, NaN, 0.5) is not a distribution: p[1] is NaN");
    assertThat(message("kldrift_metrics(array(1D, double('Infinity')), array(0D, 1D), 'logits')"))
        .contains("p[1] is Infinity (rule not_finite)");
    // exp(ln 0.9) + exp(ln 0.2) = 1.1
    assertThat(
            message(
                "kldrift_metrics(array(0.5D, 0.5D), array(ln(0.9D), ln(0.2D)), 'probs', 'log_probs')"))
        .contains("its probabilities (exp of its entries) sum to 1.1, 0.1 away from 1")
        .contains("kldrift_renormalize(q, 'log_probs')");
  }

  private static String message(String call) {
    return ((Throwable) raised(ANSI, "SELECT " + call)).getMessage();
  }

  @Test
  void theErrorAlsoComesFromATaskOverColumns() {
    // from a column, so nothing is folded on the driver: the kernel raises inside generated code
    SparkThrowable t =
        raised(
            ANSI,
            "SELECT kl_div(array(0.5D, 0.5D + id), array(0.9D, 0.1D)) FROM range(3) WHERE id = 2");
    assertThat(t.getMessageParameters()).containsEntry("rule", "not_normalized");
    assertThat(((Throwable) t).getMessage())
        .contains("argument p = array(0.5, (0.5 + id))")
        .contains("sum to 3, 2 away from 1");
  }

  @Test
  void tryVariantsAndAnsiOffGiveNull() {
    for (String[] c : INVALID) {
      assertThat(value(ANSI, "try_" + c[0])).as("try_" + c[0]).isNull();
      assertThat(value(LENIENT, "try_" + c[0])).as("try_" + c[0]).isNull();
      assertThat(value(LENIENT, c[0])).as(c[0]).isNull();
    }
    // over a column, in generated code: the second row's p sums to 1.5
    List<Row> rows =
        ANSI.sql(
                "SELECT try_kl_div(p, array(0.9D, 0.1D)), try_entropy(p),"
                    + " try_kldrift_metrics(p, array(0.9D, 0.1D)).kl"
                    + " FROM (SELECT id, array(0.5D, 0.5D + id / 2) AS p FROM range(2)) ORDER BY id")
            .collectAsList();
    assertThat(rows.get(0).getDouble(0)).isCloseTo(KL, within(1e-15));
    assertThat(rows.get(0).getDouble(1)).isCloseTo(Math.log(2), within(1e-15));
    assertThat(rows.get(0).getDouble(2)).isCloseTo(KL, within(1e-15));
    assertThat(rows.get(1).isNullAt(0)).isTrue();
    assertThat(rows.get(1).isNullAt(1)).isTrue();
    assertThat(rows.get(1).isNullAt(2)).isTrue();
  }

  @Test
  void normalizingFunctionsGiveTheSameArraysInEveryMode() {
    // softmax(0, ln 3) = (1, 3) / 4; at T = 2 the logits (0, ln 9) halve to (0, ln 3). The log
    // forms are ln(1/4) and ln(3/4); renormalizing (1, 3) divides by 4, and log-probabilities
    // (0, ln 3) shift by ln(e^0 + e^(ln 3)) = ln 4. Logits stay as they are, and a
    // log-probability of -Infinity (probability 0) is valid: ln 1 - ln 1 = 0 beside it.
    double q = Math.log(0.25), tq = Math.log(0.75);
    Map<String, double[]> expected =
        Map.of(
            "softmax(array(0D, ln(3D)))", new double[] {0.25, 0.75},
            "softmax(array(0D, ln(9D)), 2.0)", new double[] {0.25, 0.75},
            "log_softmax(array(0D, ln(3D)))", new double[] {q, tq},
            "kldrift_renormalize(array(1D, 3D), 'probs')", new double[] {0.25, 0.75},
            "kldrift_renormalize(array(0D, ln(3D)), 'log_probs')", new double[] {q, tq},
            "kldrift_renormalize(array(1D, -2D), 'logits')", new double[] {1, -2},
            "kldrift_renormalize(array(0D, double('-Infinity')), 'log_probs')",
                new double[] {0, Double.NEGATIVE_INFINITY});
    expected.forEach(
        (call, want) -> {
          for (SparkSession s : List.of(ANSI, LENIENT)) {
            for (String c : List.of(call, "try_" + call)) {
              List<Double> got = s.sql("SELECT " + c).first().getList(0);
              assertThat(got).as(c).hasSize(want.length);
              for (int i = 0; i < want.length; i++) {
                assertThat(got.get(i)).as(c).isCloseTo(want[i], within(1e-15));
              }
            }
          }
        });
    // over a column, in generated code: the second row's logits hold a NaN
    List<Row> rows =
        ANSI.sql(
                "SELECT try_softmax(z), try_kldrift_renormalize(z, 'logits') FROM (SELECT id,"
                    + " array(0D, IF(id = 1, double('NaN'), ln(3D))) AS z FROM range(2))"
                    + " ORDER BY id")
            .collectAsList();
    List<Double> first = rows.get(0).getList(0);
    assertThat(first.get(0)).isCloseTo(0.25, within(1e-15));
    assertThat(first.get(1)).isCloseTo(0.75, within(1e-15));
    assertThat(rows.get(1).isNullAt(0)).isTrue();
    assertThat(rows.get(1).isNullAt(1)).isTrue();
    assertThat(message("softmax(array(1D, double('NaN')), 2.0)"))
        .contains("softmax: argument logits = ")
        .contains("is not a distribution: logits[1] is NaN (rule not_finite)");
    assertThat(message("kldrift_renormalize(array(0D, 0D), 'probs')"))
        .contains(
            "kldrift_renormalize: argument v = array(0.0, 0.0) is not a distribution: its entries"
                + " sum to 0 (rule not_normalized). Fix: there is nothing to renormalize;");
  }

  @Test
  void theDefaultToleranceIsValidateSumTolerance() {
    // sums 1.0005 (within 1e-3) and 1.002 (beyond it)
    assertThat((Double) value(ANSI, "kl_div(array(0.5005D, 0.5D), array(0.5D, 0.5D))"))
        .isCloseTo(0.5005 * Math.log(0.5005 / 0.5), within(1e-15));
    assertThat(message("kl_div(array(0.502D, 0.5D), array(0.5D, 0.5D))"))
        .contains("sum to 1.002, 0.002 away from 1, beyond the tolerance 0.001");
    // kldrift_metrics takes another tolerance as its seventh argument
    Row m =
        ANSI.sql(
                "SELECT kldrift_metrics(array(0.504D, 0.5D), array(0.5D, 0.5D), 'probs', 'probs',"
                    + " 1.0, 1e-12, 0.01) AS m")
            .first()
            .getStruct(0);
    assertThat(m.getDouble(m.fieldIndex("kl")))
        .isCloseTo(0.504 * Math.log(0.504 / 0.5), within(1e-15));
  }

  @Test
  void kldriftCheckNamesTheRule() {
    assertThat(value(ANSI, "kldrift_check(array(0.5D, 0.5D), 'probs', 0.001)")).isNull();
    assertThat(value(ANSI, "kldrift_check(array(0.5D, 0.6D), 'probs', 0.001)"))
        .isEqualTo("not_normalized");
    assertThat(value(ANSI, "kldrift_check(array(0.5D, 0.6D), 'probs', 0.001, 0.05)"))
        .isEqualTo("not_normalized_beyond_bound");
    assertThat(value(ANSI, "kldrift_check(array(0.5D, 0.52D), 'probs', 0.001, 0.05)"))
        .isEqualTo("not_normalized");
    assertThat(value(ANSI, "kldrift_check(array(-0.5D, 1.5D), 'probs', 0.001)"))
        .isEqualTo("negative_probability");
    assertThat(value(ANSI, "kldrift_check(array(0.5D, NULL), 'probs', 0.001)"))
        .isEqualTo("not_finite");
    assertThat(value(ANSI, "kldrift_check(CAST(array() AS ARRAY<FLOAT>), 'probs', 0.001)"))
        .isEqualTo("empty_vector");
    assertThat(value(ANSI, "kldrift_check(CAST(NULL AS ARRAY<DOUBLE>), 'probs', 0.001)"))
        .isEqualTo("null_vector");
    assertThat(value(ANSI, "kldrift_check(NULL, 'probs', 0.001)")).isEqualTo("null_vector");
    assertThat(
            value(
                ANSI,
                "kldrift_check(array(ln(0.5D), double('-Infinity'), ln(0.5D)), 'log_probs', 0.001)"))
        .isNull();
  }

  @Test
  void theNullVariantStaysInGeneratedCodeWithoutBoxing() {
    var q =
        LENIENT.sql("SELECT kl_div(array(0.5D, 0.5D + id), array(0.9D, 0.1D)) AS kl FROM range(2)");
    String code =
        org.apache.spark.sql.execution.debug.package$.MODULE$.codegenString(
            q.queryExecution().executedPlan());
    assertThat(code).contains("io.kldrift.sql.KernelCalls.single(").contains("Double.isNaN(");
    assertThat(code).doesNotContain("Double.valueOf(").doesNotContain("java.lang.Double ");
  }
}
