package io.kldrift.job;

import static io.kldrift.Fixtures.f;
import static io.kldrift.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.DriftException;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job end to end on a tiny fixture whose every figure is computed by hand below. */
class DriftJobTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  // Per-example KL(P||Q) of the four matched examples, from the definition sum p ln(p/q):
  private static final double KL1 =
      0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1); // 0.5108256238
  private static final double KL2 = 0.0;
  private static final double KL3 = 0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5);
  private static final double KL4 = 1.0 * Math.log(1.0 / 0.5); // class 1 has P = 0: 0 log 0 = 0

  private String[] inputs() {
    List<Row> teacher =
        List.of(
            row(1, f(0.5f, 0.5f), 0, "a"),
            row(2, f(0.9f, 0.1f), 0, "a"),
            row(3, f(0.25f, 0.75f), 1, "b"),
            row(4, f(1.0f, 0.0f), 0, "b"),
            row(5, f(0.5f, 0.5f), 1, "b"));
    List<Row> student =
        List.of(
            row(4, f(0.5f, 0.5f), null, null),
            row(3, f(0.5f, 0.5f), null, null),
            row(2, f(0.9f, 0.1f), null, null),
            row(1, f(0.9f, 0.1f), null, null),
            row(6, f(0.5f, 0.5f), null, null));
    return new String[] {
      Fixtures.parquet(tmp, "teacher", Fixtures.SCHEMA, teacher),
      Fixtures.parquet(tmp, "student", Fixtures.SCHEMA, student)
    };
  }

  @Test
  void tinyFixtureGivesTheHandComputedReport() throws Exception {
    String[] in = inputs();
    String out = tmp.resolve("out").toString();
    int code =
        DriftJob.run(
            "--teacher",
            in[0],
            "--student",
            in[1],
            "--out",
            out,
            "--run-date",
            "2026-11-28",
            "--conf",
            "input.slice_columns=segment",
            "--conf",
            "input.class_names=neg,pos",
            "--quiet");
    // one teacher-only and one student-only key of 5 + 5 rows: unmatched_share = 2/10, beyond the
    // default check's alert level 0.1
    assertThat(code).isEqualTo(ExitCodes.ALERT);

    String report = out + "/run_date=2026-11-28";
    JsonNode s = Fixtures.summary(report);
    assertThat(s.get("schema_version").asInt()).isEqualTo(1);
    assertThat(s.get("status").asText()).isEqualTo("ALERT");
    JsonNode unmatched = s.get("checks").get(0);
    assertThat(unmatched.get("name").asText()).isEqualTo("unmatched_share");
    assertThat(unmatched.get("outcome").asText()).isEqualTo("ALERT");
    assertThat(unmatched.get("value").asDouble()).isCloseTo(0.2, within(1e-15));
    JsonNode inputs = s.get("inputs");
    assertThat(inputs.get("teacher_rows").asLong()).isEqualTo(5);
    assertThat(inputs.get("student_rows").asLong()).isEqualTo(5);
    assertThat(inputs.get("matched").asLong()).isEqualTo(4);
    assertThat(inputs.get("teacher_only").asLong()).isEqualTo(1);
    assertThat(inputs.get("student_only").asLong()).isEqualTo(1);

    // float inputs: 0.9f and 0.1f are not 0.9 and 0.1; compare with float-aware tolerance
    JsonNode kl = s.get("global").get("kl");
    double mean = (KL1 + KL2 + KL3 + KL4) / 4;
    assertThat(kl.get("n").asLong()).isEqualTo(4);
    assertThat(kl.get("mean").asDouble()).isCloseTo(mean, within(1e-7));
    assertThat(kl.get("min").asDouble()).isCloseTo(0.0, within(1e-7));
    assertThat(kl.get("max").asDouble()).isCloseTo(KL4, within(1e-7));
    double var = (sq(KL1 - mean) + sq(KL2 - mean) + sq(KL3 - mean) + sq(KL4 - mean)) / 3;
    assertThat(kl.get("std").asDouble()).isCloseTo(Math.sqrt(var), within(1e-7));
    double half = 1.959963984540054 * Math.sqrt(var) / 2;
    assertThat(kl.get("ci95_low").asDouble()).isCloseTo(mean - half, within(1e-7));
    // exact percentile of 4 values by nearest rank: p50 is the 2nd smallest (KL3)
    assertThat(kl.get("p50").asDouble()).isCloseTo(KL3, within(1e-7));
    assertThat(s.get("global").get("agreement").get("mean").asDouble()).isEqualTo(0.75);
    // KL = cross-entropy - entropy, on the means as well
    JsonNode dec = s.get("global").get("kl_decomposition");
    assertThat(dec.get("difference").asDouble())
        .isCloseTo(kl.get("mean").asDouble(), within(1e-12));
    // labels: teacher top-1 = (0, 0, 1, 0) vs labels (0, 0, 1, 0); student top-1 = (0, 0, 0, 0)
    assertThat(s.get("global").get("teacher_accuracy").asDouble()).isEqualTo(1.0);
    assertThat(s.get("global").get("student_accuracy").asDouble()).isEqualTo(0.75);
    // every KL in (0, 1e-6) falls in bin 0, so bin 0 holds example 2 only
    assertThat(kl.get("histogram").get("counts").get(0).asLong()).isEqualTo(1);
    assertThat(kl.get("share_above").get("0.1").asDouble()).isEqualTo(0.75);

    // per class: (1/N) sum_i P_i(c) ln(P_i(c)/Q_i(c)), by hand
    double c0 = (0.5 * Math.log(0.5 / 0.9) + 0 + 0.25 * Math.log(0.25 / 0.5) + Math.log(2)) / 4;
    double c1 = (0.5 * Math.log(0.5 / 0.1) + 0 + 0.75 * Math.log(0.75 / 0.5) + 0) / 4;
    List<Row> perClass =
        spark.read().parquet(report + "/per_class").orderBy("class_index").collectAsList();
    assertThat(perClass).hasSize(2);
    assertThat(perClass.get(0).getString(perClass.get(0).fieldIndex("class_name")))
        .isEqualTo("neg");
    double got0 = perClass.get(0).getDouble(perClass.get(0).fieldIndex("kl_contribution"));
    double got1 = perClass.get(1).getDouble(perClass.get(1).fieldIndex("kl_contribution"));
    assertThat(got0).isCloseTo(c0, within(1e-7));
    assertThat(got1).isCloseTo(c1, within(1e-7));
    assertThat(got0 + got1).isCloseTo(kl.get("mean").asDouble(), within(1e-12));
    assertThat(perClass.get(0).getDouble(perClass.get(0).fieldIndex("teacher_mean_prob")))
        .isCloseTo((0.5 + 0.9 + 0.25 + 1.0) / 4, within(1e-7));
    assertThat(perClass.get(1).getDouble(perClass.get(1).fieldIndex("student_mean_prob")))
        .isCloseTo((0.1 + 0.5 + 0.1 + 0.5) / 4, within(1e-7));
    assertThat(perClass.get(1).getLong(perClass.get(1).fieldIndex("teacher_top1_count")))
        .isEqualTo(1);

    // per slice: a = examples 1, 2; b = examples 3, 4
    List<Row> slices =
        spark.read().parquet(report + "/per_slice").orderBy("slice_value").collectAsList();
    assertThat(slices)
        .extracting(r -> r.getString(r.fieldIndex("slice_value")))
        .containsExactly("a", "b");
    assertThat(slices.get(0).getDouble(slices.get(0).fieldIndex("kl_mean")))
        .isCloseTo((KL1 + KL2) / 2, within(1e-7));
    assertThat(slices.get(1).getDouble(slices.get(1).fieldIndex("kl_mean")))
        .isCloseTo((KL3 + KL4) / 2, within(1e-7));

    // the one disagreement: example 3, teacher pos -> student neg
    List<Row> confusion = spark.read().parquet(report + "/confusion").collectAsList();
    assertThat(confusion).hasSize(1);
    assertThat(confusion.get(0).getString(confusion.get(0).fieldIndex("teacher_class_name")))
        .isEqualTo("pos");
    assertThat(confusion.get(0).getLong(confusion.get(0).fieldIndex("count"))).isEqualTo(1);

    List<Row> worst =
        spark
            .read()
            .parquet(report + "/worst_examples")
            .orderBy(org.apache.spark.sql.functions.desc("kl"))
            .collectAsList();
    assertThat(worst)
        .extracting(r -> r.getLong(r.fieldIndex("example_id")))
        .containsExactly(4L, 1L, 3L, 2L);
  }

  private static io.kldrift.summary.ClassRow classRow(int i, String name, double contribution) {
    return new io.kldrift.summary.ClassRow(
        i,
        name,
        contribution,
        null,
        0,
        0,
        0,
        0,
        0.0,
        0,
        null,
        null,
        null,
        0,
        null,
        null,
        null,
        null,
        null);
  }

  @Test
  void consoleStatesClassSharesOfTheKlAddedAndOffsetsApart() {
    List<io.kldrift.summary.ClassRow> all =
        List.of(
            classRow(0, "dog", 0.04),
            classRow(1, "cat", 0.039),
            classRow(2, "bird", 0.001),
            classRow(3, "airplane", -0.0025),
            classRow(4, "truck", -0.0026),
            classRow(5, "ship", -0.02),
            classRow(6, "frog", -0.0001));
    List<io.kldrift.summary.Summary.ClassShare> top =
        all.stream()
            .filter(c -> List.of("dog", "cat", "airplane", "truck").contains(c.className()))
            .map(
                c ->
                    new io.kldrift.summary.Summary.ClassShare(
                        c.classIndex(), c.className(), c.klContribution(), null, 0, 0))
            .toList();
    // added = 0.04 + 0.039 + 0.001 = 0.08: dog 50%, cat 48.75%. The offsets are the three
    // largest by size among all classes (ship, not in the top list, first): ship 0.02 / 0.08 =
    // 25%, truck 3.25%, airplane 3.125%; frog, the smallest, is left out.
    assertThat(DriftJob.classLine(top, all))
        .isEqualTo(
            "top drifted classes (share of the KL added):  dog 50%  cat 49%"
                + "  offsets:  ship 25%  truck 3%  airplane 3%");
    // without per-class rows the top classes are the total: 0.079, dog 50.6%, cat 49.4%
    assertThat(DriftJob.classLine(top.subList(0, 2), List.of()))
        .isEqualTo("top drifted classes (share of the KL added):  dog 51%  cat 49%");
    assertThat(DriftJob.classLine(List.of(), all)).isNull();
  }

  @Test
  void rerunningADateReplacesItAndLeavesOtherDates() throws Exception {
    String[] in = inputs();
    String out = tmp.resolve("out").toString();
    String[] base = {
      "--teacher",
      in[0],
      "--student",
      in[1],
      "--out",
      out,
      "--quiet",
      "--conf",
      "check.unmatched_share.enabled=false"
    };
    assertThat(DriftJob.run(concat(base, "--run-date", "2026-11-27"))).isZero();
    assertThat(DriftJob.run(concat(base, "--run-date", "2026-11-28"))).isZero();
    Path day = Path.of(out, "run_date=2026-11-28");
    String first = Files.readString(day.resolve("summary.json"));
    assertThat(
            DriftJob.run(
                concat(base, "--run-date", "2026-11-28", "--conf", "report.top_classes=1")))
        .isZero();
    String second = Files.readString(day.resolve("summary.json"));
    assertThat(second).isNotEqualTo(first).contains("\"report.top_classes\" : \"1\"");
    assertThat(Fixtures.summary(day.toString()).get("top_drifted_classes")).hasSize(1);
    assertThat(Path.of(out, "run_date=2026-11-27", "summary.json")).exists();
    try (var list = Files.list(Path.of(out))) {
      // dot-files are the local file system's checksums
      assertThat(
              list.map(p -> p.getFileName().toString())
                  .filter(n -> !n.startsWith("."))
                  .sorted()
                  .toList())
          .containsExactly("_kldrift", "history", "run_date=2026-11-27", "run_date=2026-11-28");
    }
    // the rerun replaced the date's history rows instead of adding a second set
    org.apache.spark.sql.Dataset<Row> history = io.kldrift.KlDrift.history(spark, out);
    long perRun = history.where("run_date = '2026-11-27'").count();
    assertThat(perRun).isPositive();
    assertThat(history.where("run_date = '2026-11-28'").count()).isEqualTo(perRun);
    assertThat(
            history
                .where("run_date = '2026-11-28' AND scope = 'global' AND metric = 'kl.mean'")
                .count())
        .isEqualTo(1);
  }

  @Test
  void refusesToWriteIntoAFolderThatIsNotAReport() throws Exception {
    String[] in = inputs();
    Path foreign = tmp.resolve("foreign");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("important.csv"), "a,b\n");
    long jobs = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
    int code =
        DriftJob.run(
            "--teacher", in[0], "--student", in[1], "--out", foreign.toString(), "--quiet");
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(foreign.resolve("important.csv"))).isEqualTo("a,b\n");
    // Refused before the inputs are read: no Spark job ran.
    assertThat(spark.sparkContext().statusTracker().getJobIdsForGroup(null).length).isEqualTo(jobs);
  }

  @Test
  void runNamesCannotLeaveTheReportRoot() {
    String[] in = inputs();
    Path out = tmp.resolve("root");
    assertThat(
            DriftJob.run(
                "--teacher",
                in[0],
                "--student",
                in[1],
                "--out",
                out.toString(),
                "--run-date",
                "../../escaped",
                "--quiet"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(
            DriftJob.run(
                "--teacher",
                in[0],
                "--student",
                in[1],
                "--out",
                out.toString(),
                "--conf",
                "baseline.pinned_run_date=../2026-11-01",
                "--quiet"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(tmp.resolve("escaped")).doesNotExist();
    for (String bad :
        List.of("../run_date=2026-11-28", "run_date=2026-11-28/../../x", "/etc", "", "history")) {
      assertThatThrownBy(
              () ->
                  io.kldrift.store.ReportStore.forRun(
                          spark, out.toString(), io.kldrift.config.ReportFormat.PARQUET)
                      .publish(
                          new io.kldrift.store.ReportStore.Run(
                              bad,
                              Map.of(),
                              List.of(),
                              null,
                              null,
                              java.time.Duration.ofHours(24),
                              java.time.Instant.now())))
          .as(bad)
          .isInstanceOf(DriftException.class)
          .hasMessageContaining("is not allowed");
    }
    assertThat(out).doesNotExist();
  }

  @Test
  void unknownConfigurationKeyIsAUsageError() {
    assertThat(
            DriftJob.run(
                "--teacher",
                "x",
                "--student",
                "y",
                "--out",
                "z",
                "--conf",
                "input.slice_column=segment"))
        .isEqualTo(ExitCodes.USAGE);
  }

  private static double sq(double x) {
    return x * x;
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
