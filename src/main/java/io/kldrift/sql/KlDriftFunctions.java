package io.kldrift.sql;

import io.kldrift.DriftConfig;
import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The kldrift SQL functions: each is a {@code StaticInvoke} of a {@link KernelCalls} method, which
 * Spark compiles into whole-stage generated code over primitive arrays. Registered into a session
 * by {@link KlDriftExtensions} (automatically, through the jar's service entry) or by {@link
 * #register(SparkSession)} on a session that already exists.
 */
public final class KlDriftFunctions {

  private KlDriftFunctions() {}

  /** Default epsilon for zero student probabilities (DESIGN §2). */
  public static final double DEFAULT_EPSILON = 1e-12;

  /**
   * How far from 1 a distribution argument may sum unless the call says otherwise: the default of
   * {@code validate.sum_tolerance}, so a function accepts what the job accepts.
   */
  public static final double DEFAULT_SUM_TOLERANCE =
      Double.parseDouble(DriftConfig.SUM_TOLERANCE.defaultText());

  private static final String NOT_A_DISTRIBUTION_USAGE =
      " An argument that is not a distribution (empty, NaN or NULL entries, a negative"
          + " probability, a sum further than 1e-3 from 1, lengths that differ) raises "
          + NotADistributionException.CONDITION
          + " under ANSI mode (spark.sql.ansi.enabled, the default) and gives NULL without it;"
          + " the try_ variant always gives NULL.";

  /**
   * The struct returned by {@code topk_divergences}; field names are part of the public contract.
   */
  public static final StructType TOPK_DIVERGENCES =
      new StructType(
          new StructField[] {
            DataTypes.createStructField("kl_bound", DataTypes.DoubleType, false),
            DataTypes.createStructField("reverse_kl_bound", DataTypes.DoubleType, false),
            DataTypes.createStructField("js_lower", DataTypes.DoubleType, false),
            DataTypes.createStructField("js_upper", DataTypes.DoubleType, false),
            DataTypes.createStructField("tv_lower", DataTypes.DoubleType, false),
            DataTypes.createStructField("tv_upper", DataTypes.DoubleType, false),
            DataTypes.createStructField("teacher_tail_mass", DataTypes.DoubleType, false),
            DataTypes.createStructField("student_tail_mass", DataTypes.DoubleType, false),
            DataTypes.createStructField("overlap", DataTypes.DoubleType, true),
            DataTypes.createStructField("teacher_top1", DataTypes.LongType, true),
            DataTypes.createStructField("student_top1", DataTypes.LongType, true),
            DataTypes.createStructField("top1_rank", DataTypes.IntegerType, true),
            DataTypes.createStructField("cells", DataTypes.IntegerType, false)
          });

  /**
   * The struct returned by {@code sequence_kl_div}; field names are part of the public contract.
   */
  public static final StructType SEQUENCE_KL =
      new StructType(
          new StructField[] {
            DataTypes.createStructField("mean", DataTypes.DoubleType, true),
            DataTypes.createStructField("sum", DataTypes.DoubleType, false),
            DataTypes.createStructField("max", DataTypes.DoubleType, true),
            DataTypes.createStructField("positions", DataTypes.IntegerType, false),
            DataTypes.createStructField("first_divergence", DataTypes.IntegerType, true)
          });

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
      return org.apache.spark.sql.catalyst.analysis.FunctionRegistry$.MODULE$
          .builtinFunctionIdentifier(name);
    }
  }

  /** Builds the expression for one call from its resolved argument expressions. */
  @FunctionalInterface
  public interface Builder {
    /** Builds the call's expression; {@code name} is the function's name, for errors. */
    Expression build(String name, List<Expression> args);
  }

  /** Every kldrift function, in the order the README documents them. */
  public static List<Definition> all() {
    List<Definition> defs = new ArrayList<>();
    defs.add(
        pairFunction("kl_div", Divergences.KL, "KL(p||q) = sum p*ln(p/q) in nats", "0.5108256238"));
    defs.add(
        pairFunction(
            "reverse_kl_div",
            Divergences.REVERSE_KL,
            "KL(q||p), the reverse direction",
            "0.3680642072"));
    defs.add(
        pairFunction(
            "js_div",
            Divergences.JS,
            "Jensen-Shannon divergence in nats, between 0 and ln 2",
            "0.1017492251"));
    defs.add(
        pairFunction(
            "cross_entropy",
            Divergences.CROSS_ENTROPY,
            "cross-entropy H(p,q) = -sum p*ln q; equals entropy(p) + kl_div(p, q)",
            "1.2039728043"));
    defs.add(
        pairFunction(
            "total_variation",
            Divergences.TOTAL_VARIATION,
            "total variation distance, half the L1 distance",
            "0.4"));
    defs.add(
        new Definition(
            "entropy",
            "_FUNC_(p) - Shannon entropy -sum p*ln p of a probability vector, in nats."
                + NOT_A_DISTRIBUTION_USAGE,
            args("p: array<float|double> or ML Vector of probabilities"),
            examples("SELECT _FUNC_(array(0.5D, 0.5D));", "0.6931471806"),
            (name, a) -> {
              expectArity(name, a, 1, 1);
              Expression p = distribution(name, a.get(0));
              if (p == null) {
                return Literal.create(null, DataTypes.DoubleType);
              }
              List<Expression> call = new ArrayList<>(List.of(p, elementCode(p)));
              call.addAll(Validation.arguments(name, DEFAULT_SUM_TOLERANCE, a.get(0)));
              return Validation.nullForNaN(name, invoke(DataTypes.DoubleType, "entropy", call));
            }));
    defs.add(softmaxFunction("softmax", false));
    defs.add(softmaxFunction("log_softmax", true));
    defs.add(
        new Definition(
            "kldrift_metrics",
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
            KlDriftFunctions::buildMetrics));
    defs.add(
        new Definition(
            "kldrift_check",
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
            (fn, a) -> {
              expectArity(fn, a, 3, 4);
              Expression v = distribution(fn, a.get(0));
              Kind kind = foldKind(fn, a.get(1));
              double tol = foldDouble(fn, a.get(2), "sum_tolerance");
              double bound =
                  a.size() == 4
                      ? foldDouble(fn, a.get(3), "renormalize_bound")
                      : Double.POSITIVE_INFINITY;
              if (v == null) {
                return Literal.create(KernelCalls.NULL_VECTOR, DataTypes.StringType);
              }
              return new StaticInvoke(
                  KernelCalls.class,
                  DataTypes.StringType,
                  "check",
                  seq(
                      List.of(
                          v,
                          elementCode(v),
                          intLit(kind.ordinal()),
                          doubleLit(tol),
                          doubleLit(bound))),
                  seq(List.<AbstractDataType>of()),
                  false,
                  true,
                  true,
                  Option.empty());
            }));
    defs.add(
        new Definition(
            "kldrift_renormalize",
            "_FUNC_(v, kind) - Distribution v renormalized: probabilities divided by their sum,"
                + " log-probabilities shifted by the log of the sum of their exponentials; logits as they are.",
            args("v: array<float|double> or ML Vector", "kind: 'probs', 'log_probs' or 'logits'"),
            examples(
                "SELECT _FUNC_(array(0.5D, 0.52D, 1.0D), 'probs');",
                "[0.2475247525,0.2574257426,0.4950495050]"),
            (fn, a) -> {
              expectArity(fn, a, 2, 2);
              Expression v = distribution(fn, a.get(0));
              Kind kind = foldKind(fn, a.get(1));
              ArrayType out = DataTypes.createArrayType(DataTypes.DoubleType, false);
              if (v == null) {
                return Literal.create(null, out);
              }
              return invoke(out, "renormalize", List.of(v, elementCode(v), intLit(kind.ordinal())));
            }));
    defs.add(
        new Definition(
            "topk_kl_div",
            "_FUNC_(teacher_ids, teacher_logprobs, student_ids, student_logprobs[, student_at_teacher])"
                + " - KL(p||q) in nats at one position, from each side's top-k log-probabilities: a"
                + " lower bound, computed on the ids known on both sides plus one cell for the rest"
                + " of the mass. With student_at_teacher those ids are the teacher's (the tail-bucket"
                + " bound of TRL and mlx-lm), without it the ids both lists report. Exact when the"
                + " lists cover the vocabulary. Lists may come in any order; a log-probability at or"
                + " below -9999, -Infinity or NULL means not reported.",
            TOPK_ARGS,
            examples(
                "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.5D)), array(0, 1),"
                    + " array(ln(0.9D), ln(0.1D)));",
                "0.5108256238",
                "SELECT _FUNC_(array(1, 0, 7), array(ln(0.5D), ln(0.5D), -9999D), array(0, 1),"
                    + " array(ln(0.9D), ln(0.1D)));",
                "0.5108256238",
                "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.3D)), array(0, 1),"
                    + " array(ln(0.4D), ln(0.3D)), array(ln(0.4D), ln(0.3D)));",
                "0.0304787540",
                "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.3D)), array(2, 0),"
                    + " array(ln(0.4D), ln(0.3D)));",
                "0.0871766936"),
            (fn, a) -> buildTopK(fn, a, false)));
    defs.add(
        new Definition(
            "topk_divergences",
            "_FUNC_(teacher_ids, teacher_logprobs, student_ids, student_logprobs[, student_at_teacher])"
                + " - Every top-k metric of one position, on the same cells as topk_kl_div, as a struct:"
                + " kl_bound, reverse_kl_bound (lower bounds); js_lower, js_upper, tv_lower, tv_upper"
                + " (bounds of Jensen-Shannon and total variation); teacher_tail_mass,"
                + " student_tail_mass (1 - the mass each side reports); overlap (shared ids over the"
                + " shorter list's length); teacher_top1, student_top1; top1_rank (1-based rank of the"
                + " teacher's top-1 in the student's list, NULL when the student does not report it);"
                + " cells (ids in the partition besides the tail). overlap and the top-1s are NULL when"
                + " a side reports nothing.",
            TOPK_ARGS,
            examples(
                "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.5D)), array(0, 1),"
                    + " array(ln(0.9D), ln(0.1D)));",
                "[0.5108256238,0.3680642072,0.1017492251,0.1017492251,0.4,0.4,0.0,0.0,1.0,0,0,1,2]",
                "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.3D)), array(2, 0),"
                    + " array(ln(0.4D), ln(0.3D)));",
                "[0.0871766936,0.0822828785,0.0210059257,0.4285218853,0.2,0.7,0.2,0.3,0.5,0,2,2,1]",
                "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.3D)), array(2),"
                    + " array(ln(0.4D))).top1_rank;",
                "NULL"),
            (fn, a) -> buildTopK(fn, a, true)));
    defs.add(
        new Definition(
            "sequence_kl_div",
            "_FUNC_(teacher_ids, teacher_logprobs, student_ids, student_logprobs[, student_at_teacher[,"
                + " mask]]) - The top-k KL bound of topk_kl_div at every position of a sequence,"
                + " aggregated over the positions that count: struct(mean, sum, max, positions,"
                + " first_divergence). first_divergence is the 0-based index of the first counted"
                + " position where both sides report a top-1 and the two differ. mean and max are NULL"
                + " when no position counts, first_divergence when the top-1s always agree. A position"
                + " counts when mask is true there and none of its lists is NULL (as vLLM's first"
                + " prompt position).",
            args(
                "teacher_ids: array<array<int|bigint>>, one list of token ids per position",
                "teacher_logprobs: array<array<float|double>>, the log-probabilities, same shape",
                "student_ids, student_logprobs: the student's own lists, one per position",
                "student_at_teacher: optional array<array<float|double>>, the student's log-probability"
                    + " at each teacher id; NULL to leave it out while giving a mask",
                "mask: optional array<boolean>, true where the position counts (for example the"
                    + " completion tokens)"),
            examples(
                "SELECT _FUNC_(array(array(0, 1), array(0, 1)),"
                    + " array(array(ln(0.5D), ln(0.5D)), array(ln(0.1D), ln(0.9D))),"
                    + " array(array(0, 1), array(0, 1)),"
                    + " array(array(ln(0.9D), ln(0.1D)), array(ln(0.9D), ln(0.1D))));",
                "[1.1343026428,2.2686052856,1.7577796618,2,1]",
                "SELECT _FUNC_(array(array(0, 1), array(0, 1)),"
                    + " array(array(ln(0.5D), ln(0.5D)), array(ln(0.1D), ln(0.9D))),"
                    + " array(array(0, 1), array(0, 1)),"
                    + " array(array(ln(0.9D), ln(0.1D)), array(ln(0.9D), ln(0.1D))),"
                    + " NULL, array(true, false));",
                "[0.5108256238,0.5108256238,0.5108256238,1,NULL]"),
            KlDriftFunctions::buildSequenceKl));
    List<Definition> withTry = new ArrayList<>();
    for (Definition d : defs) {
      withTry.add(d);
      String invalid = INVALID_EXAMPLES.get(d.name());
      if (invalid != null) {
        withTry.add(Validation.tryVariant(d, invalid));
      }
    }
    return withTry;
  }

  /** The functions that validate their distributions, each with a call that gives NULL. */
  private static final java.util.Map<String, String> INVALID_EXAMPLES =
      java.util.Map.of(
          "kl_div", "SELECT _FUNC_(array(0.5D, 0.5D), array(0.7D, 0.7D));",
          "reverse_kl_div", "SELECT _FUNC_(array(-0.5D, 1.5D), array(0.9D, 0.1D));",
          "js_div", "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, 0.1D, 0D));",
          "cross_entropy", "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, NULL));",
          "total_variation", "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, double('NaN')));",
          "entropy", "SELECT _FUNC_(array(0.5D, 0.6D));",
          "kldrift_metrics",
              "SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, 0.1D), 'probs', 'log_probs');");

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

  private static Definition pairFunction(
      String name, int metric, String what, String exampleResult) {
    return new Definition(
        name,
        "_FUNC_(p, q[, epsilon]) - "
            + what
            + ", for probability vectors p and q."
            + NOT_A_DISTRIBUTION_USAGE,
        args(
            "p: array<float|double> or ML Vector of probabilities",
            "q: same type and length as p",
            "epsilon: replaces a zero q where p > 0 (default 1e-12)"),
        examples("SELECT _FUNC_(array(0.5D, 0.5D), array(0.9D, 0.1D));", exampleResult),
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

  private static Definition softmaxFunction(String name, boolean log) {
    return new Definition(
        name,
        "_FUNC_(logits[, temperature]) - The "
            + (log ? "log-softmax" : "softmax")
            + " of logits divided by temperature (default 1), computed with the max shift.",
        args("logits: array<float|double> or ML Vector", "temperature: a positive number"),
        examples(
            "SELECT _FUNC_(array(0D, 0D), 1.0);",
            log ? "[-0.6931471806,-0.6931471806]" : "[0.5,0.5]"),
        (fn, a) -> {
          expectArity(fn, a, 1, 2);
          Expression z = distribution(fn, a.get(0));
          double t = a.size() > 1 ? foldDouble(fn, a.get(1), "temperature") : 1.0;
          checkTemperature(fn, t);
          ArrayType out = DataTypes.createArrayType(DataTypes.DoubleType, false);
          if (z == null) {
            return Literal.create(null, out);
          }
          return invoke(
              out,
              "softmax",
              List.of(z, elementCode(z), doubleLit(t), Literal.create(log, DataTypes.BooleanType)));
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

  private static void checkEpsilon(String fn, double eps) {
    if (!(eps > 0 && eps < 1)) {
      throw FunctionErrors.badArgument(
          fn,
          "epsilon " + eps + " is not in (0, 1)",
          "pass a small positive epsilon such as 1e-12");
    }
  }

  private static final String TOPK_ARGS =
      args(
          "teacher_ids: array<int|bigint>, the token ids the teacher reports at this position",
          "teacher_logprobs: array<float|double>, their natural-log probabilities, same length",
          "student_ids, student_logprobs: the student's own top-k list, the same way",
          "student_at_teacher: optional array<float|double>, the student's log-probability at each"
              + " teacher id, in the order of teacher_ids; a NULL literal is the same as leaving it"
              + " out");

  private static Expression buildTopK(String fn, List<Expression> a, boolean struct) {
    expectArity(fn, a, 4, 5);
    Expression tIds = topkArgument(fn, a.get(0), "teacher_ids", 1, true);
    Expression tLp = topkArgument(fn, a.get(1), "teacher_logprobs", 1, false);
    Expression sIds = topkArgument(fn, a.get(2), "student_ids", 1, true);
    Expression sLp = topkArgument(fn, a.get(3), "student_logprobs", 1, false);
    Expression at =
        a.size() > 4 ? topkArgument(fn, a.get(4), "student_at_teacher", 1, false) : null;
    DataType type = struct ? TOPK_DIVERGENCES : DataTypes.DoubleType;
    if (tIds == null || tLp == null || sIds == null || sLp == null) {
      return Literal.create(null, type);
    }
    return invoke(
        type,
        struct ? "topkDivergences" : "topkKl",
        List.of(
            tIds,
            tLp,
            sIds,
            sLp,
            at != null ? at : emptyArray(DataTypes.DoubleType),
            innerCode(tIds, 1),
            innerCode(tLp, 1),
            innerCode(sIds, 1),
            innerCode(sLp, 1),
            at != null ? innerCode(at, 1) : intLit(KernelCalls.NONE),
            doubleLit(DEFAULT_EPSILON)));
  }

  private static Expression buildSequenceKl(String fn, List<Expression> a) {
    expectArity(fn, a, 4, 6);
    Expression tIds = topkArgument(fn, a.get(0), "teacher_ids", 2, true);
    Expression tLp = topkArgument(fn, a.get(1), "teacher_logprobs", 2, false);
    Expression sIds = topkArgument(fn, a.get(2), "student_ids", 2, true);
    Expression sLp = topkArgument(fn, a.get(3), "student_logprobs", 2, false);
    Expression at =
        a.size() > 4 ? topkArgument(fn, a.get(4), "student_at_teacher", 2, false) : null;
    Expression mask = a.size() > 5 ? maskArgument(fn, a.get(5)) : null;
    if (tIds == null || tLp == null || sIds == null || sLp == null) {
      return Literal.create(null, SEQUENCE_KL);
    }
    return invoke(
        SEQUENCE_KL,
        "sequenceKl",
        List.of(
            tIds,
            tLp,
            sIds,
            sLp,
            at != null ? at : emptyArray(DataTypes.createArrayType(DataTypes.DoubleType, false)),
            mask != null ? mask : emptyArray(DataTypes.BooleanType),
            innerCode(tIds, 2),
            innerCode(tLp, 2),
            innerCode(sIds, 2),
            innerCode(sLp, 2),
            at != null ? innerCode(at, 2) : intLit(KernelCalls.NONE),
            Literal.create(mask != null, DataTypes.BooleanType),
            doubleLit(DEFAULT_EPSILON)));
  }

  /**
   * Checks a top-k argument: {@code depth} levels of arrays (1 for one position, 2 for a sequence)
   * around int or bigint ids, or float or double log-probabilities. Returns null for a NULL
   * literal.
   */
  private static Expression topkArgument(
      String fn, Expression e, String name, int depth, boolean ids) {
    DataType t = e.dataType();
    if (t instanceof NullType) {
      return null;
    }
    DataType el = innermost(t, depth);
    boolean ok =
        el != null
            && (ids
                ? el == DataTypes.IntegerType || el == DataTypes.LongType
                : el == DataTypes.FloatType || el == DataTypes.DoubleType);
    if (!ok) {
      String a = ids ? "int" : "float", b = ids ? "bigint" : "double";
      String cast = ids ? "BIGINT" : "DOUBLE";
      for (int d = 0; d < depth; d++) {
        a = "array<" + a + ">";
        b = "array<" + b + ">";
        cast = "ARRAY<" + cast + ">";
      }
      throw FunctionErrors.badArgument(
          fn,
          name + " " + e.sql() + " has type " + t.simpleString() + ", not " + a + " or " + b,
          "cast the column, e.g. CAST(x AS " + cast + ")");
    }
    return e;
  }

  private static Expression maskArgument(String fn, Expression e) {
    DataType t = e.dataType();
    if (t instanceof NullType) {
      return null;
    }
    if (!(t instanceof ArrayType at && at.elementType() == DataTypes.BooleanType)) {
      throw FunctionErrors.badArgument(
          fn,
          "mask " + e.sql() + " has type " + t.simpleString() + ", not array<boolean>",
          "pass an array of booleans with one entry per position, true where it counts");
    }
    return e;
  }

  /** The element type under {@code depth} levels of arrays, or null when {@code t} is shallower. */
  private static DataType innermost(DataType t, int depth) {
    DataType el = t;
    for (int d = 0; d < depth; d++) {
      if (!(el instanceof ArrayType at)) {
        return null;
      }
      el = at.elementType();
    }
    return el;
  }

  private static Expression innerCode(Expression e, int depth) {
    DataType el = innermost(e.dataType(), depth);
    int code;
    if (el == DataTypes.IntegerType) {
      code = KernelCalls.INT;
    } else if (el == DataTypes.LongType) {
      code = KernelCalls.LONG;
    } else if (el == DataTypes.FloatType) {
      code = KernelCalls.FLOAT;
    } else {
      code = KernelCalls.DOUBLE;
    }
    return intLit(code);
  }

  /** The placeholder for an optional array argument that was not given. */
  private static Literal emptyArray(DataType element) {
    return new Literal(
        new GenericArrayData(new Object[0]), DataTypes.createArrayType(element, false));
  }

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
      return invoke(
          DataTypes.createArrayType(DataTypes.DoubleType, false), "vectorValues", List.of(e));
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

  private static Expression elementCode(Expression array) {
    DataType el = ((ArrayType) array.dataType()).elementType();
    return intLit(el == DataTypes.FloatType ? KernelCalls.FLOAT : KernelCalls.DOUBLE);
  }

  private static Expression invoke(DataType type, String method, List<Expression> args) {
    return new StaticInvoke(
        KernelCalls.class,
        type,
        method,
        seq(args),
        seq(List.<AbstractDataType>of()),
        true,
        true,
        true,
        Option.empty());
  }

  private static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }

  private static Literal intLit(int v) {
    return Literal.create(v, DataTypes.IntegerType);
  }

  private static Literal doubleLit(double v) {
    return Literal.create(v, DataTypes.DoubleType);
  }

  private static void expectArity(String fn, List<Expression> a, int min, int max) {
    if (a.size() < min || a.size() > max) {
      throw FunctionErrors.badArgument(
          fn,
          "takes " + (min == max ? min : min + " to " + max) + " arguments, got " + a.size(),
          "see DESCRIBE FUNCTION EXTENDED " + fn);
    }
  }

  private static double foldDouble(String fn, Expression e, String what) {
    if (!e.foldable() || !(e.dataType() instanceof org.apache.spark.sql.types.NumericType)) {
      throw FunctionErrors.badArgument(
          fn, what + " must be a numeric constant, got " + e.sql(), "pass a literal such as 2.0");
    }
    Object v = e.eval(null);
    return v instanceof org.apache.spark.sql.types.Decimal d
        ? d.toDouble()
        : ((Number) v).doubleValue();
  }

  private static Kind foldKind(String fn, Expression e) {
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

  private static void checkTemperature(String fn, double t) {
    if (!(t > 0) || Double.isInfinite(t)) {
      throw FunctionErrors.badArgument(
          fn,
          "temperature " + t + " is not a positive finite number",
          "pass a temperature such as 1.0 or 2.0");
    }
  }

  private static String args(String... lines) {
    StringBuilder b = new StringBuilder("\n    Arguments:\n");
    for (String l : lines) {
      b.append("      * ").append(l).append('\n');
    }
    return b.append("  ").toString();
  }

  /** Spark's Examples block from (statement, result) pairs. */
  private static String examples(String... sqlAndResult) {
    StringBuilder b = new StringBuilder("\n    Examples:\n");
    for (int i = 0; i < sqlAndResult.length; i += 2) {
      b.append("      > ")
          .append(sqlAndResult[i])
          .append("\n       ")
          .append(sqlAndResult[i + 1])
          .append('\n');
    }
    return b.append("  ").toString();
  }
}
