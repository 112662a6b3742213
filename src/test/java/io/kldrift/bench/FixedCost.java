package io.kldrift.bench;

import io.kldrift.sample.SampleGenerator;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The fixed cost of a report as a user pays it: whole processes through {@code jobs/drift-report}
 * with the default settings, each broken down into its phases from its Spark event log ({@link
 * EventTimeline}): the quick start on {@code sample-data/}, 1M rows × 100 classes with a slice
 * column, a third Parquet night and a third Delta night on the sample (history to read), and the
 * floor processes (same launcher, JVM and session, reading both tables, joining and counting:
 * {@code io.kldrift.job.FloorProcess}). Prints the medians and, with {@code --out}, writes the
 * section "Fixed cost" of the file. Run with {@code jobs/bench --fixed-cost}; not a test.
 */
@Command(
    name = "fixed-cost",
    mixinStandardHelpOptions = true,
    description = "Whole-process breakdown of the fixed cost of a report.")
public final class FixedCost implements Callable<Integer> {
  @Option(names = "--rows", description = "Rows of the large case (default: ${DEFAULT-VALUE}).")
  long rows = 1_000_000;

  @Option(
      names = "--classes",
      description = "Classes of the large case (default: ${DEFAULT-VALUE}).")
  int classes = 100;

  @Option(
      names = "--repeat",
      description = "Timed runs per case; medians are reported (default: ${DEFAULT-VALUE}).")
  int repeat = 3;

  @Option(
      names = "--cases",
      split = ",",
      description =
          "Cases to run (default: ${DEFAULT-VALUE}): quick-start, large, parquet-night,"
              + " delta-night, floor (the floor of the sample, and of the large case when it"
              + " runs).")
  List<String> cases = List.of("quick-start", "large", "parquet-night", "delta-night", "floor");

  @Option(
      names = "--data",
      description = "Folder of cached generated data (default: target/bench-data).")
  Path data;

  @Option(names = "--out", description = "Markdown file whose section \"Fixed cost\" is written.")
  Path out;

  private static final String SECTION = "Fixed cost: whole processes, phase by phase";

  private Path home;
  private Path work;
  private String loadBefore;

  /** One timed run: GNU time's figures and the event log's breakdown. */
  private record Run(Proc.Result proc, EventTimeline.Breakdown breakdown) {}

