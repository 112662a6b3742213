package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.crashtest.CrashPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.format=delta through the real launcher: on a root set up in this JVM, the driver is killed
 * (SIGKILL) before and after the commit point (the run's row in {@code runs}; {@link CrashPoint}
 * names the file operation each point holds), and two runs of one date race. Every time the
 * committed view (each table's rows joined with {@code runs}) of the other date is untouched and
 * the raced date shows one whole report: the previous one before the commit, the new one after it.
 */
class DeltaWriteKillIT {
  private static final String DATE = "2026-11-28";
  private static final String OTHER = "2026-11-27";
  private static final int CLASSES = 10;

  @TempDir Path tmp;

  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private static JobProcess.Builder job(Path out, int top) {
    return JobProcess.of(out, DATE).conf("report.format", "delta").conf("report.top_classes", top);
  }

  /**
   * A run in this JVM, through the library: the runs that only set the root up need no process of
   * their own (what a process adds, the killed and racing runs test).
   */
  private static void run(Path out, String date, int top) {
    DriftConfig c =
        DriftConfig.builder()
            .file(Path.of("sample-data/kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, "sample-data/teacher")
            .set(DriftConfig.STUDENT_PATH, "sample-data/student")
            .set(DriftConfig.OUTPUT_PATH, out.toString())
            .set(DriftConfig.REPORT_FORMAT, "delta")
            .set(DriftConfig.TOP_CLASSES, String.valueOf(top))
            .build();
    LocalDate d = LocalDate.parse(date);
    try (DriftReport r = KlDrift.analyze(TestSpark.get(), c, d)) {
      KlDrift.write(TestSpark.get(), r, out.toString(), d);
      assertThat(r.status()).as(date).isEqualTo("OK");
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
    // Nothing writes between one kill's checks and the next run: one read serves as both.
    List<String> before = committed(out, DATE);
    String beforeId = committedId(out);
    for (int i = 0; i < points.length; i++) {
      String point = points[i];
      JobProcess p = job(out, i + 1).pauseAt(point).start(tmp.resolve("killed-" + point + ".log"));
      p.awaitPause(point, TIMEOUT);
      assertThat(p.kill()).as("killed by SIGKILL").isEqualTo(137);

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
      before = after;
      beforeId = afterId;
    }

    // Two runs of the date at once: both read the committed run before either commits.
    long idsBefore = runIds(out);
    Path release = tmp.resolve("release");
    JobProcess a =
        job(out, 4).pauseAt("delta-started").releaseFile(release).start(tmp.resolve("race-a.log"));
    JobProcess b =
        job(out, 6).pauseAt("delta-started").releaseFile(release).start(tmp.resolve("race-b.log"));
    a.awaitPause("delta-started", TIMEOUT);
    b.awaitPause("delta-started", TIMEOUT);
    Files.writeString(release, "go");
    int codeA = a.awaitExit(TIMEOUT);
    int codeB = b.awaitExit(TIMEOUT);
    List<Integer> codes = List.of(codeA, codeB);
    assertThat(codes).as(a.log() + b.log()).containsExactlyInAnyOrder(0, 1);
    String loser = (codeA == 1 ? a : b).log();
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
    int top = codeA == 0 ? 4 : 6;
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
