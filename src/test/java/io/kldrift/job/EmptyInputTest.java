package io.kldrift.job;

import static io.kldrift.Fixtures.f;
import static io.kldrift.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An empty night (no teacher rows, or nothing at all) gives a valid report, not an exception: with
 * nothing at all its status is INSUFFICIENT_DATA (exit 0); one empty table beside a full one is a
 * night where nothing joins, and the default unmatched_share check alerts.
 */
class EmptyInputTest {
  @TempDir Path tmp;

  private JsonNode run(List<Row> teacher, List<Row> student, int expectedCode) throws Exception {
    String t = Fixtures.parquet(tmp, "t", Fixtures.SCHEMA, teacher);
    String s = Fixtures.parquet(tmp, "s", Fixtures.SCHEMA, student);
    String out = tmp.resolve("out").toString();
    int code =
        DriftJob.run(
            "--teacher",
            t,
            "--student",
            s,
            "--out",
            out,
            "--run-date",
            "2026-11-28",
            "--quiet",
            "--conf",
            "check.mean_kl.metric=kl.mean",
            "--conf",
            "check.mean_kl.alert=0.1",
            "--conf",
            "input.class_names=neg,pos");
    assertThat(code).isEqualTo(expectedCode);
    assertThat(Path.of(out, "run_date=2026-11-28", "report.html")).exists();
    return Fixtures.summary(out + "/run_date=2026-11-28");
  }

  @Test
  void emptyTeacherTable() throws Exception {
    JsonNode s =
        run(
            List.of(),
            List.of(row(1, f(0.5f, 0.5f), 0, "a"), row(2, f(0.9f, 0.1f), 1, "b")),
            ExitCodes.ALERT);
    assertThat(s.get("inputs").get("matched").asLong()).isZero();
    assertThat(s.get("inputs").get("student_only").asLong()).isEqualTo(2);
    assertThat(s.get("inputs").get("num_classes").asInt()).isEqualTo(2);
    assertThat(s.get("global").get("kl").get("mean").isNull()).isTrue();
    // 2 student-only rows of 0 + 2 rows: unmatched_share = 1, beyond the default alert level 0.1
    JsonNode first = s.get("checks").get(0);
    assertThat(first.get("name").asText()).isEqualTo("unmatched_share");
    assertThat(first.get("outcome").asText()).isEqualTo("ALERT");
    assertThat(first.get("value").asDouble()).isEqualTo(1.0);
    assertThat(s.get("status").asText()).isEqualTo("ALERT");
  }

  @Test
  void bothTablesEmpty() throws Exception {
    JsonNode s = run(List.of(), List.of(), ExitCodes.OK);
    assertThat(s.get("inputs").get("teacher_rows").asLong()).isZero();
    for (JsonNode c : s.get("checks")) {
      assertThat(c.get("outcome").asText())
          .as(c.get("name").asText())
          .isEqualTo("INSUFFICIENT_DATA");
    }
    assertThat(s.get("checks")).hasSize(4);
    assertThat(s.get("status").asText()).isEqualTo("INSUFFICIENT_DATA");
    assertThat(Files.readString(tmp.resolve("out/run_date=2026-11-28/report.html")))
        .contains("INSUFFICIENT_DATA");
  }

  @Test
  void missingPartitionsAreEmptyTablesButAMissingPlainPathIsAnError() throws Exception {
    Path table = Files.createDirectories(tmp.resolve("teacher"));
    Path studentTable = Files.createDirectories(tmp.resolve("student"));
    for (String[] sides :
        List.of(
            new String[] {table + "/dt=2026-11-28", studentTable + "/dt=2026-11-28"},
            new String[] {table + "/dt=2026-11-2*", studentTable + "/dt=2026-11-2*"})) {
      String out = tmp.resolve("out-" + sides[0].hashCode()).toString();
      int code =
          DriftJob.run(
              "--teacher",
              sides[0],
              "--student",
              sides[1],
              "--out",
              out,
              "--run-date",
              "2026-11-28",
              "--quiet");
      assertThat(code).as(sides[0]).isEqualTo(ExitCodes.OK);
      JsonNode summary = Fixtures.summary(out + "/run_date=2026-11-28");
      assertThat(summary.get("status").asText()).isEqualTo("INSUFFICIENT_DATA");
      assertThat(summary.get("inputs").get("matched").asLong()).isZero();
    }
    String out = tmp.resolve("out-typo").toString();
    assertThat(
            DriftJob.run(
                "--teacher",
                tmp.resolve("teachr").toString(),
                "--student",
                studentTable.toString(),
                "--out",
                out,
                "--quiet"))
        .isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(Path.of(out)).doesNotExist();
  }

  @Test
  void emptyFoldersAreEmptyTablesNotSchemaErrors() throws Exception {
    // A night's folder that exists but holds no data files (only _SUCCESS): Spark cannot infer a
    // schema there; kldrift reads it as an empty table.
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(empty.resolve("_SUCCESS"), "");
    String s =
        Fixtures.parquet(
            tmp,
            "s",
            Fixtures.SCHEMA,
            List.of(row(1, f(0.5f, 0.5f), 0, "a"), row(2, f(0.9f, 0.1f), 1, "b")));
    for (String[] sides :
        List.of(
            new String[] {empty.toString(), s},
            new String[] {empty.toString(), empty.toString()})) {
      String out = tmp.resolve("out-" + sides[1].length()).toString();
      int code =
          DriftJob.run(
              "--teacher",
              sides[0],
              "--student",
              sides[1],
              "--out",
              out,
              "--run-date",
              "2026-11-28",
              "--quiet",
              "--conf",
              "check.mean_kl.metric=kl.mean",
              "--conf",
              "check.mean_kl.alert=0.1",
              "--conf",
              "input.class_names=neg,pos");
      boolean studentRows = sides[1].equals(s);
      assertThat(code).isEqualTo(studentRows ? ExitCodes.ALERT : ExitCodes.OK);
      JsonNode summary = Fixtures.summary(out + "/run_date=2026-11-28");
      assertThat(summary.get("inputs").get("teacher_rows").asLong()).isZero();
      assertThat(summary.get("inputs").get("student_only").asLong()).isEqualTo(studentRows ? 2 : 0);
      assertThat(summary.get("status").asText())
          .isEqualTo(studentRows ? "ALERT" : "INSUFFICIENT_DATA");
    }
  }
}
