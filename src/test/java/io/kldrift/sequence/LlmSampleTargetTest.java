package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The target figures of {@code sample-data/llm} (what the LLM quick start prints) against the same
 * figures written as plain Spark SQL over its tables: counted positions are the mask's, and each
 * side's log-probability of the target is its target_logprob column.
 */
class LlmSampleTargetTest {
  private static final Path DIR = Path.of("sample-data/llm");

  @Test
  void theQuickStartsTargetFiguresAreThoseOfItsTables() {
    SPARK.read().parquet(DIR.resolve("teacher").toString()).createOrReplaceTempView("llm_t");
    SPARK.read().parquet(DIR.resolve("student").toString()).createOrReplaceTempView("llm_s");
    Row e =
        SPARK
            .sql(
                "WITH t AS (SELECT sequence_id, pos, completion_mask[pos] AS counted,"
                    + " target_ids[pos] AS target, target_logprob[pos] AS lp"
                    + " FROM llm_t LATERAL VIEW posexplode(target_logprob) x AS pos, v),"
                    + " s AS (SELECT sequence_id, pos, target_logprob[pos] AS lp"
                    + " FROM llm_s LATERAL VIEW posexplode(target_logprob) x AS pos, v)"
                    + " SELECT count(*), exp(avg(-t.lp)), exp(avg(-s.lp)), avg(t.lp - s.lp),"
                    + " avg(exp(s.lp) - exp(t.lp)), sqrt(avg(pow(exp(s.lp) - exp(t.lp), 2)))"
                    + " FROM t JOIN s USING (sequence_id, pos) WHERE t.counted")
            .first();
    DriftConfig c = DriftConfig.builder().file(DIR.resolve("kldrift.properties")).build();
    try (DriftReport r =
        KlDrift.analyze(
            SPARK, SPARK.table("llm_t"), SPARK.table("llm_s"), c, SequenceFixtures.DAY)) {
      Summary.Target x = r.summary().global().target();
      assertThat(x.n()).isEqualTo(e.getLong(0)).isEqualTo(10_457L);
      assertThat(x.teacherPpl()).isCloseTo(e.getDouble(1), within(1e-9));
      assertThat(x.studentPpl()).isCloseTo(e.getDouble(2), within(1e-9));
      assertThat(x.lnPplRatio()).isCloseTo(e.getDouble(3), within(1e-12));
      assertThat(x.deltaPMean()).isCloseTo(e.getDouble(4), within(1e-12));
      assertThat(x.deltaPRms()).isCloseTo(e.getDouble(5), within(1e-12));
      // the figures the README's LLM quick start shows
      assertThat(e.getDouble(1)).isCloseTo(27.882600, within(5e-7));
      assertThat(e.getDouble(2)).isCloseTo(29.607660, within(5e-7));
      assertThat(e.getDouble(3)).isCloseTo(0.060030, within(5e-7));
      assertThat(e.getDouble(4)).isCloseTo(-0.003780, within(5e-7));
      assertThat(e.getDouble(5)).isCloseTo(0.056416, within(5e-7));
      // its tokenizer.json (byte-level BPE) lists "Ġof" at 3, "Ġand" at 5, "Ġthat" at 11, "Ġthe" at
      // 1 and "," at 2: the quick start's top tokens as text
      java.util.Map<Long, String> texts = new java.util.HashMap<>();
      r.summary().sequences().topTokens().forEach(t -> texts.put(t.tokenId(), t.token()));
      assertThat(texts)
          .containsEntry(3L, " of")
          .containsEntry(5L, " and")
          .containsEntry(11L, " that")
          .containsEntry(1L, " the")
          .containsEntry(2L, ",");
      assertThat(r.summary().sequences().vocabularySize()).isEqualTo(32_000);
    }
  }
}
