package io.kldrift.sql;

import static io.kldrift.sql.Arguments.DEFAULT_EPSILON;
import static io.kldrift.sql.Arguments.doubleLit;
import static io.kldrift.sql.Arguments.expectArity;
import static io.kldrift.sql.Arguments.intLit;
import static io.kldrift.sql.Arguments.invoke;
import static io.kldrift.sql.SqlFunction.args;
import static io.kldrift.sql.SqlFunction.examples;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GetStructField;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NullType;
import scala.Option;

/**
 * The functions over top-k lists of token ids and log-probabilities, the form LLM serving stacks
 * log: {@code topk_kl_div} and {@code topk_divergences} at one position, {@code sequence_kl_div}
 * over the positions of a sequence (the job's {@code per_sequence/} output calls it).
 */
final class TopKFunctions {
  private TopKFunctions() {}

  private static final String POSITION_ARGS =
      args(
          "teacher_ids: array<int|bigint>, the token ids the teacher reports at this position",
          "teacher_logprobs: array<float|double>, their natural-log probabilities, same length",
          "student_ids, student_logprobs: the student's own top-k list, the same way",
          "student_at_teacher: optional array<float|double>, the student's log-probability at each"
              + " teacher id, in the order of teacher_ids; a NULL literal is the same as leaving it"
              + " out");

  /** An example of both functions: two complete lists, (0.5, 0.5) against (0.9, 0.1). */
  private static final String BOTH_COMPLETE =
      "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.5D)), array(0, 1),"
          + " array(ln(0.9D), ln(0.1D)));";

  /** An example of both functions: lists that share one id, with tails on both sides. */
  private static final String ONE_SHARED =
      "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.3D)), array(2, 0),"
          + " array(ln(0.4D), ln(0.3D)));";

  static final SqlFunction TOPK_KL_DIV =
      new SqlFunction(
          "_FUNC_(teacher_ids, teacher_logprobs, student_ids, student_logprobs[, student_at_teacher])"
              + " - KL(p||q) in nats at one position, from each side's top-k log-probabilities: a"
              + " lower bound, computed on the ids known on both sides plus one cell for the rest"
              + " of the mass. With student_at_teacher those ids are the teacher's (the tail-bucket"
              + " bound of TRL and mlx-lm), without it the ids both lists report. Exact when the"
              + " lists cover the vocabulary. Lists may come in any order; a log-probability at or"
              + " below -9999, -Infinity or NULL means not reported.",
          POSITION_ARGS,
          examples(
              BOTH_COMPLETE,
              "0.5108256238",
              "SELECT _FUNC_(array(1, 0, 7), array(ln(0.5D), ln(0.5D), -9999D), array(0, 1),"
                  + " array(ln(0.9D), ln(0.1D)));",
              "0.5108256238",
              "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.3D)), array(0, 1),"
                  + " array(ln(0.4D), ln(0.3D)), array(ln(0.4D), ln(0.3D)));",
              "0.0304787540",
              ONE_SHARED,
              "0.0871766936"),
          (fn, a) -> buildPosition(fn, a, false));

  static final SqlFunction TOPK_DIVERGENCES =
      new SqlFunction(
          "_FUNC_(teacher_ids, teacher_logprobs, student_ids, student_logprobs[, student_at_teacher])"
              + " - Every top-k metric of one position, on the same cells as topk_kl_div, as a struct:"
              + " kl_bound, reverse_kl_bound (lower bounds); js_lower, js_upper, tv_lower, tv_upper"
              + " (bounds of Jensen-Shannon and total variation); teacher_tail_mass,"
              + " student_tail_mass (1 - the mass each side reports); overlap (shared ids over the"
              + " shorter list's length); teacher_top1, student_top1; top1_rank (1-based rank of the"
              + " teacher's top-1 in the student's list, NULL when the student does not report it);"
              + " cells (ids in the partition besides the tail). overlap and the top-1s are NULL when"
              + " a side reports nothing.",
          POSITION_ARGS,
          examples(
              BOTH_COMPLETE,
              "[0.5108256238,0.3680642072,0.1017492251,0.1017492251,0.4,0.4,0.0,0.0,1.0,0,0,1,2]",
              ONE_SHARED,
              "[0.0871766936,0.0822828785,0.0210059257,0.4285218853,0.2,0.7,0.2,0.3,0.5,0,2,2,1]",
              "SELECT _FUNC_(array(0, 1), array(ln(0.5D), ln(0.3D)), array(2),"
                  + " array(ln(0.4D))).top1_rank;",
              "NULL"),
          (fn, a) -> buildPosition(fn, a, true));

