package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static java.lang.Math.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * vLLM's prompt_logprobs as they come (lists of {token_id, logprob, rank} structs, the actual token
 * added with its rank when it is not in the top-k, so a list has k or k+1 entries): with the
 * prompt's token ids as {@code input.target_ids_column}, every target's log-probability comes from
 * the lists, none is missing, and the figures are the hand-derived ones below.
 */
class SequenceVllmTargetTest {
  private static final StructType ENTRY =
      new StructType()
          .add("token_id", DataTypes.IntegerType)
          .add("logprob", DataTypes.DoubleType)
          .add("rank", DataTypes.IntegerType);
  private static final DataType LISTS = DataTypes.createArrayType(DataTypes.createArrayType(ENTRY));
  private static final StructType TABLE =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("prompt_logprobs", LISTS)
          .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType));

  private static Row e(int id, double p, int rank) {
    return RowFactory.create(id, log(p), rank);
  }

  /**
   * Position 0, actual token 9: the teacher's top-2 are 5 (0.6) and 7 (0.3), and vLLM adds 9 (0.05,
   * rank 4); the student lists 9 in its top-2 (5: 0.5, 9: 0.3). Position 1, actual token 3: both
   * list it (teacher 0.7, its top-1; student 0.4 after 4 at 0.5).
   */
  @Test
  void theActualTokensEntryGivesTheTargetLogProbability() {
    List<Row> t =
        List.of(
            RowFactory.create(
                1L,
                List.of(
                    List.of(e(5, 0.6, 1), e(7, 0.3, 2), e(9, 0.05, 4)),
                    List.of(e(3, 0.7, 1), e(4, 0.2, 2))),
                List.of(9, 3)));
    List<Row> s =
        List.of(
            RowFactory.create(
                1L,
                List.of(List.of(e(5, 0.5, 1), e(9, 0.3, 2)), List.of(e(4, 0.5, 1), e(3, 0.4, 2))),
                List.of(9, 3)));
    DriftConfig c =
        DriftConfig.builder()
            .set("input.layout", "sequence")
            .set("input.key_columns", "sequence_id")
            .set("input.column", "prompt_logprobs")
            .set("input.kind", "topk_log_probs")
            .set("input.target_ids_column", "token_ids")
            .build();
    try (DriftReport r =
        KlDrift.analyze(
            SPARK,
            SPARK.createDataFrame(t, TABLE),
            SPARK.createDataFrame(s, TABLE),
            c,
            SequenceFixtures.DAY)) {
      Summary.Target x = r.summary().global().target();
      assertThat(x.n()).isEqualTo(2);
      assertThat(x.teacherTargetMissing()).isZero();
      assertThat(x.studentTargetMissing()).isZero();
      assertThat(x.teacherNllMean()).isCloseTo(-(log(0.05) + log(0.7)) / 2, within(1e-12));
      assertThat(x.studentNllMean()).isCloseTo(-(log(0.3) + log(0.4)) / 2, within(1e-12));
      assertThat(x.deltaPMean()).isCloseTo(((0.3 - 0.05) + (0.4 - 0.7)) / 2, within(1e-12));
      assertThat(x.teacherAccuracy()).isEqualTo(0.5);
      assertThat(x.studentAccuracy()).isEqualTo(0.0);
      // the teacher's lists hold up to k + 1 = 3 entries: the added actual token
      assertThat(r.summary().sequences().teacherK()).isEqualTo(3);
    }
  }
}
