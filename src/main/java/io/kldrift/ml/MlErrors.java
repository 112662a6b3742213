package io.kldrift.ml;

import io.kldrift.DriftException;

/**
 * The Spark ML evaluator's errors, one method per error: the message names the evaluator's param
 * and the dataset's columns, and the fix says what to set; a call site passes only the facts.
 */
final class MlErrors {
  private MlErrors() {}

  /** A dataset without a row that has both distributions, so {@code metric} has no mean. */
  static DriftException noRowToEvaluate(String teacherCol, String studentCol, String metric) {
    return DriftException.invalidInput(
        DriftException.fill(
            "the dataset has no row with both a teacher ('{}') and a student ('{}') distribution,"
                + " so {} has no mean",
            teacherCol,
            studentCol,
            metric),
        "evaluate a dataset with rows, both columns filled");
  }

  /** A param ({@code param}) naming a column the dataset lacks ({@code columns}: those it has). */
  static DriftException noSuchColumn(String column, String param, String[] columns) {
    return DriftException.invalidConfig(
        DriftException.fill(
            "the dataset has no column '{}' ({}; columns: {})",
            column,
            param,
            String.join(", ", columns)),
        DriftException.fill(
            "set {} to the column holding that model's distribution (an ML Vector or an array)",
            param));
  }
}
