package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.ExitCodes;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.format=delta through the real launcher: the driver is killed (SIGKILL) before and after
 * the commit point (the run's row in {@code runs}), and two runs of one date race. Every time the
 * committed view (each table's rows joined with {@code runs}) of the other date is untouched and
 * the raced date shows one whole report: the previous one before the commit, the new one after it.
 */
class DeltaWriteKillIT {
  private static final String DATE = "2026-11-28";
  private static final String OTHER = "2026-11-27";
  private static final int CLASSES = 10;

  @TempDir Path tmp;

  private Process start(Path out, String date, String pauseAt, Path release, int top, Path log)
      throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            "jobs/drift-report",
            "--teacher",
            "sample-data/teacher",
            "--student",
            "sample-data/student",
            "--config",
            "sample-data/kldrift.properties",
            "--out",
            out.toString(),
            "--run-date",
            date,
            "--master",
            "local[2]",
            "--conf",
            "report.format=delta",
            "--conf",
            "report.top_classes=" + top);
    pb.environment().put("KLDRIFT_EMBEDDED", "1");
    pb.environment().put("KLDRIFT_DRIVER_MEMORY", "1g");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    if (pauseAt != null) {
      pb.environment()
          .put(
              "KLDRIFT_JAVA_OPTS",
              "-Dkldrift.testing.pause_at="
                  + pauseAt
                  + (release == null ? "" : " -Dkldrift.testing.release_file=" + release));
    }
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return pb.start();
  }

  private void run(Path out, String date, int top) throws Exception {
    Path log = tmp.resolve("run-" + date + "-" + top + ".log");
    Process p = start(out, date, null, null, top, log);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(ExitCodes.OK);
  }

  private static void awaitPause(Process p, Path log, String point) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
    while (!Files.readString(log, StandardCharsets.UTF_8).contains("kldrift: paused at " + point)) {
      assertThat(p.isAlive()).as("ended before " + point + ":\n" + Files.readString(log)).isTrue();
      assertThat(Instant.now()).as("pause at " + point).isBefore(deadline);
      Thread.sleep(200);
    }
  }

  /** What a reader that honours the commit point sees: one line per committed table row. */
  private static List<String> committed(Path out, String date) {
    SparkSession spark = TestSpark.get();
    String t = "delta.`" + out + "/";
    List<String> lines = new ArrayList<>();
    for (String table : List.of("per_class", "per_slice", "confusion", "worst_examples")) {
      for (Row r :
          spark
              .sql(
                  "SELECT x.* EXCEPT (run, run_id) FROM "
                      + t
                      + table
                      + "` x JOIN "
                      + t
                      + "runs` r USING (run, run_id) WHERE run = 'run_date="
                      + date
                      + "'")
              .collectAsList()) {
        lines.add(table + " " + text(r));
      }
    }
    for (Row r :
        KlDrift.history(TestSpark.get(), out.toString())
            .where("run_date = '" + date + "'")
            .collectAsList()) {
      lines.add("history " + r);
    }
    lines.sort(null);
    return lines;
  }

  /** A row as text, binary columns (the slices' KLL sketches) by content, not identity. */
  private static String text(Row r) {
    List<String> cells = new ArrayList<>();
    for (int i = 0; i < r.length(); i++) {
      Object v = r.get(i);
      cells.add(v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : String.valueOf(v));
    }
    return String.join(",", cells);
  }

  private static String committedId(Path out) {
    List<Row> rows =
        TestSpark.get()
            .sql("SELECT run_id FROM delta.`" + out + "/runs` WHERE run = 'run_date=" + DATE + "'")
            .collectAsList();
    return rows.isEmpty() ? null : rows.get(0).getString(0);
  }

  private static long perClassRows(Path out, String runId) {
    return TestSpark.get()
        .sql(
            "SELECT count(*) FROM delta.`"
                + out
                + "/per_class` WHERE run = 'run_date="
                + DATE
                + "' AND run_id = '"
                + runId
                + "'")
        .first()
        .getLong(0);
  }

  private static long runIds(Path out) {
    return TestSpark.get()
        .sql(
            "SELECT count(DISTINCT run_id) FROM delta.`"
                + out
                + "/per_class` WHERE run = 'run_date="
                + DATE
                + "'")
        .first()
        .getLong(0);
  }

  @Test
  void killedAndRacingDeltaRunsNeverShowAPartialReport() throws Exception {
    Path out = tmp.resolve("reports");
    run(out, OTHER, 5);
    run(out, DATE, 5);
    List<String> other = committed(out, OTHER);
    assertThat(other).hasSizeGreaterThan(CLASSES);

    String[] points = {"delta-first-table", "delta-tables-written", "delta-committed"};
    for (int i = 0; i < points.length; i++) {
      String point = points[i];
      List<String> before = committed(out, DATE);
      String beforeId = committedId(out);
      Path log = tmp.resolve("killed-" + point + ".log");
      Process p = start(out, DATE, point, null, i + 1, log);
      awaitPause(p, log, point);
      p.destroyForcibly();
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);

      assertThat(committed(out, OTHER)).as(point + ": the other date").isEqualTo(other);
      List<String> after = committed(out, DATE);
      String afterId = committedId(out);
      assertThat(perClassRows(out, afterId)).as(point + ": whole").isEqualTo(CLASSES);
      if (point.equals("delta-committed")) {
        // After the commit point: the new run is the date's report; the previous is replaced.
        assertThat(afterId).isNotEqualTo(beforeId);
        assertThat(after).hasSameSizeAs(before);
        assertThat(
                TestSpark.get()
                    .sql(
                        "SELECT json_array_length(get_json_object(summary,"
                            + " '$.top_drifted_classes')) FROM delta.`"
                            + out
                            + "/runs` WHERE run = 'run_date="
                            + DATE
                            + "'")
                    .first()
                    .getInt(0))
            .as("the killed run's own summary, three top classes")
            .isEqualTo(3);
      } else {
        assertThat(afterId).as(point + ": still the previous run").isEqualTo(beforeId);
        assertThat(after).as(point + ": everything as before").isEqualTo(before);
      }
    }

    // Two runs of the date at once: both read the committed run before either commits.
    long idsBefore = runIds(out);
    Path release = tmp.resolve("release");
    Path logA = tmp.resolve("race-a.log");
    Path logB = tmp.resolve("race-b.log");
    Process a = start(out, DATE, "delta-started", release, 4, logA);
    Process b = start(out, DATE, "delta-started", release, 6, logB);
    awaitPause(a, logA, "delta-started");
    awaitPause(b, logB, "delta-started");
    Files.writeString(release, "go");
    assertThat(a.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(b.waitFor(10, TimeUnit.MINUTES)).isTrue();
    List<Integer> codes = List.of(a.exitValue(), b.exitValue());
    assertThat(codes)
        .as(Files.readString(logA) + Files.readString(logB))
        .containsExactlyInAnyOrder(0, 1);
    String loser = Files.readString(a.exitValue() == 1 ? logA : logB);
    assertThat(loser.lines().filter(l -> l.startsWith("kldrift: error: ")))
        .singleElement()
        .asString()
        .contains("another run committed run_date=" + DATE)
        .contains("this run's report was not committed");
    assertThat(loser).contains("status: CONFLICT");
    String winnerId = committedId(out);
    assertThat(perClassRows(out, winnerId)).isEqualTo(CLASSES);
    assertThat(committed(out, OTHER)).isEqualTo(other);
    assertThat(runIds(out))
        .as("the winner dropped the run it replaced, the loser its own rows")
        .isEqualTo(idsBefore);
    int top = a.exitValue() == 0 ? 4 : 6;
    assertThat(
            TestSpark.get()
                .sql(
                    "SELECT json_array_length(get_json_object(summary, '$.top_drifted_classes'))"
                        + " FROM delta.`"
                        + out
                        + "/runs` WHERE run = 'run_date="
                        + DATE
                        + "'")
                .first()
                .getInt(0))
        .as("the committed summary is the winner's")
        .isEqualTo(top);
    assertThat(
            io.kldrift.Fixtures.summary(out.resolve("run_date=" + DATE).toString())
                .get("top_drifted_classes"))
        .hasSize(top);
  }
}
