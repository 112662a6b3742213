package io.kldrift.bench;

import static org.apache.spark.sql.functions.expr;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SampleGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What the row-rule policies cost: the whole report (analyze and write) on clean data with the
 * default policies, on the same clean data with quarantine and renormalize configured, and on a
 * copy of the student table with broken rows that those policies handle. The variants run in turn
 * in one session; the median is printed as a markdown table. Run with {@code jobs/bench
 * --policy-cost}; not a test.
 */
@Command(name = "policy-cost", mixinStandardHelpOptions = true)
public final class PolicyCost implements Callable<Integer> {
  @Option(names = "--rows", description = "Examples (default: ${DEFAULT-VALUE}).")
  long rows = 1_000_000;

  @Option(names = "--classes", description = "Classes (default: ${DEFAULT-VALUE}).")
  int classes = 100;

  @Option(
      names = "--repeat",
      description = "Timed rounds; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeat = 3;

  @Option(
      names = "--data",
      description = "Folder of cached generated data (default: target/bench-data).")
  Path data = Path.of("target", "bench-data");

  private static final String[] POLICIES = {
    "validate.not_finite=quarantine",
    "validate.duplicate_key=quarantine",
    "validate.not_normalized=renormalize",
  };

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new PolicyCost()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    KlDrift.registerFunctions(spark);
    Path dir = data.resolve("r" + rows + "_c" + classes + "_s7").toAbsolutePath();
    if (!Files.exists(dir.resolve("student/_SUCCESS"))) {
      SampleGenerator.generate(
          spark,
          new SampleGenerator.Spec(rows, classes, 7, false, List.of(3, 5), 1.5, 0.001, 4),
          dir.toString());
    }
    // The broken copy: 0.5% of rows with a NaN, 0.1% of keys twice, 5% with sums 1.01.
    Path broken = dir.resolveSibling(dir.getFileName() + "_broken-student");
    if (!Files.exists(broken.resolve("_SUCCESS"))) {
      Dataset<Row> s = spark.read().parquet(dir + "/student");
      Dataset<Row> nan =
          s.where("example_id % 200 = 1")
              .withColumn(
                  "probs", expr("transform(probs, (x, i) -> IF(i = 0, CAST('NaN' AS FLOAT), x))"));
      Dataset<Row> off =
          s.where("example_id % 20 = 2")
              .withColumn("probs", expr("transform(probs, x -> CAST(x * 1.01 AS FLOAT))"));
      Dataset<Row> dup = s.where("example_id % 1000 = 3");
      s.where("example_id % 200 != 1 AND example_id % 20 != 2")
          .unionByName(nan)
          .unionByName(off)
          .unionByName(dup)
          .repartition(4)
          .write()
          .parquet(broken.toString());
    }
    Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "policy-cost");
    Map<String, String[]> variants = new LinkedHashMap<>();
    variants.put("clean data, default policies (fail)", new String[] {dir + "/student"});
    variants.put(
        "clean data, quarantine + renormalize configured",
        concat(new String[] {dir + "/student"}, POLICIES));
    variants.put(
        "broken student, quarantine + renormalize",
        concat(new String[] {broken.toString()}, POLICIES));
    Map<String, List<Double>> times = new LinkedHashMap<>();
    Map<String, String> counts = new LinkedHashMap<>();
    variants.keySet().forEach(v -> times.put(v, new ArrayList<>()));
    for (int round = 0; round <= repeat; round++) {
      for (Map.Entry<String, String[]> v : variants.entrySet()) {
        DriftConfig.Builder b =
            DriftConfig.builder()
                .set(DriftConfig.TEACHER_PATH, dir + "/teacher")
                .set(DriftConfig.STUDENT_PATH, v.getValue()[0])
                .set(DriftConfig.OUTPUT_PATH, work.resolve("out").toString());
        for (int i = 1; i < v.getValue().length; i++) {
          String kv = v.getValue()[i];
          b.set(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        DriftConfig config = b.build();
        long t0 = System.nanoTime();
        try (DriftReport r = KlDrift.analyze(spark, config, LocalDate.of(2026, 11, 1))) {
          KlDrift.write(spark, r, config.get(DriftConfig.OUTPUT_PATH), LocalDate.of(2026, 11, 1));
          io.kldrift.summary.Summary.Inputs in = r.summary().inputs();
          counts.put(
              v.getKey(),
              String.format(
                  Locale.ROOT,
                  "%,d matched, %,d quarantined, %,d renormalized",
                  in.matched(),
                  in.studentQuarantined(),
                  in.studentRenormalized()));
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (round > 0) {
          times.get(v.getKey()).add(s); // round 0 warms the JVM and the page cache
        }
        System.err.printf(Locale.ROOT, "round %d, %s: %.1f s%n", round, v.getKey(), s);
      }
    }
    StringBuilder md =
        new StringBuilder(
            "| variant | runs (s) | median (s) | × clean | rows |\n| --- | --- | ---: | ---: | --- |\n");
    double clean = 0;
    for (Map.Entry<String, List<Double>> e : times.entrySet()) {
      List<Double> sorted = new ArrayList<>(e.getValue());
      sorted.sort(null);
      double median = sorted.get(sorted.size() / 2);
      clean = clean == 0 ? median : clean;
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.1f | %.2f | %s |%n",
              e.getKey(),
              String.join(
                  ", ",
                  e.getValue().stream().map(t -> String.format(Locale.ROOT, "%.1f", t)).toList()),
              median,
              median / clean,
              counts.get(e.getKey())));
    }
    System.out.print(md);
    spark.stop();
    return 0;
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
