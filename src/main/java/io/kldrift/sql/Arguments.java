package io.kldrift.sql;

import io.kldrift.config.DriftConfig;
import io.kldrift.kernel.Divergences.Kind;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.NumericType;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What every function family does with its arguments when a call is built: check the arity, take
 * constants (kind, epsilon, temperature) out of literal arguments, accept a distribution argument
 * in each of its types, and call a {@link KernelCalls} method through {@code StaticInvoke}. Errors
 * name the function and say how to fix the call.
 */
final class Arguments {
  private Arguments() {}

  /** Default epsilon for zero student probabilities (DESIGN §2). */
  static final double DEFAULT_EPSILON = 1e-12;

  /**
   * How far from 1 a distribution argument may sum unless the call says otherwise: the default of
   * {@code validate.sum_tolerance}, so a function accepts what the job accepts.
   */
  static final double DEFAULT_SUM_TOLERANCE =
      Double.parseDouble(DriftConfig.SUM_TOLERANCE.defaultText());

  /** The result type of the array-valued functions. */
  static final ArrayType DOUBLES = DataTypes.createArrayType(DataTypes.DoubleType, false);

  /**
   * Normalizes a distribution argument to an array of float or double: ML vectors are unpacked
   * without copying dense values. Returns null for a NULL literal.
   */
  static Expression distribution(String fn, Expression e) {
    DataType t = e.dataType();
    if (t instanceof NullType) {
      return null;
    }
    if (t instanceof ArrayType at
        && (at.elementType() == DataTypes.FloatType || at.elementType() == DataTypes.DoubleType)) {
      return e;
    }
    if (t.equals(SQLDataTypes.VectorType())) {
      return invoke(DOUBLES, "vectorValues", List.of(e));
    }
    throw FunctionErrors.badArgument(
        fn,
        "argument "
            + e.sql()
            + " has type "
            + t.simpleString()
            + ", not array<float>, array<double> or an ML Vector",
        "cast the column, e.g. CAST(x AS ARRAY<DOUBLE>)");
  }

  /** The element type code of a distribution, as {@link KernelCalls} reads it. */
  static Expression elementCode(Expression array) {
    DataType el = ((ArrayType) array.dataType()).elementType();
    return intLit(el == DataTypes.FloatType ? KernelCalls.FLOAT : KernelCalls.DOUBLE);
  }

  /** A call of the {@link KernelCalls} method {@code method}, which may return null. */
  static Expression invoke(DataType type, String method, List<Expression> args) {
    return invoke(type, method, args, true);
  }

  /** Like {@link #invoke(DataType, String, List)}; {@code propagateNull}: a null argument, null. */
  static Expression invoke(
      DataType type, String method, List<Expression> args, boolean propagateNull) {
    return new StaticInvoke(
        KernelCalls.class,
        type,
        method,
        seq(args),
        seq(List.<AbstractDataType>of()),
        propagateNull,
        true,
        true,
        Option.empty());
  }

  static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }

  static Literal intLit(int v) {
    return Literal.create(v, DataTypes.IntegerType);
  }

  static Literal doubleLit(double v) {
    return Literal.create(v, DataTypes.DoubleType);
  }

  static void expectArity(String fn, List<Expression> a, int min, int max) {
    if (a.size() < min || a.size() > max) {
      throw FunctionErrors.badArgument(
          fn,
          "takes " + (min == max ? min : min + " to " + max) + " arguments, got " + a.size(),
          "see DESCRIBE FUNCTION EXTENDED " + fn);
    }
  }

  /** The value of a numeric constant argument, such as epsilon or a temperature. */
  static double foldDouble(String fn, Expression e, String what) {
    if (!e.foldable() || !(e.dataType() instanceof NumericType)) {
      throw FunctionErrors.badArgument(
          fn, what + " must be a numeric constant, got " + e.sql(), "pass a literal such as 2.0");
    }
    Object v = e.eval(null);
    return v instanceof Decimal d ? d.toDouble() : ((Number) v).doubleValue();
  }

  /** The kind of a whole distribution named by a string constant argument. */
  static Kind foldKind(String fn, Expression e) {
    if (!e.foldable() || e.dataType() != DataTypes.StringType) {
      throw FunctionErrors.badArgument(
          fn,
          "kind must be a string constant, got " + e.sql(),
          "pass 'probs', 'log_probs' or 'logits'");
    }
    Kind k;
    try {
      k = Kind.parse(String.valueOf(e.eval(null)));
    } catch (IllegalArgumentException ex) {
      throw FunctionErrors.badArgument(
          fn, ex.getMessage(), "pass 'probs', 'log_probs' or 'logits'");
    }
    if (k == Kind.TOPK_LOG_PROBS) {
      throw FunctionErrors.badArgument(
          fn,
          "kind topk_log_probs is a list of top-k entries, not a whole distribution",
          "use topk_kl_div or topk_divergences with the ids and log-probabilities");
    }
    return k;
  }

  static void checkTemperature(String fn, double t) {
    if (!(t > 0) || Double.isInfinite(t)) {
      throw FunctionErrors.badArgument(
          fn,
          "temperature " + t + " is not a positive finite number",
          "pass a temperature such as 1.0 or 2.0");
    }
  }

  static void checkEpsilon(String fn, double eps) {
    if (!(eps > 0 && eps < 1)) {
      throw FunctionErrors.badArgument(
          fn,
          "epsilon " + eps + " is not in (0, 1)",
          "pass a small positive epsilon such as 1e-12");
    }
  }
}
