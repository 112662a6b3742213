package io.kldrift.bench;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

import io.kldrift.DriftConfig;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.sample.SampleGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
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
 * report against a read-and-join floor, Spark's higher-order functions, a boxed Java UDF and
 * DuckDB, on generated data, checks that every route computes the same mean KL, and writes the
 * results to a Markdown file (default BENCHMARKS.md). Not a test: nothing runs it but jobs/bench.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Benchmarks kldrift against a read+join floor, Spark higher-order functions,",
      "a boxed Java UDF and DuckDB on generated data (cached under --data), checks",
      "that all agree on the mean KL, and writes a Markdown report (--out).",
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
          "Parquet files per table in the main case, at most (default: ${DEFAULT-VALUE}).")
  int files = 4;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 7;

  @Option(
      names = "--wide-rows",
      description = "Examples in the wide case (default: ${DEFAULT-VALUE}).")
  long wideRows = 20_000;

  @Option(
      names = "--wide-classes",
      description = "Classes in the wide case (default: ${DEFAULT-VALUE}).")
  int wideClasses = 32_000;

  @Option(
      names = "--wide-files",
      description =
          "Parquet files per table in the wide case, at most (default: ${DEFAULT-VALUE}).")
  int wideFiles = 2;

  @Option(names = "--skip-wide", description = "Skip the wide case.")
  boolean skipWide;

  @Option(
      names = "--repeat",
      description = "Timed runs per variant; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeat = 3;

  @Option(
      names = "--warmup",
      description = "Untimed warm-up runs per variant (default: ${DEFAULT-VALUE}).")
  int warmup = 1;

  @Option(
      names = "--wide-repeat",
      description = "Timed runs per variant in the wide case (default: ${DEFAULT-VALUE}).")
  int wideRepeat = 1;

  @Option(names = "--master", description = "Spark master (default: ${DEFAULT-VALUE}).")
  String master = "local[2]";

  @Option(
      names = "--shuffle-partitions",
      description = "spark.sql.shuffle.partitions (default: ${DEFAULT-VALUE}).")
  int shufflePartitions = 8;

  @Option(
      names = "--duckdb-threads",
      description = "DuckDB threads (default: Spark's default parallelism, i.e. its cores).")
  Integer duckdbThreads;

  @Option(
      names = "--tolerance",
      description = "Largest relative mean-KL difference accepted (default: ${DEFAULT-VALUE}).")
  double tolerance = 1e-9;

  @Option(
      names = "--out",
      description = "Markdown file written (default: BENCHMARKS.md at the project root).")
  String out;

  @Option(
      names = "--data",
      description =
          "Folder of cached generated data (default: target/bench-data at the project root).")
  String data;

  @Option(names = "--explain", description = "Print the physical plan of variant b once.")
  boolean explain;

  @Option(
      names = "--trace-jobs",
      description = "Print every Spark job's description and duration to standard error.")
  boolean traceJobs;

  private static String[] argv = new String[0];

  /** Entry point (through jobs/bench). */
  public static void main(String[] args) {
    argv = args.clone();
    if (System.getProperty("kldrift.quiet") == null) {
      System.setProperty("kldrift.quiet", "true");
    }
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  // ------------------------------------------------------------------------------------------
  // Variants

  /** One timed route to the mean KL. */
  private record Variant(String id, String name, String how, Body body) {}

  @FunctionalInterface
  private interface Body {
    /** Runs the variant once and returns its mean KL (variant a: the sum of array sizes). */
    double run() throws Exception;
  }

  /** Measurements of one variant. */
  private static final class Timing {
    final List<Double> seconds = new ArrayList<>();
    final List<Double> values = new ArrayList<>();
    HeapProbe.Peaks heap;

    double median() {
      List<Double> s = new ArrayList<>(seconds);
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
    String t = sqlString(dir.resolve("teacher").toAbsolutePath() + "/*.parquet");
    String s = sqlString(dir.resolve("student").toAbsolutePath() + "/*.parquet");
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
        "e",
        "DuckDB (JDBC, in-process)",
        "join of `read_parquet` tables; per-class sums of `x * ln(x / y)` over `unnest`ed arrays;"
            + " mean KL = sum of the class sums / matched rows",
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

  private Variant report(Path dir) {
    return new Variant(
        "f",
        "kldrift whole report",
        "`KlDrift.analyze` (read, validate, join, all metrics and aggregates, slices by `segment`) + `KlDrift.write`;"
            + " value: `report.meanKl()`",
        () -> {
          Path outDir = Files.createTempDirectory("kldrift-bench-report");
          tempDirs.add(outDir);
          DriftConfig config =
              DriftConfig.builder()
                  .set(DriftConfig.TEACHER_PATH, dir.resolve("teacher").toString())
                  .set(DriftConfig.STUDENT_PATH, dir.resolve("student").toString())
                  .set(DriftConfig.SLICE_COLUMNS, "segment")
                  .build();
          LocalDate date = LocalDate.now();
          try {
            DriftReport r = KlDrift.analyze(spark, config, date);
            KlDrift.write(spark, r, outDir.toString(), date);
            lastReport = r;
            return r.meanKl();
          } finally {
            // analyze() persists the per-example metrics and nothing unpersists them.
            spark.catalog().clearCache();
            deleteTree(outDir);
            tempDirs.remove(outDir);
          }
        });
  }

  // ------------------------------------------------------------------------------------------
  // Running

  private double runOnce(Variant v, String phase) throws Exception {
    spark.sparkContext().setJobDescription("bench " + v.id() + " " + phase);
    long t0 = System.nanoTime();
    double value = v.body().run();
    double secs = (System.nanoTime() - t0) / 1e9;
    System.err.printf(
        Locale.ROOT,
        "[bench] %-8s %s %-40s %8.2f s  value %.12g%n",
        phase,
        v.id(),
        v.name(),
        secs,
        value);
    lastSeconds = secs;
    return value;
  }

  private double lastSeconds;

  /** Warm-up runs of every variant, then timed rounds that run the variants in turn. */
  private Map<String, Timing> measure(
      List<Variant> variants, int warmups, int rounds, boolean probeHeap) throws Exception {
    Map<String, Timing> out = new LinkedHashMap<>();
    variants.forEach(v -> out.put(v.id(), new Timing()));
    for (int w = 0; w < warmups; w++) {
      for (Variant v : variants) {
        out.get(v.id()).values.add(runOnce(v, "warm-up"));
      }
    }
    for (int r = 0; r < rounds; r++) {
      for (Variant v : variants) {
        Timing t = out.get(v.id());
        HeapProbe probe = probeHeap ? HeapProbe.start() : null;
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
        t.values.add(value);
        t.seconds.add(lastSeconds);
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
        || shufflePartitions < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "rows, classes, files, repeats and shuffle partitions must be positive; warm-up runs >= 0");
    }
    Path home = Path.of(System.getProperty("kldrift.home", ".")).toAbsolutePath().normalize();
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
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
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
    try {
      spark.udf().register("bench_boxed_kl", new BoxedKl(), DataTypes.DoubleType);
      duck = DriverManager.getConnection("jdbc:duckdb:");
      Path duckTmp = dataRoot.resolve("duckdb-tmp");
      Files.createDirectories(duckTmp);
      try (Statement st = duck.createStatement()) {
        st.execute("SET threads = " + threads);
        st.execute("SET temp_directory = " + sqlString(duckTmp.toString()));
      }
      String duckVersion = scalar("SELECT version()");
      String duckThreads = scalar("SELECT current_setting('threads')");
      String duckMemory = scalar("SELECT current_setting('memory_limit')");

      // ---- main case ----
      DataInfo main = ensureData(dataRoot, rows, classes, files);
      List<Variant> variants =
          List.of(
              floor(main.dir()),
              kldrift(main.dir()),
              hof(main.dir()),
              udf(main.dir()),
              duckdb(main.dir(), classes),
              report(main.dir()));
      if (explain) {
        System.err.println("[bench] plan of b:");
        kldriftQuery(main.dir()).explain("formatted");
      }
      Map<String, Timing> t = measure(variants, warmup, repeat, false);
      List<String> problems = new ArrayList<>(disagreements(t, List.of("b", "c", "d", "e", "f")));
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
        problems.add("DuckDB joined " + duckMatched + " rows, the kldrift report " + matched);
      }
      double classDiff = perClassDifference(problems, t.get("b").values.get(0));

      // ---- wide case ----
      DataInfo wide = null;
      Map<String, Timing> wt = null;
      if (!skipWide) {
        wide = ensureData(dataRoot, wideRows, wideClasses, wideFiles);
        List<Variant> wv = List.of(floor(wide.dir()), kldrift(wide.dir()), report(wide.dir()));
        wt = measure(wv, 0, wideRepeat, true);
        problems.addAll(disagreements(wt, List.of("b", "f")));
        long wideMatched = lastReport.matched();
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
      String mainTable = mainTable(variants, t, matched);
      System.out.println();
      System.out.println(mainTable);
      System.out.println(checksTable(t));
      String wideTable = null;
      if (wt != null) {
        wideTable = wideTable(wt, lastReport.matched());
        System.out.println(wideTable);
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
              + " DuckDB's per-class contributions match the report's within %.3g of the mean KL%n",
          tolerance,
          largestSpread(t, List.of("b", "c", "d", "e", "f")),
          classDiff);
      String md = markdown(env, main, variants, t, matched, classDiff, wide, wt);
      Files.createDirectories(outFile.getParent());
      Files.writeString(outFile, md, StandardCharsets.UTF_8);
      System.out.println("wrote " + outFile);
      return 0;
    } finally {
      if (duck != null) {
        duck.close();
      }
      for (Path p : new ArrayList<>(tempDirs)) {
        deleteTree(p);
      }
      spark.stop();
    }
  }

  private double largestSpread(Map<String, Timing> t, List<String> ids) {
    double ref = t.get("b").values.get(0);
    double m = 0;
    for (String id : ids) {
      m = Math.max(m, maxRelSpread(t.get(id), ref));
    }
    return m;
  }

  /** Largest |DuckDB − report| per-class KL contribution, as a fraction of the mean KL. */
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
              "per-class KL contribution of class %d: DuckDB and the report differ by %.3g of the mean KL",
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

  private String mainTable(List<Variant> variants, Map<String, Timing> t, long matched) {
    double a = t.get("a").median();
    double e = t.get("e").median();
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| variant | seconds (median) | runs (s) | rows/s | × floor (a) | × DuckDB (e) | mean KL |\n");
    sb.append("| --- | ---: | --- | ---: | ---: | ---: | ---: |\n");
    for (Variant v : variants) {
      Timing x = t.get(v.id());
      double m = x.median();
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s. %s | %.2f | %s | %,.0f | %.2f | %.2f | %s |%n",
              v.id(),
              v.name(),
              m,
              runs(x),
              matched / m,
              m / a,
              m / e,
              v.id().equals("a") ? "n/a" : String.format(Locale.ROOT, "%.12f", x.values.get(0))));
    }
    return sb.toString();
  }

  private static String runs(Timing x) {
    List<String> s = new ArrayList<>();
    for (double v : x.seconds) {
      s.add(String.format(Locale.ROOT, "%.2f", v));
    }
    return String.join(", ", s);
  }

  private record Check(String target, String measured, double ratio, boolean pass) {}

  private List<Check> checks(Map<String, Timing> t) {
    double a = t.get("a").median(), b = t.get("b").median(), c = t.get("c").median();
    double d = t.get("d").median(), e = t.get("e").median(), f = t.get("f").median();
    return List.of(
        new Check("b <= 1.25 x a", "b / a", b / a, b / a <= 1.25),
        new Check("b >= 10x faster than c", "c / b", c / b, c / b >= 10),
        new Check("b >= 1.5x faster than d", "d / b", d / b, d / b >= 1.5),
        new Check("f faster than e", "e / f", e / f, f < e));
  }

  private String checksTable(Map<String, Timing> t) {
    StringBuilder sb = new StringBuilder();
    sb.append("| target | measured | result |\n| --- | --- | --- |\n");
    for (Check c : checks(t)) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s = %.2f | %s |%n",
              c.target(),
              c.measured(),
              c.ratio(),
              c.pass() ? "PASS" : "MISS"));
    }
    return sb.toString();
  }

  private String wideTable(Map<String, Timing> wt, long matched) {
    String[][] names = {
      {"a", "floor: read + join, touch both arrays"},
      {"b", "kldrift per-example pass"},
      {"f", "kldrift whole report"}
    };
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| variant | wall seconds | rows/s | peak heap used (sampled) | sum of heap pool peaks | largest heap after a GC | GCs (time) | mean KL |\n");
    sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (String[] n : names) {
      Timing x = wt.get(n[0]);
      double m = x.median();
      HeapProbe.Peaks h = x.heap;
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s. %s | %s | %,.0f | %s | %s | %s | %d (%.1f s) | %s |%n",
              n[0],
              n[1],
              x.seconds.size() == 1
                  ? String.format(Locale.ROOT, "%.2f", m)
                  : String.format(Locale.ROOT, "%.2f (median of %s)", m, runs(x)),
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

  private String markdown(
      Env env,
      DataInfo main,
      List<Variant> variants,
      Map<String, Timing> t,
      long matched,
      double classDiff,
      DataInfo wide,
      Map<String, Timing> wt) {
    Runtime rt = Runtime.getRuntime();
    StringBuilder sb = new StringBuilder();
    sb.append("# kldrift benchmark\n\n");
    sb.append(
        "Written by `jobs/bench` (source: `src/test/java/io/kldrift/bench/Bench.java`). Rerun the command below to\n");
    sb.append("reproduce; timings depend on the machine and on whatever else runs on it.\n\n");
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
    row(sb, "max heap (`Runtime.maxMemory`)", mib(rt.maxMemory()));
    row(
        sb,
        "load average (1 min) at start / end",
        String.format(Locale.ROOT, "%.2f / %.2f", env.loadStart(), env.loadEnd()));
    row(
        sb,
        "Spark",
        spark.version()
            + ", master `"
            + master
            + "` ("
            + env.sparkCores()
            + " cores), one SparkSession for all variants");
    row(
        sb,
        "Spark settings",
        "`spark.sql.shuffle.partitions="
            + shufflePartitions
            + "`, kldrift functions from the jar's service entry,"
            + " UI off, driver host 127.0.0.1; everything else at Spark's defaults (adaptive execution on)");
    row(
        sb,
        "DuckDB",
        env.duckVersion()
            + " (JDBC, in-process `jdbc:duckdb:` in the same JVM), `SET threads="
            + env.threads()
            + "` to match Spark's cores (threads setting read back: "
            + env.duckThreads()
            + "), memory_limit "
            + env.duckMemory()
            + " (default)");
    row(
        sb,
        "timing",
        warmup
            + " untimed warm-up run(s) of every variant, then "
            + repeat
            + " timed round(s) running the variants in turn (a, b, c, d, e, f); the median is reported");
    sb.append('\n');

    sb.append("## Data\n\n");
    sb.append(
        "Generated by `io.kldrift.sample.SampleGenerator` (probabilities, `array<float>`, drift classes 3 and 5 by 1.5 logits on the"
            + " `mobile` slice, 0.1% unmatched keys per side, seed "
            + seed
            + ", zstd Parquet) and cached under `--data`.\n\n");
    sb.append(
        "| case | rows | classes | teacher rows | student rows | matched | Parquet files (both tables) | on disk | data |\n");
    sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    dataRow(sb, "main", main, matched);
    if (wide != null) {
      dataRow(sb, "wide", wide, lastReport.matched());
    }
    sb.append('\n');

    sb.append("## Main case: ")
        .append(String.format(Locale.ROOT, "%,d rows × %,d classes", rows, classes))
        .append("\n\n");
    sb.append(mainTable(variants, t, matched)).append('\n');
    sb.append(
        "rows/s = matched (joined) rows / median seconds. × floor and × DuckDB = median seconds / that variant's median seconds.\n\n");
    sb.append("| variant | what is timed |\n| --- | --- |\n");
    for (Variant v : variants) {
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
                + " single-row aggregate collected to the driver; f runs several Spark jobs (see `KlDrift.analyze`). Agreement: b, c, d, e and f gave the same mean KL within %s"
                + " relative in every run (tolerance %.1g); DuckDB's per-class contributions match the report's `per_class.kl_contribution`"
                + " within %s of the mean KL.%n%n",
            rel(largestSpread(t, List.of("b", "c", "d", "e", "f"))),
            tolerance,
            rel(classDiff)));
    sb.append("DuckDB query (e):\n\n```sql\n").append(duckSql(main.dir())).append("\n```\n\n");

    sb.append("## Targets\n\n");
    sb.append(checksTable(t)).append('\n');

    if (wt != null) {
      sb.append("## Wide case: ")
          .append(String.format(Locale.ROOT, "%,d rows × %,d classes", wideRows, wideClasses))
          .append("\n\n");
      sb.append(wideTable(wt, lastReport.matched())).append('\n');
      sb.append(
          String.format(
              Locale.ROOT,
              "Only a, b and f; %d timed run(s) each, no warm-up (the JVM is already warm from the main case), default Spark memory settings,"
                  + " max heap %s. In local mode the executors are threads of the driver JVM, so the driver heap holds all of Spark's"
                  + " heap. Before each variant: `System.gc()` and a reset of the heap pools' peaks. \"Peak heap used (sampled)\": the"
                  + " largest `MemoryMXBean` heap use seen every 5 ms; \"sum of heap pool peaks\": the pools' peaks added up (an upper"
                  + " bound, the pools peak at different times); \"largest heap after a GC\": the most heap still in use right after any"
                  + " collection during the run (from the collectors' notifications). b and f agree on the mean KL within %s relative.%n%n",
              wideRepeat,
              mib(rt.maxMemory()),
              rel(largestSpread(wt, List.of("b", "f")))));
    }
    return sb.toString();
  }

  private static void row(StringBuilder sb, String k, String v) {
    sb.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }

  private static void dataRow(StringBuilder sb, String name, DataInfo d, long matched) {
    sb.append(
        String.format(
            Locale.ROOT,
            "| %s | %,d | %,d | %,d | %,d | %,d | %d | %s | %s |%n",
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
