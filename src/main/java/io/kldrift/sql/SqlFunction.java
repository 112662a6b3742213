package io.kldrift.sql;

/**
 * One SQL function as its family class writes it: the documentation that Spark's own built-ins
 * carry in {@code @ExpressionDescription} (usage, arguments, examples, with {@code _FUNC_} for the
 * name) beside the code that builds a call. {@link KlDriftFunctions} registers it under its name;
 * {@code DESCRIBE FUNCTION} shows the documentation and a test runs every example.
 *
 * @param nullExample a call that gives NULL from the {@code try_} variant (an argument that is not
 *     a distribution); null for a function without one
 */
record SqlFunction(
    String usage,
    String arguments,
    String examples,
    String nullExample,
    KlDriftFunctions.Builder builder) {

  /** A function without a {@code try_} variant. */
  SqlFunction(String usage, String arguments, String examples, KlDriftFunctions.Builder builder) {
    this(usage, arguments, examples, null, builder);
  }

  /** Spark's Arguments block, one line per argument. */
  static String args(String... lines) {
    StringBuilder b = new StringBuilder("\n    Arguments:\n");
    for (String l : lines) {
      b.append("      * ").append(l).append('\n');
    }
    return b.append("  ").toString();
  }

  /** Spark's Examples block from (statement, result) pairs. */
  static String examples(String... sqlAndResult) {
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