  /** One case's runs. */
  private record Case(String name, String command, List<Run> runs) {}

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new FixedCost()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    home = Path.of(System.getProperty("kldrift.home", ".")).toAbsolutePath();
    if (data == null) {
      data = home.resolve("target/bench-data");
    }
    if (!Proc.available()) {
      System.err.println("fixed-cost: needs GNU time at " + Proc.TIME);
      return 1;
    }
    work = Files.createTempDirectory(home.resolve("target"), "fixed-cost");
    loadBefore = loadAverage();
    Path sample = home.resolve("sample-data");
    Path large = cases.contains("large") ? generated(data, rows, classes) : null;
    // Untimed: builds the jar when stale and writes the start-up archive when there is none, as a
    // user's first run does; every timed run then maps it.
    Proc.Result warm = run("warm-up", report(sample, work.resolve("warm"), "2026-11-01"));
    check("warm-up", warm);
    List<Case> done = new ArrayList<>();
    for (String c : cases) {
      switch (c) {
        case "quick-start" ->
            done.add(timed("quick start: sample-data/, 20,000 rows", sample, null));
        case "large" ->
            done.add(
                timed(
                    String.format(
                        Locale.ROOT, "%,d rows × %d classes, slice column", rows, classes),
                    large,
                    null));
        case "parquet-night" -> done.add(timed("third Parquet night, sample", sample, "parquet"));
        case "delta-night" -> done.add(timed("third Delta night, sample", sample, "delta"));
        case "floor" -> {
          done.add(floor("floor: sample-data/ scan + join + count", sample));
          if (cases.contains("large")) {
            done.add(
                floor(
                    String.format(
                        Locale.ROOT, "floor: %,d × %d scan + join + count", rows, classes),
                    large));
          }
        }
        default ->
            throw new CommandLine.ParameterException(new CommandLine(this), "unknown case " + c);
      }
    }
    String md = markdown(done);
    System.out.println(md);
    if (out != null) {
      MarkdownSections.write(
          out, md, false, List.of(MarkdownSections.Heading.startsWith("Fixed cost")));
      System.err.println("[fixed-cost] wrote the section \"" + SECTION + "\" of " + out);
    }
    Bench.deleteTree(work);
    return 0;
  }

  /**
   * The folder of the bench's generated {@code rows} × {@code classes} tables under {@code data}
   * (seed 7, classes 3 and 5 drifted, 4 files a side), generated in a local session when missing.
   */
  static Path generated(Path data, long rows, int classes) throws IOException {
    Path dir = data.resolve("r" + rows + "_c" + classes + "_s7").toAbsolutePath();
    if (Files.exists(dir.resolve("student/_SUCCESS"))) {
      return dir;
    }
    System.err.printf(Locale.ROOT, "[bench] generating %,d x %d into %s ...%n", rows, classes, dir);
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    SampleGenerator.generate(
        spark,
        new SampleGenerator.Spec(rows, classes, 7, false, List.of(3, 5), 1.5, 0.001, 4),
        dir.toString());
    spark.stop();
    return dir;
  }

  /** The report command of {@code dir} (the sample with its configuration, else a slice column). */
  private List<String> report(Path dir, Path outDir, String runDate) {
    List<String> cmd = new ArrayList<>();
    cmd.add(home.resolve("jobs/drift-report").toString());
    cmd.addAll(List.of("--teacher", dir.resolve("teacher").toString()));
    cmd.addAll(List.of("--student", dir.resolve("student").toString()));
    cmd.addAll(List.of("--out", outDir.toString(), "--run-date", runDate));
    if (dir.equals(home.resolve("sample-data"))) {
      cmd.addAll(List.of("--config", dir.resolve("kldrift.properties").toString()));
    } else {
      cmd.addAll(List.of("--conf", "input.slice_columns=segment"));
    }
    return cmd;
  }

  private static List<String> eventLog(Path dir) {
    return List.of(
        "spark.eventLog.enabled=true",
        "spark.eventLog.dir=" + dir.toUri(),
        "spark.eventLog.compress=false",
        "spark.eventLog.rolling.enabled=false");
  }

  private static List<String> confs(List<String> settings) {
    List<String> out = new ArrayList<>();
    settings.forEach(s -> out.addAll(List.of("--conf", s)));
    return out;
  }

  /**
   * A report case: a fresh root for each run (the quick start), or, with a format, a copy of a root
   * that two earlier nights wrote, the timed run being the third night.
   */
  private Case timed(String name, Path dir, String format) throws Exception {
    Path prepared = null;
    List<String> formatConf = format == null ? List.of() : List.of("report.format=" + format);
    if (format != null) {
      prepared = work.resolve("prepared-" + format);
      for (String d : List.of("2026-11-01", "2026-11-02")) {
        List<String> cmd = new ArrayList<>(report(dir, prepared, d));
        cmd.addAll(confs(formatConf));
        check("prepare " + format + " " + d, run("prepare", cmd));
      }
    }
    List<Run> runs = new ArrayList<>();
    String shown = null;
    for (int i = 0; i < repeat; i++) {
      Path root = work.resolve("run-" + i + "-" + (format == null ? "fresh" : format));
      if (prepared != null) {
        io.kldrift.Fixtures.copyTree(prepared, root);
      }
      List<String> cmd = new ArrayList<>(report(dir, root, "2026-11-03"));
      cmd.addAll(confs(formatConf));
      shown = shown == null ? Proc.render(cmd) : shown;
      runs.add(withLog(name, cmd, false));
      Bench.deleteTree(root);
    }
    return new Case(name, shown, runs);
  }

  private Case floor(String name, Path dir) throws Exception {
    List<Run> runs = new ArrayList<>();
    String shown = null;
    for (int i = 0; i < repeat; i++) {
      List<String> cmd = new ArrayList<>();
      cmd.addAll(List.of("env", "KLDRIFT_EXTRA_CLASSPATH=" + testClasses(), "bash", "-c"));
      cmd.add("source \"$0\"; kldrift_run io.kldrift.job.FloorProcess \"$@\"");
      cmd.add(home.resolve("jobs/_launcher.sh").toString());
      cmd.add(dir.resolve("teacher").toString());
      cmd.add(dir.resolve("student").toString());
      cmd.add("probs");
      shown = shown == null ? Proc.render(cmd) : shown;
      runs.add(withLog(name, cmd, true));
    }
    return new Case(name, shown, runs);
  }

  private static String testClasses() {
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (e.endsWith("test-classes")) {
        return e;
      }
    }
    throw new IllegalStateException("no test-classes on the class path");
  }

  /** Runs {@code cmd} with an event log (added as settings) and reads its breakdown. */
  private Run withLog(String name, List<String> cmd, boolean floor) throws Exception {
    Path log = Files.createTempDirectory(work, "events");
    List<String> full = new ArrayList<>(cmd);
    full.addAll(floor ? eventLog(log) : confs(eventLog(log)));
    long launched = System.currentTimeMillis();
    Proc.Result r = run(name, full);
    long ended = System.currentTimeMillis();
    check(name, r);
    EventTimeline.Breakdown b = EventTimeline.read(log, launched, ended);
    System.err.printf(
        Locale.ROOT,
        "[fixed-cost] %s: %.2f s wall, %.2f CPU s, %d Spark jobs%n",
        name,
        r.wallSeconds(),
        r.cpuSeconds(),
        b.jobs());
    Bench.deleteTree(log);
    return new Run(r, b);
  }

  private Proc.Result run(String what, List<String> cmd) throws Exception {
    Path log = Files.createTempFile(work, what.replaceAll("[^A-Za-z0-9]+", "-"), ".log");
    return Proc.run(cmd, work, log);
  }

  private static void check(String what, Proc.Result r) {
    // 0 OK, 4 ALERT, 5 WARN with --fail-on warn: a report was written.
    if (r.exitCode() != 0 && r.exitCode() != 4) {
      throw new IllegalStateException(
          what + " exited with code " + r.exitCode() + "; its last lines:\n" + r.tail(15));
    }
  }

  private String markdown(List<Case> done) throws IOException {
    StringBuilder s = new StringBuilder();
    s.append("## ").append(SECTION).append("\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "Generated by `jobs/bench --fixed-cost` (FixedCost.java): whole processes as a user runs"
                + " them (the jobs' launcher, default settings, the start-up archive written by an"
                + " untimed first run), medians of %d runs; %s; load average before: %s. Each phase"
                + " comes from the run's Spark event log (enabled for these runs,"
                + " uncompressed): it lasts from the end of the phase before to the end of its"
                + " last Spark job or SQL execution, so the driver's planning counts to the"
                + " step it prepares. Spark jobs counted per phase (the same in every run).%n%n",
            repeat,
            machine(),
            loadBefore));
    s.append(
        "| case | wall s | CPU s | JVM + session s | in session s | Spark jobs |\n"
            + "|---|---:|---:|---:|---:|---:|\n");
    for (Case c : done) {
      s.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %.2f | %.2f | %.2f | %d |%n",
              c.name(),
              median(c.runs().stream().map(r -> r.proc().wallSeconds()).toList()),
              median(c.runs().stream().map(r -> r.proc().cpuSeconds()).toList()),
              median(c.runs().stream().map(r -> startup(r.breakdown())).toList()),
              median(c.runs().stream().map(r -> inSession(r.breakdown())).toList()),
              c.runs().get(c.runs().size() - 1).breakdown().jobs()));
    }
    for (Case c : done) {
      s.append("\n**").append(c.name()).append("**: `").append(c.command()).append("`\n\n");
      s.append("| phase | s (median) | Spark jobs |\n|---|---:|---:|\n");
      Map<String, List<Double>> byPhase = new LinkedHashMap<>();
      Map<String, Integer> jobs = new LinkedHashMap<>();
      for (Run r : c.runs()) {
        for (EventTimeline.Phase p : r.breakdown().phases()) {
          byPhase.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p.millis() / 1000.0);
          jobs.put(p.name(), p.jobs());
        }
      }
      byPhase.forEach(
          (k, v) ->
              s.append(
                  String.format(Locale.ROOT, "| %s | %.2f | %d |%n", k, median(v), jobs.get(k))));
    }
    return s.toString();
  }

  /** The JVM's start and the Spark session's, seconds. */
  private static double startup(EventTimeline.Breakdown b) {
    return b.phases().get(0).millis() / 1000.0 + b.phases().get(1).millis() / 1000.0;
  }

  /**
   * From the session's start to the report written (what a run in a notebook's session costs),
   * seconds: every phase but the JVM's start, the session's, the session's stop and the JVM's exit.
   */
  private static double inSession(EventTimeline.Breakdown b) {
    List<EventTimeline.Phase> p = b.phases();
    long ms = 0;
    for (int i = 2; i < p.size() - 2; i++) {
      ms += p.get(i).millis();
    }
    return ms / 1000.0;
  }

  private static String machine() {
    return String.format(
        Locale.ROOT,
        "%d cores, Java %s",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
  }

  private static String loadAverage() throws IOException {
    Path p = Path.of("/proc/loadavg");
    if (!Files.exists(p)) {
      return "unknown";
    }
    String[] f = Files.readString(p).trim().split("\\s+");
    return f[0] + ", " + f[1] + ", " + f[2];
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
