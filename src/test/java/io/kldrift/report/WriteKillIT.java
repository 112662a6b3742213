package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.crashtest.CrashPoint;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import io.kldrift.store.ReportStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver is killed (SIGKILL) at each point of the report write ({@link CrashPoint}: the run
 * holds the file operation that ends the step), through the real launcher on the bundled sample:
 * every time, the other date and the other history partitions are untouched, and the rewritten date
 * holds either its previous report or, once the new one is renamed into place (the commit point),
 * the new one whole. {@link ReportStore#recover} (run by every later run) then rolls the publish
 * back byte for byte, or forward so that the history matches the published report.
 */
class WriteKillIT {
  private static final String DATE = "2026-11-28";
  private static final String OTHER = "2026-11-27";
  private static final String REPORT = "run_date=" + DATE + "/";
  private static final String HISTORY = "history/run_date=" + DATE + "/";

  @TempDir Path tmp;

  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private static JobProcess.Builder job(Path out, String date, int topClasses) {
    return JobProcess.of(out, date).conf("report.top_classes", topClasses);
  }

  /**
   * A whole run in this JVM, with the launcher's arguments: the runs that set the root up, or clean
   * it after the kills, need no process of their own (what a process adds, the killed runs test).
   */
  private static void run(Path out, String date, int topClasses) {
    assertThat(
            DriftJob.run(
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
                "--conf",
                "report.top_classes=" + topClasses,
                "--quiet"))
        .as("run of " + date)
        .isEqualTo(ExitCodes.OK);
  }

  /**
   * Starts a run that pauses at {@code point}, kills it there with SIGKILL, and waits for it to
   * die.
   */
  private void killAt(Path out, String point, int topClasses) throws Exception {
    JobProcess p =
        job(out, DATE, topClasses).pauseAt(point).start(tmp.resolve("killed-" + point + ".log"));
    p.awaitPause(point, TIMEOUT);
    assertThat(p.kill()).as("killed by SIGKILL").isEqualTo(137);
  }

  @Test
  void aDriverKilledAtAnyPointOfTheWriteLeavesNoPartialReport() throws Exception {
    Path out = tmp.resolve("reports");
    run(out, OTHER, 5);
    run(out, DATE, 5);

    String[] points = {
      "staging-first-table",
      "staging-complete",
      "report-moved-aside",
      "report-published",
      "history-moved-aside",
      "history-published"
    };
    for (int i = 0; i < points.length; i++) {
      String point = points[i];
      int top = i + 1; // each doomed run's report differs from the one before it
      Map<String, String> before = snapshot(out, false);
      killAt(out, point, top);
      Map<String, String> after = snapshot(out, false);

      assertThat(without(after, REPORT, HISTORY))
          .as(point + ": other dates and other history")
          .isEqualTo(without(before, REPORT, HISTORY));
      switch (point) {
        case "staging-first-table", "staging-complete" ->
            assertThat(after).as(point + ": everything as before").isEqualTo(before);
        case "report-moved-aside" -> {
          // Before the commit point: the date is aside, never half-written; recovery rolls back.
          assertThat(only(after, REPORT)).as(point + ": not half-written").isEmpty();
          assertThat(only(after, HISTORY)).isEqualTo(only(before, HISTORY));
          assertThat(staged(out, "replaced-report-run_date=" + DATE))
              .as("the previous report, aside")
              .isEqualTo(only(before, REPORT));
          ReportStore.at(TestSpark.get(), out.toString()).recover();
          assertThat(snapshot(out, false)).as(point + ": rolled back").isEqualTo(before);
        }
        case "report-published", "history-moved-aside" -> {
          // After the commit point: the new report is whole; recovery publishes its history.
          assertWholeNewReport(out, after, top);
          if (point.equals("report-published")) {
            assertThat(only(after, HISTORY)).isEqualTo(only(before, HISTORY));
          } else {
            assertThat(only(after, HISTORY)).isEmpty();
            assertThat(staged(out, "replaced-history-run_date=" + DATE))
                .isEqualTo(only(before, HISTORY));
          }
          Map<String, String> newHistory = staged(out, "history-run_date=" + DATE);
          assertThat(newHistory).isNotEmpty().isNotEqualTo(only(before, HISTORY));
          ReportStore.at(TestSpark.get(), out.toString()).recover();
          Map<String, String> recovered = snapshot(out, false);
          assertThat(only(recovered, REPORT)).isEqualTo(only(after, REPORT));
          assertThat(only(recovered, HISTORY)).as(point + ": rolled forward").isEqualTo(newHistory);
          assertHistoryMatchesReport(out);
        }
        case "history-published" -> {
          assertWholeNewReport(out, after, top);
          assertHistoryMatchesReport(out);
          ReportStore.at(TestSpark.get(), out.toString()).recover();
          assertThat(snapshot(out, false)).isEqualTo(after);
          try (Stream<Path> s = Files.list(out.resolve("_staging"))) {
            assertThat(s.map(f -> f.getFileName().toString()))
                .as("recovery drops what the publish replaced, and its journal")
                .noneMatch(n -> n.startsWith("replaced-") || n.startsWith("publish-"));
          }
        }
        default -> throw new AssertionError(point);
      }
    }

    // The killed runs' staging folders are younger than the retention: made old, the next run
    // removes them; the date then has one report and one set of history rows.
    List<Path> leftovers;
    try (Stream<Path> s = Files.list(out.resolve("_staging"))) {
      leftovers = s.toList();
    }
    assertThat(leftovers).isNotEmpty();
    for (Path p : leftovers) {
      Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
    }
    run(out, DATE, 5);
    assertThat(out.resolve("_staging")).doesNotExist();
    var history = TestSpark.get().read().parquet(out.resolve("history").toString());
    assertThat(
            history
                .where("run_date = '" + DATE + "' AND scope = 'global' AND metric = 'kl.mean'")
                .count())
        .isEqualTo(1);
    assertThat(history.where("scope = 'global' AND metric = 'kl.mean'").count()).isEqualTo(2);
    assertThat(
            Fixtures.summary(out.resolve("run_date=" + DATE).toString()).get("top_drifted_classes"))
        .hasSize(5);
  }

  /** The history's kl.mean for the date is the published report's, so the two agree. */
  private static void assertHistoryMatchesReport(Path out) throws Exception {
    JsonNode s = Fixtures.summary(out.resolve("run_date=" + DATE).toString());
    var rows =
        TestSpark.get()
            .read()
            .parquet(out.resolve("history").toString())
            .where("run_date = '" + DATE + "' AND scope = 'global' AND metric = 'kl.mean'")
            .collectAsList();
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).<Double>getAs("value")).isEqualTo(s.at("/global/kl/mean").asDouble());
    assertThat(rows.get(0).<String>getAs("status")).isEqualTo(s.get("status").asText());
  }

  private static void assertWholeNewReport(Path out, Map<String, String> files, int top)
      throws Exception {
    JsonNode s = Fixtures.summary(out.resolve("run_date=" + DATE).toString());
    assertThat(s.get("top_drifted_classes")).as("the new report").hasSize(top);
    for (String part :
        List.of(
            "summary.json",
            "report.html",
            "per_class/_SUCCESS",
            "per_slice/_SUCCESS",
            "confusion/_SUCCESS",
            "worst_examples/_SUCCESS")) {
      assertThat(files).containsKey(REPORT + part);
    }
  }

  /**
   * The files of {@code _staging/<name>-<uuid>}, where the uuid is that of the one publish journal
   * ({@code publish-run_date=<DATE>-<uuid>}), keyed as if that folder were published.
   */
  private static Map<String, String> staged(Path out, String name) throws Exception {
    Path staging = out.resolve("_staging");
    List<String> journals;
    try (Stream<Path> s = Files.list(staging)) {
      journals =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.startsWith("publish-run_date=" + DATE + "-"))
              .toList();
    }
    assertThat(journals).as("one publish journal").hasSize(1);
    String uuid = journals.get(0).substring(journals.get(0).length() - 36);
    Path folder = staging.resolve(name + "-" + uuid);
    assertThat(folder).isDirectory();
    Map<String, String> files = snapshot(folder, true);
    String into = name.startsWith("replaced-report-") ? REPORT : HISTORY;
    return files.entrySet().stream()
        .collect(
            Collectors.toMap(
                e -> into + e.getKey(), Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  private static Map<String, String> only(Map<String, String> files, String prefix) {
    return files.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  private static Map<String, String> without(Map<String, String> files, String... prefixes) {
    return files.entrySet().stream()
        .filter(e -> Stream.of(prefixes).noneMatch(e.getKey()::startsWith))
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  private static Map<String, String> snapshot(Path root, boolean withStaging) throws Exception {
    return Fixtures.snapshot(root, withStaging);
  }
}