  static final SqlFunction SEQUENCE_KL_DIV =
      new SqlFunction(
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
              "student_at_teacher: optional array<array<float|double>>, the student's"
                  + " log-probability at each teacher id; NULL to leave it out while giving a mask",
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
          TopKFunctions::buildSequence);

  private static Expression buildPosition(String fn, List<Expression> a, boolean struct) {
    expectArity(fn, a, 4, 5);
    DataType type = struct ? FunctionSchemas.TOPK_DIVERGENCES : DataTypes.DoubleType;
    List<Expression> call = lists(fn, a, 1);
    if (call == null) {
      return Literal.create(null, type);
    }
    call.add(doubleLit(DEFAULT_EPSILON));
    Expression all = invoke(FunctionSchemas.TOPK_DIVERGENCES, "topkDivergences", call);
    return struct ? all : new GetStructField(all, 0, Option.apply("kl_bound"));
  }

  private static Expression buildSequence(String fn, List<Expression> a) {
    expectArity(fn, a, 4, 6);
    List<Expression> call = lists(fn, a, 2);
    Expression mask = a.size() > 5 ? maskArgument(fn, a.get(5)) : null;
    if (call == null) {
      return Literal.create(null, FunctionSchemas.SEQUENCE_KL);
    }
    // The kernel takes the mask after the five lists and its flag after their element codes.
    call.add(5, mask != null ? mask : emptyArray(DataTypes.BooleanType));
    call.add(Literal.create(mask != null, DataTypes.BooleanType));
    call.add(doubleLit(DEFAULT_EPSILON));
    return invoke(FunctionSchemas.SEQUENCE_KL, "sequenceKl", call);
  }

  /**
   * The kernel arguments for the four lists and the optional student_at_teacher, each {@code depth}
   * levels of arrays deep (1: one position, 2: a sequence): the five arrays (an empty one for a
   * missing student_at_teacher), then their element codes. Null when a list is a NULL literal.
   */
  private static List<Expression> lists(String fn, List<Expression> a, int depth) {
    Expression tIds = listArgument(fn, a.get(0), "teacher_ids", depth, true);
    Expression tLp = listArgument(fn, a.get(1), "teacher_logprobs", depth, false);
    Expression sIds = listArgument(fn, a.get(2), "student_ids", depth, true);
    Expression sLp = listArgument(fn, a.get(3), "student_logprobs", depth, false);
    Expression at =
        a.size() > 4 ? listArgument(fn, a.get(4), "student_at_teacher", depth, false) : null;
    if (tIds == null || tLp == null || sIds == null || sLp == null) {
      return null;
    }
    DataType atType = DataTypes.DoubleType;
    for (int d = 1; d < depth; d++) {
      atType = DataTypes.createArrayType(atType, false);
    }
    List<Expression> call = new ArrayList<>(List.of(tIds, tLp, sIds, sLp));
    call.add(at != null ? at : emptyArray(atType));
    for (Expression list : List.of(tIds, tLp, sIds, sLp)) {
      call.add(innerCode(list, depth));
    }
    call.add(at != null ? innerCode(at, depth) : intLit(KernelCalls.NONE));
    return call;
  }

  /**
   * Checks a list argument: {@code depth} levels of arrays around int or bigint ids, or float or
   * double log-probabilities. Returns null for a NULL literal.
   */
  private static Expression listArgument(
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
}
