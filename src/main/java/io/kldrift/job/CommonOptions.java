package io.kldrift.job;

import io.kldrift.console.Verbosity;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every job takes, declared once and mixed into each job's command ({@code @Mixin}):
 * where Spark runs, Spark settings, and how much the console says.
 */
final class CommonOptions {
  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master (default: local[*] unless spark-submit set one).")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description =
          "A spark.* setting for the session (drift-report: also a configuration key of"
              + " conf/kldrift.properties, over --config); repeatable.")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(names = "--quiet", description = "No progress lines on standard error.")
  boolean quiet;

  @Option(names = "--verbose", description = "Print the full trace of an error on the console.")
  boolean verbose;

  /** How much the run says on the console, from --quiet and --verbose. */
  Verbosity verbosity() {
    return new Verbosity(quiet, verbose);
  }

  /** The {@code --conf} entries that are Spark settings. */
  Map<String, String> sparkSettings() {
    Map<String, String> spark = new LinkedHashMap<>();
    conf.forEach(
        (k, v) -> {
          if (k.startsWith("spark.")) {
            spark.put(k, v);
          }
        });
    return spark;
  }

  /** For jobs without configuration keys: every {@code --conf} must be a Spark setting. */
  Map<String, String> onlySparkSettings(String job) {
    for (String k : conf.keySet()) {
      if (!k.startsWith("spark.")) {
        throw JobErrors.notASparkSetting(k, job);
      }
    }
    return sparkSettings();
  }

  /** The option of the jobs that write a report with a status. */
  static final class FailOn {
    @Option(
        names = "--fail-on",
        paramLabel = "LEVEL",
        description = "Lowest status that gives a non-zero exit code: alert (default) or warn.")
    String failOn = "alert";
  }
}
