package io.kldrift.job;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.console.Verbosity;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The rollup job: merges the daily drift states under a report root into a report for a period
 * ({@code <out>/rollup=<name>/}) without reading prediction data. Logic lives in {@link
 * KlDrift#rollup}.
 */
@Command(
    name = "rollup",
    mixinStandardHelpOptions = true,
    versionProvider = DriftJob.Version.class,
    sortOptions = false,
    description = {
      "Merges the drift states that daily runs stored under <out>/run_date=YYYY-MM-DD/drift-state.bin"
          + " for every day from --from to --to into one report for the period, written like a run under"
          + " <out>/rollup=<name>/ (summary.json with the period and its missing days, report.html,"
          + " Parquet tables), with checks against the previous periods of the same length."
          + " Reads no prediction data."
    },
    exitCodeList = {
      "0:rollup written; status OK (or WARN without --fail-on warn)",
      "1:internal failure",
      "2:bad command line",
      "3:no drift state in the period, or a state that cannot be read or merged",
      "4:rollup written; status ALERT",
      "5:rollup written; status WARN and --fail-on warn given"
    },
    footer = {
      "Errors are one line; the full trace goes to the log file the line names (--verbose prints"
          + " it too).",
      "Reference: src/site/markdown/cluster.md (rollups) and monitoring.md (checks)."
    })
public final class RollupJob implements Callable<Integer>, Job {
  @Option(
      names = "--out",
      required = true,
      paramLabel = "PATH",
      description = "Report root the daily runs wrote to.")
  String out;

  @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "First day.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD", description = "Last day.")
  String to;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Names the rollup folder (default: FROM_TO).")
  String name;

  @Mixin CommonOptions common;

  @Mixin CommonOptions.FailOn failOn;

  /** Entry point for spark-submit and the local launcher. */
  public static void main(String[] args) {
    Cli.launch(RollupJob::run, args);
  }

  /** Runs the job and returns its exit code. */
  public static int run(String... args) {
    return Cli.run(new RollupJob(), Cli.LAUNCHER_ENVIRONMENT, args);
  }

  @Override
  public Verbosity verbosity() {
    return common.verbosity();
  }

  @Override
  public Integer call() {
    DriftJob.checkFailOn(failOn.failOn);
    java.util.Map<String, String> sparkConf = common.onlySparkSettings("rollup");
    LocalDate first = DriftJob.parseDate("--from", from);
    LocalDate last = DriftJob.parseDate("--to", to);
    if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,100}")) {
      throw JobErrors.badRollupName(name);
    }
    try (ReportRootSession session =
            new ReportRootSession(
                "kldrift rollup " + first + ".." + last, common.master, sparkConf);
        StageProgress.Handle progress = StageProgress.attach(session.spark, verbosity())) {
      SparkSession spark = session.spark;
      DriftReport report = KlDrift.rollup(spark, out, first, last, name);
      String where = KlDrift.writeRollup(spark, report, out);
      io.kldrift.summary.Summary.Period p = report.summary().period();
      DriftJob.printSummary(
          report,
          "rollup="
              + p.name()
              + "  "
              + p.merged().size()
              + " of "
              + Numbers.count(p.days(), "day")
              + " merged"
              + (p.missing().isEmpty() ? "" : ", missing " + String.join(", ", p.missing())),
          where);
      return DriftJob.exitCode(report.status(), failOn.failOn);
    }
  }
}
