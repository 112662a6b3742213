package io.kldrift.job;

import io.kldrift.DriftException;

/**
 * The jobs' command-line errors, one method per error: the message names the option and its value,
 * and the fix says what to pass instead.
 */
final class JobErrors {
  private JobErrors() {}

  /** drift-report without an output root. */
  static DriftException noOutput() {
    return DriftException.invalidConfig(
        "no output folder given", "pass --out PATH or set output.path");
  }

  /** --fail-on with a word that is no level. */
  static DriftException notALevel(String failOn) {
    return DriftException.invalidConfig(
        "--fail-on " + failOn + " is not a level", "use --fail-on alert or --fail-on warn");
  }

  /** A date option ({@code option}) whose value is no date. */
  static DriftException notADate(String option, String value) {
    return DriftException.invalidConfig(
        option + " '" + value + "' is not a date", "use the form YYYY-MM-DD, e.g. 2026-11-28");
  }

  /** A --conf key that is no Spark setting, for a job without configuration keys. */
  static DriftException notASparkSetting(String key, String job) {
    return DriftException.invalidConfig(
        "--conf " + key + " is not a Spark setting, and " + job + " has no configuration keys",
        "pass only spark.* settings with --conf");
  }

  /** A rollup name with characters a folder name should not have. */
  static DriftException badRollupName(String name) {
    return DriftException.invalidConfig(
        "--name '" + name + "' is not allowed", "use letters, digits, '_', '-' and '.' only");
  }
}
