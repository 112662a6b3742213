package io.kldrift.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.DriftException;
import io.kldrift.TestSpark;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader's batch follows the class count, and a class count no task can hold is refused before
 * any scan, with the arithmetic.
 */
class ReaderSizingTest {
  @TempDir Path tmp;

  @Test
  void anImpossibleClassCountFailsWithTheArithmetic() {
    // 8 B x 48 doubles x 4,000,000 classes = 1.536 GB, over a 1.00 GB task
    assertThatThrownBy(
            () -> ReaderSizing.checkFits(4_000_000, new ReaderSizing.Budget(1_000_000_000L, "x")))
        .isInstanceOf(DriftException.class)
        .satisfies(
            e -> assertThat(((DriftException) e).kind().exitCode()).isEqualTo(ExitCodes.RESOURCES))
        .hasMessageContaining("4,000,000 classes need at least 1.54 GB per task")
        .hasMessageContaining("each task has 1.00 GB (x)")
        .hasMessageContaining("KLDRIFT_DRIVER_MEMORY");
    // an LLM vocabulary of 128,000 classes needs 49 MB
    assertThatCode(
            () -> ReaderSizing.checkFits(128_000, new ReaderSizing.Budget(100_000_000L, "x")))
        .doesNotThrowAnyException();
  }

  @Test
  void theJobRefusesBeforeAnyScan() throws Exception {
    SparkSession spark = TestSpark.get();
    Path budgetSized = tmp.resolve("wide");
    ReaderSizing.Budget b = ReaderSizing.taskBytes(spark);
    // one class more than a task can hold: one row of that many floats, in one Parquet file
    int classes = (int) Math.min(Integer.MAX_VALUE - 8, b.perTask() / (8L * 48) + 1);
    float[] v = new float[classes];
    v[0] = 1f;
    StructType schema =
        new StructType()
            .add("example_id", DataTypes.LongType)
            .add("probs", DataTypes.createArrayType(DataTypes.FloatType, false));
    spark
        .createDataFrame(List.of(RowFactory.create(1L, v)), schema)
        .coalesce(1)
        .write()
        .parquet(budgetSized.toString());
    java.util.concurrent.atomic.AtomicLong bytesRead = new java.util.concurrent.atomic.AtomicLong();
    org.apache.spark.scheduler.SparkListener reads =
        new org.apache.spark.scheduler.SparkListener() {
          @Override
          public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
              bytesRead.addAndGet(end.taskMetrics().inputMetrics().bytesRead());
            }
          }
        };
    spark.sparkContext().addSparkListener(reads);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code =
          DriftJob.run(
              "--teacher",
              budgetSized.toString(),
              "--student",
              budgetSized.toString(),
              "--out",
              tmp.resolve("out").toString(),
              "--quiet");
    } finally {
      System.setErr(err);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(reads);
    }
    assertThat(code).isEqualTo(ExitCodes.RESOURCES);
    String line = captured.toString(StandardCharsets.UTF_8).strip();
    assertThat(line.lines()).as(line).hasSize(1);
    assertThat(line).contains(String.format(java.util.Locale.ROOT, "%,d classes need", classes));
    // only footers were read (Spark's schema inference), not the 4 B x classes of the row
    assertThat(bytesRead.get()).isLessThan(classes / 10);
    assertThat(tmp.resolve("out")).doesNotExist();
  }
}
