package io.kldrift.bench;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SampleGenerator;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The kldrift benchmark ({@code jobs/bench}): times the kldrift per-example pass and the whole
 * report against a read-and-join floor, Spark's higher-order functions, a boxed Java UDF and DuckDB
 * (a bare mean-KL query, e0, and a script computing the same report, e), on generated data; times
 * the whole report and the DuckDB script also as whole processes, the way a user runs them (wall,
 * CPU, peak RSS); optionally scales both in rows and in classes ({@code --scaling}); checks that
 * every route computes the same figures, and writes the results into a Markdown file (default
 * BENCHMARKS.md), replacing only its own sections. Not a test: nothing runs it but jobs/bench.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Benchmarks kldrift against a read+join floor, Spark higher-order functions,",
      "a boxed Java UDF and DuckDB on generated data (cached under --data), in",
      "process and as whole processes (jobs/drift-report, the DuckDB report script),",
      "checks that all agree, and writes a Markdown report (--out).",
      "Exit code 1 if the variants disagree."
    })
public final class Bench implements Callable<Integer> {

  @Option(names = "--rows", description = "Examples in the main case (default: ${DEFAULT-VALUE}).")
  long rows = 1_000_000;

  @Option(
      names = "--classes",
      description = "Classes in the main case (default: ${DEFAULT-VALUE}).")
  int classes = 100;

  @Option(
      names = "--files",
      description =
          "Parquet files per table in the main case and scaling cases up to 1,000 classes,"
              + " at most (default: ${DEFAULT-VALUE}).")
  int files = 4;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 7;

  @Option(
      names = "--wide-rows",
      description = "Examples in the wide case (default: ${DEFAULT-VALUE}).")
  long wideRows = 8_000;

  @Option(
      names = "--wide-classes",
      description = "Classes in the wide case (default: ${DEFAULT-VALUE}).")
  int wideClasses = 32_000;

  @Option(
      names = "--wide-files",
      description =
          "Parquet files per table in the wide case and wider scaling cases, at most"
              + " (default: ${DEFAULT-VALUE}).")
  int wideFiles = 2;

  @Option(names = "--skip-wide", description = "Skip the wide case.")
  boolean skipWide;

