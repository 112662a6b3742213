package io.kldrift.job;

import static io.kldrift.Fixtures.f;
import static io.kldrift.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.summary.Summary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job says how much of the mean KL the epsilon decides: summary.json, per_class/, the default
 * check, the console and the page, on the hand case of {@code engine.SupportViolationKlTest} (its
 * values are exact in float): mean KL 4.7882722, of which the clipped cell of example 1 carries
 * 13.4689370 / 3 = 4.4896457, a share of 0.9376338; without it 0.2986266; example 3 is a reverse
 * violation.
 */
class SupportViolationReportTest {
  @TempDir Path tmp;

  private static final double CLIPPED = 0.5 * Math.log(0.5 / 1e-12);
  private static final double SUM = 0.5 * Math.log(0.5) + CLIPPED + 0.5 * Math.log(3) + Math.log(2);

  @Test
  void theReportStatesTheShareOfTheMeanKlFromClippedCells() throws Exception {
    TestSpark.get();
    List<Row> teacher =
        List.of(
            row(1, f(0.5f, 0.5f), null, null),
            row(2, f(0.75f, 0.25f), null, null),
            row(3, f(1f, 0f), null, null));
    List<Row> student =
        List.of(
            row(1, f(1f, 0f), null, null),
            row(2, f(0.25f, 0.75f), null, null),
            row(3, f(0.5f, 0.5f), null, null));
    String out = tmp.resolve("out").toString();
    PrintStream before = System.out;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
      code =
          DriftJob.run(
              "--teacher",
              Fixtures.parquet(tmp, "teacher", Fixtures.SCHEMA, teacher),
              "--student",
              Fixtures.parquet(tmp, "student", Fixtures.SCHEMA, student),
              "--out",
              out,
              "--run-date",
              "2026-11-28",
              "--quiet");
    } finally {
      System.setOut(before);
    }
    // 0.9376338 is beyond the default check's alert level 0.1
    assertThat(code).isEqualTo(ExitCodes.ALERT);
    assertThat(console.toString(StandardCharsets.UTF_8))
        .contains(
            "\nsupport violations: 1 example (1 cell) carries 93.8% of the mean KL;"
                + " without them 0.298627; reverse violations: 1 example\n");

    String report = out + "/run_date=2026-11-28";
    JsonNode s = Fixtures.summary(report);
    assertThat(s.at("/global/support_violation_kl_share").asDouble())
        .isCloseTo(CLIPPED / SUM, within(1e-12));
    assertThat(s.at("/global/kl_without_violations").asDouble())
        .isCloseTo((SUM - CLIPPED) / 3, within(1e-12));
    assertThat(s.at("/inputs/support_violations/reverse_examples").asLong()).isEqualTo(1);
    JsonNode check = s.get("checks").get(0);
    assertThat(check.get("name").asText()).isEqualTo("support_violation_kl_share");
    assertThat(check.get("outcome").asText()).isEqualTo("ALERT");
    assertThat(s.get("status").asText()).isEqualTo("ALERT");

    List<Row> perClass =
        TestSpark.get()
            .read()
            .parquet(report + "/per_class")
            .orderBy("class_index")
            .select("support_violation_kl")
            .collectAsList();
    assertThat(perClass.get(0).getDouble(0)).isZero();
    assertThat(perClass.get(1).getDouble(0)).isCloseTo(CLIPPED / 3, within(1e-12));

    assertThat(Files.readString(Path.of(report, "report.html")))
        .contains("Mean KL from clipped cells")
        .contains("93.76%")
        .contains("without them the mean KL is 0.2986 nats");
  }

  @Test
  void theConsoleLineWithoutViolationsAndWhenTheShareIsUnknown() {
    Summary.Global none = global(0.0, 0.05);
    assertThat(DriftJob.supportLine(new Summary.SupportViolations(0, 0, 239, 1e-12), none))
        .isEqualTo("support violations: none; reverse violations: 239 examples");
    assertThat(
            DriftJob.supportLine(
                new Summary.SupportViolations(1234, 5678, 239, 1e-12), global(0.381, 0.148)))
        .isEqualTo(
            "support violations: 1,234 examples (5,678 cells) carry 38.1% of the mean KL;"
                + " without them 0.148000; reverse violations: 239 examples");
    assertThat(
            DriftJob.supportLine(new Summary.SupportViolations(2, 3, 0, 1e-12), global(null, null)))
        .isEqualTo(
            "support violations: 2 examples (3 cells) carry a share of the mean KL that is"
                + " unknown (states written before kldrift kept it); reverse violations: 0"
                + " examples");
  }

  private static Summary.Global global(Double share, Double without) {
    return new Summary.Global(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        share, without, null, null, null);
  }
}
