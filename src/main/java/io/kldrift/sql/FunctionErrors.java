package io.kldrift.sql;

import io.kldrift.DriftException;
import io.kldrift.input.RowRule;
import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;
import org.apache.spark.sql.catalyst.util.ArrayData;

/** Errors raised while building or evaluating the kldrift SQL functions. */
final class FunctionErrors {
  private FunctionErrors() {}

  private static final String NOT_A_DISTRIBUTION = "is not a distribution";

  static DriftException badArgument(String function, String problem, String fix) {
    return DriftException.invalidConfig(function + ": " + problem, fix);
  }

  /**
   * Arrays {@code a} and {@code b} of one token list with {@code na} and {@code nb} entries, at
   * {@code position} (negative: a per-row list).
   */
  static DriftException entriesDiffer(String a, int na, String b, int nb, int position) {
    return DriftException.invalidInput(
        (position >= 0 ? "at position " + position + ", " : "")
            + a
            + " has "
            + na
            + " entries but "
            + b
            + " has "
            + nb,
        "each id needs its log-probability at the same index, and student_at_teacher one value"
            + " per teacher id");
  }

  /** A per-position array {@code b} of {@code nb} positions where teacher_ids has {@code n}. */
  static DriftException positionsDiffer(int n, String b, int nb) {
    return DriftException.invalidInput(
        "teacher_ids has " + n + " positions but " + b + " has " + nb,
        "every per-position array of a row must cover the same positions");
  }

  /** Two distributions of one call with different lengths (rule {@code wrong_length}). */
  static NotADistributionException lengthsDiffer(
      String function, String pText, String qText, int p, int q) {
    return error(
        new Argument(function, "q", qText),
        "does not match p = " + pText,
        RowRule.WRONG_LENGTH,
        "p has " + p + " entries and q has " + q,
        "both distributions must list the same classes in the same order");
  }

  /**
   * Argument {@code argument} of {@code function} (written as {@code text}) breaks the row rule
   * that {@link Divergences#check} reported as {@code code}; {@code raw} holds its first {@code n}
   * entries as loaded (NULL entries as NaN), {@code v} the entries themselves.
   */
  static NotADistributionException notADistribution(
      String function,
      String argument,
      String text,
      Kind kind,
      int code,
      ArrayData v,
      double[] raw,
      int n,
      double sumTolerance) {
    Argument at = new Argument(function, argument, text);
    switch (code) {
      case Divergences.EMPTY:
        return broken(
            at,
            RowRule.EMPTY_VECTOR,
            "it is empty",
            "drop or repair empty vectors, e.g. WHERE size(" + argument + ") > 0");
      case Divergences.NOT_FINITE:
        {
          int i = 0;
          while (i < n - 1 && finiteOrLogZero(raw[i], kind)) {
            i++;
          }
          String what = v.isNullAt(i) ? "NULL" : Double.toString(raw[i]);
          return broken(
              at,
              RowRule.NOT_FINITE,
              argument + "[" + i + "] is " + what,
              "fix the model export; NaN usually means a numerical overflow in the model");
        }
      case Divergences.NEGATIVE:
        {
          int i = 0;
          while (i < n - 1 && raw[i] >= 0) {
            i++;
          }
          return broken(
              at,
              RowRule.NEGATIVE_PROBABILITY,
              argument + "[" + i + "] = " + number(raw[i]) + " is negative",
              "check that it holds probabilities and not logits or log-probabilities"
                  + " (kldrift_metrics takes their kind: 'logits', 'log_probs')");
        }
      default:
        {
          double sum = 0;
          for (int c = 0; c < n; c++) {
            sum += kind == Kind.LOG_PROBS ? Math.exp(raw[c]) : raw[c];
          }
          return broken(
              at,
              RowRule.NOT_NORMALIZED,
              (kind == Kind.LOG_PROBS ? "its probabilities (exp of its entries)" : "its entries")
                  + " sum to "
                  + number(sum)
                  + ", "
                  + number(Math.abs(sum - 1))
                  + " away from 1, beyond the tolerance "
                  + number(sumTolerance),
              "normalize it, e.g. kldrift_renormalize(" + argument + ", '" + kind.label() + "')");
        }
    }
  }

  /**
   * A vector with no mass to renormalize: probabilities that are all 0, or log-probabilities that
   * are all {@code -Infinity} (rule {@code not_normalized}).
   */
  static NotADistributionException noMass(
      String function, String argument, String text, Kind kind) {
    return broken(
        new Argument(function, argument, text),
        RowRule.NOT_NORMALIZED,
        kind == Kind.LOG_PROBS
            ? "every entry is -Infinity, so its probabilities sum to 0"
            : "its entries sum to 0",
        "there is nothing to renormalize; drop such rows or repair them at the source");
  }

  /** The argument of a call that breaks a rule: the function, the argument's name and its SQL. */
  private record Argument(String function, String name, String text) {}

  private static NotADistributionException broken(
      Argument a, RowRule rule, String problem, String fix) {
    return error(a, NOT_A_DISTRIBUTION, rule, problem, fix);
  }

  private static NotADistributionException error(
      Argument a, String verdict, RowRule rule, String problem, String fix) {
    String function = a.function();
    String message =
        function
            + ": argument "
            + a.name()
            + " = "
            + a.text()
            + " "
            + verdict
            + ": "
            + problem
            + " (rule "
            + rule.label()
            + "). Fix: "
            + fix
            + "; or use try_"
            + function
            + " to get NULL instead (as "
            + function
            + " does with spark.sql.ansi.enabled=false).";
    return new NotADistributionException(
        message,
        Map.of(
            "function", function, "argument", a.name(), "rule", rule.label(), "problem", problem));
  }

  private static boolean finiteOrLogZero(double x, Kind kind) {
    return Double.isFinite(x) || (kind == Kind.LOG_PROBS && x == Double.NEGATIVE_INFINITY);
  }

  /** A number with at most six significant digits and no exponent: 1.37, 0.001. */
  private static String number(double x) {
    if (!Double.isFinite(x)) {
      return Double.toString(x);
    }
    return new BigDecimal(x).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }
}
