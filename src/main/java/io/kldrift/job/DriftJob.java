package io.kldrift.job;

import io.kldrift.DriftConfig;
import io.kldrift.DriftException;
import io.kldrift.DriftReport;
import io.kldrift.ExitCodes;
import io.kldrift.KlDrift;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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
    usageHelpAutoWidth = true,
    description = {
      "Compares teacher and student prediction tables and writes a drift report under"
          + " <out>/run_date=YYYY-MM-DD/ (summary.json, report.html, Parquet tables, quarantine/ when"
          + " validate.<rule>=quarantine set rows aside, optionally metrics.prom), adds the run's figures to <out>/history/, evaluates the configured"
          + " checks against it, and prints a summary whose last line is the status.",
      ""
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  report written; status OK (or WARN without --fail-on warn)",
      "  1  internal failure (the previous report is left as it was)",
      "  2  bad command line or configuration",
      "  3  invalid input: the message names the table, column, rule and an example key (or more rows"
          + " quarantined than validate.max_quarantined_share allows)",
      "  4  report written; status ALERT",
      "  5  report written; status WARN and --fail-on warn given",
      "",
      "Configuration keys (file or --conf) are listed with their defaults in conf/kldrift.properties."
    })
public final class DriftJob implements Callable<Integer> {

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
      description = "Configuration file (Java properties); see conf/kldrift.properties.")
  Path config;

  @Option(
      names = "--run-date",
      paramLabel = "YYYY-MM-DD",
      description = "Names the run (default: today).")
  String runDate;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master (default: local[*] unless spark-submit set one).")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "A configuration key (or a spark.* setting); repeatable; overrides --config.")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(
      names = "--fail-on",
      paramLabel = "LEVEL",
      description = "Lowest status that gives a non-zero exit code: alert (default) or warn.")
  String failOn = "alert";

  @Option(names = "--quiet", description = "No progress lines on standard error.")
  boolean quiet;

  /** Entry point for spark-submit and the local launcher. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the job and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new DriftJob());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> handle(e));
    return cl.execute(args);
  }

  static int handle(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DriftException d) {
        System.err.println("kldrift: error: " + d.getMessage());
        System.out.println(
            "status: "
                + (d.kind() == DriftException.Kind.INVALID_INPUT
                    ? "INVALID_INPUT"
                    : "INVALID_CONFIG"));
        return d.kind().exitCode();
      }
    }
    System.err.println("kldrift: internal error (the previous report, if any, is unchanged):");
    e.printStackTrace();
    System.out.println("status: FAILED");
    return ExitCodes.INTERNAL_ERROR;
  }

  @Override
  public Integer call() {
    if (quiet) {
      System.setProperty("kldrift.quiet", "true");
    }
    if (!failOn.equals("alert") && !failOn.equals("warn")) {
      throw DriftException.invalidConfig(
          "--fail-on " + failOn + " is not a level", "use --fail-on alert or --fail-on warn");
    }
    LocalDate date = parseDate(runDate);
    DriftConfig.Builder b = DriftConfig.builder();
    if (config != null) {
      b.file(config);
    }
    Map<String, String> sparkConf = new LinkedHashMap<>();
    conf.forEach(
        (k, v) -> {
          if (k.startsWith("spark.")) {
            sparkConf.put(k, v);
          } else {
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
      throw DriftException.invalidConfig(
          "no output folder given", "pass --out PATH or set output.path");
    }

    SparkSession.Builder sb = SparkSession.builder().appName("kldrift drift-report " + date);
    sparkConf.forEach(sb::config);
    if (master != null) {
      sb.master(master);
    } else if (!new SparkConf().contains("spark.master")) {
      sb.master("local[*]");
    }
    // A session that already exists (a test, a notebook calling main) belongs to its owner.
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = sb.getOrCreate();
    try {
      try (DriftReport report = KlDrift.analyze(spark, cfg, date)) {
        String where = KlDrift.write(spark, report, root, date);
        printSummary(report, date, where);
        return exitCode(report.status());
      }
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }

  private int exitCode(String status) {
    switch (status) {
      case "ALERT":
        return ExitCodes.ALERT;
      case "WARN":
        return failOn.equals("warn") ? ExitCodes.WARN : ExitCodes.OK;
      default:
        return ExitCodes.OK;
    }
  }

  static LocalDate parseDate(String s) {
    if (s == null) {
      return LocalDate.now(java.time.ZoneId.systemDefault());
    }
    try {
      return LocalDate.parse(s);
    } catch (DateTimeParseException e) {
      throw DriftException.invalidConfig(
          "--run-date '" + s + "' is not a date", "use the form YYYY-MM-DD, e.g. 2026-11-28");
    }
  }

  @SuppressWarnings("unchecked")
  static void printSummary(DriftReport r, LocalDate date, String where) {
    Map<String, Object> in = (Map<String, Object>) r.summary().get("inputs");
    Map<String, Object> kl = r.global("kl");
    Map<String, Object> js = r.global("js");
    Map<String, Object> ag = r.global("agreement");
    Map<String, Object> viol = (Map<String, Object>) in.get("support_violations");
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "kldrift %s  run_date=%s%n", KlDrift.VERSION, date));
    s.append(
        String.format(
            Locale.ROOT,
            "rows        teacher %,d  student %,d  matched %,d  teacher-only %,d  student-only %,d%n",
            count(in.get("teacher_rows")),
            count(in.get("student_rows")),
            count(in.get("matched")),
            count(in.get("teacher_only")),
            count(in.get("student_only"))));
    s.append("row rules   ").append(ruleLine((Map<String, Object>) in.get("invalid"))).append('\n');
    if (kl.get("mean") != null) {
      s.append(
          String.format(
              Locale.ROOT,
              "mean KL     %.6f nats (95%% CI %s .. %s)  p50 %s  p99 %s  max %s%n",
              ((Number) kl.get("mean")).doubleValue(),
              fmt(kl.get("ci95_low")),
              fmt(kl.get("ci95_high")),
              fmt(kl.get("p50")),
              fmt(kl.get("p99")),
              fmt(kl.get("max"))));
      s.append(
          String.format(
              Locale.ROOT,
              "agreement   %.2f%%  mean JS %s  support violations: %s examples%n",
              100 * ((Number) ag.get("mean")).doubleValue(),
              fmt(js.get("mean")),
              viol.get("examples")));
    } else {
      s.append("mean KL     n/a (no matched examples)\n");
    }
    List<Map<String, Object>> top = r.topClasses();
    if (!top.isEmpty()) {
      s.append("top drifted classes (share of mean KL):");
      for (Map<String, Object> c : top) {
        Object share = c.get("kl_share");
        s.append(
            String.format(
                Locale.ROOT,
                "  %s %s",
                c.get("class_name"),
                share == null
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.1f%%", 100 * ((Number) share).doubleValue())));
      }
      s.append('\n');
    }
    List<Map<String, Object>> checks = r.checks();
    if (!checks.isEmpty()) {
      Map<String, Integer> counts = new java.util.TreeMap<>();
      checks.forEach(c -> counts.merge(String.valueOf(c.get("outcome")), 1, Integer::sum));
      s.append("checks      ")
          .append(counts.toString().replaceAll("[{}]", "").replace("=", " "))
          .append('\n');
      for (Map<String, Object> c : checks) {
        Object o = c.get("outcome");
        if ("ALERT".equals(o) || "WARN".equals(o)) {
          s.append("  ").append(o).append(' ').append(c.get("name"));
          if (c.get("scope_value") != null) {
            s.append(" [")
                .append(c.get("scope_column"))
                .append('=')
                .append(c.get("scope_value"))
                .append(']');
          }
          s.append(": ").append(c.get("message")).append('\n');
        }
      }
    }
    s.append("report      ").append(where).append('\n');
    s.append("status: ").append(r.status());
    System.out.println(s);
  }

  /** "all rows valid", or per side the rows quarantined and renormalized, by rule. */
  @SuppressWarnings("unchecked")
  static String ruleLine(Map<String, Object> invalid) {
    List<String> sides = new java.util.ArrayList<>();
    for (String side : List.of("teacher", "student")) {
      Map<String, Object> v = (Map<String, Object>) invalid.get(side);
      Map<String, Object> rules = (Map<String, Object>) v.get("rules");
      List<String> byRule = new java.util.ArrayList<>();
      rules.forEach(
          (name, r) -> {
            long rows = ((Number) ((Map<String, Object>) r).get("rows")).longValue();
            if (rows > 0) {
              byRule.add(
                  String.format(
                      Locale.ROOT,
                      "%s %,d %s",
                      name,
                      rows,
                      "renormalize".equals(((Map<String, Object>) r).get("policy"))
                          ? "renormalized"
                          : "quarantined"));
            }
          });
      if (!byRule.isEmpty()) {
        sides.add(side + ": " + String.join(", ", byRule));
      }
    }
    String all = String.join("; ", sides);
    return sides.isEmpty()
        ? "all rows valid"
        : all.contains("quarantined") ? all + " (rows in quarantine/)" : all;
  }

  private static long count(Object v) {
    return ((Number) v).longValue();
  }

  private static String fmt(Object v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.6f", ((Number) v).doubleValue());
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
