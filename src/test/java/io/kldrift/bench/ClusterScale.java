package io.kldrift.bench;

import io.kldrift.cluster.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times the drift job on a real standalone cluster (the test harness: master, worker, executor JVMs
 * on 127.0.0.1) with one and with two executors of one core each, on the same generated data, and
 * prints a markdown table. Run with {@code jobs/bench --cluster-scale}; not a test.
 */
@Command(name = "cluster-scale", mixinStandardHelpOptions = true)
public final class ClusterScale implements Callable<Integer> {
  @Option(names = "--rows", description = "Examples (default: ${DEFAULT-VALUE}).")
  long rows = 1_000_000;

  @Option(names = "--classes", description = "Classes (default: ${DEFAULT-VALUE}).")
  int classes = 100;

  @Option(
      names = "--repeat",
      description =
          "Timed runs per executor count; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeat = 2;

  @Option(
      names = "--data",
      description = "Folder of cached generated data (default: target/bench-data).")
  Path data = Path.of("target", "bench-data");

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ClusterScale()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = FixedCost.generated(data, rows, classes);
    Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "cluster-scale");
    StringBuilder md = new StringBuilder();
    md.append(
        "| executors (1 core, 1 GB each) | runs (s) | median (s) | speed-up |\n| ---: | --- | ---: | ---: |\n");
    double one = 0;
    try (StandaloneCluster cluster = StandaloneCluster.start(work.resolve("cluster"), 2, 2560)) {
      for (int executors : new int[] {1, 2}) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i <= repeat; i++) {
          String name = "driver-" + executors + "-" + i;
          long t0 = System.nanoTime();
          Process p =
              cluster.submit(
                  name,
                  executors,
                  List.of(
                      "--teacher",
                      dir + "/teacher",
                      "--student",
                      dir + "/student",
                      "--out",
                      work.resolve("out-" + executors).toString(),
                      "--run-date",
                      "2026-11-2" + i,
                      "--quiet"));
          int code = StandaloneCluster.await(p, Duration.ofMinutes(20));
          double s = (System.nanoTime() - t0) / 1e9;
          if (code != 0) {
            throw new IllegalStateException(
                "run failed with exit code " + code + ":\n" + cluster.log(name + ".err"));
          }
          if (i > 0) {
            times.add(s); // the first run warms the cluster's page cache and is not counted
          }
          System.err.printf(Locale.ROOT, "%d executor(s), run %d: %.1f s%n", executors, i, s);
        }
        List<Double> sorted = new ArrayList<>(times);
        sorted.sort(null);
        double median = sorted.get(sorted.size() / 2);
        if (executors == 1) {
          one = median;
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %.1f | %.2f |%n",
                executors,
                String.join(
                    ", ", times.stream().map(t -> String.format(Locale.ROOT, "%.1f", t)).toList()),
                median,
                one / median));
      }
    }
    System.out.println(md);
    return 0;
  }
}
