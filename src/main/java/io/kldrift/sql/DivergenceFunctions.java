package io.kldrift.sql;

import static io.kldrift.sql.Arguments.DEFAULT_EPSILON;
import static io.kldrift.sql.Arguments.DEFAULT_SUM_TOLERANCE;
import static io.kldrift.sql.Arguments.checkEpsilon;
import static io.kldrift.sql.Arguments.checkTemperature;
import static io.kldrift.sql.Arguments.distribution;
import static io.kldrift.sql.Arguments.doubleLit;
import static io.kldrift.sql.Arguments.elementCode;
import static io.kldrift.sql.Arguments.expectArity;
import static io.kldrift.sql.Arguments.foldDouble;
import static io.kldrift.sql.Arguments.foldKind;
import static io.kldrift.sql.Arguments.intLit;
import static io.kldrift.sql.Arguments.invoke;
import static io.kldrift.sql.SqlFunction.args;
import static io.kldrift.sql.SqlFunction.examples;

import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.types.DataTypes;

/**
 * The divergence functions over whole distributions: {@code kl_div}, {@code reverse_kl_div}, {@code
 * js_div}, {@code cross_entropy}, {@code total_variation}, {@code entropy} and {@code
 * kldrift_metrics}, each a call of the fused kernel that also checks its arguments against the
 * job's row rules ({@link Validation}), so each has a {@code try_} variant.
 */
final class DivergenceFunctions {
  private DivergenceFunctions() {}

  private static final String NOT_A_DISTRIBUTION_USAGE =
      " An argument that is not a distribution (empty, NaN or NULL entries, a negative"
          + " probability, a sum further than 1e-3 from 1, lengths that differ) raises "
          + NotADistributionException.CONDITION
          + " under ANSI mode (spark.sql.ansi.enabled, the default) and gives NULL without it;"
          + " the try_ variant always gives NULL.";

  static final SqlFunction KL_DIV =
      pair(
          Divergences.KL,
          "KL(p||q) = sum p*ln(p/q) in nats",
          "0.5108256238",
          "SELECT _FUNC_(array(0.5D, 0.5D), array(0.7D, 0.7D));");

  static final SqlFunction REVERSE_KL_DIV =
      pair(
          Divergences.REVERSE_KL,
          "KL(q||p), the reverse direction",
          "0.3680642072",
          "SELECT _FUNC_(array(-0.5D, 1.5D), array(0.9D, 0.1D));");

  static final SqlFunction JS_DIV =
      pair(
          Divergences.JS,
          "Jensen-Shannon divergence in nats, between 0 and ln 2",
          "0.1017492251",
          "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, 0.1D, 0D));");

  static final SqlFunction CROSS_ENTROPY =
      pair(
          Divergences.CROSS_ENTROPY,
          "cross-entropy H(p,q) = -sum p*ln q; equals entropy(p) + kl_div(p, q)",
          "1.2039728043",
          "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, NULL));");

  static final SqlFunction TOTAL_VARIATION =
      pair(
          Divergences.TOTAL_VARIATION,
          "total variation distance, half the L1 distance",
          "0.4",
          "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, double('NaN')));");

  static final SqlFunction ENTROPY =
      new SqlFunction(
          "_FUNC_(p) - Shannon entropy -sum p*ln p of a probability vector, in nats."
              + NOT_A_DISTRIBUTION_USAGE,
          args("p: array<float|double> or ML Vector of probabilities"),
          examples("SELECT _FUNC_(array(0.5D, 0.5D));", "0.6931471806"),
          "SELECT _FUNC_(array(0.5D, 0.6D));",
          (fn, a) -> {
            expectArity(fn, a, 1, 1);
            Expression p = distribution(fn, a.get(0));
            if (p == null) {
              return Literal.create(null, DataTypes.DoubleType);
            }
            List<Expression> call = new ArrayList<>(List.of(p, elementCode(p)));
            call.addAll(Validation.arguments(fn, DEFAULT_SUM_TOLERANCE, a.get(0)));
            return Validation.nullForNaN(fn, invoke(DataTypes.DoubleType, "entropy", call));
          });