  @Option(
      names = "--repeat",
      description = "Timed runs per variant; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeat = 3;

  @Option(
      names = "--warmup",
      description =
          "Untimed warm-up runs per in-process variant (default: ${DEFAULT-VALUE}); whole"
              + " processes start cold by definition and get none.")
  int warmup = 1;

  @Option(
      names = "--wide-repeat",
      description = "Timed runs per variant in the wide case (default: ${DEFAULT-VALUE}).")
  int wideRepeat = 1;

  @Option(names = "--no-process", description = "Skip the whole-process variants (e-proc, f-proc).")
  boolean noProcess;

  @Option(
      names = "--scaling",
      description =
          "Also run the whole report and the DuckDB script as whole processes (and the floor a"
              + " in process) over --scaling-cases.")
  boolean scaling;

  @Option(
      names = "--scaling-cases",
      split = ",",
      description =
          "ROWSxCLASSES cases of --scaling (default: ${DEFAULT-VALUE}): rows at the first case's"
              + " class count, then wider vectors of about 1 GB per table.")
  List<String> scalingCases =
      List.of(
          "250000x100", "1000000x100", "4000000x100", "250000x1000", "8000x32000", "2000x128000");

  @Option(
      names = "--generate-only",
      description =
          "Generate the data of the main case, the wide case and (with --scaling) the scaling"
              + " cases into --data, then stop.")
  boolean generateOnly;

  @Option(names = "--master", description = "Spark master (default: ${DEFAULT-VALUE}).")
  String master = "local[2]";

  @Option(
      names = "--shuffle-partitions",
      description =
          "spark.sql.shuffle.partitions of the bench's session (default: not set, Spark's"
              + " default, as the job runs).")
  Integer shufflePartitions;

  @Option(
      names = "--duckdb-threads",
      description = "DuckDB threads (default: Spark's default parallelism, i.e. its cores).")
  Integer duckdbThreads;

  @Option(
      names = "--tolerance",
      description = "Largest relative difference accepted (default: ${DEFAULT-VALUE}).")
  double tolerance = 1e-9;

  @Option(
      names = "--rank-tolerance",
      description =
          "Largest rank error accepted for kldrift's KL quantiles against DuckDB's exact ones"
              + " (default: ${DEFAULT-VALUE}).")
  double rankTolerance = 0.02;

  @Option(
      names = "--out",
      description =
          "Markdown file to write (default: BENCHMARKS.md at the project root): its preamble and"
              + " this benchmark's sections are replaced, its other sections (the hand-written"
              + " ones, 'Sequence layout') kept.")
  String out;

  /**
   * The level-2 sections {@link #markdown} writes (besides the preamble), as {@link
   * MarkdownSections} recognizes them in the file; the headings with figures by their start. A run
   * without one of them (no {@code --scaling}, {@code --skip-wide}) removes it from the file, so
   * that no figures of an earlier run sit under this run's settings.
   */
  static final List<MarkdownSections.Heading> SECTIONS =
      List.of(
          MarkdownSections.Heading.is("Machine and settings"),
          MarkdownSections.Heading.is("Data"),
          MarkdownSections.Heading.startsWith("Main case: "),
          MarkdownSections.Heading.is("Agreement: DuckDB's same report (e) against kldrift's (f)"),
          MarkdownSections.Heading.is("The DuckDB scripts"),
          MarkdownSections.Heading.is("Scaling: whole processes over rows and classes"),
          MarkdownSections.Heading.is("Targets"),
          MarkdownSections.Heading.startsWith("Wide case: "));

  @Option(
      names = "--data",
      description =
          "Folder of cached generated data (default: target/bench-data at the project root;"
              + " the reference runs use /work/bench-data).")
  String data;

  @Option(names = "--explain", description = "Print the physical plan of variant b once.")
  boolean explain;

  @Option(
      names = "--trace-jobs",
      description =
          "Print every Spark job's description and duration, and every DuckDB statement's,"
              + " to standard error.")
  boolean traceJobs;

  private static String[] argv = new String[0];

  /** Entry point (through jobs/bench). */
  public static void main(String[] args) {
    argv = args.clone();
    io.kldrift.console.Progress.setDefault(io.kldrift.console.Verbosity.QUIET);
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  // ------------------------------------------------------------------------------------------
  // Variants

  /**
   * One timed route to the mean KL; {@code after} runs untimed after each run (clean-up, keeping
   * what the agreement checks read); a {@code process} variant is a whole process whose figures
   * come from GNU time.
   */
  private record Variant(
      String id, String name, String how, Body body, Body after, boolean process) {
    Variant(String id, String name, String how, Body body) {
      this(id, name, how, body, null, false);
    }
  }

  @FunctionalInterface
  private interface Body {
    /** Runs the variant once and returns its mean KL (variant a: the sum of array sizes). */
    double run() throws Exception;
  }

  /** Measurements of one variant. */
  private static final class Timing {
    final List<Double> seconds = new ArrayList<>();
    final List<Double> cpu = new ArrayList<>();
    final List<Double> values = new ArrayList<>();
    HeapProbe.Peaks heap;
    long peakRss;

    double median() {
      return median(seconds);
    }

    double cpuMedian() {
      return median(cpu);
    }

    static double median(List<Double> v) {
      if (v.isEmpty()) {
        return Double.NaN;
      }
      List<Double> s = new ArrayList<>(v);
      s.sort(Comparator.naturalOrder());
      int n = s.size();
      return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
  }

  /** A Java UDF over boxed Floats, as a user without kldrift would write it. */
  static final class BoxedKl
      implements UDF2<scala.collection.Seq<Float>, scala.collection.Seq<Float>, Double> {
    private static final long serialVersionUID = 1L;

    @Override
    public Double call(scala.collection.Seq<Float> p, scala.collection.Seq<Float> q) {
      int n = p.length();
      double kl = 0;
      for (int i = 0; i < n; i++) {
        float x = p.apply(i);
        float y = q.apply(i);
        kl += x > 0 ? x * Math.log((double) x / (double) y) : 0.0;
      }
      return kl;
    }
  }

  /** Prints each Spark job's description and wall time (--trace-jobs). */
  static final class JobTracer extends org.apache.spark.scheduler.SparkListener {
    private final Map<Integer, long[]> started = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Integer, String> names = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
      String d =
          e.properties() == null ? null : e.properties().getProperty("spark.job.description");
      started.put(e.jobId(), new long[] {e.time(), e.stageInfos().size()});
      names.put(e.jobId(), d == null ? "(no description)" : d);
    }

    @Override
    public void onJobEnd(org.apache.spark.scheduler.SparkListenerJobEnd e) {
      long[] s = started.remove(e.jobId());
      String d = names.remove(e.jobId());
      if (s != null) {
        System.err.printf(
            Locale.ROOT,
            "[bench job %4d] %7.2f s  %d stage(s)  %s%n",
            e.jobId(),
            (e.time() - s[0]) / 1000.0,
            s[1],
            d);
      }
    }
  }

  static final String HOF_KL =
      "aggregate(zip_with(tp, sp, (x, y) -> IF(x > 0, x * ln(x / y), 0D)), 0D, (acc, v) -> acc + v)";

  private SparkSession spark;
  private Connection duck;
  private final DriftConfig defaults = DriftConfig.builder().build();
  private double[] duckContributions;
  private long duckMatched;
  private DriftReport lastReport;
  private final List<Path> tempDirs = new ArrayList<>();
  private Path home;
  private Path work;
  private Proc.Result lastProc;
  private final Map<String, Path> kept = new LinkedHashMap<>();

  private Dataset<Row> joined(Path dir) {
    Dataset<Row> t =
        spark
            .read()
            .parquet(dir.resolve("teacher").toString())
            .select(col("example_id"), col("probs").as("tp"));
    Dataset<Row> s =
        spark
            .read()
            .parquet(dir.resolve("student").toString())
            .select(col("example_id"), col("probs").as("sp"));
    return t.join(s, "example_id");
  }

  private Variant floor(Path dir) {
    return new Variant(
        "a",
        "floor: read + join, touch both arrays",
        "`sum(size(t.probs) + size(s.probs))` over the inner join on example_id",
        () -> joined(dir).agg(sum(size(col("tp")).plus(size(col("sp"))))).first().getLong(0));
  }

  private Dataset<Row> kldriftQuery(Path dir) {
    Dataset<Row> m = joined(dir).select(KlDrift.metrics(col("tp"), col("sp"), defaults).as("m"));
    Column doubles =
        col("m.reverse_kl")
            .plus(col("m.js"))
            .plus(col("m.teacher_entropy"))
            .plus(col("m.student_entropy"))
            .plus(col("m.cross_entropy"))
            .plus(col("m.total_variation"))
            .plus(col("m.teacher_confidence"))
            .plus(col("m.student_confidence"));
    Column ints =
        col("m.teacher_top1")
            .plus(col("m.student_top1"))
            .plus(col("m.support_violations"))
            .plus(col("m.reverse_support_violations"));
    return m.agg(
        avg("m.kl"), sum(doubles), sum(ints), count_if(col("m.agree")), count(col("m.t2_kl")));
  }

  private Variant kldrift(Path dir) {
    return new Variant(
        "b",
        "kldrift per-example pass",
        "`avg(kldrift_metrics(t.probs, s.probs).kl)` plus sums over every other struct field (KlDrift.metrics)",
        () -> kldriftQuery(dir).first().getDouble(0));
  }

  private Variant hof(Path dir) {
    return new Variant(
        "c",
        "Spark higher-order functions",
        "`avg(" + HOF_KL.replace("tp", "t.probs").replace("sp", "s.probs") + ")`",
        () -> joined(dir).select(expr(HOF_KL).as("kl")).agg(avg("kl")).first().getDouble(0));
  }

  private Variant udf(Path dir) {
    return new Variant(
        "d",
        "boxed Java UDF",
        "`avg(udf(t.probs, s.probs))`, a `UDF2<scala.collection.Seq<Float>, scala.collection.Seq<Float>, Double>`",
        () ->
            joined(dir)
                .select(call_udf("bench_boxed_kl", col("tp"), col("sp")).as("kl"))
                .agg(avg("kl"))
                .first()
                .getDouble(0));
  }

  static String duckSql(Path dir) {
    return duckSql(
        sqlString(dir.resolve("teacher").toAbsolutePath() + "/*.parquet"),
        sqlString(dir.resolve("student").toAbsolutePath() + "/*.parquet"));
  }

  static String duckSql(String t, String s) {
    return String.join(
        "\n",
        "WITH j AS (",
        "  SELECT t.probs AS p, s.probs AS q",
        "  FROM read_parquet(" + t + ") t JOIN read_parquet(" + s + ") s USING (example_id)),",
        "e AS (",
        "  SELECT unnest(range(len(p))) AS c, unnest(p)::DOUBLE AS x, unnest(q)::DOUBLE AS y FROM j)",
        "SELECT c, sum(CASE WHEN x > 0 THEN x * ln(x / y) ELSE 0 END) AS kl_sum, count(*) AS n",
        "FROM e GROUP BY c ORDER BY c");
  }

  private Variant duckdb(Path dir, int numClasses) {
    String sql = duckSql(dir);
    return new Variant(
        "e0",
        "DuckDB bare mean KL (JDBC, in-process)",
        "join of `read_parquet` tables; per-class sums of `x * ln(x / y)` over `unnest`ed arrays;"
            + " mean KL = sum of the class sums / matched rows (no validation, no other figure)",
        () -> {
          double[] sums = new double[numClasses];
          long n = -1;
          try (Statement st = duck.createStatement();
              ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
              int c = (int) rs.getLong(1);
              sums[c] = rs.getDouble(2);
              long nc = rs.getLong(3);
              if (n >= 0 && nc != n) {
                throw new IllegalStateException(
                    "DuckDB: class " + c + " has " + nc + " rows, class 0 has " + n);
              }
              n = nc;
            }
          }
          double total = 0;
          for (double v : sums) {
            total += v;
          }
          for (int c = 0; c < numClasses; c++) {
            sums[c] /= n;
          }
          duckContributions = sums;
          duckMatched = n;
          return total / n;
        });
  }

  /** A fresh folder under the run's work folder; {@code keep} replaces the previous one kept. */
  private Path fresh(String name) throws IOException {
    Path p = Files.createTempDirectory(work, name);
    Path old = kept.put(name, p);
    if (old != null) {
      deleteTree(old);
    }
    return p;
  }

  private static String glob(Path dir, String side) {
    return dir.resolve(side).toAbsolutePath() + "/*.parquet";
  }

  private Map<String, String> scriptValues(Path dir, Path outDir) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("teacher", glob(dir, "teacher"));
    v.put("student", glob(dir, "student"));
    v.put("out", outDir.toAbsolutePath().toString());
    return v;
  }

  private double duckMeanKl(Path duckOut) throws SQLException {
    return Double.parseDouble(
        scalar(
            "SELECT mean FROM read_parquet("
                + sqlString(duckOut.resolve("global.parquet").toString())
                + ") WHERE metric = 'kl'"));
  }

  /** The DuckDB same-report script, on the bench's connection. */
  private Variant duckReport(Path dir) {
    String script = DuckRun.reportScript();
    return new Variant(
        "e",
        "DuckDB same report (JDBC, in-process)",
        "`"
            + DuckRun.REPORT_SCRIPT_SOURCE
            + "` (below) run statement by statement on the bench's connection: row rules, full outer"
            + " join, every per-example metric, moments, exact quantiles, histogram, slices,"
            + " classes, labels, confusions, worst examples, each written to Parquet;"
            + " value: the mean KL it wrote",
        () -> {
          Path o = fresh("duckdb-report");
          DuckRun.run(
              duck,
              DuckRun.statements(DuckRun.substitute(script, scriptValues(dir, o))),
              traceJobs);
          return duckMeanKl(o);
        },
        () -> {
          // Untimed: keep the exact per-example KLs for the quantile check, free the rest.
          try (Statement st = duck.createStatement()) {
            st.execute("CREATE OR REPLACE TEMP TABLE bench_exact_kl AS SELECT kl FROM ex");
          }
          DuckRun.dropTempObjects(duck, script);
          return 0;
        },
        false);
  }

