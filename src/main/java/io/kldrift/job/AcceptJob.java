package io.kldrift.job;

import io.kldrift.KlDrift;
import io.kldrift.console.Verbosity;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The accept job: after a deliberate change (a new model version), a person marks the run that
 * shows the new level as accepted, so that later runs compare with it and the runs after it instead
 * of alerting on the change night after night. Logic lives in {@link KlDrift#accept}.
 */
@Command(
    name = "accept",
    mixinStandardHelpOptions = true,
    versionProvider = DriftJob.Version.class,
    sortOptions = false,
    description = {
      "Marks the run of --run-date under --out as accepted: its level becomes the normal. Later"
          + " runs' baselines start at it (runs before it are left out; it and the runs after it"
          + " are eligible again). The acceptance is recorded in the history with the time and"
          + " --reason; a rerun of that date replaces it. Works on Parquet and Delta report roots."
    },
    exitCodeList = {
      "0:run accepted",
      "1:internal failure",
      "2:bad command line, or no run of that date under --out"
    },
    footer = {
      "Errors are one line; the full trace goes to the log file the line names (--verbose prints"
          + " it too).",
      "Reference: src/site/markdown/monitoring.md (baselines, accepting a change)."
    })
public final class AcceptJob implements Callable<Integer>, Job {
  @Option(
      names = "--out",
      required = true,
      paramLabel = "PATH",
      description = "Report root the runs wrote to.")
  String out;

  @Option(
      names = "--run-date",
      required = true,
      paramLabel = "YYYY-MM-DD",
      description = "Date of the run to accept.")
  String runDate;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      description = "Why, recorded with the acceptance (e.g. 'student v2 rolled out').")
  String reason = "";

  @Mixin CommonOptions common;

  /** Entry point for spark-submit and the local launcher. */
  public static void main(String[] args) {
    Cli.launch(AcceptJob::run, args);
  }

  /** Runs the job and returns its exit code. */
  public static int run(String... args) {
    return Cli.run(new AcceptJob(), Cli.LAUNCHER_ENVIRONMENT, args);
  }

  /** Accepting a run prints its own lines only: the library's progress lines are off. */
  @Override
  public Verbosity verbosity() {
    return common.verbosity().quieted();
  }

  @Override
  public Integer call() {
    java.util.Map<String, String> sparkConf = common.onlySparkSettings("accept");
    LocalDate date = DriftJob.parseDate("--run-date", runDate);
    try (ReportRootSession session =
        new ReportRootSession("kldrift accept " + date, common.master, sparkConf)) {
      String status = KlDrift.accept(session.spark, out, date, reason);
      Cli.startupArchiveNotice();
      System.out.println(
          "accepted run "
              + date
              + " (status "
              + status
              + ") under "
              + out
              + (reason.isEmpty() ? "" : ": " + reason)
              + System.lineSeparator()
              + "later runs' baselines start at "
              + date
              + "; runs before it are left out of them");
      return 0;
    }
  }
}