  static final SqlFunction KLDRIFT_METRICS =
      new SqlFunction(
          "_FUNC_(p, q[, p_kind, q_kind, temperature, epsilon, sum_tolerance]) - Every per-example"
              + " metric of teacher p and student q in one fused pass, as a struct (kl, reverse_kl,"
              + " js, teacher_entropy, student_entropy, cross_entropy, total_variation,"
              + " teacher_top1, student_top1, agree, teacher_confidence, student_confidence,"
              + " support_violations, reverse_support_violations, t2_kl)."
              + NOT_A_DISTRIBUTION_USAGE,
          args(
              "p: teacher distribution, array<float|double> or ML Vector",
              "q: student distribution, same length",
              "p_kind, q_kind: 'probs' (default), 'log_probs' or 'logits'",
              "temperature: applied to logits (default 1); t2_kl = T*T*kl when a side is logits",
              "epsilon: replaces a zero student probability where p > 0 (default 1e-12)",
              "sum_tolerance: how far from 1 probabilities (or exp of log-probabilities) may sum"
                  + " (default 1e-3, as validate.sum_tolerance)"),
          examples("SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, 0.1D)).kl;", "0.5108256238"),
          "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, 0.1D), 'probs', 'log_probs');",
          DivergenceFunctions::buildMetrics);

  /** One metric of two probability vectors, selected from the kernel's output by {@code metric}. */
  private static SqlFunction pair(
      int metric, String what, String exampleResult, String nullExample) {
    return new SqlFunction(
        "_FUNC_(p, q[, epsilon]) - "
            + what
            + ", for probability vectors p and q."
            + NOT_A_DISTRIBUTION_USAGE,
        args(
            "p: array<float|double> or ML Vector of probabilities",
            "q: same type and length as p",
            "epsilon: replaces a zero q where p > 0 (default 1e-12)"),
        examples("SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, 0.1D));", exampleResult),
        nullExample,
        (fn, a) -> {
          expectArity(fn, a, 2, 3);
          Expression p = distribution(fn, a.get(0));
          Expression q = distribution(fn, a.get(1));
          double eps = a.size() > 2 ? foldDouble(fn, a.get(2), "epsilon") : DEFAULT_EPSILON;
          checkEpsilon(fn, eps);
          if (p == null || q == null) {
            return Literal.create(null, DataTypes.DoubleType);
          }
          List<Expression> call =
              new ArrayList<>(
                  List.of(p, q, elementCode(p), elementCode(q), doubleLit(eps), intLit(metric)));
          call.addAll(Validation.arguments(fn, DEFAULT_SUM_TOLERANCE, a.get(0), a.get(1)));
          return Validation.nullForNaN(fn, invoke(DataTypes.DoubleType, "single", call));
        });
  }

  private static Expression buildMetrics(String fn, List<Expression> a) {
    expectArity(fn, a, 2, 7);
    Expression p = distribution(fn, a.get(0));
    Expression q = distribution(fn, a.get(1));
    Kind pKind = a.size() > 2 ? foldKind(fn, a.get(2)) : Kind.PROBS;
    Kind qKind = a.size() > 3 ? foldKind(fn, a.get(3)) : Kind.PROBS;
    double t = a.size() > 4 ? foldDouble(fn, a.get(4), "temperature") : 1.0;
    double eps = a.size() > 5 ? foldDouble(fn, a.get(5), "epsilon") : DEFAULT_EPSILON;
    double tol = a.size() > 6 ? foldDouble(fn, a.get(6), "sum_tolerance") : DEFAULT_SUM_TOLERANCE;
    checkTemperature(fn, t);
    checkEpsilon(fn, eps);
    if (!(tol >= 0 && tol < 1)) {
      throw FunctionErrors.badArgument(
          fn, "sum_tolerance " + tol + " is not in [0, 1)", "pass a small tolerance such as 1e-3");
    }
    if (p == null || q == null) {
      return Literal.create(null, FunctionSchemas.METRICS);
    }
    List<Expression> call =
        new ArrayList<>(
            List.of(
                p,
                q,
                elementCode(p),
                elementCode(q),
                intLit(pKind.ordinal()),
                intLit(qKind.ordinal()),
                doubleLit(t),
                doubleLit(eps)));
    call.addAll(Validation.arguments(fn, tol, a.get(0), a.get(1)));
    return invoke(FunctionSchemas.METRICS, "metrics", call);
  }
}
