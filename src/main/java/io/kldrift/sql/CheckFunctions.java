package io.kldrift.sql;

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

import io.kldrift.kernel.Divergences.Kind;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code kldrift_check}: which row rule a distribution breaks, by the name the job's reports and
 * {@code quarantine/} use. The job's row-rule policies call it too, so a SQL user and the job judge
 * a vector alike.
 */
final class CheckFunctions {
  private CheckFunctions() {}

  static final SqlFunction KLDRIFT_CHECK =
      new SqlFunction(
          "_FUNC_(v, kind, sum_tolerance[, renormalize_bound]) - The name of the first row rule"
              + " that distribution v breaks, as the job's reports name it: 'null_vector',"
              + " 'empty_vector', 'not_finite' (NaN, NULL or infinite entries; a log-probability"
              + " may be -Infinity), 'negative_probability', 'not_normalized' (sum further than"
              + " sum_tolerance from 1); 'not_normalized_beyond_bound' when renormalize_bound is"
              + " given and the sum is further than it from 1. NULL for a valid vector.",
          args(
              "v: array<float|double> or ML Vector",
              "kind: 'probs', 'log_probs' or 'logits'",
              "sum_tolerance: allowed distance of the sum from 1",
              "renormalize_bound: optional; a sum further than this from 1 (too far off to"
                  + " renormalize) gives 'not_normalized_beyond_bound'"),
          examples(
              "SELECT _FUNC_(array(0.5D, 0.6D), 'probs', 0.001);",
              "not_normalized",
              "SELECT _FUNC_(array(0.5D, 0.6D), 'probs', 0.001, 0.05);",
              "not_normalized_beyond_bound",
              "SELECT _FUNC_(array(0.5D, 0.5D), 'probs', 0.001);",
              "NULL"),
          CheckFunctions::buildCheck);

  private static Expression buildCheck(String fn, List<Expression> a) {
    expectArity(fn, a, 3, 4);
    Expression v = distribution(fn, a.get(0));
    Kind kind = foldKind(fn, a.get(1));
    double tol = foldDouble(fn, a.get(2), "sum_tolerance");
    double bound =
        a.size() == 4 ? foldDouble(fn, a.get(3), "renormalize_bound") : Double.POSITIVE_INFINITY;
    if (v == null) {
      return Literal.create(KernelCalls.NULL_VECTOR, DataTypes.StringType);
    }
    // A null vector reaches the kernel (no null propagation), which names it null_vector.
    return invoke(
        DataTypes.StringType,
        "check",
        List.of(v, elementCode(v), intLit(kind.ordinal()), doubleLit(tol), doubleLit(bound)),
        false);
  }
}
