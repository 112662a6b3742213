package io.kldrift.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.TestJars;
import io.kldrift.TestSpark;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import io.kldrift.sample.SampleGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real multi-process standalone cluster (master, worker and executor JVMs, the driver
 * through SparkSubmit), built from this build's jars: its report equals the local[*] report, it
 * survives losing an executor mid-stage, a driver killed mid-run leaves the previous report and
 * history intact, and Delta reports work with Delta Lake from {@code --packages}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  @TempDir static Path tmp;

  private static StandaloneCluster cluster;
  private static String data;
  private static JsonNode local;
  private static Map<Integer, Double> localPerClass;

  /**
   * The master and worker JVMs start while this JVM generates the data and runs the local report:
   * their start is mostly waiting, which the local work fills.
   */
  @BeforeAll
  static void start() throws Exception {
    ExecutorService starter = Executors.newSingleThreadExecutor();
    Future<StandaloneCluster> starting =
        starter.submit(() -> StandaloneCluster.start(tmp.resolve("cluster"), 2, 2560));
    starter.shutdown();
    try {
      data = tmp.resolve("data").toString();
      SampleGenerator.generate(
          TestSpark.get(),
          new SampleGenerator.Spec(150_000, 64, 21, false, List.of(3, 5), 1.5, 0.001, 4),
          data);
      String out = tmp.resolve("local").toString();
      assertThat(DriftJob.run(args(out, "2026-11-20", "--master", "local[2]", "--quiet")))
          .isEqualTo(ExitCodes.OK);
      local = Fixtures.summary(out + "/run_date=2026-11-20");
      localPerClass = perClass(out + "/run_date=2026-11-20");
    } finally {
      cluster = starting.get();
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String[] args(String out, String date, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--teacher",
                data + "/teacher",
                "--student",
                data + "/student",
                "--config",
                data + "/kldrift.properties",
                "--out",
                out,
                "--run-date",
                date));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  private static Map<Integer, Double> perClass(String report) {
    Map<Integer, Double> m = new TreeMap<>();
    for (Row r : TestSpark.get().read().parquet(report + "/per_class").collectAsList()) {
      m.put(r.getInt(r.fieldIndex("class_index")), r.getDouble(r.fieldIndex("kl_contribution")));
    }
    return m;
  }

  private static void assertSameReport(String report) throws Exception {
    JsonNode s = Fixtures.summary(report);
    for (String f :
        List.of("teacher_rows", "student_rows", "matched", "teacher_only", "student_only")) {
      assertThat(s.get("inputs").get(f).asLong())
          .as(f)
          .isEqualTo(local.get("inputs").get(f).asLong());
    }
    assertThat(
            relative(
                s.get("global").get("kl").get("mean").asDouble(),
                local.get("global").get("kl").get("mean").asDouble()))
        .isLessThan(1e-9);
    assertThat(s.get("global").get("kl").get("histogram").get("counts"))
        .isEqualTo(local.get("global").get("kl").get("histogram").get("counts"));
    Map<Integer, Double> pc = perClass(report);
    assertThat(pc.keySet()).isEqualTo(localPerClass.keySet());
    pc.forEach(
        (c, v) -> assertThat(relative(v, localPerClass.get(c))).as("class %d", c).isLessThan(1e-9));
  }

  private static double relative(double a, double b) {
    return Math.abs(a - b) / Math.max(Math.abs(b), Double.MIN_NORMAL);
  }

  /**
   * Executor folders the worker created for the application(s) that ran, e.g. app-.../0, app-.../1.
   */
  private static List<Path> executorDirs() throws Exception {
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> apps = Files.list(tmp.resolve("cluster/worker"))) {
      for (Path app : apps.toList()) {
        try (Stream<Path> ex = Files.list(app)) {
          ex.filter(Files::isDirectory).forEach(dirs::add);
        }
      }
    }
    return dirs;
  }

  @Test
  @Order(1)
  void twoExecutorsGiveTheLocalReport() throws Exception {
    String out = tmp.resolve("on-cluster").toString();
    int before = executorDirs().size();
    Process driver = cluster.submit("driver-two", 2, List.of(args(out, "2026-11-20")));
    assertThat(StandaloneCluster.await(driver, Duration.ofMinutes(5)))
        .as(cluster.log("driver-two.err"))
        .isEqualTo(ExitCodes.OK);
    assertThat(cluster.log("driver-two.out")).contains("status: OK");
    assertThat(executorDirs().size() - before).as("executor JVMs launched").isEqualTo(2);
    assertSameReport(out + "/run_date=2026-11-20");
  }

  /**
   * An executor killed while the final stage of the one pass runs (each of its tasks held for 6 s
   * by {@link FinalStageHold}, after both map stages finished): the shuffle output it held is lost,
   * so the map stage is re-executed, and the report still has the local run's counts and means (a
   * state built from accumulators or {@code observe} would count the re-executed tasks twice,
   * SPARK-58183).
   */
  @Test
  @Order(2)
  void aStageReExecutedAfterALostExecutorCountsOnce() throws Exception {
    String out = tmp.resolve("executor-killed").toString();
    int before = executorDirs().size();
    Path plugin =
        TestJars.write(
            tmp.resolve("final-stage-hold.jar"), Map.of(), Map.of(), FinalStageHold.class);
    Process driver =
        cluster.submitWithPlugin(
            "driver-exec-kill", 2, plugin, FinalStageHold.class, List.of(args(out, "2026-11-20")));
    cluster.waitForLog(
        "driver-exec-kill.err", l -> l.contains("one pass) ..."), Duration.ofMinutes(3));
    cluster.waitForLog(
        "driver-exec-kill.err",
        l -> l.contains("ResultStage") && l.contains("treeReduce"),
        Duration.ofMinutes(3));
    Thread.sleep(2000);
    List<ProcessHandle> executors = cluster.executors();
    assertThat(executors).as("executors running during the stage").hasSize(2);
    executors.get(0).destroyForcibly();
    assertThat(StandaloneCluster.await(driver, Duration.ofMinutes(5)))
        .as(cluster.log("driver-exec-kill.err"))
        .isEqualTo(ExitCodes.OK);
    // the lost executor was replaced by a new one and its tasks ran again
    assertThat(executorDirs().size() - before).isGreaterThanOrEqualTo(3);
    String log = cluster.log("driver-exec-kill.err");
    assertThat(log)
        .containsAnyOf("Lost executor", "lost executor", "ExecutorLostFailure", "Executor lost");
    assertThat(log)
        .as("a map stage ran again")
        .containsAnyOf("Resubmitting", "resubmit", "FetchFailed", "missing parents");
    assertSameReport(out + "/run_date=2026-11-20");
  }

  /**
   * The root of {@link #twoExecutorsGiveTheLocalReport} holds a whole report and history of the
   * date: a copy of it is the previous report that a driver killed mid-run must leave intact.
   */
  @Test
  @Order(3)
  void aDriverKilledMidRunLeavesThePreviousReportAndHistory() throws Exception {
    Path out = tmp.resolve("driver-killed");
    Fixtures.copyTree(tmp.resolve("on-cluster"), out);
    Map<String, String> before = snapshot(out);
    assertThat(before).containsKey("run_date=2026-11-20/summary.json").containsKey("_kldrift");
    assertThat(before.keySet()).anyMatch(k -> k.startsWith("history/run_date=2026-11-20/"));

    Process doomed =
        cluster.submit(
            "driver-doomed",
            2,
            List.of(args(out.toString(), "2026-11-20", "--conf", "report.top_classes=2")));
    cluster.waitForLog(
        "driver-doomed.err", l -> l.contains("one pass) ..."), Duration.ofMinutes(3));
    Thread.sleep(1000);
    doomed.destroyForcibly();
    doomed.waitFor();
    assertThat(snapshot(out))
        .as("report and history after the killed rerun")
        .containsExactlyInAnyOrderEntriesOf(before);

    Process again =
        cluster.submit(
            "driver-again",
            2,
            List.of(args(out.toString(), "2026-11-20", "--conf", "report.top_classes=2")));
    assertThat(StandaloneCluster.await(again, Duration.ofMinutes(5)))
        .as(cluster.log("driver-again.err"))
        .isEqualTo(ExitCodes.OK);
    JsonNode s = Fixtures.summary(out + "/run_date=2026-11-20");
    assertThat(s.get("top_drifted_classes")).hasSize(2);
    assertThat(
            TestSpark.get()
                .read()
                .parquet(out + "/history")
                .where("scope = 'global' AND metric = 'kl.mean'")
                .count())
        .isEqualTo(1);
  }

  /**
   * report.format=delta on the cluster, Delta Lake coming from {@code --packages} as the README
   * says (the cluster's SPARK_HOME has no Delta jars; Ivy resolves them into a folder of the test's
   * own): the committed per-class rows read back with SQL are the local report's.
   */
  @Test
  @Order(4)
  void deltaReportsWithDeltaFromPackages() throws Exception {
    Path out = tmp.resolve("delta-on-cluster");
    Process driver =
        cluster.submit(
            "driver-delta",
            2,
            List.of("--packages", "io.delta:delta-spark_2.13:4.4.0"),
            List.of(
                "spark.jars.ivy=" + Path.of("target", "ivy").toAbsolutePath(),
                "spark.jars.ivySettings="
                    + Path.of("src/test/resources/cluster/ivysettings.xml").toAbsolutePath()),
            List.of(args(out.toString(), "2026-11-20", "--conf", "report.format=delta")));
    assertThat(StandaloneCluster.await(driver, Duration.ofMinutes(8)))
        .as(cluster.log("driver-delta.err"))
        .isEqualTo(ExitCodes.OK);
    assertThat(cluster.log("driver-delta.out")).contains("status: OK");
    assertThat(cluster.log("driver-delta.err")).contains("io.delta#delta-spark_2.13");
    JsonNode s = Fixtures.summary(out + "/run_date=2026-11-20");
    assertThat(s.get("inputs").get("matched").asLong())
        .isEqualTo(local.get("inputs").get("matched").asLong());
    Map<Integer, Double> pc = new TreeMap<>();
    String t = "delta.`" + out + "/";
    for (Row r :
        TestSpark.get()
            .sql(
                "SELECT class_index, kl_contribution FROM "
                    + t
                    + "per_class` JOIN "
                    + t
                    + "runs` USING (run, run_id) WHERE run = 'run_date=2026-11-20'")
            .collectAsList()) {
      pc.put(r.getInt(0), r.getDouble(1));
    }
    assertThat(pc.keySet()).isEqualTo(localPerClass.keySet());
    pc.forEach(
        (c, v) -> assertThat(relative(v, localPerClass.get(c))).as("class %d", c).isLessThan(1e-9));
  }

  /** Every file of the report and the history (not the staging area), with its bytes. */
  private static Map<String, String> snapshot(Path root) throws Exception {
    return Fixtures.snapshot(root, false);
  }
}
