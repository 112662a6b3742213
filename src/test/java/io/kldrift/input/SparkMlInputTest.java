package io.kldrift.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Spark ML's conventions on tiny inline tables: labels written as doubles, keys of different
 * integer widths on the two sides.
 */
class SparkMlInputTest {
  private static final SparkSession spark = TestSpark.get();
  private static final LocalDate DAY = LocalDate.of(2026, 12, 7);

  private static Dataset<Row> table(DataType key, DataType label, Object[][] rows) {
    StructType schema =
        new StructType()
            .add("id", key)
            .add("probs", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", label);
    return spark.createDataFrame(Arrays.stream(rows).map(RowFactory::create).toList(), schema);
  }

  private static DriftConfig byId() {
    return DriftConfig.builder().set("input.key_columns", "id").build();
  }

  @Test
  void doubleLabelsAreClassIndicesAndANonIntegralOneIsOutsideTheClasses() {
    // teacher top-1 / student top-1 / label: 0 0 0.0; 1 0 1.0; 1 1 1.5; 0 1 NaN
    Object[][] t = {
      {1L, new double[] {0.9, 0.1}, 0.0},
      {2L, new double[] {0.2, 0.8}, 1.0},
      {3L, new double[] {0.3, 0.7}, 1.5},
      {4L, new double[] {0.6, 0.4}, Double.NaN}
    };
    Object[][] s = {
      {1L, new double[] {0.8, 0.2}, null},
      {2L, new double[] {0.6, 0.4}, null},
      {3L, new double[] {0.4, 0.6}, null},
      {4L, new double[] {0.4, 0.6}, null}
    };
    Summary sum =
        KlDrift.analyze(
                spark,
                table(DataTypes.LongType, DataTypes.DoubleType, t),
                table(DataTypes.LongType, DataTypes.DoubleType, s),
                byId(),
                DAY)
            .summary();
    assertThat(sum.inputs().labelsOutsideClasses()).isEqualTo(2L);
    // the teacher is right on rows 1 and 2, the student on row 1; 1.5 and NaN are wrong for both
    assertThat(sum.global().teacherAccuracy()).isEqualTo(0.5);
    assertThat(sum.global().studentAccuracy()).isEqualTo(0.25);
  }

  @Test
  void floatLabelsToo() {
    Object[][] rows = {
      {1L, new double[] {0.9, 0.1}, 0.0f}, {2L, new double[] {0.2, 0.8}, 2.5f},
    };
    Dataset<Row> t = table(DataTypes.LongType, DataTypes.FloatType, rows);
    Summary sum = KlDrift.analyze(spark, t, t, byId(), DAY).summary();
    assertThat(sum.inputs().labelsOutsideClasses()).isEqualTo(1L);
  }

  @Test
  void keysOfDifferentIntegerWidthsJoin() {
    List<Object[]> t = new ArrayList<>();
    List<Object[]> s = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      t.add(new Object[] {i, new double[] {0.5, 0.5}, 0.0});
      s.add(new Object[] {(long) i, new double[] {0.9, 0.1}, null});
    }
    s.add(new Object[] {5_000_000_000L, new double[] {0.9, 0.1}, null});
    DriftReport r =
        KlDrift.analyze(
            spark,
            table(DataTypes.IntegerType, DataTypes.DoubleType, t.toArray(Object[][]::new)),
            table(DataTypes.LongType, DataTypes.DoubleType, s.toArray(Object[][]::new)),
            byId(),
            DAY);
    Summary.Inputs in = r.summary().inputs();
    assertThat(in.matched()).isEqualTo(4L);
    assertThat(in.studentOnly()).isEqualTo(1L);
    double kl = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
    assertThat(r.summary().global().kl().mean()).isCloseTo(kl, within(1e-12));
  }

  @Test
  void keyTypesWidenAsSparkComparesThem() {
    assertThat(KeyTypes.wider(DataTypes.IntegerType, DataTypes.LongType))
        .isEqualTo(DataTypes.LongType);
    assertThat(KeyTypes.wider(DataTypes.ShortType, DataTypes.ByteType))
        .isEqualTo(DataTypes.ShortType);
    assertThat(KeyTypes.wider(DataTypes.StringType, DataTypes.createVarcharType(20)))
        .isEqualTo(DataTypes.StringType);
    assertThat(KeyTypes.wider(DataTypes.createCharType(4), DataTypes.createVarcharType(20)))
        .isEqualTo(DataTypes.StringType);
    assertThat(KeyTypes.wider(DataTypes.StringType, DataTypes.LongType)).isNull();
    assertThat(KeyTypes.wider(DataTypes.DoubleType, DataTypes.LongType)).isNull();
    assertThat(KeyTypes.wider(DataTypes.DateType, DataTypes.TimestampType)).isNull();
  }

  @Test
  void logitsThatAreVotesCountsOrProbabilitiesAreToldFromRealOnes() {
    assertThat(
            SparkMlColumns.evidence(
                List.of(new double[] {2.4, 1.1, 1.5}, new double[] {0.2, 4.3, 0.5})))
        .startsWith("each sums to 5: a tree ensemble's votes");
    assertThat(SparkMlColumns.evidence(List.of(new double[] {31, 2, 0}, new double[] {0, 5, 12})))
        .startsWith("whole numbers: a decision tree's leaf counts");
    assertThat(SparkMlColumns.evidence(List.of(new double[] {0.25, 0.75}, new double[] {0.5, 0.5})))
        .startsWith("each sums to 1: probabilities");
    // logits: a negative value, or sums that differ, or too few rows to tell
    assertThat(SparkMlColumns.evidence(List.of(new double[] {-0.3, 2.1}, new double[] {1, 2})))
        .isNull();
    assertThat(SparkMlColumns.evidence(List.of(new double[] {0.3, 2.1}, new double[] {1.5, 2})))
        .isNull();
    assertThat(SparkMlColumns.evidence(List.<double[]>of(new double[] {2, 3}))).isNull();
  }

  @Test
  void probabilityStandsInOnlyForTheDefaultColumnOfProbabilities() {
    StructType ml =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("probability", org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
    Dataset<Row> teacher =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1L, org.apache.spark.ml.linalg.Vectors.dense(0.5, 0.5)),
                RowFactory.create(2L, org.apache.spark.ml.linalg.Vectors.dense(0.9, 0.1))),
            ml);
    Dataset<Row> student =
        table(
            DataTypes.LongType,
            DataTypes.DoubleType,
            new Object[][] {
              {1L, new double[] {0.9, 0.1}, null}, {2L, new double[] {0.9, 0.1}, null}
            });
    DriftReport r = KlDrift.analyze(spark, teacher, student, byId(), DAY);
    assertThat(r.summary().config())
        .containsEntry("input.teacher.column", "probability")
        .containsEntry("input.student.column", "probs");
    double kl = (0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1)) / 2;
    assertThat(r.summary().global().kl().mean()).isCloseTo(kl, within(1e-12));

    for (String[] conf :
        List.of(
            new String[] {"input.column", "scores"},
            new String[] {"input.teacher.kind", "logits"})) {
      DriftConfig c =
          DriftConfig.builder().set("input.key_columns", "id").set(conf[0], conf[1]).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> KlDrift.analyze(spark, teacher, student, c, DAY))
          .as(conf[0])
          .isInstanceOf(io.kldrift.DriftException.class)
          .hasMessageContaining("teacher table has no distribution column")
          .hasMessageContaining("Fix: set input.teacher.column (or input.column for both tables)");
    }
  }
}
