package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static java.lang.Math.log;
import static java.lang.Math.sqrt;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks on the target figures of slice values, position buckets and teacher-entropy buckets, over
 * two nights of hand-written top-k sequences published under one root: thresholds on the first
 * night, the change against the first night (read back from the history) on the second. Every
 * expected value is worked out by hand from the probabilities below.
 */
class SequenceTargetChecksTest {
  private static final DataType IDS =
      DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.IntegerType));
  private static final DataType LPS =
      DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.DoubleType));

  /** ln(PPL ratio) of segment=a: ln(0.5/0.45) = ln(0.6/0.54) = −ln 0.9, both nights. */
  private static final double A = -log(0.9);

  /** ln(PPL ratio) of segment=b on night 1: (ln(0.5/0.4) + ln(0.8/0.5)) / 2 = ln(2) / 2. */
  private static final double B1 = log(2) / 2;

  /** ln(PPL ratio) of segment=b on night 2: (ln(0.5/0.25) + ln(0.8/0.4)) / 2 = ln 2. */
  private static final double B2 = log(2);

  private static List<List<Double>> lists(double... p) {
    return Arrays.stream(p).mapToObj(x -> List.of(log(x), log(0.1))).toList();
  }

  private static List<List<Integer>> pairs(int... first) {
    return Arrays.stream(first).mapToObj(i -> List.of(i, 8)).toList();
  }

  /**
   * Sequence 1 (segment a): targets 7, 7, 9; the teacher lists (7: 0.5, 8: 0.1), (7: 0.6, 8: 0.1),
   * (9: 0.5, 8: 0.1), the student (7: 0.45, 8: 0.1), (7: 0.54, 8: 0.1), (7: 0.5, 8: 0.1): its third
   * target (9) is not in its list, so missing, and the slice has 3 counted positions but target.n =
   * 2. Sequence 2 (segment b): targets 7, 7; the teacher (7: 0.5), (7: 0.8), the student {@code
   * b0}, {@code b1} at 7. Teacher entropies (listed cells and the tail): 0.943, 0.898, 0.943,
   * 0.943, 0.639, all in the bucket 0.5-1.
   */
  private static DriftReport night(String out, LocalDate day, double b0, double b1) {
    StructType ts =
        new StructType()
            .add("sequence_id", DataTypes.LongType)
            .add("segment", DataTypes.StringType)
            .add("ids", IDS)
            .add("lp", LPS)
            .add("target", DataTypes.createArrayType(DataTypes.IntegerType));
    StructType ss =
        new StructType().add("sequence_id", DataTypes.LongType).add("ids", IDS).add("lp", LPS);
    List<Row> t =
        List.of(
            RowFactory.create(1L, "a", pairs(7, 7, 9), lists(0.5, 0.6, 0.5), List.of(7, 7, 9)),
            RowFactory.create(2L, "b", pairs(7, 7), lists(0.5, 0.8), List.of(7, 7)));
    List<Row> s =
        List.of(
            RowFactory.create(1L, pairs(7, 7, 7), lists(0.45, 0.54, 0.5)),
            RowFactory.create(2L, pairs(7, 7), lists(b0, b1)));
    DriftConfig c =
        SequenceFixtures.handWrittenTopK()
            .set("input.target_ids_column", "target")
            .set("output.path", out)
            .set("check.slice_ppl.metric", "target.ln_ppl_ratio")
            .set("check.slice_ppl.scope", "slice")
            .set("check.slice_ppl.warn", "0.2")
            .set("check.slice_ppl.alert", "0.5")
            .set("check.slice_ppl.min_n", "2")
            .set("check.slice_ppl_n.metric", "target.ln_ppl_ratio")
            .set("check.slice_ppl_n.scope", "slice")
            .set("check.slice_ppl_n.warn", "0.2")
            .set("check.slice_ppl_n.min_n", "3")
            .set("check.slice_ppl_change.metric", "target.ln_ppl_ratio")
            .set("check.slice_ppl_change.scope", "slice")
            .set("check.slice_ppl_change.type", "relative")
            .set("check.slice_ppl_change.warn", "0.5")
            .set("check.slice_ppl_change.alert", "1.5")
            .set("check.slice_ppl_change.min_n", "2")
            .set("check.bucket_dp.metric", "target.delta_p_rms")
            .set("check.bucket_dp.scope", "position")
            .set("check.bucket_dp.warn", "0.1")
            .set("check.bucket_dp.min_n", "2")
            .set("check.entropy_ppl.metric", "target.ln_ppl_ratio")
            .set("check.entropy_ppl.scope", "entropy")
            .set("check.entropy_ppl.warn", "0.2")
            .set("check.entropy_ppl.min_n", "2")
            .build();
    DriftReport r =
        KlDrift.analyze(SPARK, SPARK.createDataFrame(t, ts), SPARK.createDataFrame(s, ss), c, day);
    KlDrift.write(SPARK, r, out, day);
    return r;
  }

  @Test
  void targetChecksPerGroupGradeTheFirstNightAndCompareTheSecondWithIt(@TempDir Path tmp)
      throws Exception {
    String out = tmp.resolve("out").toString();
    LocalDate day1 = LocalDate.parse("2026-12-01");
    LocalDate day2 = LocalDate.parse("2026-12-02");
    try (DriftReport r = night(out, day1, 0.4, 0.5)) {
      Map<String, Summary.CheckResult> c = byCheckAndKey(r.summary().checks());
      assertThat(c.get("slice_ppl|a").value()).isCloseTo(A, within(1e-12));
      assertThat(c.get("slice_ppl|a").outcome()).isEqualTo("OK");
      assertThat(c.get("slice_ppl|b").value()).isCloseTo(B1, within(1e-12));
      assertThat(c.get("slice_ppl|b").outcome()).isEqualTo("WARN");
      assertThat(c.get("slice_ppl|b").scopeColumn()).isEqualTo("segment");
      // the sample is target.n (2 positions with a known target), not the 3 counted ones
      assertThat(c.get("slice_ppl|a").n()).isEqualTo(2);
      assertThat(c.get("slice_ppl_n|a").outcome()).isEqualTo("INSUFFICIENT_DATA");
      assertThat(c.get("slice_ppl_n|a").message()).isEqualTo("n = 2 is below min_n = 3");
      assertThat(c.get("slice_ppl_change|b").outcome()).isEqualTo("INSUFFICIENT_DATA");
      // Δp at position 0: −0.05 (a), −0.1 (b); at 1-3: −0.06 (a), −0.3 (b), a's third missing
      assertThat(c.get("bucket_dp|0").value())
          .isCloseTo(sqrt((0.05 * 0.05 + 0.1 * 0.1) / 2), within(1e-12));
      assertThat(c.get("bucket_dp|0").outcome()).isEqualTo("OK");
      assertThat(c.get("bucket_dp|1-3").value())
          .isCloseTo(sqrt((0.06 * 0.06 + 0.3 * 0.3) / 2), within(1e-12));
      assertThat(c.get("bucket_dp|1-3").outcome()).isEqualTo("WARN");
      assertThat(c.get("entropy_ppl|0.5-1").value()).isCloseTo((2 * A + 2 * B1) / 4, within(1e-12));
      assertThat(c.get("entropy_ppl|0.5-1").n()).isEqualTo(4);
      assertThat(c.get("entropy_ppl|0.5-1").outcome()).isEqualTo("WARN");
      assertThat(r.summary().status()).isEqualTo("WARN");
    }
    Map<String, Double> stored =
        KlDrift.history(SPARK, out)
            .where(
                col("scope")
                    .equalTo("slice")
                    .and(col("metric").equalTo("target.ln_ppl_ratio"))
                    .and(col("run_date").equalTo(day1.toString())))
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(x -> x.getAs("scope_value"), x -> x.getAs("value")));
    assertThat(stored.get("a")).isCloseTo(A, within(1e-12));
    assertThat(stored.get("b")).isCloseTo(B1, within(1e-12));

    try (DriftReport r = night(out, day2, 0.25, 0.4)) {
      Map<String, Summary.CheckResult> c = byCheckAndKey(r.summary().checks());
      assertThat(c.get("slice_ppl|b").value()).isCloseTo(B2, within(1e-12));
      assertThat(c.get("slice_ppl|b").outcome()).isEqualTo("ALERT");
      // b: ln(2)/2 -> ln 2 is +100%, between the warn (+50%) and alert (+150%) levels
      Summary.CheckResult change = c.get("slice_ppl_change|b");
      assertThat(change.baseline()).isCloseTo(B1, within(1e-12));
      assertThat(change.baselineRuns()).isEqualTo("run 2026-12-01");
      assertThat(change.outcome()).isEqualTo("WARN");
      assertThat(change.message()).startsWith("target.ln_ppl_ratio changed by +100.0% against");
      assertThat(c.get("slice_ppl_change|a").baseline()).isCloseTo(A, within(1e-12));
      assertThat(c.get("slice_ppl_change|a").outcome()).isEqualTo("OK");
    }
    Path run2 = Path.of(out, "run_date=" + day2);
    JsonNode checks =
        SummaryJson.mapper().readTree(run2.resolve("summary.json").toFile()).get("checks");
    JsonNode written = null;
    for (JsonNode x : checks) {
      if (x.get("name").asText().equals("slice_ppl_change")
          && x.get("scope_value").asText().equals("b")) {
        written = x;
      }
    }
    assertThat(written).isNotNull();
    assertThat(written.get("scope").asText()).isEqualTo("slice");
    assertThat(written.get("outcome").asText()).isEqualTo("WARN");
    assertThat(written.get("baseline").asDouble()).isCloseTo(B1, within(1e-12));
    String page = Files.readString(run2.resolve("report.html"));
    int start = page.indexOf("<section id=\"checks\">");
    assertThat(start).isNotNegative();
    assertThat(page.substring(start, page.indexOf("</section>", start)))
        .contains("slice_ppl_change (relative)", "target.ln_ppl_ratio", "slice segment=b")
        .contains("entropy 3=0.5-1");
  }

  private static Map<String, Summary.CheckResult> byCheckAndKey(List<Summary.CheckResult> all) {
    return all.stream()
        .filter(x -> x.scopeValue() != null)
        .collect(Collectors.toMap(x -> x.name() + "|" + x.scopeValue(), x -> x));
  }
}
