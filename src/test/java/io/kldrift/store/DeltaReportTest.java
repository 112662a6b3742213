package io.kldrift.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Docs;
import io.kldrift.DriftException;
import io.kldrift.DriftReport;
import io.kldrift.Fixtures;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.format=delta on the bundled sample, read back with plain Spark SQL: one commit row per
 * run, a rerun replaces the date's rows (the previous report stays readable with VERSION AS OF),
 * history readers skip rows without a commit row, rollups merge the committed states, inputs may be
 * Delta tables, and a root holds one format.
 */
class DeltaReportTest {
  private static final int CLASSES = 10; // sample-data/classes.txt

  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  private DriftConfig config(String teacher, String student, String out, int topClasses) {
    return DriftConfig.builder()
        .file(Path.of("sample-data/kldrift.properties"))
        .set(DriftConfig.TEACHER_PATH, teacher)
        .set(DriftConfig.STUDENT_PATH, student)
        .set(DriftConfig.OUTPUT_PATH, out)
        .set(DriftConfig.INPUT_FORMAT, "delta")
        .set(DriftConfig.REPORT_FORMAT, "delta")
        .set(DriftConfig.TOP_CLASSES, String.valueOf(topClasses))
        .build();
  }

  private JsonNode run(DriftConfig c, String date) throws Exception {
    LocalDate d = LocalDate.parse(date);
    try (DriftReport r = KlDrift.analyze(spark, c, d)) {
      String where = KlDrift.write(spark, r, c.get(DriftConfig.OUTPUT_PATH), d);
      return Fixtures.summary(java.net.URI.create(where).getPath());
    }
  }

  private List<Row> sql(String q) {
    return spark.sql(q).collectAsList();
  }

  /** The statements of the Delta page's ```sql delta block, on {@code root}. */
  private List<String> readmeDeltaSql(String root) throws Exception {
    List<String> blocks = Docs.blocks("sql delta", Docs.page("delta"));
    assertThat(blocks).hasSize(1);
    List<String> out = new java.util.ArrayList<>();
    for (String s : blocks.get(0).replaceAll("(?m)^\\s*--.*$", "").split(";")) {
      if (!s.isBlank()) {
        out.add(s.trim().replace("/data/out-delta", root));
      }
    }
    return out;
  }

