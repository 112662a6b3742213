package io.kldrift.job;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.config.RowPolicy;
import io.kldrift.console.Verbosity;
import io.kldrift.report.ClassShares;
import io.kldrift.store.DeltaSession;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.TokenText;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The nightly drift job: parses options, builds the session, calls {@link KlDrift}, prints a short
 * summary and maps the outcome to an exit code. All logic lives in the library.
 */
@Command(
    name = "drift-report",
    mixinStandardHelpOptions = true,
    versionProvider = DriftJob.Version.class,
    sortOptions = false,
    description = {
      "Compares teacher and student prediction tables and writes a drift report under"
          + " <out>/run_date=YYYY-MM-DD/ (summary.json, report.html, Parquet tables, quarantine/ when"
          + " validate.<rule>=quarantine set rows aside, optionally metrics.prom), adds the run's"
          + " figures to <out>/history/, evaluates the configured checks against it, and prints a"
          + " summary whose last line is the status."
    },
    exitCodeList = {
      " 0:report written; status OK or INSUFFICIENT_DATA (or WARN without --fail-on warn)",
      " 1:internal failure, or another run of the same date published first (the message names"
          + " it); the previous report is left as it was",
      " 2:bad command line or configuration, or an --out that cannot be created or written"
          + " (checked before any input is read)",
      " 3:invalid input: the message names the table, column, every rule broken with its count"
          + " and an example key; or an input file that is not readable Parquet or that the job's"
          + " user may not read (or more rows quarantined than validate.max_quarantined_share"
          + " allows)",
      " 4:report written; status ALERT",
      " 5:report written; status WARN and --fail-on warn given",
      " 6:out of memory or executors lost: the message names the setting to change",
      "52:out of memory inside the driver's JVM (local mode; Spark's own code, with the same"
          + " message)"
    },
    footer = {
      "Errors are one line (plus one indented line per rule when a table breaks several); the"
          + " full trace goes to the log file the line names (--verbose prints it too).",
      "Paths are taken as typed (spaces, %%, #, non-ASCII; relative or file: URIs); nothing is"
          + " percent-decoded.",
      "Configuration keys (file or --conf) are listed with their defaults in conf/kldrift.properties.",
      "input.temperature applies only to a side whose kind is logits (softmax(z/T)); probabilities"
          + " and log-probabilities are used as they are, and a temperature other than 1 with no"
          + " logits side is a configuration error. summary.json states it as inputs.temperature.",
      "Reference pages, in src/site/markdown/ (the README links them):",
      "  configuration.md      input, row rules, every configuration key",
      "  monitoring.md         the report, checks, baselines, alerts",
      "  exit-codes.md         what each exit code means",
      "  cluster.md            spark-submit, scale, scheduling, rollups",
      "  delta.md              report.format=delta, object stores",
      "  sequence-layout.md    language models (input.layout=sequence)",
      "  sql-and-notebooks.md  SQL functions, notebooks, PySpark, Spark Connect",
      "  reliability.md        counted once, atomic publish, concurrent runs",
      "  development.md        tests, build, benchmarks"
    })
public final class DriftJob implements Callable<Integer>, Job {
  private static final String WAREHOUSE = "spark.sql.warehouse.dir";

  private static final String UI = "spark.ui.enabled";

  @Option(
      names = "--teacher",
      paramLabel = "PATH",
      description = "Teacher predictions (Parquet path or glob; sets input.teacher.path).")
  String teacher;

  @Option(
      names = "--student",
      paramLabel = "PATH",
      description = "Student predictions (Parquet path or glob; sets input.student.path).")
  String student;

  @Option(
      names = "--out",
      paramLabel = "PATH",
      description = "Report root (sets output.path); the run goes to <out>/run_date=YYYY-MM-DD/.")
  String out;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Configuration file (Java properties; a path or file: URI); see conf/kldrift.properties.")
  String config;

