package io.kldrift.sql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry$;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Function1;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The registry of the kldrift SQL functions: one line per function, its name and the family class
 * that documents and builds it (as Iceberg's {@code SparkProcedures} maps names to procedure
 * builders). Each call is a {@code StaticInvoke} of a {@link KernelCalls} method, which Spark
 * compiles into whole-stage generated code over primitive arrays. Registered into a session by
 * {@link KlDriftExtensions} (automatically, through the jar's service entry) or by {@link
 * #register(SparkSession)} on a session that already exists.
 */
public final class KlDriftFunctions {

  private KlDriftFunctions() {}

  /** Every function by name, in the order the README documents them. */
  private static Map<String, SqlFunction> byName() {
    Map<String, SqlFunction> f = new LinkedHashMap<>();
    f.put("kl_div", DivergenceFunctions.KL_DIV);
    f.put("reverse_kl_div", DivergenceFunctions.REVERSE_KL_DIV);
    f.put("js_div", DivergenceFunctions.JS_DIV);
    f.put("cross_entropy", DivergenceFunctions.CROSS_ENTROPY);
    f.put("total_variation", DivergenceFunctions.TOTAL_VARIATION);
    f.put("entropy", DivergenceFunctions.ENTROPY);
    f.put("softmax", NormalizationFunctions.SOFTMAX);
    f.put("log_softmax", NormalizationFunctions.LOG_SOFTMAX);
    f.put("kldrift_metrics", DivergenceFunctions.KLDRIFT_METRICS);
    f.put("kldrift_check", CheckFunctions.KLDRIFT_CHECK);
    f.put("kldrift_renormalize", NormalizationFunctions.KLDRIFT_RENORMALIZE);
    f.put("topk_kl_div", TopKFunctions.TOPK_KL_DIV);
    f.put("topk_divergences", TopKFunctions.TOPK_DIVERGENCES);
    f.put("sequence_kl_div", TopKFunctions.SEQUENCE_KL_DIV);
    return f;
  }

  private static final List<Definition> ALL = definitions(byName());

  /** One function: its name, documentation and builder. */
  public record Definition(
      String name, String usage, String arguments, String examples, Builder builder) {

    /** Spark's description of the function, shown by {@code DESCRIBE FUNCTION}. */
    public ExpressionInfo info() {
      return new ExpressionInfo(
          KlDriftFunctions.class.getName(),
          null,
          name,
          usage,
          arguments,
          examples,
          "",
          "misc_funcs",
          "",
          "",
          "built-in");
    }

    /**
     * The builder in the form Spark's function registry takes; the call keeps the function's name
     * and arguments for column names ({@link NamedCall}).
     */
    public Function1<Seq<Expression>, Expression> sparkBuilder() {
      return args ->
          new NamedCall(name, args, builder.build(name, CollectionConverters.asJava(args)));
    }

    /** The identifier under which the function is registered. */
    public FunctionIdentifier identifier() {
      return FunctionIdentifier.apply(name);
    }

    /** The fully qualified identifier a session's function registry takes directly. */
    public FunctionIdentifier qualifiedIdentifier() {
      return FunctionRegistry$.MODULE$.builtinFunctionIdentifier(name);
    }
  }

  /** Builds the expression for one call from its resolved argument expressions. */
  @FunctionalInterface
  public interface Builder {
    /** Builds the call's expression; {@code name} is the function's name, for errors. */
    Expression build(String name, List<Expression> args);
  }

  /** Every kldrift function, in the order the README documents them, each followed by its try_. */
  public static List<Definition> all() {
    return ALL;
  }

  /**
   * Registers every function into an existing session (for sessions built without the extension).
   */
  public static void register(SparkSession spark) {
    var registry =
        ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().functionRegistry();
    for (Definition d : all()) {
      registry.registerFunction(d.qualifiedIdentifier(), d.info(), d.sparkBuilder());
    }
  }

  private static List<Definition> definitions(Map<String, SqlFunction> functions) {
    List<Definition> out = new ArrayList<>();
    functions.forEach(
        (name, f) -> {
          out.add(new Definition(name, f.usage(), f.arguments(), f.examples(), f.builder()));
          if (f.nullExample() != null) {
            out.add(Validation.tryVariant(name, f));
          }
        });
    return List.copyOf(out);
  }
}
