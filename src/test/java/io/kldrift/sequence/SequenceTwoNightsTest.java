package io.kldrift.sequence;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.TestSpark;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import io.kldrift.summary.SummaryJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nights of LLM logs through the job, as a user runs them: night 1 is sample-like, night 2 the
 * same logs but for the student on segment=code, whose drift tokens fall further. The second
 * night's page and summary.json say what changed against the first and put the rise on that slice,
 * and neither night writes class tables.
 */
class SequenceTwoNightsTest {
  private static final SparkSession SPARK = TestSpark.get();

  /** 60 sample-like sequences of 16–64 tokens, top-20 of 32,000, drift tokens 3, 5 and 11. */
  private static Spec spec(double drift) {
    return new Spec(
        60,
        7,
        Spec.VOCAB_DEFAULT,
        Spec.TOP_K_DEFAULT,
        16,
        64,
        0,
        0,
        Spec.DRIFT_TOKENS_DEFAULT,
        drift,
        Shape.ARRAYS,
        1,
        false);
  }

  @Test
  void theSecondNightSaysWhatChangedAndWhere(@TempDir Path tmp) throws Exception {
    Path night1 = tmp.resolve("night1");
    Path drifted = tmp.resolve("drifted");
    SequenceSampleGenerator.generate(SPARK, spec(1.5), night1.toString());
    SequenceSampleGenerator.generate(SPARK, spec(6.0), drifted.toString());
    Path student2 = tmp.resolve("night2-student");
    studentDriftedOnCode(night1, drifted).write().parquet(student2.toString());
    String out = tmp.resolve("out").toString();

    int first =
        run(night1.resolve("teacher"), night1.resolve("student"), night1, out, "2026-12-01");
    int second = run(night1.resolve("teacher"), student2, night1, out, "2026-12-02");

    assertThat(first).isEqualTo(ExitCodes.OK);
    assertThat(second).isIn(ExitCodes.OK, ExitCodes.ALERT);
    Path day = Path.of(out, "run_date=2026-12-02");
    String page = Files.readString(day.resolve("report.html"));
    JsonNode summary = SummaryJson.mapper().readTree(day.resolve("summary.json").toFile());
    JsonNode change = summary.get("change");

    assertThat(sentence(page))
        .startsWith("Mean KL per token ")
        .contains(" nats (lower bound), up ", "from the baseline ", "(run 2026-12-01)")
        .contains("of the rise is in segment=code");
    assertThat(section(page, "change"))
        .contains("against run 2026-12-01", "By segment", "By position in the sequence")
        .contains("By teacher top-1 token", "<td class=\"name\">code</td>");
    assertThat(page).contains("class=\"baseline-hist\"", "id=\"kl-trend\"");

    assertThat(change.get("direction").asText()).isEqualTo("up");
    JsonNode bySlice = change.get("by_slice").get(0);
    assertThat(bySlice.get("dimension").asText()).isEqualTo("segment");
    JsonNode main = bySlice.get("parts").get(0);
    assertThat(main.get("name").asText()).isEqualTo("code");
    assertThat(main.get("role").asText()).isEqualTo("driver");
    assertThat(main.get("share").asDouble()).isGreaterThan(0.5);
    for (String view : List.of("by_position", "by_token")) {
      JsonNode a = change.get(view);
      assertThat(a.get("increases").asDouble() - a.get("decreases").asDouble())
          .as("%s adds up to the change", view)
          .isCloseTo(change.get("delta").asDouble(), within(1e-9));
    }
    assertThat(change.has("by_class")).isFalse();

    List<String> tables = new ArrayList<>();
    summary.get("tables").forEach(t -> tables.add(t.asText()));
    assertThat(tables).doesNotContain("per_class", "confusion").contains("per_slice");
    assertThat(day.resolve("per_class")).doesNotExist();
    assertThat(day.resolve("confusion")).doesNotExist();
    assertThat(Path.of(out, "run_date=2026-12-01", "per_class")).doesNotExist();
  }

  /** Night 1's student, with the drifted generation's rows for the sequences of segment=code. */
  private static Dataset<Row> studentDriftedOnCode(Path night1, Path drifted) {
    Dataset<Row> segments =
        SPARK.read().parquet(night1.resolve("teacher").toString()).select("sequence_id", "segment");
    Dataset<Row> code = segments.where(col("segment").equalTo("code"));
    Dataset<Row> other = segments.where(col("segment").notEqual("code"));
    Dataset<Row> calm =
        SPARK
            .read()
            .parquet(night1.resolve("student").toString())
            .join(other, "sequence_id", "left_semi");
    Dataset<Row> worse =
        SPARK
            .read()
            .parquet(drifted.resolve("student").toString())
            .join(code, "sequence_id", "left_semi");
    return calm.unionByName(worse).coalesce(1);
  }

  private static int run(Path teacher, Path student, Path configDir, String out, String date) {
    return DriftJob.run(
        "--teacher",
        teacher.toString(),
        "--student",
        student.toString(),
        "--config",
        configDir.resolve("kldrift.properties").toString(),
        "--out",
        out,
        "--run-date",
        date,
        "--quiet");
  }

  private static String sentence(String page) {
    int start = page.indexOf("<p class=\"lede\">") + "<p class=\"lede\">".length();
    return page.substring(start, page.indexOf("</p>", start));
  }

  private static String section(String page, String id) {
    int start = page.indexOf("<section id=\"" + id + "\">");
    assertThat(start).as("section %s", id).isNotNegative();
    return page.substring(start, page.indexOf("</section>", start));
  }
}
