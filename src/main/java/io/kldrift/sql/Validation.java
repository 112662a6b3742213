package io.kldrift.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NaNvl;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;

/**
 * How the distribution functions answer an argument that is not a distribution, the way Spark's own
 * arithmetic does under ANSI mode: the plain function raises {@link NotADistributionException} when
 * {@code spark.sql.ansi.enabled} is on and returns NULL when it is off; its {@code try_} variant
 * always returns NULL (as {@code try_divide} does for {@code /}). The choice is made once, when a
 * call is built, and reaches the kernel as a constant.
 */
final class Validation {
  private Validation() {}

  /** The prefix of the variant that returns NULL instead of raising. */
  static final String TRY = "try_";

  /** Whether a call of {@code function} built now raises on an argument that is no distribution. */
  static boolean raises(String function) {
    return !function.startsWith(TRY) && SQLConf.get().ansiEnabled();
  }

  /**
   * The trailing kernel arguments that validate a call: the sum tolerance, then {@link
   * #arguments(String, Expression...)}.
   */
  static List<Expression> arguments(String function, double sumTolerance, Expression... written) {
    List<Expression> out = new ArrayList<>();
    out.add(Literal.create(sumTolerance, DataTypes.DoubleType));
    out.addAll(arguments(function, written));
    return out;
  }

  /**
   * The trailing kernel arguments that validate a call whose rules involve no sum (logits, a vector
   * to renormalize): whether to raise, the function's name and each distribution argument as
   * written (for the error message).
   */
  static List<Expression> arguments(String function, Expression... written) {
    List<Expression> out = new ArrayList<>();
    out.add(Literal.create(raises(function), DataTypes.BooleanType));
    out.add(Literal.create(function, DataTypes.StringType));
    for (Expression e : written) {
      out.add(Literal.create(asWritten(e), DataTypes.StringType));
    }
    return out;
  }

  /**
   * A double-valued kernel call that returns NaN for an argument that is no distribution (which a
   * valid one never gives): NULL there, unless the call raises. {@code nanvl} is generated code
   * over the primitive double, so nothing is boxed.
   */
  static Expression nullForNaN(String function, Expression call) {
    return raises(function) ? call : new NaNvl(call, Literal.create(null, DataTypes.DoubleType));
  }

  /**
   * The {@code try_} variant of the validating function {@code f} registered as {@code name}: same
   * arguments and results, NULL where the function raises; its examples are the function's, then
   * its {@link SqlFunction#nullExample} giving NULL.
   */
  static KlDriftFunctions.Definition tryVariant(String name, SqlFunction f) {
    String signature = f.usage().substring(0, f.usage().indexOf(" - "));
    String examples = f.examples();
    return new KlDriftFunctions.Definition(
        TRY + name,
        signature
            + " - Like "
            + name
            + ", but NULL where "
            + name
            + " raises "
            + NotADistributionException.CONDITION
            + " (an argument that is not a distribution), whatever spark.sql.ansi.enabled says.",
        f.arguments(),
        examples.substring(0, examples.length() - 2)
            + "      > "
            + f.nullExample()
            + "\n       NULL\n  ",
        f.builder());
  }

  private static String asWritten(Expression e) {
    var util = org.apache.spark.sql.catalyst.util.package$.MODULE$;
    return util.toPrettySQL(e, util.toPrettySQL$default$2());
  }
}
