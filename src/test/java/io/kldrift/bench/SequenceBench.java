package io.kldrift.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator;
import java.io.IOException;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sequence-layout benchmark ({@code jobs/bench --sequences}): on top-k LLM logs (by default
 * 20,000 sequences × 256 positions × top-20) it times, side by side in one run, the scan + join
 * floor, the whole kldrift report in process ({@code KlDrift.analyze} + {@code KlDrift.write}),
 * DuckDB computing the same core figures from the same Parquet files, and both as whole processes
 * ({@code jobs/drift-report} as a user runs it, the DuckDB script in a JVM of its own); checks that
 * DuckDB's figures agree with kldrift's; then runs {@code jobs/drift-report} with its default
 * memory on dense per-position vectors over a 32,000-token vocabulary. Everything runs with the
 * job's defaults and the data folder's own {@code kldrift.properties}. Writes (or replaces) the
 * section "Sequence layout" of a Markdown file, keeping the file's other sections. Not a test.
 */
@Command(
    name = "bench --sequences",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Benchmarks kldrift's sequence layout against a scan + join floor and DuckDB on",
      "generated top-k logs (in process and as whole processes), checks that DuckDB's",
      "figures agree with kldrift's, runs the job on dense per-position vectors with its",
      "default memory, and writes the section 'Sequence layout' of --out.",
      "Exit code 1 if DuckDB and kldrift disagree (the file is then not written)."
    })
public final class SequenceBench implements Callable<Integer> {
  /** Issue 24: kldrift in process at most this many times the scan + join floor. */
  static final double FLOOR_TARGET = 1.3;

  /** Issue 24: kldrift's whole process at most this many times DuckDB's. */
  static final double PROCESS_TARGET = 1.5;

  @Option(
      names = "--data",
      description =
          "The top-k data: a folder with teacher/, student/ and kldrift.properties, or a folder"
              + " holding seq_s<N>_l<L>_k<K> (generated there when missing). Default:"
              + " target/bench-data; the reference run uses /work/bench-data.")
  String data;

  @Option(
      names = "--count",
      description = "Sequences of generated top-k data (default: ${DEFAULT-VALUE}).")
  long count = 20_000;

  @Option(
      names = "--length",
      description = "Positions per sequence of generated data (default: ${DEFAULT-VALUE}).")
  int length = 256;

  @Option(names = "--top-k", description = "Top-k of generated data (default: ${DEFAULT-VALUE}).")
  int topK = 20;

  @Option(
      names = "--files",
      description = "Parquet files per table of generated top-k data (default: ${DEFAULT-VALUE}).")
  int files = 8;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 7;

  @Option(
      names = "--dense-data",
      description =
          "The dense data: a folder with teacher/, student/ and kldrift.properties, or a folder"
              + " holding seq-dense_s<N>_l<L>_v<V> (generated there when missing). Default: the"
              + " root of --data.")
  String denseData;

  @Option(
      names = "--dense-count",
      description = "Sequences of the dense case (default: ${DEFAULT-VALUE}).")
  long denseCount = 128;

  @Option(
      names = "--dense-length",
      description = "Positions per sequence of the dense case (default: ${DEFAULT-VALUE}).")
  int denseLength = 64;

  @Option(
      names = "--vocab",
      description = "Vocabulary of the dense case (default: ${DEFAULT-VALUE}).")
  int vocab = 32_000;

  @Option(
      names = "--dense-files",
      description = "Parquet files per table of the dense case (default: ${DEFAULT-VALUE}).")
  int denseFiles = 4;

  @Option(
      names = "--dense-repeat",
      description =
          "Runs of the dense floor and of jobs/drift-report on the dense case; the median is"
              + " reported (default: ${DEFAULT-VALUE}).")
  int denseRepeat = 3;

  @Option(names = "--skip-dense", description = "Skip the dense case.")
  boolean skipDense;

  @Option(
      names = "--dense-retry",
      description =
          "When jobs/drift-report fails on the dense case with its defaults, run it again with"
              + " this one setting: KLDRIFT_*=VALUE (an environment variable of the launcher) or"
              + " KEY=VALUE (passed as --conf). Repeatable; tried in order until one succeeds.")
  List<String> denseRetry = new ArrayList<>();