  private DriftConfig reportConfig(Path dir) {
    return DriftConfig.builder()
        .set(DriftConfig.TEACHER_PATH, dir.resolve("teacher").toString())
        .set(DriftConfig.STUDENT_PATH, dir.resolve("student").toString())
        .set(DriftConfig.SLICE_COLUMNS, "segment")
        .build();
  }

  private Variant report(Path dir) {
    return new Variant(
        "f",
        "kldrift whole report (in-process)",
        "`KlDrift.analyze` (read, validate, join, all metrics and aggregates, slices by `segment`)"
            + " + `KlDrift.write`, on the bench's SparkSession; value: `report.meanKl()`",
        () -> {
          Path outDir = fresh("kldrift-report");
          LocalDate date = LocalDate.now();
          try {
            DriftReport r = KlDrift.analyze(spark, reportConfig(dir), date);
            KlDrift.write(spark, r, outDir.toString(), date);
            lastReport = r;
            return r.meanKl();
          } finally {
            // analyze() may persist the per-example metrics; nothing else unpersists them.
            spark.catalog().clearCache();
          }
        });
  }

  private Path launcher() {
    return home.resolve("jobs/drift-report");
  }

  /** The user's command for the whole report. */
  private List<String> reportCommand(Path dir, Path outDir) {
    return List.of(
        launcher().toString(),
        "--teacher",
        dir.resolve("teacher").toString(),
        "--student",
        dir.resolve("student").toString(),
        "--out",
        outDir.toString(),
        "--conf",
        "input.slice_columns=segment");
  }

