package io.kldrift.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * global.kl carries the quantiles llama.cpp lists below the median and above p99 (0.1%, 1%, 5%,
 * 10%, 99.9%) in the example layout too. With 1,000 examples of KL = i·c (i = 1..1000) the sketch
 * holds every value (below its compaction size), so each quantile is the value at that rank.
 */
class KlTailQuantilesTest {
  private static final SparkSession SPARK = TestSpark.get();

  @Test
  void theTailQuantilesOfKlAreTheValuesAtTheirRanks() {
    StructType schema =
        new StructType()
            .add("example_id", DataTypes.LongType)
            .add("probs", DataTypes.createArrayType(DataTypes.DoubleType));
    List<Row> t = new ArrayList<>();
    List<Row> s = new ArrayList<>();
    double[] kl = new double[1001];
    for (int i = 1; i <= 1000; i++) {
      // teacher (1/2, 1/2), student (q, 1 - q): KL = -ln(4 q (1 - q)) / 2, increasing as q falls
      double q = 0.5 - 0.4 * i / 1000.0;
      t.add(RowFactory.create((long) i, List.of(0.5, 0.5)));
      s.add(RowFactory.create((long) i, List.of(q, 1 - q)));
      kl[i] = -Math.log(4 * q * (1 - q)) / 2;
    }
    DriftConfig c = DriftConfig.builder().build();
    try (DriftReport r =
        KlDrift.analyze(
            SPARK,
            SPARK.createDataFrame(t, schema),
            SPARK.createDataFrame(s, schema),
            c,
            LocalDate.parse("2026-11-28"))) {
      Summary.Stats x = r.summary().global().kl();
      assertThat(x.min()).isCloseTo(kl[1], within(1e-12));
      assertThat(x.p001()).isCloseTo(kl[1], within(1e-12));
      assertThat(x.p01()).isCloseTo(kl[10], within(1e-12));
      assertThat(x.p05()).isCloseTo(kl[50], within(1e-12));
      assertThat(x.p10()).isCloseTo(kl[100], within(1e-12));
      assertThat(x.p999()).isCloseTo(kl[999], within(1e-12));
      assertThat(x.max()).isCloseTo(kl[1000], within(1e-12));
    }
  }
}
