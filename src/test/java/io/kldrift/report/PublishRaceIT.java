package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.job.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two job processes of one date on one root at the same moment, through the real launcher: one
 * publishes and exits 0, the other exits {@link ExitCodes#CONFLICT} with one line naming the
 * winning run, and the root holds the winner's whole report and history, nothing else.
 */
class PublishRaceIT {
  private static final String DATE = "2026-11-28";

  @TempDir Path tmp;

  @Test
  void theRunThatLosesThePublishRaceExitsNonZeroNamingTheWinner() throws Exception {
    Path out = tmp.resolve("reports");
    List<JobProcess> runs = new ArrayList<>();
    for (int top = 2; top <= 3; top++) {
      runs.add(
          JobProcess.of(out, DATE)
              .master("local[1]")
              .arg("--quiet")
              .conf("report.top_classes", top)
              .start(tmp.resolve("run-" + top + ".log")));
    }
    int[] codes = new int[2];
    for (int i = 0; i < 2; i++) {
      codes[i] = runs.get(i).awaitExit(Duration.ofMinutes(5));
    }
    int winner = codes[0] == ExitCodes.OK ? 0 : 1, loser = 1 - winner;
    assertThat(codes[winner]).as(runs.get(winner).log()).isEqualTo(ExitCodes.OK);
    String lost = runs.get(loser).log();
    assertThat(codes[loser]).as(lost).isEqualTo(ExitCodes.CONFLICT);

    Path report = out.resolve("run_date=" + DATE);
    Properties published = new Properties();
    try (var in = Files.newBufferedReader(report.resolve("_publish"))) {
      published.load(in);
    }
    List<String> errors = lost.lines().filter(l -> l.startsWith("kldrift: error:")).toList();
    assertThat(errors).as(lost).hasSize(1);
    assertThat(errors.get(0))
        .containsPattern("another run (is publishing|published)")
        .contains("run " + published.getProperty("run"))
        .contains("this run published nothing");
    assertThat(lost).doesNotContain("\tat ").contains("status: CONFLICT");
    assertThat(runs.get(winner).log()).contains("report ").contains("status:");

    // the root holds the winner's whole report: its own top-class setting, its history rows only
    int winnerTop = winner + 2;
    JsonNode s = Fixtures.summary(report.toString());
    assertThat(s.get("top_drifted_classes")).hasSize(winnerTop);
    long historyRuns =
        KlDrift.history(TestSpark.get(), out.toString())
            .where("run_date = '" + DATE + "'")
            .select("run_date")
            .distinct()
            .count();
    assertThat(historyRuns).isEqualTo(1);
    try (Stream<Path> list = Files.list(out)) {
      assertThat(
              list.map(p -> p.getFileName().toString())
                  .filter(n -> !n.startsWith("."))
                  .sorted()
                  .toList())
          .containsExactly("_kldrift", "history", "run_date=" + DATE);
    }
  }
}