  @Test
  void deltaReportsAreCommittedByRunAndReadableByTimeTravel() throws Exception {
    String teacher = tmp.resolve("teacher").toString();
    String student = tmp.resolve("student").toString();
    spark.read().parquet("sample-data/teacher").write().format("delta").save(teacher);
    spark.read().parquet("sample-data/student").write().format("delta").save(student);
    String out = tmp.resolve("out").toString();

    JsonNode day1 = run(config(teacher, student, out, 3), "2026-11-27");
    JsonNode first = run(config(teacher, student, out, 3), "2026-11-28");
    String t = "delta.`" + out + "/";
    Row firstRun =
        sql("SELECT run_id, tables['per_class'] FROM "
                + t
                + "runs` WHERE run = 'run_date=2026-11-28'")
            .get(0);
    JsonNode second = run(config(teacher, student, out, 5), "2026-11-28");

    // Same inputs: the same figures; the rerun's summary differs only where top_classes does.
    assertThat(first.at("/inputs/matched").asLong()).isEqualTo(19_962);
    assertThat(second.at("/global/kl/mean").asDouble())
        .isEqualTo(first.at("/global/kl/mean").asDouble());
    assertThat(first.get("top_drifted_classes")).hasSize(3);
    assertThat(second.get("top_drifted_classes")).hasSize(5);

    // One commit row per date; the date's rows in every table are the committed run's, whole.
    List<Row> runs = sql("SELECT run, run_id, summary FROM " + t + "runs` ORDER BY run");
    assertThat(runs)
        .extracting(r -> r.getString(0))
        .containsExactly("run_date=2026-11-27", "run_date=2026-11-28");
    String id = runs.get(1).getString(1);
    assertThat(id).isNotEqualTo(firstRun.getString(0));
    assertThat(Fixtures.summary(out + "/run_date=2026-11-28").get("top_drifted_classes"))
        .hasSize(5);
    assertThat(runs.get(1).getString(2))
        .isEqualTo(Files.readString(Path.of(out, "run_date=2026-11-28", "summary.json")));
    assertThat(
            sql(
                "SELECT run_id, count(*) FROM "
                    + t
                    + "per_class` WHERE run = 'run_date=2026-11-28' GROUP BY run_id"))
        .extracting(r -> r.getString(0) + ":" + r.getLong(1))
        .containsExactly(id + ":" + CLASSES);
    assertThat(
            sql("SELECT count(*) FROM " + t + "per_class` WHERE run = 'run_date=2026-11-27'")
                .get(0)
                .getLong(0))
        .isEqualTo(CLASSES);
    assertThat(
            sql(
                "SELECT value FROM "
                    + t
                    + "history` WHERE run_date = '2026-11-28' AND scope = 'global'"
                    + " AND metric = 'kl.mean'"))
        .extracting(r -> r.getDouble(0))
        .containsExactly(second.at("/global/kl/mean").asDouble());
    assertThat(sql("SELECT run FROM " + t + "drift_state`")).hasSize(2);

    // The previous report of the date, by time travel to the version its commit row names.
    List<Row> old =
        sql(
            "SELECT DISTINCT run_id FROM "
                + t
                + "per_class` VERSION AS OF "
                + firstRun.getLong(1)
                + " WHERE run = 'run_date=2026-11-28'");
    assertThat(old).extracting(r -> r.getString(0)).containsExactly(firstRun.getString(0));
    long runsVersion =
        spark
            .sql("DESCRIBE HISTORY " + t + "runs`")
            .agg(org.apache.spark.sql.functions.max("version"))
            .first()
            .getLong(0);
    assertThat(
            sql(
                "SELECT run_id FROM "
                    + t
                    + "runs` VERSION AS OF "
                    + (runsVersion - 1)
                    + " WHERE run = 'run_date=2026-11-28'"))
        .extracting(r -> r.getString(0))
        .containsExactly(firstRun.getString(0));

    // The Delta page's SQL, on this root (its nights are the page's), reads what it says.
    List<String> readme = readmeDeltaSql(out);
    assertThat(readme).hasSize(4);
    assertThat(sql(readme.get(0))).hasSize(CLASSES);
    assertThat(sql(readme.get(1)))
        .extracting(r -> r.getAs("version").toString() + " " + r.getAs("operation"))
        .containsExactly("3 MERGE", "2 MERGE", "1 MERGE", "0 WRITE");
    Row replaced = sql(readme.get(2)).get(0);
    assertThat(replaced.getString(0)).isEqualTo(firstRun.getString(0));
    assertThat(replaced.getLong(1)).isEqualTo(firstRun.getLong(1));
    assertThat(sql(readme.get(3)))
        .hasSize(CLASSES)
        .extracting(r -> r.<String>getAs("run_id"))
        .containsOnly(firstRun.getString(0));

    // A run that saw the first commit row commits after the rerun: it loses, the rerun stands.
    assertThatThrownBy(
            () ->
                DeltaRuns.commit(
                    new DeltaReportStore(spark, out),
                    "run_date=2026-11-28",
                    "late-run",
                    firstRun.getString(0),
                    java.util.Map.of(),
                    null))
        .isInstanceOfSatisfying(
            DriftException.class, e -> assertThat(e.kind()).isEqualTo(DriftException.Kind.CONFLICT))
        .hasMessageContaining("another run committed run_date=2026-11-28 under " + out)
        .hasMessageContaining("(run id " + id + ", at ")
        .hasMessageContaining("this run's report was not committed");
    assertThat(sql("SELECT run_id FROM " + t + "runs` WHERE run = 'run_date=2026-11-28'"))
        .extracting(r -> r.getString(0))
        .containsExactly(id);

    // Rows without a commit row (a killed run's) are not history: the readers skip them.
    spark
        .sql("SELECT * FROM " + t + "history` WHERE run_date = '2026-11-28'")
        .selectExpr("* EXCEPT (run_date, run_id)", "'2026-11-29' AS run_date", "'killed' AS run_id")
        .write()
        .format("delta")
        .mode(SaveMode.Append)
        .save(out + "/history");
    assertThat(sql("SELECT DISTINCT run_date FROM " + t + "history`")).hasSize(3);
    assertThat(
            KlDrift.history(spark, out)
                .select("run_date")
                .distinct()
                .orderBy("run_date")
                .collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("2026-11-27", "2026-11-28");

    // A rollup of the two days merges their committed states and commits like a run.
    DriftReport week =
        KlDrift.rollup(
            spark, out, LocalDate.parse("2026-11-27"), LocalDate.parse("2026-11-28"), "two-days");
    assertThat(week.summary().inputs().matched())
        .isEqualTo(day1.at("/inputs/matched").asLong() + second.at("/inputs/matched").asLong());
    KlDrift.writeRollup(spark, week, out);
    assertThat(
            sql("SELECT count(*) FROM " + t + "per_class` WHERE run = 'rollup=two-days'")
                .get(0)
                .getLong(0))
        .isEqualTo(CLASSES);
    assertThat(sql("SELECT run FROM " + t + "runs`")).hasSize(3);
    week.close();

    // One root, one format.
    DriftConfig parquet =
        DriftConfig.builder()
            .file(Path.of("sample-data/kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, "sample-data/teacher")
            .set(DriftConfig.STUDENT_PATH, "sample-data/student")
            .set(DriftConfig.OUTPUT_PATH, out)
            .build();
    assertThatThrownBy(() -> KlDrift.analyze(spark, parquet, LocalDate.parse("2026-11-30")))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("holds Delta reports")
        .hasMessageContaining("report.format=delta");
  }
}
