package io.kldrift.sql;

import static io.kldrift.sql.Arguments.DOUBLES;
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

import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.types.DataTypes;

/**
 * The functions that turn a vector into a distribution: {@code softmax} and {@code log_softmax} of
 * logits at a temperature, and {@code kldrift_renormalize}, which the job's renormalize policy
 * calls on rows whose sum is a little off 1. Like the divergences, each checks its argument against
 * the row rules of its kind and has a {@code try_} variant ({@link Validation}).
 */
final class NormalizationFunctions {
  private NormalizationFunctions() {}

  /** What the three say of a vector that breaks a row rule of its kind. */
  private static final String NOT_A_DISTRIBUTION_USAGE =
      " raises "
          + NotADistributionException.CONDITION
          + " under ANSI mode (spark.sql.ansi.enabled, the default) and gives NULL without it;"
          + " the try_ variant always gives NULL.";

  static final SqlFunction SOFTMAX =
      softmax(false, "SELECT _FUNC_(array(1D, double('NaN')), 1.0);");

  static final SqlFunction LOG_SOFTMAX =
      softmax(true, "SELECT _FUNC_(CAST(array() AS ARRAY<DOUBLE>));");

  static final SqlFunction KLDRIFT_RENORMALIZE =
      new SqlFunction(
          "_FUNC_(v, kind) - Distribution v renormalized: probabilities divided by their sum,"
              + " log-probabilities shifted by the log of the sum of their exponentials; logits as"
              + " they are. A vector that cannot be renormalized (empty, NaN or NULL entries, a"
              + " negative probability, no mass at all)"
              + NOT_A_DISTRIBUTION_USAGE,
          args("v: array<float|double> or ML Vector", "kind: 'probs', 'log_probs' or 'logits'"),
          examples(
              "SELECT _FUNC_(array(0.5D, 0.52D, 1.0D), 'probs');",
              "[0.2475247525,0.2574257426,0.4950495050]"),
          "SELECT _FUNC_(array(0D, 0D), 'probs');",
          (fn, a) -> {
            expectArity(fn, a, 2, 2);
            Expression v = distribution(fn, a.get(0));
            Kind kind = foldKind(fn, a.get(1));
            if (v == null) {
              return Literal.create(null, DOUBLES);
            }
            List<Expression> call =
                new ArrayList<>(List.of(v, elementCode(v), intLit(kind.ordinal())));
            call.addAll(Validation.arguments(fn, a.get(0)));
            return invoke(DOUBLES, "renormalize", call);
          });

  private static SqlFunction softmax(boolean log, String nullExample) {
    return new SqlFunction(
        "_FUNC_(logits[, temperature]) - The "
            + (log ? "log-softmax" : "softmax")
            + " of logits divided by temperature (default 1), computed with the max shift. Logits"
            + " that are empty or hold NaN, NULL or infinite entries"
            + NOT_A_DISTRIBUTION_USAGE,
        args("logits: array<float|double> or ML Vector", "temperature: a positive number"),
        examples(
            "SELECT _FUNC_(array(0D, 0D), 1.0);",
            log ? "[-0.6931471806,-0.6931471806]" : "[0.5,0.5]"),
        nullExample,
        (fn, a) -> {
          expectArity(fn, a, 1, 2);
          Expression z = distribution(fn, a.get(0));
          double t = a.size() > 1 ? foldDouble(fn, a.get(1), "temperature") : 1.0;
          checkTemperature(fn, t);
          if (z == null) {
            return Literal.create(null, DOUBLES);
          }
          List<Expression> call =
              new ArrayList<>(
                  List.of(
                      z, elementCode(z), doubleLit(t), Literal.create(log, DataTypes.BooleanType)));
          call.addAll(Validation.arguments(fn, a.get(0)));
          return invoke(DOUBLES, "softmax", call);
        });
  }
}