  @Option(
      names = "--repeat",
      description = "Timed rounds; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeat = 3;

  @Option(
      names = "--warmup",
      description = "Untimed warm-up runs of each in-process variant (default: ${DEFAULT-VALUE}).")
  int warmup = 1;

  @Option(names = "--no-process", description = "Skip the whole-process variants.")
  boolean noProcess;

  @Option(
      names = "--wait-load",
      description =
          "Before each timed run, wait (up to 10 minutes) until the 1-minute load average is"
              + " below this (default: 0, do not wait).")
  double waitLoad;

  @Option(
      names = "--jfr",
      description =
          "Record a JFR profile (settings 'profile') of the timed in-process kldrift runs into"
              + " this file.")
  String jfr;

  @Option(
      names = "--tolerance",
      description =
          "Largest relative difference accepted between DuckDB's and kldrift's means (default:"
              + " ${DEFAULT-VALUE}).")
  double tolerance = 1e-9;

  @Option(names = "--trace-jobs", description = "Print every Spark job's description and time.")
  boolean traceJobs;

  @Option(
      names = "--out",
      description =
          "Markdown file whose section 'Sequence layout' is written (default: BENCHMARKS.md at the"
              + " project root); its other sections are kept.")
  String out;

  static final String SECTION = "## Sequence layout";
  static final String SCRIPT = "/bench/duckdb-sequence.sql";
  static final String SCRIPT_SOURCE = "src/test/resources/bench/duckdb-sequence.sql";

  private static String[] argv = new String[0];

  /** Entry point (through jobs/bench --sequences). */
  public static void main(String[] args) {
    argv = args.clone();
    io.kldrift.console.Progress.setDefault(io.kldrift.console.Verbosity.QUIET);
    System.exit(new CommandLine(new SequenceBench()).execute(args));
  }

  // ------------------------------------------------------------------------------------------
  // Variants and their timings

  /** One timed route; {@code process} variants take their figures from GNU time. */
  private record Variant(String id, String name, String how, Body body, boolean process) {}

  @FunctionalInterface
  private interface Body {
    /** Runs the variant once; returns its value (mean KL, or the floor's sum of sizes). */
    double run() throws Exception;
  }

  /** Measurements of one variant. */
  private static final class Timing {
    final List<Double> seconds = new ArrayList<>();
    final List<Double> cpu = new ArrayList<>();
    final List<Double> values = new ArrayList<>();
    final List<Double> loads = new ArrayList<>();
    long peak;

    double median() {
      return median(seconds);
    }

    static double median(List<Double> v) {
      if (v.isEmpty()) {
        return Double.NaN;
      }
      List<Double> s = new ArrayList<>(v);
      s.sort(null);
      int n = s.size();
      return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
  }

  /** One data folder and what is in it. */
  private record DataInfo(
      Path dir,
      long teacherRows,
      long studentRows,
      int parquetFiles,
      long teacherBytes,
      long studentBytes,
      String generated) {}

  /** One run of jobs/drift-report on the dense case. */
  private record DenseAttempt(
      String setting,
      Proc.Result result,
      long counted,
      Double meanKl,
      String failure,
      double load) {}

  private SparkSession spark;
  private Connection duck;
  private Path home;
  private Path work;
  private Path scriptFile;
  private final Map<String, Path> kept = new LinkedHashMap<>();
  private Proc.Result lastProc;
  private double lastSeconds;
  private double lastCpu;
  private long lastCounted;
  private long lastMatched;
  private int denseRuns;
  private int recordings;

  /** A JFR recording (settings "profile") of one timed kldrift run, to {@code <jfr>.<n>.jfr}. */
  private Recording startRecording() throws IOException, java.text.ParseException {
    Recording r = new Recording(Configuration.getConfiguration("profile"));
    r.setToDisk(true);
    String base = jfr.endsWith(".jfr") ? jfr.substring(0, jfr.length() - 4) : jfr;
    Path p = Path.of(base + "." + (++recordings) + ".jfr").toAbsolutePath();
    r.setDestination(p);
    r.start();
    System.err.println("[bench] JFR recording of this kldrift run: " + p);
    return r;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** A fresh folder under the work folder, replacing (deleting) the previous one of that name. */
  private Path fresh(String name) throws IOException {
    Path p = Files.createTempDirectory(work, name);
    Path old = kept.put(name, p);
    if (old != null) {
      Bench.deleteTree(old);
    }
    return p;
  }

  private static String glob(Path dir, String side) {
    return dir.resolve(side).toAbsolutePath() + "/*.parquet";
  }

  private static List<String> arrayColumns(Dataset<Row> df) {
    List<String> out = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      if (f.dataType() instanceof ArrayType) {
        out.add(f.name());
      }
    }
    return out;
  }

  /**
   * The floor: both tables read, inner-joined on the key, {@code sum(size(c))} of every array
   * column (and a count of every other column), one single-row aggregate. The join's exchange
   * copies every element of every row, so the nested values are decoded and moved, not skipped.
   */
  private Variant floor(Path dir, String key, Integer batch) {
    return new Variant(
        "a",
        "floor: read + join, touch every array column",
        "`sum(size(c))` of every array column of both tables and `count` of the others, over the"
            + " inner join on "
            + key
            + (batch == null
                ? ""
                : " (Parquet reader batch of " + batch + " rows: the default does not fit)"),
        () -> {
          Dataset<Row> t = spark.read().parquet(dir.resolve("teacher").toString());
          Dataset<Row> s = spark.read().parquet(dir.resolve("student").toString());
          List<Column> ts = new ArrayList<>(List.of(col(key)));
          List<Column> ss = new ArrayList<>(List.of(col(key)));
          for (String c : t.columns()) {
            if (!c.equals(key)) {
              ts.add(col(c).as("t_" + c));
            }
          }
          for (String c : s.columns()) {
            if (!c.equals(key)) {
              ss.add(col(c).as("s_" + c));
            }
          }
          Dataset<Row> j =
              t.select(ts.toArray(Column[]::new)).join(s.select(ss.toArray(Column[]::new)), key);
          Column sizes = null;
          List<Column> aggs = new ArrayList<>();
          List<String> arrays = arrayColumns(j);
          for (String c : arrays) {
            Column z = size(col(c)).cast("long");
            sizes = sizes == null ? z : sizes.plus(z);
          }
          for (String c : j.columns()) {
            if (!arrays.contains(c)) {
              aggs.add(count(col(c)));
            }
          }
          String before = spark.conf().get(READER_BATCH, null);
          if (batch != null) {
            spark.conf().set(READER_BATCH, String.valueOf(batch));
          }
          try {
            Row r = j.agg(sum(sizes), aggs.toArray(Column[]::new)).first();
            return r.getLong(0);
          } finally {
            if (batch != null) {
              if (before == null) {
                spark.conf().unset(READER_BATCH);
              } else {
                spark.conf().set(READER_BATCH, before);
              }
            }
          }
        },
        false);
  }

  static final String READER_BATCH = "spark.sql.parquet.columnarReaderBatchSize";

  /**
   * The Parquet reader batch kldrift's {@code ReaderSizing} sets for these files (16 MiB of doubles
   * per column per batch, from the values per row of the distribution column in the first file's
   * footer), or null when it keeps Spark's default. Recomputed here because the class is internal.
   */
  private Integer jobReaderBatch(Path dir) throws IOException {
    java.util.Properties props = new java.util.Properties();
    try (java.io.Reader in =
        Files.newBufferedReader(dir.resolve("kldrift.properties"), StandardCharsets.UTF_8)) {
      props.load(in);
    }
    String column = props.getProperty("input.teacher.column", "probs");
    Path first;
    try (Stream<Path> s = Files.list(dir.resolve("teacher"))) {
      first =
          s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
              .sorted()
              .findFirst()
              .orElse(null);
    }
    if (first == null) {
      return null;
    }
    long perRow = -1;
    try (org.apache.parquet.hadoop.ParquetFileReader r =
        org.apache.parquet.hadoop.ParquetFileReader.open(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(first.toString()),
                spark.sparkContext().hadoopConfiguration()))) {
      for (org.apache.parquet.hadoop.metadata.BlockMetaData b : r.getFooter().getBlocks()) {
        for (org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c : b.getColumns()) {
          if (b.getRowCount() > 0 && c.getPath().toDotString().startsWith(column + ".")) {
            perRow = Math.max(perRow, (c.getValueCount() + b.getRowCount() - 1) / b.getRowCount());
          }
        }
      }
    }
    if (perRow <= 0) {
      return null;
    }
    long fit = Math.max(1, (16L << 20) / (8 * perRow));
    return fit >= 4096 ? null : (int) fit;
  }

  private DriftConfig config(Path dir, Path outRoot) {
    return DriftConfig.builder()
        .file(dir.resolve("kldrift.properties"))
        .set(DriftConfig.TEACHER_PATH, dir.resolve("teacher").toString())
        .set(DriftConfig.STUDENT_PATH, dir.resolve("student").toString())
        .set(DriftConfig.OUTPUT_PATH, outRoot.toString())
        .build();
  }

  private Variant kldrift(Path dir) {
    return new Variant(
        "b",
        "kldrift whole report (in process)",
        "`KlDrift.analyze(spark, config, date)` + `KlDrift.write` on the bench's SparkSession,"
            + " config = the data folder's `kldrift.properties` with the two paths and"
            + " `output.path` (a fresh folder) set, nothing else; value: `global.kl.mean` of the"
            + " summary.json it wrote",
        () -> {
          Path o = fresh("kldrift-report");
          LocalDate date = LocalDate.now();
          DriftConfig c = config(dir, o);
          Recording rec = jfr != null && !phase.equals("warm-up") ? startRecording() : null;
          try (DriftReport r = KlDrift.analyze(spark, c, date)) {
            KlDrift.write(spark, r, o.toString(), date);
          } finally {
            if (rec != null) {
              rec.stop();
              rec.close();
            }
            spark.catalog().clearCache();
          }
          JsonNode s = summary(ReportAgreement.runFolder(o));
          lastCounted = s.path("sequences").path("counted_positions").asLong();
          lastMatched = s.path("inputs").path("matched").asLong();
          return s.path("global").path("kl").path("mean").asDouble(Double.NaN);
        },
        false);
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
            "SELECT kl_mean FROM read_parquet("
                + Bench.sqlString(duckOut.resolve("global.parquet").toString())
                + ")"));
  }

  private Variant duckdb(Path dir) {
    String script = readScript();
    return new Variant(
        "c",
        "DuckDB same core report (JDBC, in process)",
        "`"
            + SCRIPT_SOURCE
            + "` (below) statement by statement on the bench's connection: join, per-position"
            + " tail-bucket KL, top-1 agreement and teacher tail mass, the actual next token's"
            + " figures (NLLs, perplexities, ln PPL ratio, delta p mean and RMS, accuracies),"
            + " per-sequence means, global, per-slice and position-bucket figures, each written to"
            + " Parquet; value: the mean"
            + " KL it wrote",
        () -> {
          Path o = fresh("duckdb-report");
          DuckRun.run(
              duck,
              DuckRun.statements(DuckRun.substitute(script, scriptValues(dir, o))),
              traceJobs);
          DuckRun.dropTempObjects(duck, script);
          return duckMeanKl(o);
        },
        false);
  }

  private List<String> reportCommand(Path dir, Path outDir, List<String> extra) {
    List<String> cmd = new ArrayList<>();
    cmd.add(home.resolve("jobs/drift-report").toString());
    cmd.add("--teacher");
    cmd.add(dir.resolve("teacher").toString());
    cmd.add("--student");
    cmd.add(dir.resolve("student").toString());
    cmd.add("--config");
    cmd.add(dir.resolve("kldrift.properties").toString());
    cmd.add("--out");
    cmd.add(outDir.toString());
    cmd.addAll(extra);
    return cmd;
  }

  private List<String> duckCommand(Path dir, Path outDir) {
    List<String> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (e.endsWith("test-classes") || e.contains("duckdb_jdbc")) {
        cp.add(e);
      }
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, cp));
    cmd.add(DuckRun.class.getName());
    cmd.add("--script");
    cmd.add(scriptFile.toString());
    scriptValues(dir, outDir).forEach((k, v) -> cmd.add(k + "=" + v));
    return cmd;
  }

  private Proc.Result runProcess(String what, List<String> cmd, Path workDir) throws Exception {
    Proc.Result r = Proc.run(cmd, workDir, workDir.resolve(what + ".log"));
    lastProc = r;
    if (!r.ok()) {
      throw new IllegalStateException(
          what + " exited with code " + r.exitCode() + "; its last lines:\n" + r.tail(15));
    }
    return r;
  }

  private Variant reportProcess(Path dir) {
    return new Variant(
        "b-proc",
        "kldrift whole report (whole process)",
        "`jobs/drift-report --teacher T --student S --config DATA/kldrift.properties --out O`"
            + " under `/usr/bin/time`, the job's defaults (KLDRIFT_DRIVER_MEMORY, KLDRIFT_JAVA_OPTS,"
            + " KLDRIFT_SUBMIT_OPTS removed from its environment); value: `global.kl.mean` of its"
            + " summary.json",
        () -> {
          Path w = fresh("drift-report-process");
          runProcess("drift-report", reportCommand(dir, w.resolve("out"), List.of()), w);
          return summary(ReportAgreement.runFolder(w.resolve("out")))
              .path("global")
              .path("kl")
              .path("mean")
              .asDouble(Double.NaN);
        },
        true);
  }

  private Variant duckProcess(Path dir) {
    return new Variant(
        "c-proc",
        "DuckDB same core report (whole process)",
        "the same script in a JVM of its own (`java -cp test-classes:duckdb_jdbc.jar"
            + " io.kldrift.bench.DuckRun --script duckdb-sequence.sql teacher=... student=..."
            + " out=...`, a fresh in-memory database at DuckDB's defaults) under `/usr/bin/time`;"
            + " the duckdb CLI is not installed here, so this is DuckDB's engine through JDBC in a"
            + " JVM (about 0.3 s of JVM start included); value: the mean KL it wrote",
        () -> {
          Path w = fresh("duckdb-process");
          Files.createDirectories(w.resolve("out"));
          runProcess("duckdb", duckCommand(dir, w.resolve("out")), w);
          return duckMeanKl(w.resolve("out"));
        },
        true);
  }

  private static JsonNode summary(Path run) throws IOException {
    return new ObjectMapper().readTree(run.resolve("summary.json").toFile());
  }

  // ------------------------------------------------------------------------------------------
  // Running

  private String phase = "";

  private void waitForLoad() throws InterruptedException {
    if (waitLoad <= 0) {
      return;
    }
    long deadline = System.nanoTime() + 600_000_000_000L;
    boolean said = false;
    while (load() >= waitLoad && System.nanoTime() < deadline) {
      if (!said) {
        System.err.printf(
            Locale.ROOT, "[bench] load %.2f >= %.2f, waiting ...%n", load(), waitLoad);
        said = true;
      }
      Thread.sleep(5_000);
    }
  }

  private double runOnce(Variant v, String ph) throws Exception {
    phase = ph;
    spark.sparkContext().setJobDescription("bench " + v.id() + " " + ph);
    lastProc = null;
    long c0 = processCpuNanos();
    long t0 = System.nanoTime();
    double value = v.body().run();
    double secs = (System.nanoTime() - t0) / 1e9;
    double cpu = (processCpuNanos() - c0) / 1e9;
    if (v.process()) {
      secs = lastProc.wallSeconds();
      cpu = lastProc.cpuSeconds();
    }
    lastSeconds = secs;
    lastCpu = cpu;
    System.err.printf(
        Locale.ROOT,
        "[bench] %-8s %-7s %-44s %8.2f s  cpu %8.2f s%s  value %.15g%n",
        ph,
        v.id(),
        v.name(),
        secs,
        cpu,
        v.process() ? "  rss " + mib(lastProc.peakRssBytes()) : "",
        value);
    return value;
  }

  private Map<String, Timing> measure(List<Variant> variants) throws Exception {
    Map<String, Timing> res = new LinkedHashMap<>();
    variants.forEach(v -> res.put(v.id(), new Timing()));
    for (int w = 0; w < warmup; w++) {
      for (Variant v : variants) {
        if (!v.process()) {
          runOnce(v, "warm-up");
        }
      }
    }
    for (int r = 0; r < repeat; r++) {
      for (Variant v : variants) {
        Timing t = res.get(v.id());
        waitForLoad();
        t.loads.add(load());
        HeapProbe probe = v.process() ? null : HeapProbe.start();
        double value;
        try {
          value = runOnce(v, "run " + (r + 1) + "/" + repeat);
        } finally {
          if (probe != null) {
            t.peak = Math.max(t.peak, probe.stop().sampledUsed());
          }
        }
        if (v.process()) {
          t.peak = Math.max(t.peak, lastProc.peakRssBytes());
        }
        t.values.add(value);
        t.seconds.add(lastSeconds);
        t.cpu.add(lastCpu);
      }
    }
    return res;
  }

  // ------------------------------------------------------------------------------------------
  // Data

  private Path resolveData(Path given, String caseName) {
    if (Files.exists(given.resolve("kldrift.properties"))
        || Files.exists(given.resolve("teacher"))) {
      return given;
    }
    return given.resolve(caseName);
  }

  private DataInfo ensureData(Path dir, SequenceSampleGenerator.Spec spec) throws IOException {
    String generated;
    if (Files.exists(dir.resolve("teacher/_SUCCESS"))
        && Files.exists(dir.resolve("student/_SUCCESS"))
        && Files.exists(dir.resolve("kldrift.properties"))) {
      generated = "cached (reused from an earlier run)";
      System.err.println("[bench] using cached data " + dir);
    } else {
      System.err.println("[bench] generating " + spec + " into " + dir + " ...");
      Files.createDirectories(dir);
      long t0 = System.nanoTime();
      spark.sparkContext().setJobDescription("bench: generate " + dir.getFileName());
      SequenceSampleGenerator.generate(spark, spec, dir.toString());
      generated =
          String.format(
              Locale.ROOT, "generated by this run in %.1f s", (System.nanoTime() - t0) / 1e9);
    }
    long tRows = spark.read().parquet(dir.resolve("teacher").toString()).count();
    long sRows = spark.read().parquet(dir.resolve("student").toString()).count();
    long[] bytes = new long[2];
    int parquet = 0;
    for (int i = 0; i < 2; i++) {
      try (Stream<Path> s = Files.list(dir.resolve(i == 0 ? "teacher" : "student"))) {
        for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList()) {
          bytes[i] += Files.size(p);
          parquet++;
        }
      }
    }
    return new DataInfo(dir, tRows, sRows, parquet, bytes[0], bytes[1], generated);
  }

  private SequenceSampleGenerator.Spec topKSpec() {
    return new SequenceSampleGenerator.Spec(
        count,
        seed,
        SequenceSampleGenerator.Spec.VOCAB_DEFAULT,
        topK,
        length,
        length,
        0.001,
        0,
        SequenceSampleGenerator.Spec.DRIFT_TOKENS_DEFAULT,
        1.5,
        SequenceSampleGenerator.Shape.ARRAYS,
        files,
        false);
  }

  private SequenceSampleGenerator.Spec denseSpec() {
    return new SequenceSampleGenerator.Spec(
        denseCount,
        seed,
        vocab,
        SequenceSampleGenerator.Spec.TOP_K_DEFAULT,
        denseLength,
        denseLength,
        0.001,
        0,
        SequenceSampleGenerator.Spec.DRIFT_TOKENS_DEFAULT,
        1.5,
        SequenceSampleGenerator.Shape.ARRAYS,
        denseFiles,
        true);
  }

  // ------------------------------------------------------------------------------------------
  // Agreement

  /** One compared figure. */
  record Check(
      String what, String kldrift, String duckdb, double difference, boolean exact, boolean pass) {}

  private static double rel(double a, double b) {
    if (a == b) {
      return 0;
    }
    return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.15g", v);
  }

  private static String commas(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  private List<Row> duckRows(Path out, String file, String order) throws SQLException {
    List<Row> rows = new ArrayList<>();
    try (Statement st = duck.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT * FROM read_parquet("
                    + Bench.sqlString(out.resolve(file).toString())
                    + ")"
                    + (order == null ? "" : " ORDER BY " + order))) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Object[] v = new Object[n];
        for (int i = 0; i < n; i++) {
          v[i] = rs.getObject(i + 1);
        }
        rows.add(org.apache.spark.sql.RowFactory.create(v));
      }
    }
    return rows;
  }

  private List<Check> compare(Path run, Path duckOut) throws Exception {
    JsonNode s = summary(run);
    List<Check> checks = new ArrayList<>();
    Row g = duckRows(duckOut, "global.parquet", null).get(0);
    JsonNode in = s.path("inputs");
    JsonNode seq = s.path("sequences");
    JsonNode gl = s.path("global");
    exact(
        checks, "teacher rows", in.path("teacher_rows").asLong(), ((Number) g.get(0)).longValue());
    exact(
        checks, "student rows", in.path("student_rows").asLong(), ((Number) g.get(1)).longValue());
    exact(
        checks, "matched sequences", in.path("matched").asLong(), ((Number) g.get(2)).longValue());
    exact(
        checks,
        "counted positions (tokens)",
        seq.path("counted_positions").asLong(),
        ((Number) g.get(3)).longValue());
    exact(
        checks,
        "sequences with counted positions",
        gl.path("sequence_kl").path("n").asLong(),
        ((Number) g.get(7)).longValue());
    mean(
        checks,
        "token-weighted mean KL (global.kl.mean)",
        gl.path("kl").path("mean").asDouble(),
        (Double) g.get(4));
    mean(
        checks,
        "sequence-weighted mean KL (global.sequence_kl.mean)",
        gl.path("sequence_kl").path("mean").asDouble(),
        (Double) g.get(8));
    mean(
        checks,
        "top-1 agreement (global.agreement.mean)",
        gl.path("agreement").path("mean").asDouble(),
        (Double) g.get(5));
    mean(
        checks,
        "teacher tail mass (sequences.teacher_tail_mass.mean)",
        seq.path("teacher_tail_mass").path("mean").asDouble(),
        (Double) g.get(6));
    JsonNode tg = gl.path("target");
    exact(
        checks,
        "positions with a known target (global.target.n)",
        tg.path("n").asLong(),
        ((Number) g.get(9)).longValue());
    String[] targetFields = {
      "teacher_nll_mean",
      "student_nll_mean",
      "teacher_ppl",
      "student_ppl",
      "ln_ppl_ratio",
      "delta_p_mean",
      "delta_p_rms",
      "teacher_accuracy",
      "student_accuracy"
    };
    for (int i = 0; i < targetFields.length; i++) {
      mean(
          checks,
          "global.target." + targetFields[i],
          tg.path(targetFields[i]).asDouble(Double.NaN),
          (Double) g.get(10 + i));
    }

    // Per slice: DuckDB's rows by segment against summary.json's per_slice entries.
    Map<String, JsonNode> slices = new LinkedHashMap<>();
    for (JsonNode n : s.path("per_slice")) {
      slices.put(n.path("value").asText(), n);
    }
    List<Row> ds = duckRows(duckOut, "per_slice.parquet", "segment");
    exact(checks, "slices", slices.size(), ds.size());
    long nDiff = 0;
    long seqDiff = 0;
    double klDiff = 0;
    double seqKlDiff = 0;
    double agreeDiff = 0;
    for (Row r : ds) {
      JsonNode k = slices.get((String) r.get(0));
      if (k == null) {
        nDiff = Math.max(nDiff, 1);
        continue;
      }
      nDiff = Math.max(nDiff, Math.abs(k.path("kl").path("n").asLong() - toLong(r.get(1))));
      seqDiff =
          Math.max(seqDiff, Math.abs(k.path("sequence_kl").path("n").asLong() - toLong(r.get(4))));
      klDiff = Math.max(klDiff, rel(k.path("kl").path("mean").asDouble(), (Double) r.get(2)));
      agreeDiff =
          Math.max(agreeDiff, rel(k.path("agreement").path("mean").asDouble(), (Double) r.get(3)));
      seqKlDiff =
          Math.max(
              seqKlDiff, rel(k.path("sequence_kl").path("mean").asDouble(), (Double) r.get(5)));
    }
    String sl = String.join(", ", slices.keySet());
    checks.add(new Check("per-slice tokens (" + sl + ")", "", "", nDiff, true, nDiff == 0));
    checks.add(new Check("per-slice sequences", "", "", seqDiff, true, seqDiff == 0));
    checks.add(
        new Check("per-slice token-weighted mean KL (largest)", "", "", klDiff, false, ok(klDiff)));
    checks.add(
        new Check(
            "per-slice sequence-weighted mean KL (largest)",
            "",
            "",
            seqKlDiff,
            false,
            ok(seqKlDiff)));
    checks.add(new Check("per-slice agreement (largest)", "", "", agreeDiff, false, ok(agreeDiff)));

    // Position buckets: DuckDB lists the non-empty ones.
    Map<String, JsonNode> buckets = new LinkedHashMap<>();
    for (JsonNode b : seq.path("by_position")) {
      if (b.path("positions").asLong() > 0) {
        buckets.put(b.path("bucket").asText(), b);
      }
    }
    List<Row> db = duckRows(duckOut, "by_position.parquet", null);
    exact(
        checks,
        "non-empty position buckets (" + String.join(", ", buckets.keySet()) + ")",
        buckets.size(),
        db.size());
    long bn = 0;
    double bkl = 0;
    double bshare = 0;
    double bagree = 0;
    for (Row r : db) {
      JsonNode b = buckets.get((String) r.get(0));
      if (b == null) {
        bn = Math.max(bn, 1);
        continue;
      }
      bn = Math.max(bn, Math.abs(b.path("positions").asLong() - toLong(r.get(1))));
      bkl = Math.max(bkl, rel(b.path("kl_mean").asDouble(), (Double) r.get(2)));
      bshare = Math.max(bshare, rel(b.path("kl_share").asDouble(), (Double) r.get(3)));
      bagree = Math.max(bagree, rel(b.path("agreement").asDouble(), (Double) r.get(4)));
    }
    checks.add(new Check("position-bucket tokens", "", "", bn, true, bn == 0));
    checks.add(new Check("position-bucket mean KL (largest)", "", "", bkl, false, ok(bkl)));
    checks.add(
        new Check("position-bucket share of KL mass (largest)", "", "", bshare, false, ok(bshare)));
    checks.add(new Check("position-bucket agreement (largest)", "", "", bagree, false, ok(bagree)));
    return checks;
  }

  private static long toLong(Object o) {
    return ((Number) o).longValue();
  }

  private boolean ok(double relDiff) {
    return relDiff <= tolerance;
  }

  private static void exact(List<Check> checks, String what, long k, long d) {
    checks.add(new Check(what, commas(k), commas(d), Math.abs(k - d), true, k == d));
  }

  private void mean(List<Check> checks, String what, double k, Double d) {
    double r = d == null ? Double.NaN : rel(k, d);
    checks.add(new Check(what, num(k), d == null ? "null" : num(d), r, false, ok(r)));
  }

  private String scalar(String sql) throws SQLException {
    try (Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static String readScript() {
    try (java.io.InputStream in = SequenceBench.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new IllegalStateException("resource " + SCRIPT + " not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Dense case

  /** The exact mean KL over the counted positions of the matched sequences, from the generator. */
  private double exactDenseMeanKl(Path dir, SequenceSampleGenerator.Spec spec) {
    Dataset<Row> t =
        spark
            .read()
            .parquet(dir.resolve("teacher").toString())
            .select("sequence_id", "completion_mask");
    Dataset<Row> s = spark.read().parquet(dir.resolve("student").toString()).select("sequence_id");
    double total = 0;
    long n = 0;
    for (Row r : t.join(s, "sequence_id").collectAsList()) {
      List<Boolean> mask = r.getList(1);
      double[] kl = SequenceSampleGenerator.exactKlByPosition(spec, r.getLong(0), mask.size());
      for (int pos = 0; pos < mask.size(); pos++) {
        if (mask.get(pos)) {
          total += kl[pos];
          n++;
        }
      }
    }
    return total / n;
  }

  private DenseAttempt denseRun(Path dir, String setting) throws Exception {
    Path w = fresh("dense-report-" + (++denseRuns));
    List<String> extra = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>();
    if (setting != null) {
      int eq = setting.indexOf('=');
      String k = setting.substring(0, eq);
      String v = setting.substring(eq + 1);
      if (k.startsWith("KLDRIFT_")) {
        env.put(k, v);
      } else {
        extra.add("--conf");
        extra.add(setting);
      }
    }
    List<String> cmd = new ArrayList<>();
    if (!env.isEmpty()) {
      cmd.add("env");
      env.forEach((k, v) -> cmd.add(k + "=" + v));
    }
    cmd.addAll(reportCommand(dir, w.resolve("out"), extra));
    waitForLoad();
    double l = load();
    Proc.Result r = Proc.run(cmd, w, w.resolve("drift-report.log"));
    System.err.printf(
        Locale.ROOT,
        "[bench] dense %s: exit %d, wall %.2f s, cpu %.2f s, rss %s (load %.2f)%n",
        setting == null ? "defaults" : setting,
        r.exitCode(),
        r.wallSeconds(),
        r.cpuSeconds(),
        mib(r.peakRssBytes()),
        l);
    if (!r.ok()) {
      // Keep the log of a failure for the report (the folder is replaced by the next attempt).
      Path log = work.resolve("dense-failure-" + System.nanoTime() + ".log");
      Files.copy(w.resolve("drift-report.log"), log);
      return new DenseAttempt(setting, relog(r, log), 0, null, failureLines(log), l);
    }
    JsonNode s = summary(ReportAgreement.runFolder(w.resolve("out")));
    return new DenseAttempt(
        setting,
        r,
        s.path("sequences").path("counted_positions").asLong(),
        s.path("global").path("kl").path("mean").asDouble(),
        null,
        l);
  }

  private static Proc.Result relog(Proc.Result r, Path log) {
    return new Proc.Result(r.exitCode(), r.wallSeconds(), r.cpuSeconds(), r.peakRssBytes(), log);
  }

  /** The lines of a failed run's log that say what failed. */
  static String failureLines(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    List<String> keep = new ArrayList<>();
    for (String l : lines) {
      String x = l.strip();
      if (x.contains("OutOfMemoryError")
          || x.contains("Exception:")
          || x.startsWith("status:")
          || x.startsWith("error")
          || x.startsWith("ERROR")
          || x.contains("Killed")) {
        if (!keep.contains(x)) {
          keep.add(x);
        }
      }
    }
    if (keep.isEmpty()) {
      keep.addAll(lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }
    return String.join(" / ", keep.subList(0, Math.min(6, keep.size())));
  }

  // ------------------------------------------------------------------------------------------
  // Main

  @Override
  public Integer call() throws Exception {
    if (repeat < 1 || warmup < 0 || count < 1 || length < 2 || files < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "repeat, count, length and files must be positive");
    }
    boolean process = !noProcess;
    if ((process || !skipDense) && !Proc.available()) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          Proc.TIME + " is needed for the whole-process figures; pass --no-process --skip-dense");
    }
    for (String r : denseRetry) {
      if (r.indexOf('=') < 1) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--dense-retry '" + r + "' is not NAME=VALUE");
      }
    }
    home = Path.of(System.getProperty("kldrift.home", ".")).toAbsolutePath().normalize();
    Path outFile = out != null ? Path.of(out).toAbsolutePath() : home.resolve("BENCHMARKS.md");
    Path root = data != null ? Path.of(data).toAbsolutePath() : home.resolve("target/bench-data");
    Path dir =
        resolveData(root, String.format(Locale.ROOT, "seq_s%d_l%d_k%d", count, length, topK));
    Path denseRoot = denseData != null ? Path.of(denseData).toAbsolutePath() : dir.getParent();
    Path denseDir =
        resolveData(
            denseRoot,
            String.format(Locale.ROOT, "seq-dense_s%d_l%d_v%d", denseCount, denseLength, vocab));
    ZonedDateTime started = ZonedDateTime.now();
    double loadStart = load();

    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("kldrift-bench-sequences")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    if (traceJobs) {
      spark.sparkContext().addSparkListener(new Bench.JobTracer());
    }
    int cores = spark.sparkContext().defaultParallelism();
    work = Files.createTempDirectory("kldrift-seq-bench");
    try {
      scriptFile = work.resolve("duckdb-sequence.sql");
      Files.writeString(scriptFile, readScript(), StandardCharsets.UTF_8);
      duck = DriverManager.getConnection("jdbc:duckdb:");
      Path duckTmp = work.resolve("duckdb-tmp");
      Files.createDirectories(duckTmp);
      try (Statement st = duck.createStatement()) {
        st.execute("SET threads = " + cores);
        st.execute("SET temp_directory = " + Bench.sqlString(duckTmp.toString()));
      }
      String duckVersion = scalar("SELECT version()");
      String duckMemory = scalar("SELECT current_setting('memory_limit')");
      if (process || !skipDense) {
        // Untimed: builds target/kldrift.jar if stale, and lets the launcher write its CDS archive.
        Proc.Result v =
            Proc.run(
                List.of(home.resolve("jobs/drift-report").toString(), "--version"),
                work,
                work.resolve("version.log"));
        if (!v.ok()) {
          throw new IllegalStateException("jobs/drift-report --version failed:\n" + v.tail(20));
        }
      }

      // ---- top-k case ----
      DataInfo main = ensureData(dir, topKSpec());
      String key = "sequence_id";
      List<Variant> variants = new ArrayList<>();
      variants.add(floor(dir, key, null));
      Integer jobBatch = jobReaderBatch(dir);
      if (jobBatch != null) {
        Variant f = floor(dir, key, jobBatch);
        variants.add(
            new Variant(
                "a2",
                "floor with the job's Parquet reader batch",
                "the same query as a with `"
                    + READER_BATCH
                    + "="
                    + jobBatch
                    + "`, the batch kldrift's `ReaderSizing` sets for these files (16 MiB of"
                    + " doubles per column per batch, from the footer's values per row)",
                f.body(),
                false));
      }
      variants.add(kldrift(dir));
      variants.add(duckdb(dir));
      if (process) {
        variants.add(duckProcess(dir));
        variants.add(reportProcess(dir));
      }
      Map<String, Timing> t = measure(variants);
      long counted = lastCounted;
      long matched = lastMatched;
      List<String> problems = new ArrayList<>();
      List<Check> agreement =
          compare(ReportAgreement.runFolder(kept.get("kldrift-report")), kept.get("duckdb-report"));
      agreement.stream()
          .filter(c -> !c.pass())
          .forEach(c -> problems.add("in process: " + c.what() + " differs: " + c.difference()));
      List<Check> processAgreement = null;
      if (process) {
        processAgreement =
            compare(
                ReportAgreement.runFolder(kept.get("drift-report-process").resolve("out")),
                kept.get("duckdb-process").resolve("out"));
        processAgreement.stream()
            .filter(c -> !c.pass())
            .forEach(
                c -> problems.add("whole processes: " + c.what() + " differs: " + c.difference()));
      }

      // ---- dense case ----
      DataInfo dense = null;
      List<DenseAttempt> attempts = new ArrayList<>();
      Timing denseFloor = new Timing();
      Integer denseFloorBatch = null;
      String denseFloorError = null;
      Double exact = null;
      if (!skipDense) {
        SequenceSampleGenerator.Spec ds = denseSpec();
        dense = ensureData(denseDir, ds);
        // Spark's default batch of 4,096 rows of 2M-element rows does not fit; at most about 4M
        // elements per column per batch, as the scaling cases of Bench do.
        long perRow = (long) denseLength * vocab;
        denseFloorBatch = (int) Math.max(1, Math.min(4096, 4_000_000L / perRow));
        try {
          for (int i = 0; i < denseRepeat; i++) {
            waitForLoad();
            denseFloor.loads.add(load());
            runOnce(floor(denseDir, key, denseFloorBatch), "dense " + (i + 1) + "/" + denseRepeat);
            denseFloor.seconds.add(lastSeconds);
            denseFloor.cpu.add(lastCpu);
          }
        } catch (Exception | OutOfMemoryError e) {
          denseFloorError = String.valueOf(e);
          System.err.println("[bench] dense floor failed: " + e);
        }
        attempts.add(denseRun(denseDir, null));
        for (String r : denseRetry) {
          if (attempts.get(attempts.size() - 1).failure() == null) {
            break;
          }
          attempts.add(denseRun(denseDir, r));
        }
        DenseAttempt good = attempts.get(attempts.size() - 1);
        if (good.failure() == null) {
          for (int i = 1; i < denseRepeat; i++) {
            attempts.add(denseRun(denseDir, good.setting()));
          }
          exact = exactDenseMeanKl(denseDir, ds);
          System.err.printf(
              Locale.ROOT,
              "[bench] dense mean KL %.15g, exact (generator, double) %.15g, %.3g relative%n",
              good.meanKl(),
              exact,
              rel(good.meanKl(), exact));
        }
      }
      double loadEnd = load();

      String md =
          section(
              new Results(
                  started,
                  loadStart,
                  loadEnd,
                  cores,
                  duckVersion,
                  duckMemory,
                  main,
                  variants,
                  t,
                  counted,
                  matched,
                  agreement,
                  processAgreement,
                  dense,
                  denseFloor,
                  denseFloorBatch,
                  denseFloorError,
                  attempts,
                  exact));
      System.out.println(md);
      if (!problems.isEmpty()) {
        System.err.println(
            "[bench] FAILED: DuckDB and kldrift disagree; " + outFile + " not written:");
        problems.forEach(p -> System.err.println("[bench]   " + p));
        return 1;
      }
      MarkdownSections.write(outFile, md, false, List.of());
      System.out.println("wrote the section '" + SECTION.substring(3) + "' of " + outFile);
      return 0;
    } finally {
      if (duck != null) {
        duck.close();
      }
      Bench.deleteTree(work);
      spark.stop();
    }
  }

  /**
   * {@code text} with its section 'Sequence layout' replaced by {@code section}, or with it
   * appended; the other sections, "Sequence layout: where the time goes" included, are kept.
   */
  static String replaceSection(String text, String section) {
    return MarkdownSections.merge(text, section, false, List.of());
  }

  // ------------------------------------------------------------------------------------------
  // Output

  private record Results(
      ZonedDateTime started,
      double loadStart,
      double loadEnd,
      int cores,
      String duckVersion,
      String duckMemory,
      DataInfo main,
      List<Variant> variants,
      Map<String, Timing> t,
      long counted,
      long matched,
      List<Check> agreement,
      List<Check> processAgreement,
      DataInfo dense,
      Timing denseFloor,
      Integer denseFloorBatch,
      String denseFloorError,
      List<DenseAttempt> attempts,
      Double exact) {}

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,.0f MiB", bytes / 1048576.0);
  }

  private static String runs(List<Double> v) {
    List<String> s = new ArrayList<>();
    for (double x : v) {
      s.add(String.format(Locale.ROOT, "%.2f", x));
    }
    return String.join(", ", s);
  }

  private static void row(StringBuilder sb, String k, String v) {
    sb.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }

  private String commandLine() {
    StringBuilder sb =
        new StringBuilder(System.getProperty("kldrift.bench.launcher", "jobs/bench"))
            .append(" --sequences");
    for (String a : argv) {
      sb.append(' ').append(Bench.shellQuote(a));
    }
    return sb.toString();
  }

  private static String javaVersion() {
    try {
      Process p = new ProcessBuilder("java", "-version").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor();
      return s.replace("\n", "; ");
    } catch (IOException | InterruptedException e) {
      return System.getProperty("java.runtime.version");
    }
  }

  private static long totalMemory() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getTotalMemorySize();
  }

  private String section(Results r) throws IOException {
    Map<String, Timing> t = r.t();
    double a = t.get("a").median();
    double b = t.get("b").median();
    double c = t.get("c").median();
    StringBuilder sb = new StringBuilder();
    sb.append(SECTION).append("\n\n");
    sb.append(
        "Written by `jobs/bench --sequences` (source: `src/test/java/io/kldrift/bench/SequenceBench.java`;"
            + " `src/test/resources/bench/README-bench.md` says how to rerun it). The other sections of"
            + " this file come from `jobs/bench` and are not rewritten by this mode.\n\n");
    sb.append("```\n").append(commandLine()).append("\n```\n\n");

    sb.append("### Machine and settings\n\n| | |\n| --- | --- |\n");
    row(
        sb,
        "date",
        r.started().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    row(
        sb,
        "cores (`Runtime.availableProcessors`)",
        String.valueOf(Runtime.getRuntime().availableProcessors()));
    row(sb, "RAM", mib(totalMemory()));
    row(
        sb,
        "OS",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " ("
            + System.getProperty("os.arch")
            + ")");
    row(sb, "`java -version`", "`" + javaVersion() + "`");
    row(sb, "bench JVM max heap", mib(Runtime.getRuntime().maxMemory()));
    row(
        sb,
        "load average (1 min) at start / end",
        String.format(Locale.ROOT, "%.2f / %.2f", r.loadStart(), r.loadEnd()));
    row(
        sb,
        "Spark (in process)",
        spark.version()
            + ", master `local[2]` ("
            + r.cores()
            + " cores), one SparkSession for every in-process variant, UI off, driver host"
            + " 127.0.0.1, everything else at Spark's defaults (`spark.sql.shuffle.partitions`"
            + " not set, adaptive execution on); kldrift's own settings are the data folder's"
            + " `kldrift.properties` and the defaults");
    row(
        sb,
        "whole processes",
        "`jobs/drift-report` as a user runs it (master `local[*]`, the launcher's default driver"
            + " memory `-Xmx4g`; KLDRIFT_DRIVER_MEMORY, KLDRIFT_JAVA_OPTS, KLDRIFT_SUBMIT_OPTS removed"
            + " from its environment; the launcher ran "
            + Bench.launcherMode()
            + ", with its class-data-sharing archive written by an untimed `--version` run) and the"
            + " DuckDB script in a JVM of its own, each under GNU time (`/usr/bin/time -f '%e %U %S"
            + " %M'`): wall, CPU = user + system of the process and its children, peak RSS");
    row(
        sb,
        "DuckDB",
        r.duckVersion()
            + " (JDBC; the CLI is not installed). In process: `jdbc:duckdb:` in the bench JVM, `SET"
            + " threads = "
            + r.cores()
            + "`, memory_limit "
            + r.duckMemory()
            + " (default); CPU from the JVM's process CPU time, DuckDB's threads included. As a"
            + " process: a fresh in-memory database at DuckDB's defaults");
    row(
        sb,
        "timing",
        warmup
            + " untimed warm-up run(s) of each in-process variant, then "
            + repeat
            + " timed rounds running the variants in turn (whole processes in every round, no"
            + " warm-up); medians reported; in-process CPU = the bench JVM's process CPU time"
            + " (`OperatingSystemMXBean.getProcessCpuTime`, all threads), as Bench.java measures it"
            + (waitLoad > 0
                ? String.format(
                    Locale.ROOT,
                    "; before each timed run the bench waited until the 1-minute load average was"
                        + " below %.2f",
                    waitLoad)
                : ""));
    sb.append('\n');

    sb.append("### Data\n\n");
    sb.append(
        "| case | teacher rows | student rows | positions per sequence | per position | Parquet files (both) | teacher on disk | student on disk | folder | data |\n");
    sb.append("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |\n");
    dataRow(
        sb,
        "top-k",
        r.main(),
        length,
        "top-" + topK + " ids + log-probs per side, student log-probs at the teacher's ids");
    if (r.dense() != null) {
      dataRow(
          sb,
          "dense",
          r.dense(),
          denseLength,
          String.format(
              Locale.ROOT, "%,d log-probs per side (`log_probs`, kind log_probs)", vocab));
    }
    sb.append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "Generated by `jobs/generate-sample --layout sequence --sequences %d --min-length %d --max-length %d"
                + " --files %d --seed %d` (top-k; vocabulary 32,000, 0.1%% unmatched keys per side, drift on"
                + " `segment=code` and tokens 3, 5, 11)%s; each folder's `kldrift.properties` is the configuration"
                + " of every kldrift run here.%n%n",
            count,
            length,
            length,
            files,
            seed,
            r.dense() == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    " and `jobs/generate-sample --layout sequence --dense --sequences %d --min-length %d"
                        + " --max-length %d --vocab %d --files %d --seed %d` (dense)",
                    denseCount,
                    denseLength,
                    denseLength,
                    vocab,
                    denseFiles,
                    seed)));

    sb.append(
        String.format(
            Locale.ROOT, "### %,d sequences × %d positions × top-%d%n%n", count, length, topK));
    sb.append(
        "| variant | wall s (median) | runs (s) | CPU s (median) | peak memory | tokens/s | × floor (a) | × DuckDB | load (1 min) at run starts | value |\n");
    sb.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
    double cProc = t.containsKey("c-proc") ? t.get("c-proc").median() : Double.NaN;
    for (Variant v : r.variants()) {
      Timing x = t.get(v.id());
      double m = x.median();
      double vsDuck = v.process() ? m / cProc : m / c;
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s. %s | %.2f | %s | %.2f | %s | %,.0f | %.2f | %.2f%s | %s | %s |%n",
              v.id(),
              v.name(),
              m,
              runs(x.seconds),
              Timing.median(x.cpu),
              (v.process() ? "RSS " : "heap ") + mib(x.peak),
              r.counted() / m,
              m / a,
              vsDuck,
              v.process() ? " (of c-proc)" : "",
              runs(x.loads),
              v.id().startsWith("a")
                  ? String.format(Locale.ROOT, "%,.0f elements", x.values.get(0))
                  : String.format(Locale.ROOT, "%.12f", x.values.get(0))));
    }
    sb.append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "tokens/s = counted positions (%,d: completion positions of the %,d matched sequences) / median"
                + " wall seconds, for every variant. × floor and × DuckDB = median wall / the floor's (a) and"
                + " DuckDB's (c; for processes c-proc's) medians. Peak memory: the bench JVM's heap sampled"
                + " every 5 ms for in-process variants, peak RSS for processes. Value: mean KL per token"
                + " (`global.kl.mean`), for a the sum of the array sizes.%n%n",
            r.counted(),
            r.matched()));
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

    double a2 = t.containsKey("a2") ? t.get("a2").median() : Double.NaN;
    double best = Double.isNaN(a2) ? a : Math.min(a, a2);
    sb.append(
        "Issue 24's targets (the target figures included on both sides):\n\n"
            + "| target | measured | result |\n| --- | --- | --- |\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "| in process ≤ %.1f × the scan + join floor (the faster of a and a2) | b / a = %.2f / %.2f"
                + " s = %.2f%s | %s |%n",
            FLOOR_TARGET,
            b,
            a,
            b / a,
            Double.isNaN(a2)
                ? ""
                : String.format(Locale.ROOT, ", b / a2 = %.2f / %.2f s = %.2f", b, a2, b / a2),
            b / best <= FLOOR_TARGET ? "PASS" : "MISS"));
    sb.append(
        String.format(
            Locale.ROOT,
            "| in process faster than DuckDB's same core report | b / c = %.2f / %.2f s = %.2f | %s"
                + " |%n",
            b,
            c,
            b / c,
            b < c ? "PASS" : "MISS"));
    if (t.containsKey("b-proc")) {
      double bProc = t.get("b-proc").median();
      sb.append(
          String.format(
              Locale.ROOT,
              "| whole process within %.1f × DuckDB's whole process | b-proc / c-proc = %.2f / %.2f s"
                  + " = %.2f wall (%.2f CPU); b-proc / a = %.2f | %s |%n",
              PROCESS_TARGET,
              bProc,
              cProc,
              bProc / cProc,
              Timing.median(t.get("b-proc").cpu) / Timing.median(t.get("c-proc").cpu),
              bProc / a,
              bProc / cProc <= PROCESS_TARGET ? "PASS" : "MISS"));
    } else {
      sb.append(
          String.format(
              Locale.ROOT,
              "| whole process within %.1f × DuckDB's whole process | not measured | |%n",
              PROCESS_TARGET));
    }
    sb.append('\n');

    sb.append("### Agreement: DuckDB against kldrift\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "The last in-process runs' outputs (kldrift: `summary.json` of the written report; DuckDB: the"
                + " Parquet files of the script). Means are compared relative to the larger of the two"
                + " (tolerance %.0e; kldrift computes in double from the float inputs, the script casts them to"
                + " DOUBLE), counts exactly.%n%n",
            tolerance));
    sb.append(agreementTable(r.agreement()));
    sb.append('\n');
    if (r.processAgreement() != null) {
      boolean all = r.processAgreement().stream().allMatch(Check::pass);
      double largest =
          r.processAgreement().stream()
              .filter(x -> !x.exact())
              .mapToDouble(Check::difference)
              .max()
              .orElse(0);
      sb.append(
          String.format(
              Locale.ROOT,
              "The whole-process runs (b-proc against c-proc): %s figures agree, largest relative"
                  + " difference of a mean %.3g.%n%n",
              all ? "all" : "NOT all",
              largest));
    }

    sb.append("### The DuckDB script\n\n");
    sb.append("c and c-proc run `")
        .append(SCRIPT_SOURCE)
        .append("` with `${teacher}`, `${student}` (Parquet globs) and `${out}` filled in:\n\n");
    sb.append("```sql\n").append(readScript().strip()).append("\n```\n\n");

    if (r.dense() != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              "### Dense per-position vectors: %,d sequences × %d positions × %,d vocabulary, default memory%n%n",
              denseCount,
              denseLength,
              vocab));
      long tokens = goodCount(r.attempts());
      double floorMedian = r.denseFloorError() == null ? r.denseFloor().median() : Double.NaN;
      sb.append(
          "| run | setting | exit code | wall s | CPU s | peak RSS | tokens/s | × floor | load (1 min) at start | mean KL | what failed |\n");
      sb.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
      if (r.denseFloorError() == null) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| a. floor (in process), median of %s | reader batch %d rows | 0 | %.2f | %.2f | | %s | 1.00 | %s | | |%n",
                runs(r.denseFloor().seconds),
                r.denseFloorBatch(),
                floorMedian,
                Timing.median(r.denseFloor().cpu),
                tokens > 0 ? String.format(Locale.ROOT, "%,.0f", tokens / floorMedian) : "",
                runs(r.denseFloor().loads)));
      } else {
        sb.append("| a. floor (in process) | reader batch ")
            .append(r.denseFloorBatch())
            .append(" rows | failed | | | | | | | | ")
            .append(oneLine(r.denseFloorError()))
            .append(" |\n");
      }
      int run = 0;
      for (DenseAttempt x : r.attempts()) {
        Proc.Result p = x.result();
        boolean ok = x.failure() == null;
        sb.append(
            String.format(
                Locale.ROOT,
                "| `jobs/drift-report` (whole process), run %d | %s | %d | %.2f | %.2f | %s | %s | %s | %.2f | %s | %s |%n",
                ++run,
                x.setting() == null ? "defaults" : "`" + x.setting() + "`",
                p.exitCode(),
                p.wallSeconds(),
                p.cpuSeconds(),
                mib(p.peakRssBytes()),
                ok ? String.format(Locale.ROOT, "%,.0f", x.counted() / p.wallSeconds()) : "",
                ok && !Double.isNaN(floorMedian)
                    ? String.format(Locale.ROOT, "%.2f", p.wallSeconds() / floorMedian)
                    : "",
                x.load(),
                ok ? String.format(Locale.ROOT, "%.12f", x.meanKl()) : "",
                ok ? "" : oneLine(x.failure())));
      }
      List<DenseAttempt> good = r.attempts().stream().filter(x -> x.failure() == null).toList();
      if (!good.isEmpty()) {
        List<Double> wall = good.stream().map(x -> x.result().wallSeconds()).toList();
        List<Double> cpu = good.stream().map(x -> x.result().cpuSeconds()).toList();
        long rss = good.stream().mapToLong(x -> x.result().peakRssBytes()).max().orElse(0);
        double w = Timing.median(wall);
        sb.append(
            String.format(
                Locale.ROOT,
                "| **`jobs/drift-report`, median of the %d successful runs** | %s | 0 | %.2f | %.2f | %s (largest) | %s | %s | | | |%n",
                good.size(),
                good.get(0).setting() == null ? "defaults" : "`" + good.get(0).setting() + "`",
                w,
                Timing.median(cpu),
                mib(rss),
                String.format(Locale.ROOT, "%,.0f", tokens / w),
                Double.isNaN(floorMedian)
                    ? ""
                    : String.format(Locale.ROOT, "%.2f", w / floorMedian)));
      }
      sb.append('\n');
      sb.append(
          String.format(
              Locale.ROOT,
              "%,d counted tokens (completion positions of the matched sequences). The floor reads with a"
                  + " Parquet reader batch of %d rows (at most about 4M elements per column per batch, the"
                  + " rule of Bench's scaling cases, for rows of %,d elements; the job sizes its own batch,"
                  + " `ReaderSizing`: %s). %s%n%n",
              tokens,
              r.denseFloorBatch(),
              (long) denseLength * vocab,
              jobBatch(r.attempts()),
              good.isEmpty() || r.exact() == null
                  ? "No run succeeded, so the result was not checked."
                  : String.format(
                      Locale.ROOT,
                      "The dense report is exact: its mean KL per token agrees with the generator's exact KL"
                          + " (double precision, from the full distributions, averaged over the same counted"
                          + " positions: %.12f) within %.2g relative (the tables hold the log-probabilities as"
                          + " floats).",
                      r.exact(),
                      rel(good.get(0).meanKl(), r.exact()))));
    }
    return sb.toString();
  }

  /** What the job's log says about its Parquet reader batch (ReaderSizing's message). */
  private static String jobBatch(List<DenseAttempt> attempts) {
    for (DenseAttempt a : attempts) {
      try {
        for (String l : Files.readAllLines(a.result().log(), StandardCharsets.UTF_8)) {
          int i = l.indexOf("Parquet reader batch of ");
          if (i >= 0) {
            return "\"" + l.substring(i).strip() + "\" in its log";
          }
        }
      } catch (IOException e) {
        return "its log is gone";
      }
    }
    return "no batch message in its log";
  }

  private static long goodCount(List<DenseAttempt> attempts) {
    return attempts.stream()
        .filter(x -> x.failure() == null)
        .mapToLong(DenseAttempt::counted)
        .findFirst()
        .orElse(0);
  }

  private static String oneLine(String s) {
    String x = s.replace('\n', ' ').replace("|", "\\|");
    return x.length() > 400 ? x.substring(0, 400) + " ..." : x;
  }

  private String agreementTable(List<Check> checks) {
    StringBuilder sb = new StringBuilder();
    sb.append("| figure | kldrift | DuckDB | difference | tolerance | result |\n");
    sb.append("| --- | ---: | ---: | ---: | ---: | --- |\n");
    for (Check c : checks) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s |%n",
              c.what(),
              c.kldrift(),
              c.duckdb(),
              c.difference() == 0
                  ? "0"
                  : c.exact()
                      ? String.format(Locale.ROOT, "%.0f", c.difference())
                      : String.format(Locale.ROOT, "%.2e relative", c.difference()),
              c.exact() ? "exact" : String.format(Locale.ROOT, "%.0e", tolerance),
              c.pass() ? "agree" : "DIFFER"));
    }
    return sb.toString();
  }

  private static void dataRow(
      StringBuilder sb, String name, DataInfo d, int positions, String perPosition) {
    sb.append(
        String.format(
            Locale.ROOT,
            "| %s | %,d | %,d | %d | %s | %d | %s | %s | `%s` | %s |%n",
            name,
            d.teacherRows(),
            d.studentRows(),
            positions,
            perPosition,
            d.parquetFiles(),
            mib(d.teacherBytes()),
            mib(d.studentBytes()),
            d.dir(),
            d.generated()));
  }
}
