package io.kldrift.job;

import static io.kldrift.Fixtures.f;
import static io.kldrift.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage progress listener on real jobs of the shared session, and {@code --quiet}. */
class StageProgressTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  private String run(boolean terminal, long intervalMillis, Runnable job) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try (StageProgress p =
        new StageProgress(out, terminal, intervalMillis).on(spark.sparkContext())) {
      job.run();
      spark.sparkContext().listenerBus().waitUntilEmpty();
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plainLinesGiveEachStageItsTasksAndTheRowsItRead() throws Exception {
    String path = tmp.resolve("rows").toString();
    spark.range(0, 1000, 1, 3).write().parquet(path);
    int partitions = spark.read().parquet(path).javaRDD().getNumPartitions();
    String log =
        run(
            false,
            60_000,
            () -> {
              spark.sparkContext().setJobDescription("kldrift: count rows");
              try {
                spark.read().parquet(path).count();
              } finally {
                spark.sparkContext().setJobDescription(null);
              }
            });
    List<String> lines = log.lines().toList();
    // the scan stage: every partition is a task, and the three files hold 1,000 rows
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "\\[kldrift \\d\\d:\\d\\d:\\d\\d\\] count rows: "
                            + partitions
                            + "/"
                            + partitions
                            + " tasks?, done in \\d+\\.\\d s, 1,000 rows read"));
    assertThat(log).doesNotContain("\r").doesNotContain("running");
    // Spark's call sites never show, nor a stage that read nothing saying so
    assertThat(log).doesNotContain(".java:").doesNotContain("stage ").doesNotContain(" 0 rows");
  }

  @Test
  void aSlowStageGetsPeriodicLinesWhileItRuns() throws Exception {
    String log =
        run(
            false,
            150,
            () ->
                spark
                    .range(0, 2, 1, 2)
                    .foreachPartition((ForeachPartitionFunction<Long>) rows -> Thread.sleep(1200)));
    assertThat(log).containsPattern(": [01]/2 tasks, running \\d+\\.\\d s");
    assertThat(log).containsPattern(": 2/2 tasks, done in \\d+\\.\\d s");
  }

  @Test
  void onATerminalTheLineIsRedrawnInPlace() throws Exception {
    String log = run(true, 60_000, () -> spark.range(0, 10, 1, 2).count());
    assertThat(log).contains("\r\u001b[2K").containsPattern("2/2 tasks, done in");
    assertThat(log).endsWith("\r\u001b[2K");
  }

  @Test
  void theJobPrintsStageLinesAndNoneWithQuiet() throws Exception {
    String teacher =
        Fixtures.parquet(
            tmp,
            "teacher",
            Fixtures.SCHEMA,
            List.of(row(1, f(0.5f, 0.5f), 0, "a"), row(2, f(0.9f, 0.1f), 1, "b")));
    String student =
        Fixtures.parquet(
            tmp,
            "student",
            Fixtures.SCHEMA,
            List.of(row(1, f(0.9f, 0.1f), null, null), row(2, f(0.9f, 0.1f), null, null)));
    String loud = stderrOf(teacher, student, "2026-11-27");
    assertThat(loud)
        // The schemas come from the footers read before the scan, without a Spark job.
        .containsPattern(
            "(?m)^\\[kldrift [0-9:]+\\] read inputs and check schemas done in \\d+\\.\\d s$")
        .doesNotContain("read inputs and check schemas:")
        .containsPattern(
            "(?m)^\\[kldrift [0-9:]+\\] join, row rules, metrics and drift state: (\\d+)/\\1"
                + " tasks?, done in \\d+\\.\\d s, \\d+ rows? read")
        // The report's small tables are written by the driver, without a stage (LocalTables).
        .containsPattern("(?m)^\\[kldrift [0-9:]+\\] write report done in \\d+\\.\\d s$")
        .doesNotContain("write per_class:")
        .doesNotContain(".java:")
        .doesNotContain(" 0 rows read");
    String quiet = stderrOf(teacher, student, "2026-11-28", "--quiet");
    assertThat(quiet).doesNotContain("[kldrift").doesNotContain("tasks");
  }

  private String stderrOf(String teacher, String student, String date, String... extra)
      throws Exception {
    PrintStream before = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String[] args = {
      "--teacher",
      teacher,
      "--student",
      student,
      "--out",
      tmp.resolve("out").toString(),
      "--run-date",
      date
    };
    String[] all =
        java.util.stream.Stream.concat(
                java.util.Arrays.stream(args), java.util.Arrays.stream(extra))
            .toArray(String[]::new);
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      assertThat(DriftJob.run(all)).isZero();
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      System.setErr(before);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