  @Option(
      names = "--run-date",
      paramLabel = "YYYY-MM-DD",
      description =
          "Names the run (default: today in the JVM's time zone; jobs/nightly passes yesterday"
              + " in UTC, the last day whose logs are complete).")
  String runDate;

  @Mixin CommonOptions common;

  @Mixin CommonOptions.FailOn failOn;

  /** Entry point for spark-submit and the local launcher. */
  public static void main(String[] args) {
    Cli.launch(DriftJob::run, args);
  }

  /** Runs the job and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    return Cli.run(new DriftJob(), Cli.LAUNCHER_ENVIRONMENT, args);
  }

  @Override
  public Verbosity verbosity() {
    return common.verbosity();
  }

  @Override
  public Integer call() {
    checkFailOn(failOn.failOn);
    LocalDate date = parseDate(runDate);
    DriftConfig.Builder b = DriftConfig.builder();
    if (config != null) {
      b.file(DriftConfig.localFile(config));
    }
    Map<String, String> sparkConf = common.sparkSettings();
    common.conf.forEach(
        (k, v) -> {
          if (!k.startsWith("spark.")) {
            b.set(k, v);
          }
        });
    if (teacher != null) {
      b.set(DriftConfig.TEACHER_PATH, teacher);
    }
    if (student != null) {
      b.set(DriftConfig.STUDENT_PATH, student);
    }
    if (out != null) {
      b.set(DriftConfig.OUTPUT_PATH, out);
    }
    DriftConfig cfg = b.build();
    String root = cfg.get(DriftConfig.OUTPUT_PATH);
    if (root.isEmpty()) {
      throw JobErrors.noOutput();
    }

    SparkSession.Builder sb = builder("kldrift drift-report " + date, common.master);
    sparkConf.forEach(sb::config);
    if (DeltaSession.needed(cfg)) {
      DeltaSession.configure(sb, sparkConf);
    }
    // A session that already exists (a test, a notebook calling main) belongs to its owner.
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = sb.getOrCreate();
    if (ownSession) {
      DeltaSession.tuneLocal(spark);
    }
    try (StageProgress.Handle progress = StageProgress.attach(spark, verbosity())) {
      try (DriftReport report = KlDrift.analyze(spark, cfg, date)) {
        String where = KlDrift.write(spark, report, root, date);
        printSummary(report, "run_date=" + date, where);
        return exitCode(report.status(), failOn.failOn);
      }
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }

  /** The exit code of a written report's status; WARN fails only with {@code --fail-on warn}. */
  static int exitCode(String status, String failOn) {
    switch (status) {
      case "ALERT":
        return ExitCodes.ALERT;
      case "WARN":
        return failOn.equals("warn") ? ExitCodes.WARN : ExitCodes.OK;
      default:
        return ExitCodes.OK;
    }
  }

  static void checkFailOn(String failOn) {
    if (!failOn.equals("alert") && !failOn.equals("warn")) {
      throw JobErrors.notALevel(failOn);
    }
  }

  /**
   * A session builder: the given master, else spark-submit's, else local[*]. A local batch run
   * starts no web UI (nobody opens it, and a second Spark on the machine would make it warn about
   * port 4040) unless spark.ui.enabled is set; --conf settings applied later still win.
   */
  static SparkSession.Builder builder(String appName, String master) {
    SparkSession.Builder sb = SparkSession.builder().appName(appName);
    SparkConf submitted = new SparkConf();
    String effective = master != null ? master : submitted.get("spark.master", "local[*]");
    sb.master(effective);
    if (effective.startsWith("local") && !submitted.contains(UI)) {
      sb.config(UI, "false");
    }
    // The job reads and writes paths, never catalog tables; Delta's MERGE still opens the session
    // catalog, which would leave an empty spark-warehouse/ in the user's working directory.
    if (effective.startsWith("local") && !submitted.contains(WAREHOUSE)) {
      sb.config(
          WAREHOUSE,
          Path.of(System.getProperty("java.io.tmpdir"), "kldrift-spark-warehouse").toString());
    }
    return sb;
  }

