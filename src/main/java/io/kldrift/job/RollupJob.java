package io.kldrift.job;

import io.kldrift.DriftException;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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
    usageHelpAutoWidth = true,
    description = {
      "Merges the drift states that daily runs stored under <out>/run_date=YYYY-MM-DD/drift-state.bin"
          + " for every day from --from to --to into one report for the period, written like a run under"
          + " <out>/rollup=<name>/ (summary.json with the period and its missing days, report.html,"
          + " Parquet tables), with checks against the previous periods of the same length."
          + " Reads no prediction data.",
      ""
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  rollup written; status OK (or WARN without --fail-on warn)",
      "  1  internal failure",
      "  2  bad command line",
      "  3  no drift state in the period, or a state that cannot be read or merged",
      "  4  rollup written; status ALERT",
      "  5  rollup written; status WARN and --fail-on warn given"
    })
public final class RollupJob implements Callable<Integer> {
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

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master (default: local[*] unless spark-submit set one).")
  String master;

  @Option(
      names = "--fail-on",
      paramLabel = "LEVEL",
      description = "Lowest status that gives a non-zero exit code: alert (default) or warn.")
  String failOn = "alert";

  @Option(names = "--quiet", description = "No progress lines on standard error.")
  boolean quiet;

  @Option(names = "--verbose", description = "Print the full trace of an error on the console.")
  boolean verbose;

  /** Entry point for spark-submit and the local launcher. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the job and returns its exit code. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new RollupJob());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> DriftJob.handle(e));
    return DriftJob.withOwnSwitches(() -> cl.execute(args));
  }

  @Override
  public Integer call() {
    if (quiet) {
      System.setProperty("kldrift.quiet", "true");
    }
    if (verbose) {
      System.setProperty(Failures.VERBOSE, "true");
    }
    DriftJob.checkFailOn(failOn);
    LocalDate first = date("--from", from);
    LocalDate last = date("--to", to);
    if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,100}")) {
      throw DriftException.invalidConfig(
          "--name '" + name + "' is not allowed", "use letters, digits, '_', '-' and '.' only");
    }
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession.Builder sb = DriftJob.builder("kldrift rollup " + first + ".." + last, master);
    // The daily runs may have written Delta tables; the rollup learns which only once it reads.
    if (io.kldrift.report.DeltaStore.available()) {
      io.kldrift.report.DeltaStore.configure(sb, java.util.Map.of());
    }
    SparkSession spark = sb.getOrCreate();
    if (ownSession) {
      io.kldrift.report.DeltaStore.tuneLocal(spark);
    }
    try (StageProgress.Handle progress = StageProgress.attach(spark)) {
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
              + p.days()
              + " days merged"
              + (p.missing().isEmpty() ? "" : ", missing " + String.join(", ", p.missing())),
          where);
      return DriftJob.exitCode(report.status(), failOn);
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }

  private static LocalDate date(String option, String s) {
    try {
      return LocalDate.parse(s);
    } catch (java.time.format.DateTimeParseException e) {
      throw DriftException.invalidConfig(
          option + " '" + s + "' is not a date", "use the form YYYY-MM-DD, e.g. 2026-11-28");
    }
  }
}
