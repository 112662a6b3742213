package io.kldrift.sql;

import io.kldrift.DriftException;

/** Errors raised while building or evaluating the kldrift SQL functions. */
final class FunctionErrors {
  private FunctionErrors() {}

  static DriftException lengthMismatch(int teacher, int student) {
    return DriftException.invalidInput(
        "vectors of different length: first argument has "
            + teacher
            + " classes, second has "
            + student,
        "both distributions must cover the same classes in the same order");
  }

  static DriftException badArgument(String function, String problem, String fix) {
    return DriftException.invalidConfig(function + ": " + problem, fix);
  }
}