  /** The DuckDB script as a process of its own: a JVM running it through duckdb_jdbc. */
  private List<String> duckCommand(Path dir, Path outDir) {
    List<String> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      // Only what DuckRun needs: the bench's classes (with the script) and the driver.
      if (e.endsWith("test-classes") || e.contains("duckdb_jdbc")) {
        cp.add(e);
      }
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, cp));
    cmd.add(DuckRun.class.getName());
    scriptValues(dir, outDir).forEach((k, v) -> cmd.add(k + "=" + v));
    return cmd;
  }

  private Proc.Result runProcess(String what, List<String> cmd, Path workDir) throws Exception {
    Path log = workDir.resolve(what + ".log");
    Proc.Result r = Proc.run(cmd, workDir, log);
    lastProc = r;
    if (!r.ok()) {
      throw new IllegalStateException(
          what + " exited with code " + r.exitCode() + "; its last lines:\n" + r.tail(15));
    }
    return r;
  }

  private Variant reportProcess(Path dir) {
    return new Variant(
        "f-proc",
        "kldrift whole report (whole process)",
        "`jobs/drift-report --teacher T --student S --out O --conf input.slice_columns=segment`"
            + " under `/usr/bin/time`, the job's default settings (KLDRIFT_DRIVER_MEMORY,"
            + " KLDRIFT_JAVA_OPTS, KLDRIFT_SUBMIT_OPTS removed from its environment); value:"
            + " `global.kl.mean` of its summary.json",
        () -> {
          Path w = fresh("drift-report-process");
          runProcess("drift-report", reportCommand(dir, w.resolve("out")), w);
          return summaryMeanKl(ReportAgreement.runFolder(w.resolve("out")));
        },
        null,
        true);
  }

  private Variant duckProcess(Path dir) {
    return new Variant(
        "e-proc",
        "DuckDB same report (whole process)",
        "the same script in a JVM of its own (`java -cp test-classes:duckdb_jdbc.jar"
            + " io.kldrift.bench.DuckRun teacher=... student=... out=...`, a fresh in-memory"
            + " database, DuckDB's default threads) under `/usr/bin/time`; value: the mean KL it"
            + " wrote",
        () -> {
          Path w = fresh("duckdb-process");
          Files.createDirectories(w.resolve("out"));
          runProcess("duckdb", duckCommand(dir, w.resolve("out")), w);
          return duckMeanKl(w.resolve("out"));
        },
        null,
        true);
  }

  private static double summaryMeanKl(Path run) throws IOException {
    return new ObjectMapper()
        .readTree(run.resolve("summary.json").toFile())
        .path("global")
        .path("kl")
        .path("mean")
        .asDouble(Double.NaN);
  }

  // ------------------------------------------------------------------------------------------
  // Running

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private double lastSeconds;
  private double lastCpu;

  private double runOnce(Variant v, String phase) throws Exception {
    spark.sparkContext().setJobDescription("bench " + v.id() + " " + phase);
    lastProc = null;
    long c0 = processCpuNanos();
    long t0 = System.nanoTime();
    double value = v.body().run();
    double secs = (System.nanoTime() - t0) / 1e9;
    double cpu = (processCpuNanos() - c0) / 1e9;
    if (v.process()) {
      // The kernel's accounting of the child process tree, not this JVM's.
      secs = lastProc.wallSeconds();
      cpu = lastProc.cpuSeconds();
    }
    if (v.after() != null) {
      v.after().run();
    }
    System.err.printf(
        Locale.ROOT,
        "[bench] %-8s %-6s %-42s %8.2f s  cpu %8.2f s%s  value %.12g%n",
        phase,
        v.id(),
        v.name(),
        secs,
        cpu,
        v.process() ? String.format(Locale.ROOT, "  rss %s", mib(lastProc.peakRssBytes())) : "",
        value);
    lastSeconds = secs;
    lastCpu = cpu;
    return value;
  }

  /** Warm-up runs of every in-process variant, then timed rounds that run the variants in turn. */
  private Map<String, Timing> measure(
      List<Variant> variants, int warmups, int rounds, boolean probeHeap) throws Exception {
    Map<String, Timing> out = new LinkedHashMap<>();
    variants.forEach(v -> out.put(v.id(), new Timing()));
    for (int w = 0; w < warmups; w++) {
      for (Variant v : variants) {
        if (!v.process()) {
          out.get(v.id()).values.add(runOnce(v, "warm-up"));
        }
      }
    }
    for (int r = 0; r < rounds; r++) {
      for (Variant v : variants) {
        Timing t = out.get(v.id());
        HeapProbe probe = probeHeap && !v.process() ? HeapProbe.start() : null;
        double value;
        try {
          value = runOnce(v, "run " + (r + 1) + "/" + rounds);
        } finally {
          if (probe != null) {
            HeapProbe.Peaks p = probe.stop();
            if (t.heap == null || p.sampledUsed() > t.heap.sampledUsed()) {
              t.heap = p;
            }
          }
        }
        if (v.process()) {
          t.peakRss = Math.max(t.peakRss, lastProc.peakRssBytes());
        }
        t.values.add(value);
        t.seconds.add(lastSeconds);
        t.cpu.add(lastCpu);
      }
    }
    return out;
  }

  /** Mean-KL disagreements (relative to variant b's first value) among the given variants. */
  private List<String> disagreements(Map<String, Timing> timings, List<String> ids) {
    List<String> problems = new ArrayList<>();
    double ref = timings.get("b").values.get(0);
    if (!Double.isFinite(ref)) {
      problems.add("variant b returned a non-finite mean KL " + ref);
      return problems;
    }
    for (String id : ids) {
      if (!timings.containsKey(id)) {
        continue;
      }
      for (double v : timings.get(id).values) {
        double rel = Math.abs(v - ref) / Math.abs(ref);
        if (!(rel <= tolerance)) {
          problems.add(
              String.format(
                  Locale.ROOT,
                  "variant %s mean KL %.17g differs from b's %.17g by %.3g relative (tolerance %.1g)",
                  id,
                  v,
                  ref,
                  rel,
                  tolerance));
        }
      }
    }
    return problems;
  }

  private static double maxRelSpread(Timing t, double ref) {
    double m = 0;
    for (double v : t.values) {
      m = Math.max(m, Math.abs(v - ref) / Math.abs(ref));
    }
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // Data

  private record DataInfo(
      Path dir,
      long rows,
      int classes,
      int files,
      long teacherRows,
      long studentRows,
      long bytes,
      int parquetFiles,
      String generated) {}

  private DataInfo ensureData(Path root, long n, int c, int nFiles) throws IOException {
    Path dir = root.resolve(String.format(Locale.ROOT, "r%d_c%d_s%d", n, c, seed)).toAbsolutePath();
    String generated;
    if (Files.exists(dir.resolve("teacher/_SUCCESS"))
        && Files.exists(dir.resolve("student/_SUCCESS"))) {
      generated = "cached (reused from an earlier run)";
      System.err.println("[bench] using cached data " + dir);
    } else {
      System.err.printf(
          Locale.ROOT, "[bench] generating %,d rows x %,d classes into %s ...%n", n, c, dir);
      Files.createDirectories(dir);
      spark.sparkContext().setJobDescription("bench: generate " + dir.getFileName());
      long t0 = System.nanoTime();
      SampleGenerator.generate(
          spark,
          new SampleGenerator.Spec(n, c, seed, false, List.of(3, 5), 1.5, 0.001, nFiles),
          dir.toString());
      generated =
          String.format(
              Locale.ROOT, "generated by this run in %.1f s", (System.nanoTime() - t0) / 1e9);
      System.err.println("[bench] " + generated);
    }
    long tRows = spark.read().parquet(dir.resolve("teacher").toString()).count();
    long sRows = spark.read().parquet(dir.resolve("student").toString()).count();
    long bytes = 0;
    int parquet = 0;
    for (String side : List.of("teacher", "student")) {
      try (Stream<Path> s = Files.list(dir.resolve(side))) {
        for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList()) {
          bytes += Files.size(p);
          parquet++;
        }
      }
    }
    return new DataInfo(dir, n, c, nFiles, tRows, sRows, bytes, parquet, generated);
  }

  // ------------------------------------------------------------------------------------------
  // Scaling

  /** One scaling case and what its runs measured. */
  private static final class ScaleCase {
    final long rows;
    final int classes;
    DataInfo data;
    double floorSeconds = Double.NaN;
    int floorBatch;
    String floorError;
    Proc.Result report;
    String reportError;
    Proc.Result duck;
    String duckError;
    ReportAgreement agreement;

    ScaleCase(long rows, int classes) {
      this.rows = rows;
      this.classes = classes;
    }

    String label() {
      return String.format(Locale.ROOT, "%,d × %,d", rows, classes);
    }
  }

  private List<ScaleCase> parseCases() {
    List<ScaleCase> out = new ArrayList<>();
    for (String s : scalingCases) {
      String[] p = s.trim().toLowerCase(Locale.ROOT).split("x");
      if (p.length != 2) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "scaling case '" + s + "' is not ROWSxCLASSES");
      }
      long r = Long.parseLong(p[0]);
      int c = Integer.parseInt(p[1]);
      if (r < 1 || c < 1) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "scaling case '" + s + "' must be positive");
      }
      out.add(new ScaleCase(r, c));
    }
    return out;
  }

  private int filesFor(int c) {
    return c <= 1000 ? files : wideFiles;
  }

  /**
   * Parquet reader batch size for the floor: at most about 4M array elements per column per task (a
   * power of two from 16 to Spark's default 4096), since a default batch of wide vectors does not
   * fit in memory (SPARK-NOTES) and the floor is the best read this machine can do.
   */
  static int floorBatch(int c) {
    int b = 4096;
    while (b > 16 && (long) b * c > 4_000_000L) {
      b /= 2;
    }
    return b;
  }

  private void runScaling(List<ScaleCase> cases, Path dataRoot) throws Exception {
    String batchKey = "spark.sql.parquet.columnarReaderBatchSize";
    for (ScaleCase sc : cases) {
      sc.data = ensureData(dataRoot, sc.rows, sc.classes, filesFor(sc.classes));
      Path dir = sc.data.dir();
      System.err.println("[bench] scaling " + sc.label());
      sc.floorBatch = floorBatch(sc.classes);
      String before = spark.conf().get(batchKey, null);
      try {
        spark.conf().set(batchKey, String.valueOf(sc.floorBatch));
        runOnce(floor(dir), "scaling");
        sc.floorSeconds = lastSeconds;
      } catch (Exception | OutOfMemoryError e) {
        sc.floorError = String.valueOf(e);
        System.err.println("[bench] scaling floor failed: " + e);
      } finally {
        if (before == null) {
          spark.conf().unset(batchKey);
        } else {
          spark.conf().set(batchKey, before);
        }
      }
      Path w = fresh("scaling-report");
      try {
        sc.report = Proc.run(reportCommand(dir, w.resolve("out")), w, w.resolve("report.log"));
        if (!sc.report.ok()) {
          sc.reportError = "exit " + sc.report.exitCode() + ": " + sc.report.tail(3);
        }
      } catch (Exception e) {
        sc.reportError = String.valueOf(e);
      }
      logScale("f-proc", sc.report, sc.reportError);
      Path d = fresh("scaling-duckdb");
      Files.createDirectories(d.resolve("out"));
      try {
        sc.duck = Proc.run(duckCommand(dir, d.resolve("out")), d, d.resolve("duckdb.log"));
        if (!sc.duck.ok()) {
          sc.duckError = "exit " + sc.duck.exitCode() + ": " + sc.duck.tail(3);
        }
      } catch (Exception e) {
        sc.duckError = String.valueOf(e);
      }
      logScale("e-proc", sc.duck, sc.duckError);
      if (sc.reportError == null && sc.duckError == null) {
        sc.agreement =
            ReportAgreement.quick(
                duck,
                ReportAgreement.runFolder(w.resolve("out")),
                d.resolve("out"),
                tolerance,
                rankTolerance);
      }
    }
  }

  private static void logScale(String what, Proc.Result r, String error) {
    if (error != null) {
      System.err.println("[bench] scaling " + what + " FAILED: " + error);
    } else {
      System.err.printf(
          Locale.ROOT,
          "[bench] scaling %-6s wall %8.2f s  cpu %8.2f s  rss %s%n",
          what,
          r.wallSeconds(),
          r.cpuSeconds(),
          mib(r.peakRssBytes()));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Main

  @Override
  public Integer call() throws Exception {
    if (rows < 1
        || classes < 1
        || files < 1
        || wideRows < 1
        || wideClasses < 1
        || wideFiles < 1
        || repeat < 1
        || warmup < 0
        || wideRepeat < 1
        || (shufflePartitions != null && shufflePartitions < 1)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "rows, classes, files, repeats and shuffle partitions must be positive; warm-up runs >= 0");
    }
    List<ScaleCase> cases = scaling ? parseCases() : List.of();
    boolean process = !noProcess;
    if ((process || scaling) && !Proc.available()) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          Proc.TIME
              + " is needed for the whole-process figures; pass --no-process (not with --scaling)");
    }
    home = Path.of(System.getProperty("kldrift.home", ".")).toAbsolutePath().normalize();
    Path outFile = out != null ? Path.of(out).toAbsolutePath() : home.resolve("BENCHMARKS.md");
    Path dataRoot =
        data != null ? Path.of(data).toAbsolutePath() : home.resolve("target/bench-data");
    String command = commandLine();
    ZonedDateTime started = ZonedDateTime.now();
    double loadStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    SparkSession.Builder b =
        SparkSession.builder()
            .master(master)
            .appName("kldrift-bench")
            .config("spark.ui.enabled", "false");
    if (shufflePartitions != null) {
      b = b.config("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
    }
    if (master.startsWith("local")) {
      b =
          b.config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1");
    }
    spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    if (traceJobs) {
      spark.sparkContext().addSparkListener(new JobTracer());
    }
    int sparkCores = spark.sparkContext().defaultParallelism();
    int threads = duckdbThreads != null ? duckdbThreads : sparkCores;
    work = Files.createTempDirectory("kldrift-bench");
    try {
      if (generateOnly) {
        ensureData(dataRoot, rows, classes, files);
        if (!skipWide) {
          ensureData(dataRoot, wideRows, wideClasses, wideFiles);
        }
        for (ScaleCase sc : cases) {
          ensureData(dataRoot, sc.rows, sc.classes, filesFor(sc.classes));
        }
        System.err.println("[bench] data ready under " + dataRoot);
        return 0;
      }
      spark.udf().register("bench_boxed_kl", new BoxedKl(), DataTypes.DoubleType);
      duck = DriverManager.getConnection("jdbc:duckdb:");
      Path duckTmp = work.resolve("duckdb-tmp");
      Files.createDirectories(duckTmp);
      try (Statement st = duck.createStatement()) {
        st.execute("SET threads = " + threads);
        st.execute("SET temp_directory = " + sqlString(duckTmp.toString()));
      }
      String duckVersion = scalar("SELECT version()");
      String duckThreads = scalar("SELECT current_setting('threads')");
      String duckMemory = scalar("SELECT current_setting('memory_limit')");
      if (process || scaling) {
        // Untimed: builds target/kldrift.jar now if it is missing or stale, not inside a timing.
        Proc.Result v =
            Proc.run(
                List.of(launcher().toString(), "--version"), work, work.resolve("version.log"));
        if (!v.ok()) {
          throw new IllegalStateException(
              "jobs/drift-report --version failed (exit " + v.exitCode() + "):\n" + v.tail(20));
        }
      }

      // ---- main case ----
      DataInfo main = ensureData(dataRoot, rows, classes, files);
      List<Variant> variants = new ArrayList<>();
      variants.add(floor(main.dir()));
      variants.add(kldrift(main.dir()));
      variants.add(hof(main.dir()));
      variants.add(udf(main.dir()));
      variants.add(duckdb(main.dir(), classes));
      variants.add(duckReport(main.dir()));
      variants.add(report(main.dir()));
      if (process) {
        variants.add(duckProcess(main.dir()));
        variants.add(reportProcess(main.dir()));
      }
      if (explain) {
        System.err.println("[bench] plan of b:");
        kldriftQuery(main.dir()).explain("formatted");
      }
      Map<String, Timing> t = measure(variants, warmup, repeat, true);
      List<String> meanIds = new ArrayList<>(List.of("b", "c", "d", "e0", "e", "f"));
      if (process) {
        meanIds.addAll(List.of("e-proc", "f-proc"));
      }
      List<String> problems = new ArrayList<>(disagreements(t, meanIds));
      long matched = lastReport.matched();
      for (double v : t.get("a").values) {
        if (v != 2.0 * classes * matched) {
          problems.add(
              String.format(
                  Locale.ROOT,
                  "variant a: sum of sizes %.0f != 2 x %d classes x %d matched rows",
                  v,
                  classes,
                  matched));
        }
      }
      if (duckMatched != matched) {
        problems.add("DuckDB (e0) joined " + duckMatched + " rows, the kldrift report " + matched);
      }
      double classDiff = perClassDifference(problems, t.get("b").values.get(0));
      ReportAgreement agreement =
          ReportAgreement.compare(
              duck,
              ReportAgreement.runFolder(kept.get("kldrift-report")),
              kept.get("duckdb-report"),
              "bench_exact_kl",
              tolerance,
              rankTolerance);
      problems.addAll(agreement.failures());
      ReportAgreement processAgreement = null;
      if (process) {
        processAgreement =
            ReportAgreement.compare(
                duck,
                ReportAgreement.runFolder(kept.get("drift-report-process").resolve("out")),
                kept.get("duckdb-process").resolve("out"),
                "bench_exact_kl",
                tolerance,
                rankTolerance);
        processAgreement.failures().forEach(f -> problems.add("whole processes: " + f));
      }
      try (Statement st = duck.createStatement()) {
        st.execute("DROP TABLE IF EXISTS bench_exact_kl");
      }

      // ---- wide case ----
      DataInfo wide = null;
      Map<String, Timing> wt = null;
      long wideMatched = 0;
      if (!skipWide) {
        wide = ensureData(dataRoot, wideRows, wideClasses, wideFiles);
        List<Variant> wv = List.of(floor(wide.dir()), kldrift(wide.dir()), report(wide.dir()));
        wt = measure(wv, 0, wideRepeat, true);
        problems.addAll(disagreements(wt, List.of("b", "f")));
        wideMatched = lastReport.matched();
        for (double v : wt.get("a").values) {
          if (v != 2.0 * wideClasses * wideMatched) {
            problems.add(
                String.format(
                    Locale.ROOT,
                    "wide variant a: sum of sizes %.0f != 2 x %d x %d",
                    v,
                    wideClasses,
                    wideMatched));
          }
        }
      }

      // ---- scaling ----
      if (scaling) {
        runScaling(cases, dataRoot);
        for (ScaleCase sc : cases) {
          if (sc.agreement != null) {
            sc.agreement.failures().forEach(f -> problems.add("scaling " + sc.label() + ": " + f));
          }
        }
      }
      double loadEnd = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

      Env env =
          new Env(
              command,
              started,
              loadStart,
              loadEnd,
              sparkCores,
              duckVersion,
              duckThreads,
              duckMemory,
              threads);
      Results res =
          new Results(
              env,
              main,
              variants,
              t,
              matched,
              classDiff,
              agreement,
              processAgreement,
              wide,
              wt,
              wideMatched,
              cases);
      System.out.println();
      System.out.println(mainTable(res));
      System.out.println(agreementTable(agreement));
      if (scaling) {
        System.out.println(scalingTable(res));
      }
      System.out.println(checksTable(res));
      if (wt != null) {
        System.out.println(wideTable(wt, wideMatched));
      }
      if (!problems.isEmpty()) {
        System.err.println();
        System.err.println(
            "[bench] FAILED: the variants do not agree; " + outFile + " was not written:");
        problems.forEach(p -> System.err.println("[bench]   " + p));
        return 1;
      }
      System.out.printf(
          Locale.ROOT,
          "all variants agree on the mean KL within %.1g relative (largest difference %.3g);"
              + " DuckDB's same report agrees with kldrift's (largest per-class difference %.3g,"
              + " largest KL quantile rank error %.3g)%n",
          tolerance,
          largestSpread(t, meanIds),
          agreement.largest("per-class KL"),
          agreement.largest("KL p"));
      MarkdownSections.write(outFile, markdown(res), true, SECTIONS);
      System.out.println("wrote " + outFile + " (its other sections kept)");
      return 0;
    } finally {
      if (duck != null) {
        duck.close();
      }
      for (Path p : new ArrayList<>(tempDirs)) {
        deleteTree(p);
      }
      deleteTree(work);
      spark.stop();
    }
  }

  private double largestSpread(Map<String, Timing> t, List<String> ids) {
    double ref = t.get("b").values.get(0);
    double m = 0;
    for (String id : ids) {
      if (t.containsKey(id)) {
        m = Math.max(m, maxRelSpread(t.get(id), ref));
      }
    }
    return m;
  }

  /** Largest |DuckDB e0 − report| per-class KL contribution, as a fraction of the mean KL. */
  private double perClassDifference(List<String> problems, double meanKl) {
    List<Row> rowsPc =
        lastReport.perClass().select("class_index", "kl_contribution").collectAsList();
    double worst = 0;
    int worstClass = -1;
    if (rowsPc.size() != duckContributions.length) {
      problems.add(
          "report per_class has "
              + rowsPc.size()
              + " rows, DuckDB "
              + duckContributions.length
              + " classes");
      return Double.NaN;
    }
    for (Row r : rowsPc) {
      int c = r.getInt(0);
      double d = Math.abs(r.getDouble(1) - duckContributions[c]) / Math.abs(meanKl);
      if (d > worst) {
        worst = d;
        worstClass = c;
      }
    }
    if (!(worst <= tolerance)) {
      problems.add(
          String.format(
              Locale.ROOT,
              "per-class KL contribution of class %d: DuckDB (e0) and the report differ by %.3g of the mean KL",
              worstClass,
              worst));
    }
    return worst;
  }

  private String scalar(String sql) throws SQLException {
    try (Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Output

  private record Env(
      String command,
      ZonedDateTime started,
      double loadStart,
      double loadEnd,
      int sparkCores,
      String duckVersion,
      String duckThreads,
      String duckMemory,
      int threads) {}

  /** Everything the tables and the Markdown file are made from. */
  private record Results(
      Env env,
      DataInfo main,
      List<Variant> variants,
      Map<String, Timing> t,
      long matched,
      double classDiff,
      ReportAgreement agreement,
      ReportAgreement processAgreement,
      DataInfo wide,
      Map<String, Timing> wt,
      long wideMatched,
      List<ScaleCase> cases) {}

  private static String f2(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
  }

  private String mainTable(Results r) {
    Map<String, Timing> t = r.t();
    double a = t.get("a").median();
    double e = t.get("e").median();
    double eProc = t.containsKey("e-proc") ? t.get("e-proc").median() : Double.NaN;
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| variant | wall s (median) | runs (s) | CPU s (median) | peak memory | rows/s | × floor (a) | × DuckDB (e) | mean KL |\n");
    sb.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Variant v : r.variants()) {
      Timing x = t.get(v.id());
      double m = x.median();
      String mem =
          v.process()
              ? "RSS " + mib(x.peakRss)
              : x.heap == null ? "n/a" : "heap " + mib(x.heap.sampledUsed());
      double vsE = v.process() && !Double.isNaN(eProc) ? m / eProc : m / e;
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s. %s | %.2f | %s | %.2f | %s | %,.0f | %.2f | %.2f%s | %s |%n",
              v.id(),
              v.name(),
              m,
              runs(x.seconds),
              x.cpuMedian(),
              mem,
              r.matched() / m,
              m / a,
              vsE,
              v.process() ? " (of e-proc)" : "",
              v.id().equals("a") ? "n/a" : String.format(Locale.ROOT, "%.12f", x.values.get(0))));
    }
    return sb.toString();
  }

  private static String runs(List<Double> values) {
    List<String> s = new ArrayList<>();
    for (double v : values) {
      s.add(String.format(Locale.ROOT, "%.2f", v));
    }
    return String.join(", ", s);
  }

  private static String agreementTable(ReportAgreement a) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| figure | kldrift | DuckDB | difference | tolerance | required | result |\n"
            + "| --- | --- | --- | ---: | ---: | --- | --- |\n");
    for (ReportAgreement.Check c : a.checks) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s |%n",
              c.what(),
              c.kldrift(),
              c.duckdb(),
              c.difference() == 0
                  ? "0"
                  : String.format(Locale.ROOT, "%.3g %s", c.difference(), c.measure()),
              c.tolerance() == 0 ? "exact" : String.format(Locale.ROOT, "%.3g", c.tolerance()),
              c.required() ? "yes" : "no",
              c.pass() ? "agree" : "DIFFER"));
    }
    return sb.toString();
  }

  private String scalingTable(Results r) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| rows × classes | on disk | a: floor s (batch) | f-proc wall s | f-proc CPU s | f-proc peak RSS"
            + " | e-proc wall s | e-proc CPU s | e-proc peak RSS | f-proc / a | e / f wall | e / f CPU | mean KL |\n");
    sb.append(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (ScaleCase sc : r.cases()) {
      boolean fOk = sc.report != null && sc.reportError == null;
      boolean eOk = sc.duck != null && sc.duckError == null;
      String agree =
          sc.agreement == null
              ? "not compared"
              : sc.agreement.ok()
                  ? String.format(
                      Locale.ROOT, "agree (%s)", relText(sc.agreement.largest("mean KL")))
                  : "DIFFER";
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
              sc.label(),
              sc.data == null ? "n/a" : mib(sc.data.bytes()),
              sc.floorError != null
                  ? "failed"
                  : String.format(Locale.ROOT, "%.2f (%d)", sc.floorSeconds, sc.floorBatch),
              fOk ? f2(sc.report.wallSeconds()) : "failed",
              fOk ? f2(sc.report.cpuSeconds()) : "",
              fOk ? mib(sc.report.peakRssBytes()) : "",
              eOk ? f2(sc.duck.wallSeconds()) : "failed",
              eOk ? f2(sc.duck.cpuSeconds()) : "",
              eOk ? mib(sc.duck.peakRssBytes()) : "",
              fOk && sc.floorError == null ? f2(sc.report.wallSeconds() / sc.floorSeconds) : "",
              fOk && eOk ? f2(sc.duck.wallSeconds() / sc.report.wallSeconds()) : "",
              fOk && eOk ? f2(sc.duck.cpuSeconds() / sc.report.cpuSeconds()) : "",
              agree));
    }
    List<String> failures = new ArrayList<>();
    for (ScaleCase sc : r.cases()) {
      if (sc.reportError != null) {
        failures.add(sc.label() + " f-proc: " + oneLine(sc.reportError));
      }
      if (sc.duckError != null) {
        failures.add(sc.label() + " e-proc: " + oneLine(sc.duckError));
      }
      if (sc.floorError != null) {
        failures.add(sc.label() + " a: " + oneLine(sc.floorError));
      }
    }
    if (!failures.isEmpty()) {
      sb.append('\n').append("Failures:\n\n");
      failures.forEach(f -> sb.append("- ").append(f).append('\n'));
    }
    return sb.toString();
  }

  private static String oneLine(String s) {
    String x = s.replace('\n', ' ').replace("|", "\\|");
    return x.length() > 300 ? x.substring(0, 300) + " ..." : x;
  }

  private static String relText(double d) {
    return d == 0 ? "identical" : String.format(Locale.ROOT, "%.2g relative", d);
  }

  /** A target; {@code pass} is null when the run did not measure it. */
  private record Target(String target, String measured, Boolean pass) {}

  private List<Target> targets(Results r) {
    Map<String, Timing> t = r.t();
    double a = t.get("a").median(), b = t.get("b").median(), c = t.get("c").median();
    double d = t.get("d").median(), f = t.get("f").median();
    String at = String.format(Locale.ROOT, " (%,d × %,d)", rows, classes);
    List<Target> out = new ArrayList<>();
    out.add(new Target("b ≤ 1.25 × a", "b / a = " + f2(b / a), b / a <= 1.25));
    out.add(new Target("b ≥ 10× faster than c", "c / b = " + f2(c / b), c / b >= 10));
    out.add(new Target("b ≥ 1.5× faster than d", "d / b = " + f2(d / b), d / b >= 1.5));
    out.add(new Target("f ≤ 1.3 × a" + at, "f / a = " + f2(f / a), f / a <= 1.3));
    if (t.containsKey("f-proc")) {
      double fw = t.get("f-proc").median(), ew = t.get("e-proc").median();
      double fc = t.get("f-proc").cpuMedian(), ec = t.get("e-proc").cpuMedian();
      out.add(
          new Target(
              "f whole process ≥ 2× faster than e whole process, wall" + at,
              String.format(Locale.ROOT, "e-proc / f-proc = %.2f / %.2f s = %.2f", ew, fw, ew / fw),
              ew / fw >= 2));
      out.add(
          new Target(
              "f whole process ≥ 2× faster than e whole process, CPU" + at,
              String.format(
                  Locale.ROOT, "e-proc / f-proc = %.2f / %.2f CPU s = %.2f", ec, fc, ec / fc),
              ec / fc >= 2));
    } else {
      out.add(new Target("f whole process ≥ 2× faster than e, wall and CPU", "not measured", null));
    }
    List<ScaleCase> cs = r.cases();
    if (cs.isEmpty()) {
      out.add(
          new Target(
              "rows scale linearly (4M within 4.4× of 1M)", "not measured (--scaling)", null));
      out.add(new Target("250k × 100 whole process < 15 s", "not measured (--scaling)", null));
      out.add(
          new Target(
              "C = 128,000 completes with default memory", "not measured (--scaling)", null));
      return out;
    }
    int baseC = cs.get(0).classes;
    List<ScaleCase> byRows =
        cs.stream()
            .filter(x -> x.classes == baseC)
            .sorted(Comparator.comparingLong(x -> x.rows))
            .toList();
    if (byRows.size() >= 2) {
      ScaleCase top = byRows.get(byRows.size() - 1), ref = byRows.get(byRows.size() - 2);
      double bound = 1.1 * top.rows / ref.rows;
      String name =
          String.format(
              Locale.ROOT,
              "%s rows within %.1f× of %s (f whole process, C = %,d)",
              shortCount(top.rows),
              bound,
              shortCount(ref.rows),
              baseC);
      if (top.reportError == null && ref.reportError == null) {
        double ratio = top.report.wallSeconds() / ref.report.wallSeconds();
        out.add(
            new Target(
                name,
                String.format(
                    Locale.ROOT,
                    "%.2f / %.2f s = %.2f",
                    top.report.wallSeconds(),
                    ref.report.wallSeconds(),
                    ratio),
                ratio <= bound));
      } else {
        out.add(new Target(name, "a run failed", false));
      }
    }
    ScaleCase small = byRows.get(0);
    String smallName =
        String.format(
            Locale.ROOT, "%s × %,d whole process < 15 s", shortCount(small.rows), small.classes);
    out.add(
        small.reportError == null
            ? new Target(
                smallName,
                String.format(Locale.ROOT, "%.2f s", small.report.wallSeconds()),
                small.report.wallSeconds() < 15)
            : new Target(smallName, "failed", false));
    ScaleCase widest = cs.stream().max(Comparator.comparingInt(x -> x.classes)).orElseThrow();
    String wideName =
        String.format(
            Locale.ROOT,
            "C = %,d completes with default memory (%s rows, whole process)",
            widest.classes,
            shortCount(widest.rows));
    out.add(
        widest.reportError == null
            ? new Target(
                wideName,
                String.format(
                    Locale.ROOT,
                    "exit 0 in %.2f s, peak RSS %s",
                    widest.report.wallSeconds(),
                    mib(widest.report.peakRssBytes())),
                true)
            : new Target(wideName, oneLine(widest.reportError), false));
    return out;
  }

  private static String shortCount(long n) {
    if (n >= 1_000_000 && n % 1_000_000 == 0) {
      return (n / 1_000_000) + "M";
    }
    if (n >= 1_000 && n % 1_000 == 0) {
      return (n / 1_000) + "k";
    }
    return String.format(Locale.ROOT, "%,d", n);
  }

  private String checksTable(Results r) {
    StringBuilder sb = new StringBuilder();
    sb.append("| target | measured | result |\n| --- | --- | --- |\n");
    for (Target c : targets(r)) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s |%n",
              c.target(),
              c.measured(),
              c.pass() == null ? "not measured" : c.pass() ? "PASS" : "MISS"));
    }
    return sb.toString();
  }

  private String wideTable(Map<String, Timing> wt, long matched) {
    String[][] names = {
      {"a", "floor: read + join, touch both arrays"},
      {"b", "kldrift per-example pass"},
      {"f", "kldrift whole report (in-process)"}
    };
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| variant | wall seconds | CPU seconds | rows/s | peak heap used (sampled) | sum of heap pool peaks | largest heap after a GC | GCs (time) | mean KL |\n");
    sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (String[] n : names) {
      Timing x = wt.get(n[0]);
      double m = x.median();
      HeapProbe.Peaks h = x.heap;
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s. %s | %s | %.2f | %,.0f | %s | %s | %s | %d (%.1f s) | %s |%n",
              n[0],
              n[1],
              x.seconds.size() == 1
                  ? String.format(Locale.ROOT, "%.2f", m)
                  : String.format(Locale.ROOT, "%.2f (median of %s)", m, runs(x.seconds)),
              x.cpuMedian(),
              matched / m,
              mib(h.sampledUsed()),
              mib(h.poolPeakSum()),
              h.afterGcMax() == 0 ? "no GC" : mib(h.afterGcMax()),
              h.gcCount(),
              h.gcMillis() / 1000.0,
              n[0].equals("a") ? "n/a" : String.format(Locale.ROOT, "%.12f", x.values.get(0))));
    }
    return sb.toString();
  }

  private static String rel(double x) {
    return x == 0 ? "0 (identical)" : String.format(Locale.ROOT, "%.3g", x);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,.0f MiB", bytes / 1048576.0);
  }

  private String markdown(Results r) {
    Env env = r.env();
    Map<String, Timing> t = r.t();
    Runtime rt = Runtime.getRuntime();
    boolean process = t.containsKey("f-proc");
    StringBuilder sb = new StringBuilder();
    sb.append("# kldrift benchmark\n\n");
    sb.append(
        "Written by `jobs/bench` (source: `src/test/java/io/kldrift/bench/Bench.java`). Rerun the command below to\n");
    sb.append(
        "reproduce (`src/test/resources/bench/README-bench.md` says how); timings depend on the machine and on\n");
    sb.append("whatever else runs on it.\n\n");
    sb.append("```\n").append(env.command()).append("\n```\n\n");
    sb.append("## Machine and settings\n\n| | |\n| --- | --- |\n");
    row(
        sb,
        "date",
        env.started()
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    row(sb, "cores (`Runtime.availableProcessors`)", String.valueOf(rt.availableProcessors()));
    row(
        sb,
        "OS",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " ("
            + System.getProperty("os.arch")
            + ")");
    row(
        sb,
        "Java",
        System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    row(sb, "bench JVM max heap (`Runtime.maxMemory`)", mib(rt.maxMemory()));
    row(
        sb,
        "load average (1 min) at start / end",
        String.format(Locale.ROOT, "%.2f / %.2f", env.loadStart(), env.loadEnd()));
    row(
        sb,
        "Spark (in-process variants)",
        spark.version()
            + ", master `"
            + master
            + "` ("
            + env.sparkCores()
            + " cores), one SparkSession for all in-process variants");
    row(
        sb,
        "Spark settings (in-process)",
        (shufflePartitions == null
                ? "`spark.sql.shuffle.partitions` not set (Spark's default)"
                : "`spark.sql.shuffle.partitions=" + shufflePartitions + "`")
            + ", kldrift functions from the jar's service entry, UI off, driver host 127.0.0.1;"
            + " everything else at Spark's defaults (adaptive execution on)");
    if (process || scaling) {
      row(
          sb,
          "whole processes",
          "`jobs/drift-report` exactly as a user runs it (its defaults: master `local[*]`, its"
              + " launcher's default driver memory; KLDRIFT_DRIVER_MEMORY, KLDRIFT_JAVA_OPTS and"
              + " KLDRIFT_SUBMIT_OPTS removed from its environment) and the DuckDB script in a JVM"
              + " of its own, each under GNU time (`/usr/bin/time -f '%e %U %S %M'`): wall seconds,"
              + " CPU = user + system seconds of the process and the children it waited for, peak"
              + " RSS of the largest of them; output to a log file. The launcher ran "
              + launcherMode());
    }
    row(
        sb,
        "DuckDB",
        env.duckVersion()
            + " (JDBC). In-process variants e0, e: `jdbc:duckdb:` in the bench JVM, `SET threads="
            + env.threads()
            + "` to match Spark's cores (read back: "
            + env.duckThreads()
            + "), memory_limit "
            + env.duckMemory()
            + " (default); CPU seconds from the JVM's process CPU time"
            + " (`OperatingSystemMXBean.getProcessCpuTime`, all threads, DuckDB's included)."
            + " e-proc: a fresh in-memory database at DuckDB's defaults (threads = cores)");
    row(
        sb,
        "timing",
        warmup
            + " untimed warm-up run(s) of every in-process variant, then "
            + repeat
            + " timed round(s) running the variants in turn (whole processes in every round, no"
            + " warm-up); the median is reported; peak heap sampled every 5 ms (HeapProbe)");
    sb.append('\n');

    sb.append("## Data\n\n");
    sb.append(
        "Generated by `io.kldrift.sample.SampleGenerator` (probabilities, `array<float>`, a `label` and a `segment`"
            + " column, drift classes 3 and 5 by 1.5 logits on the `mobile` segment, 0.1% unmatched keys per side, seed "
            + seed
            + ", zstd Parquet) and cached under `--data` (`"
            + r.main().dir().getParent()
            + "`).\n\n");
    sb.append(
        "| case | rows | classes | teacher rows | student rows | matched | Parquet files (both tables) | on disk | data |\n");
    sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    dataRow(sb, "main", r.main(), String.format(Locale.ROOT, "%,d", r.matched()));
    if (r.wide() != null) {
      dataRow(sb, "wide", r.wide(), String.format(Locale.ROOT, "%,d", r.wideMatched()));
    }
    for (ScaleCase sc : r.cases()) {
      if (sc.data != null) {
        // Matched rows come from the whole-process reports, which the scaling table checks.
        dataRow(sb, "scaling", sc.data, "—");
      }
    }
    sb.append('\n');

    sb.append("## Main case: ")
        .append(String.format(Locale.ROOT, "%,d rows × %,d classes", rows, classes))
        .append("\n\n");
    sb.append(mainTable(r)).append('\n');
    sb.append(
        "rows/s = matched (joined) rows / median wall seconds. × floor and × DuckDB = median wall seconds / that"
            + " variant's median (process rows: / e-proc's). Peak memory: the bench JVM's sampled heap for"
            + " in-process variants (Spark's executors are threads of it), the process's peak RSS for whole processes.\n\n");
    sb.append("| variant | what is timed |\n| --- | --- |\n");
    for (Variant v : r.variants()) {
      sb.append("| ")
          .append(v.id())
          .append(". ")
          .append(v.name())
          .append(" | ")
          .append(v.how().replace("|", "\\|"))
          .append(" |\n");
    }
    sb.append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "Variants a to d each read both Parquet tables and inner-join them on `example_id` in one Spark query ending in a"
                + " single-row aggregate collected to the driver; f runs several Spark jobs (see `KlDrift.analyze`). All of b, c, d,"
                + " e0, e, f%s gave the same mean KL within %s relative in every run (tolerance %.1g); e0's per-class"
                + " contributions match the report's `per_class.kl_contribution` within %s of the mean KL.%n%n",
            process ? ", e-proc and f-proc" : "",
            rel(largestSpread(t, List.of("b", "c", "d", "e0", "e", "f", "e-proc", "f-proc"))),
            tolerance,
            rel(r.classDiff())));

    sb.append("## Agreement: DuckDB's same report (e) against kldrift's (f)\n\n");
    sb.append(
        "The last in-process runs' outputs, compared by `ReportAgreement` (kldrift side: `summary.json` and the"
            + " `per_class/`, `confusion/`, `worst_examples/`, `per_slice/` tables of the written report; DuckDB"
            + " side: the Parquet files of the script). Quantile rank error: the mid-rank of kldrift's quantile"
            + " among DuckDB's exact per-example KLs, minus the quantile's level. Required rows fail the run.\n\n");
    sb.append(agreementTable(r.agreement())).append('\n');
    if (r.processAgreement() != null) {
      ReportAgreement p = r.processAgreement();
      sb.append(
          String.format(
              Locale.ROOT,
              "The whole-process runs (f-proc against e-proc) give the same result: %s required figures agree;"
                  + " largest per-class difference %s, largest quantile rank error %s.%n%n",
              p.ok() ? "all" : "NOT all",
              rel(p.largest("per-class KL")),
              rel(p.largest("KL p"))));
    }

    sb.append("## The DuckDB scripts\n\n");
    sb.append("e and e-proc run `")
        .append(DuckRun.REPORT_SCRIPT_SOURCE)
        .append(
            "` with `${teacher}`, `${student}` (Parquet globs) and `${out}` (a folder) filled in:\n\n");
    sb.append("```sql\n").append(DuckRun.reportScript().strip()).append("\n```\n\n");
    sb.append("e0, the bare mean-KL query:\n\n```sql\n")
        .append(duckSql("'${teacher}'", "'${student}'"))
        .append("\n```\n\n");

    if (!r.cases().isEmpty()) {
      sb.append("## Scaling: whole processes over rows and classes\n\n");
      sb.append(scalingTable(r)).append('\n');
      sb.append(
          "One run of each per case, in the order a, f-proc, e-proc. a: the floor query in the bench's session with"
              + " `spark.sql.parquet.columnarReaderBatchSize` lowered for wide vectors (at most about 4M elements per"
              + " column per batch; the number in brackets), since Spark's default batch of 4,096 wide rows does"
              + " not fit in memory; the job and DuckDB run at their defaults. Ratios: f-proc / a in wall seconds"
              + " (f-proc includes its JVM and SparkSession start), e / f in wall and CPU seconds of the two"
              + " processes. Mean KL: f-proc's summary.json against e-proc's output.\n\n");
    }

    sb.append("## Targets\n\n");
    sb.append(checksTable(r)).append('\n');

    if (r.wt() != null) {
      sb.append("## Wide case: ")
          .append(String.format(Locale.ROOT, "%,d rows × %,d classes", wideRows, wideClasses))
          .append("\n\n");
      sb.append(wideTable(r.wt(), r.wideMatched())).append('\n');
      sb.append(
          String.format(
              Locale.ROOT,
              "Only a, b and f in process; %d timed run(s) each, no warm-up (the JVM is already warm from the main case), default Spark memory settings,"
                  + " max heap %s. In local mode the executors are threads of the driver JVM, so the driver heap holds all of Spark's"
                  + " heap. Before each variant: `System.gc()` and a reset of the heap pools' peaks. \"Peak heap used (sampled)\": the"
                  + " largest `MemoryMXBean` heap use seen every 5 ms; \"sum of heap pool peaks\": the pools' peaks added up (an upper"
                  + " bound, the pools peak at different times); \"largest heap after a GC\": the most heap still in use right after any"
                  + " collection during the run (from the collectors' notifications). b and f agree on the mean KL within %s relative.%n%n",
              wideRepeat,
              mib(rt.maxMemory()),
              rel(largestSpread(r.wt(), List.of("b", "f")))));
    }
    return sb.toString();
  }

  /** How jobs/_launcher.sh starts the job here: through spark-submit when it finds one. */
  static String launcherMode() {
    if (System.getenv("KLDRIFT_EMBEDDED") == null) {
      String sparkHome = System.getenv("SPARK_HOME");
      if (sparkHome != null && new File(sparkHome, "bin/spark-submit").canExecute()) {
        return "`" + sparkHome + "/bin/spark-submit`";
      }
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (!d.isEmpty() && new File(d, "spark-submit").canExecute()) {
          return "`" + d + "/spark-submit`";
        }
      }
    }
    return "the embedded Spark runtime (`java -cp target/kldrift.jar:...`, no spark-submit found)";
  }

  private static void row(StringBuilder sb, String k, String v) {
    sb.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }

  private static void dataRow(StringBuilder sb, String name, DataInfo d, String matched) {
    sb.append(
        String.format(
            Locale.ROOT,
            "| %s | %,d | %,d | %,d | %,d | %s | %d | %s | %s |%n",
            name,
            d.rows(),
            d.classes(),
            d.teacherRows(),
            d.studentRows(),
            matched,
            d.parquetFiles(),
            mib(d.bytes()),
            d.generated()));
  }

  private String commandLine() {
    StringBuilder sb =
        new StringBuilder(System.getProperty("kldrift.bench.launcher", "jobs/bench"));
    for (String a : argv) {
      sb.append(' ').append(shellQuote(a));
    }
    return sb.toString();
  }

  static String shellQuote(String s) {
    if (!s.isEmpty() && s.matches("[A-Za-z0-9_./=:,@%+-]+")) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  static String sqlString(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