  static LocalDate parseDate(String s) {
    return s == null ? LocalDate.now(java.time.ZoneId.systemDefault()) : parseDate("--run-date", s);
  }

  /** The date an option gives, or a configuration error naming the option and the form. */
  static LocalDate parseDate(String option, String s) {
    try {
      return LocalDate.parse(s);
    } catch (DateTimeParseException e) {
      throw JobErrors.notADate(option, s);
    }
  }

  static void printSummary(DriftReport r, String heading, String where) {
    Cli.startupArchiveNotice();
    Summary sum = r.summary();
    Summary.Inputs in = sum.inputs();
    Summary.Stats kl = sum.global().kl();
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "kldrift %s  %s%n", KlDrift.VERSION, heading));
    s.append(
        String.format(
            Locale.ROOT,
            "rows        teacher %,d  student %,d  matched %,d  teacher-only %,d  student-only %,d%n",
            in.teacherRows(),
            in.studentRows(),
            in.matched(),
            in.teacherOnly(),
            in.studentOnly()));
    s.append("row rules   ").append(ruleLine(in.invalid())).append('\n');
    if (in.labelsOutsideClasses() != null && in.labelsOutsideClasses() > 0) {
      long n = in.labelsOutsideClasses();
      s.append("labels      ")
          .append(Numbers.count(n, "matched example"))
          .append(n == 1 ? " has" : " have")
          .append(" a label that is no class (wrong for both models' accuracy)\n");
    }
    if (sum.sequences() != null) {
      s.append(sequenceLines(sum));
    } else if (kl.mean() != null) {
      s.append(
          String.format(
              Locale.ROOT,
              "mean KL     %s nats (95%% CI %s .. %s)  p50 %s  p99 %s  max %s%n",
              fmt(kl.mean()),
              fmt(kl.ci95Low()),
              fmt(kl.ci95High()),
              fmt(kl.p50()),
              fmt(kl.p99()),
              fmt(kl.max())));
      s.append(
          String.format(
              Locale.ROOT,
              "agreement   %.2f%%  mean JS %s%n",
              100 * sum.global().agreement().mean(),
              fmt(sum.global().js().mean())));
      s.append(supportLine(in.supportViolations(), sum.global())).append('\n');
    } else {
      s.append("mean KL     n/a (no matched examples)\n");
    }
    String classes = classLine(sum.topDriftedClasses(), r.perClassRows());
    if (classes != null) {
      s.append(classes).append('\n');
    }
    List<Summary.CheckResult> checks = sum.checks();
    if (!checks.isEmpty()) {
      // Worst first, as the page lists them.
      Map<String, Integer> counts = new java.util.LinkedHashMap<>();
      for (String o : List.of("ALERT", "WARN", "INSUFFICIENT_DATA", "OK")) {
        counts.put(o, 0);
      }
      checks.forEach(c -> counts.merge(c.outcome(), 1, Integer::sum));
      List<String> parts = new java.util.ArrayList<>();
      counts.forEach(
          (o, n) -> {
            if (n > 0) {
              parts.add(o + " " + n);
            }
          });
      s.append("checks      ").append(String.join(", ", parts)).append('\n');
      for (Summary.CheckResult c : checks) {
        String o = c.outcome();
        if ("ALERT".equals(o) || "WARN".equals(o)) {
          s.append("  ").append(o).append(' ').append(c.name());
          if (c.scopeValue() != null) {
            s.append(" [").append(c.scopeColumn()).append('=').append(c.scopeValue()).append(']');
          }
          s.append(": ").append(c.message()).append('\n');
        }
      }
    }
    s.append("report      ").append(where).append('\n');
    s.append("status: ").append(sum.statusPhrase());
    System.out.println(s);
  }

  /**
   * What the clipping to epsilon did: the examples and cells where the student gives 0 and the
   * teacher does not, the share of the mean KL they carry, the mean KL without them, and the
   * examples with reverse violations (the teacher gives 0, the student does not: reverse KL only).
   */
  static String supportLine(Summary.SupportViolations v, Summary.Global g) {
    String reverse = "reverse violations: " + Numbers.count(v.reverseExamples(), "example");
    if (v.examples() == 0) {
      return "support violations: none; " + reverse;
    }
    Double share = g.supportViolationKlShare();
    String carry =
        share == null || g.klWithoutViolations() == null
            ? " a share of the mean KL that is unknown (states written before kldrift kept it)"
            : String.format(
                Locale.ROOT,
                " %.1f%% of the mean KL; without them %s",
                100 * share,
                fmt(g.klWithoutViolations()));
    return "support violations: "
        + Numbers.count(v.examples(), "example")
        + " ("
        + Numbers.count(v.total(), "cell")
        + ") "
        + (v.examples() == 1 ? "carries" : "carry")
        + carry
        + "; "
        + reverse;
  }

  /**
   * The sequence layout's figures: tokens and sequences, each KL figure with what it is (a bound
   * for top-k inputs) and the teacher's tail mass beside it, intervals, buckets and top tokens.
   */
  static String sequenceLines(Summary sum) {
    Summary.Sequences q = sum.sequences();
    Summary.Global g = sum.global();
    Summary.Stats kl = g.kl();
    StringBuilder s = new StringBuilder();
    boolean bound = !q.mode().equals("exact");
    String what = bound ? "lower bound" : "exact";
    s.append(
        String.format(
            Locale.ROOT,
            "tokens      %,d counted of %s (%,d masked) in %s%n",
            q.countedPositions(),
            Numbers.count(q.positions(), "position"),
            q.maskedPositions(),
            Numbers.count(q.sequences(), "matched sequence")));
    if (kl.mean() == null) {
      s.append("KL          n/a (no counted positions)\n");
      return s.toString();
    }
    s.append(
        String.format(
            Locale.ROOT,
            "KL/token    %s nats, %s [%s] (95%% CI %s .. %s)  p50 %s  p99 %s  max %s%n",
            fmt(kl.mean()),
            what,
            q.mode(),
            fmt(kl.ci95Low()),
            fmt(kl.ci95High()),
            fmt(kl.p50()),
            fmt(kl.p99()),
            fmt(kl.max())));
    Summary.Stats sk = g.sequenceKl();
    s.append(
        String.format(
            Locale.ROOT,
            "KL/sequence %s nats, %s (mean of sequence means)  mean sum %s  p99 %s%n",
            fmt(sk.mean()),
            what,
            fmt(q.sequenceKlSum().mean()),
            fmt(sk.p99())));
    if (bound) {
      s.append(
          String.format(
              Locale.ROOT,
              "tail mass   teacher %s, student %s (mass outside the listed ids: the bounds miss"
                  + " what is there)%n",
              fmt(q.teacherTailMass().mean()),
              fmt(q.studentTailMass().mean())));
      s.append(
          String.format(
              Locale.ROOT,
              "bounds      JS in [%s, %s]  TV in [%s, %s]  reverse KL >= %s  overlap@k %s%n",
              fmt(q.js().lower().mean()),
              fmt(q.js().upper().mean()),
              fmt(q.totalVariation().lower().mean()),
              fmt(q.totalVariation().upper().mean()),
              fmt(g.reverseKl().mean()),
              fmt(q.overlap().mean())));
    } else {
      s.append(
          String.format(
              Locale.ROOT,
              "exact       JS %s  TV %s  reverse KL %s%n",
              fmt(g.js().mean()),
              fmt(g.totalVariation().mean()),
              fmt(g.reverseKl().mean())));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "agreement   %.2f%% of tokens; first top-1 divergence at position %s on average;"
                + " %s%n",
            100 * g.agreement().mean(),
            fmt(q.firstDivergence().mean()),
            Numbers.count(
                q.sequencesWithoutDivergence(),
                "sequence never diverges",
                "sequences never diverge")));
    s.append(TargetLines.of(g.target()));
    s.append("by position");
    for (Summary.Bucket b : q.byPosition()) {
      if (b.positions() > 0) {
        s.append(String.format(Locale.ROOT, "  %s: %s", b.bucket(), fmt(b.klMean())));
      }
    }
    s.append('\n');
    if (!q.topTokens().isEmpty()) {
      s.append("top tokens (teacher top-1 id, share of KL mass):");
      for (Summary.TokenShare t : q.topTokens().subList(0, Math.min(5, q.topTokens().size()))) {
        s.append(
            String.format(
                Locale.ROOT,
                "  %s %s",
                TokenText.label(t.tokenId(), t.token(), q.vocabularySize()),
                t.klShare() == null
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.1f%%", 100 * t.klShare())));
      }
      s.append('\n');
    }
    return s.toString();
  }

  /**
   * The top drifted classes with their shares of the KL the classes add (of every class's
   * contribution, {@code all}, when the per-class rows are there), those that offset it last; null
   * without classes.
   */
  /** Offsetting classes the console names at most. */
  private static final int MAX_OFFSETS = 3;

  static String classLine(List<Summary.ClassShare> top, List<ClassRow> all) {
    if (top.isEmpty()) {
      return null;
    }
    double added =
        ClassShares.added(
            all.isEmpty()
                ? top.stream().map(Summary.ClassShare::klContribution).toList()
                : all.stream().map(ClassRow::klContribution).toList());
    StringBuilder adds = new StringBuilder("top drifted classes (share of the KL added):");
    for (Summary.ClassShare c : top) {
      if (c.klContribution() > 0) {
        adds.append("  ")
            .append(c.className())
            .append(' ')
            .append(ClassShares.of(c.klContribution(), added));
      }
    }
    // The offsets are the largest by size (most negative first) among all classes, each with the
    // share of the added KL it takes back.
    List<ClassRow> offsets =
        all.stream()
            .filter(r -> r.klContribution() < 0)
            .sorted(java.util.Comparator.comparingDouble(ClassRow::klContribution))
            .limit(MAX_OFFSETS)
            .toList();
    StringBuilder o = new StringBuilder();
    for (ClassRow r : offsets) {
      o.append("  ")
          .append(r.className())
          .append(' ')
          .append(ClassShares.of(-r.klContribution(), added));
    }
    return offsets.isEmpty() ? adds.toString() : adds + "  offsets:" + o;
  }

  /** "all rows valid", or per side the rows quarantined and renormalized, by rule. */
  static String ruleLine(Summary.Invalid invalid) {
    List<String> sides = new java.util.ArrayList<>();
    for (Map.Entry<String, Summary.SideRules> side :
        Map.of("teacher", invalid.teacher(), "student", invalid.student()).entrySet().stream()
            .sorted(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder()))
            .toList()) {
      List<String> byRule = new java.util.ArrayList<>();
      side.getValue()
          .rules()
          .forEach(
              (name, r) -> {
                if (r.rows() > 0) {
                  byRule.add(
                      String.format(
                          Locale.ROOT,
                          "%s %,d %s",
                          name,
                          r.rows(),
                          RowPolicy.RENORMALIZE.label().equals(r.policy())
                              ? "renormalized"
                              : "quarantined"));
                }
              });
      if (!byRule.isEmpty()) {
        sides.add(side.getKey() + ": " + String.join(", ", byRule));
      }
    }
    String all = String.join("; ", sides);
    return sides.isEmpty()
        ? "all rows valid"
        : all.contains("quarantined") ? all + " (rows in quarantine/)" : all;
  }

  private static String fmt(Number v) {
    return Numbers.value(v);
  }

  /** Prints the kldrift and Spark versions. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "kldrift "
            + KlDrift.VERSION
            + " (Spark "
            + org.apache.spark.package$.MODULE$.SPARK_VERSION()
            + ")"
      };
    }
  }
}
