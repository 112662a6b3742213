package io.kldrift.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Chromium;
import io.kldrift.Fixtures;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import io.kldrift.sample.SampleGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seven nightly runs over generated data whose drift grows on day 6: OK on days 1-5, ALERT on day 6
 * from the sigma band and the absolute threshold (exit code 4), a pinned baseline that day 6 does
 * not move, INSUFFICIENT_DATA on a tiny slice, and a rerun of day 6 that replaces its history rows.
 */
class NightlyMonitoringTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  private static final String CONFIG =
      String.join(
          "\n",
          "input.slice_columns=segment",
          "input.class_names_file=classes.txt",
          "run.dataset=nightly-test",
          "baseline.mode=pinned",
          "baseline.pinned_run_date=2026-11-01",
          "check.mean_kl.metric=kl.mean",
          "check.mean_kl.warn=0.08",
          "check.mean_kl.alert=0.15",
          "check.mean_kl_band.metric=kl.mean",
          "check.mean_kl_band.type=sigma",
          "check.mean_kl_band.warn=5",
          "check.mean_kl_band.alert=8",
          "check.vs_day1.metric=kl.mean",
          "check.vs_day1.type=relative",
          "check.vs_day1.alert=2.0",
          "check.slice_kl.metric=kl.mean",
          "check.slice_kl.scope=slice",
          "check.slice_kl.alert=0.5",
          "check.slice_kl.min_n=100",
          "");

  /** Day d's inputs: generated predictions plus a tiny "kiosk" slice (copies of ids 0..11). */
  private String day(int d, double drift) throws Exception {
    String gen = tmp.resolve("gen" + d).toString();
    SampleGenerator.generate(
        spark,
        new SampleGenerator.Spec(4000, 10, 100 + d, false, List.of(3, 5), drift, 0.001, 1),
        gen);
    String in = tmp.resolve("in/dt=2026-11-0" + d).toString();
    for (String side : List.of("teacher", "student")) {
      Dataset<Row> base = spark.read().parquet(gen + "/" + side);
      Dataset<Row> kiosk =
          base.where(col("example_id").lt(12))
              .withColumn("example_id", col("example_id").plus(1_000_000L))
              .withColumn("segment", lit("kiosk"));
      base.unionByName(kiosk).coalesce(1).write().parquet(in + "/" + side);
    }
    Files.copy(
        Path.of(gen, "classes.txt"),
        tmp.resolve("classes.txt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return in;
  }

  private int run(String in, int d) throws Exception {
    Path conf = tmp.resolve("nightly.properties");
    Files.writeString(conf, CONFIG);
    return DriftJob.run(
        "--teacher",
        in + "/teacher",
        "--student",
        in + "/student",
        "--config",
        conf.toString(),
        "--out",
        tmp.resolve("reports").toString(),
        "--run-date",
        "2026-11-0" + d,
        "--quiet");
  }

  private JsonNode summary(int d) throws Exception {
    return Fixtures.summary(tmp.resolve("reports/run_date=2026-11-0" + d).toString());
  }

  private static JsonNode check(JsonNode s, String name, String scopeValue) {
    for (JsonNode c : s.get("checks")) {
      if (c.get("name").asText().equals(name)
          && (scopeValue == null || scopeValue.equals(c.get("scope_value").asText()))) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " " + scopeValue + " in " + s.get("checks"));
  }

  /** A slice value's part of its run's mean KL: n_value / n × its mean. */
  private static double slicePart(JsonNode s, String value) {
    double n = s.get("global").get("kl").get("n").asDouble();
    for (JsonNode sl : s.get("per_slice")) {
      if (sl.get("value").asText().equals(value)) {
        return sl.get("kl").get("n").asDouble() / n * sl.get("kl").get("mean").asDouble();
      }
    }
    return 0;
  }

  private Map<String, Double> contributions(String runDate) {
    Map<String, Double> c = new TreeMap<>();
    for (Row r :
        spark
            .read()
            .parquet(tmp.resolve("reports/run_date=" + runDate + "/per_class").toString())
            .select("class_name", "kl_contribution")
            .collectAsList()) {
      c.put(r.getString(0), r.getDouble(1));
    }
    return c;
  }

  /**
   * The sentence day 6's page should open with, from the two runs' published figures: day 6's and
   * day 1's (the pinned baseline) mean KL, the slices' parts of it (summary.json) and the classes'
   * contributions (per_class/), each rounded as the page rounds (4 significant digits, shares to
   * whole percents).
   */
  private String expectedHeadline(JsonNode six, JsonNode one) {
    double m6 = six.get("global").get("kl").get("mean").asDouble();
    double m1 = one.get("global").get("kl").get("mean").asDouble();
    double sliceRise = 0;
    for (String v : List.of("mobile", "web", "kiosk")) {
      sliceRise += Math.max(0, slicePart(six, v) - slicePart(one, v));
    }
    double mobile = (slicePart(six, "mobile") - slicePart(one, "mobile")) / sliceRise;
    Map<String, Double> c6 = contributions("2026-11-06");
    Map<String, Double> c1 = contributions("2026-11-01");
    List<Map.Entry<String, Double>> deltas = new ArrayList<>();
    double classRise = 0;
    for (String name : c6.keySet()) {
      double d = c6.get(name) - c1.get(name);
      deltas.add(Map.entry(name, d));
      classRise += Math.max(0, d);
    }
    deltas.sort(Map.Entry.comparingByValue(java.util.Comparator.reverseOrder()));
    assertThat(List.of(deltas.get(0).getKey(), deltas.get(1).getKey()))
        .containsExactlyInAnyOrder("cat", "dog");
    assertThat(deltas.get(0).getValue() / classRise)
        .as("one class alone is not enough")
        .isLessThan(0.75);
    double two = (deltas.get(0).getValue() + deltas.get(1).getValue()) / classRise;
    return String.format(
        java.util.Locale.ROOT,
        "Mean KL %s nats, up %.1f\u00d7 from the baseline %s (run 2026-11-01); %.0f%% of the rise is"
            + " in segment=mobile; by class, classes %s and %s carry %.0f%% of the rise.",
        sig4(m6),
        m6 / m1,
        sig4(m1),
        100 * mobile,
        deltas.get(0).getKey(),
        deltas.get(1).getKey(),
        100 * two);
  }

  private static String sig4(double v) {
    return new java.math.BigDecimal(v)
        .round(new java.math.MathContext(4))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static String section(String dom, String id) {
    int start = dom.indexOf("<section id=\"" + id + "\"");
    assertThat(start).as("section %s", id).isNotNegative();
    return dom.substring(start, dom.indexOf("</section>", start));
  }

  @Test
  void sevenNights() throws Exception {
    List<String> inputs = new ArrayList<>();
    for (int d = 1; d <= 7; d++) {
      inputs.add(day(d, d == 6 ? 4.0 : 1.0));
    }
    for (int d = 1; d <= 5; d++) {
      assertThat(run(inputs.get(d - 1), d)).as("exit code of day %d", d).isEqualTo(ExitCodes.OK);
      JsonNode s = summary(d);
      assertThat(s.get("status").asText())
          .as("status of day %d: %s", d, s.get("checks"))
          .isEqualTo("OK");
      assertThat(check(s, "slice_kl", "kiosk").get("outcome").asText())
          .isEqualTo("INSUFFICIENT_DATA");
      assertThat(check(s, "slice_kl", "mobile").get("outcome").asText()).isEqualTo("OK");
    }
    assertThat(check(summary(2), "mean_kl_band", null).get("outcome").asText())
        .isEqualTo("INSUFFICIENT_DATA");
    assertThat(check(summary(5), "mean_kl_band", null).get("outcome").asText()).isEqualTo("OK");
    double day1Mean = summary(1).get("global").get("kl").get("mean").asDouble();

    assertThat(run(inputs.get(5), 6)).isEqualTo(ExitCodes.ALERT);
    JsonNode six = summary(6);
    assertThat(six.get("status").asText()).isEqualTo("ALERT");
    assertThat(check(six, "mean_kl", null).get("outcome").asText()).isEqualTo("ALERT");
    JsonNode band = check(six, "mean_kl_band", null);
    assertThat(band.get("outcome").asText()).isEqualTo("ALERT");
    assertThat(band.get("baseline_runs").asText()).isEqualTo("2026-11-01..2026-11-05");
    assertThat(six.get("checks").get(0).get("outcome").asText())
        .as("failing checks first")
        .isEqualTo("ALERT");
    assertThat(six.get("top_drifted_classes").get(0).get("class_name").asText()).isIn("cat", "dog");
    String html = Files.readString(tmp.resolve("reports/run_date=2026-11-06/report.html"));
    assertThat(html)
        .contains("id=\"status\"")
        .contains("ALERT")
        .contains("id=\"kl-trend\"")
        .contains("class=\"threshold-alert\"")
        .contains("id=\"class-contributions\"");
    if (Chromium.available()) {
      // as a person would see it: the DOM the browser builds, and a screenshot kept under target/
      String page = tmp.resolve("reports/run_date=2026-11-06/report.html").toUri().toString();
      Chromium.Result dom = Chromium.run(tmp, "day6-dom", "--dump-dom", page);
      assertThat(dom.stdout())
          .contains(">ALERT<")
          .contains("<polyline class=\"trend-mean\"")
          .contains(">cat (3)<")
          .contains(">dog (5)<");
      dom.assertNoScriptErrors();
      Path png = Path.of("target", "nightly-day6-report.png").toAbsolutePath();
      Files.createDirectories(png.getParent());
      Chromium.run(tmp, "day6-png", "--screenshot=" + png, "--window-size=1280,3000", page)
          .assertNoScriptErrors();
      assertThat(Files.size(png)).isGreaterThan(50_000);
      Files.copy(
          tmp.resolve("reports/run_date=2026-11-06/report.html"),
          png.resolveSibling("nightly-day6-report.html"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(dom.stdout())
          .contains("<p class=\"lede\">" + expectedHeadline(six, summary(1)) + "</p>")
          .contains("<table class=\"attribution-table\" data-dimension=\"segment\">")
          .contains("<table class=\"attribution-table\" data-dimension=\"class\">")
          .contains("<polyline class=\"baseline-hist\"")
          .containsPattern("<td class=\"role\">offsets \\d+%</td>")
          .doesNotContainPattern("<td class=\"role\">[^<]*\u2212");
      assertThat(section(dom.stdout(), "worst-examples"))
          .as("worst examples name their classes")
          .containsPattern(
              "<td>(airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck) \\(\\d\\)</td>");
      Chromium.Layout layout =
          Chromium.layout(
              tmp, "day6-layout", tmp.resolve("reports/run_date=2026-11-06/report.html"), 1280);
      assertThat(layout.scrollWidth()).as("document width at 1280 px").isLessThanOrEqualTo(1280);
      assertThat(layout.overflowing()).as("parts that scroll sideways at 1280 px").isEmpty();
    }

    Dataset<Row> history = KlDrift.history(spark, tmp.resolve("reports").toString());
    long rowsOfDay6 = history.where("run_date = '2026-11-06'").count();
    assertThat(run(inputs.get(5), 6)).as("rerun of day 6").isEqualTo(ExitCodes.ALERT);
    history = KlDrift.history(spark, tmp.resolve("reports").toString());
    assertThat(history.where("run_date = '2026-11-06'").count()).isEqualTo(rowsOfDay6);
    assertThat(
            history
                .where("run_date = '2026-11-06' AND scope = 'global' AND metric = 'kl.mean'")
                .count())
        .isEqualTo(1);
    assertThat(history.select("run_date").distinct().count()).isEqualTo(6);

    assertThat(run(inputs.get(6), 7)).isEqualTo(ExitCodes.OK);
    JsonNode seven = summary(7);
    JsonNode pinned = check(seven, "vs_day1", null);
    assertThat(pinned.get("baseline").asDouble())
        .as("pinned to day 1, not moved by day 6")
        .isEqualTo(day1Mean);
    assertThat(pinned.get("baseline_runs").asText()).isEqualTo("run 2026-11-01");
    assertThat(pinned.get("outcome").asText()).isEqualTo("OK");
    // day 6 sits in day 7's sigma window and widens the band; the absolute check still judges day 7
    // alone
    assertThat(check(seven, "mean_kl", null).get("outcome").asText()).isEqualTo("OK");
  }
}
