package io.kldrift.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.DriftException;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.job.ExitCodes;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * String labels are mapped through the class names (a name that is no class is counted, not
 * dropped), and input.temperature states its scope: only logits sides, an error without one.
 */
class LabelsAndTemperatureTest {
  private static final SparkSession spark = TestSpark.get();

  private static final StructType NAMED =
      new StructType()
          .add("example_id", DataTypes.LongType)
          .add("probs", DataTypes.createArrayType(DataTypes.DoubleType))
          .add("label", DataTypes.StringType);

  private static Dataset<Row> table(Object[][] rows) {
    return spark.createDataFrame(
        java.util.Arrays.stream(rows).map(RowFactory::create).toList(), NAMED);
  }

  @Test
  void stringLabelsMapThroughTheClassNames() {
    // teacher top-1 / student top-1 / label: 0 0 neg; 1 0 pos; 1 1 neg; 0 0 "dog" (no class)
    Dataset<Row> teacher =
        table(
            new Object[][] {
              {1L, new double[] {0.9, 0.1}, "neg"},
              {2L, new double[] {0.2, 0.8}, "pos"},
              {3L, new double[] {0.3, 0.7}, "neg"},
              {4L, new double[] {0.6, 0.4}, "dog"}
            });
    Dataset<Row> student =
        table(
            new Object[][] {
              {1L, new double[] {0.8, 0.2}, null},
              {2L, new double[] {0.6, 0.4}, null},
              {3L, new double[] {0.4, 0.6}, null},
              {4L, new double[] {0.7, 0.3}, null}
            });
    DriftConfig config = DriftConfig.builder().set("input.class_names", "neg,pos").build();
    DriftReport r = KlDrift.analyze(spark, teacher, student, config, LocalDate.of(2026, 12, 2));
    Summary s = r.summary();
    // teacher right on rows 1 and 2, student on row 1 only; "dog" is wrong for both
    assertThat(s.global().teacherAccuracy()).isEqualTo(0.5);
    assertThat(s.global().studentAccuracy()).isEqualTo(0.25);
    assertThat(s.inputs().labelsOutsideClasses()).isEqualTo(1L);
    List<ClassRow> classes = r.perClassRows();
    assertThat(classes.get(0).labelCount()).isEqualTo(2L);
    assertThat(classes.get(1).labelCount()).isEqualTo(1L);
  }

  @Test
  void stringLabelsWithoutClassNamesBlameTheClassNameSetting() {
    Dataset<Row> t = table(new Object[][] {{1L, new double[] {0.5, 0.5}, "neg"}});
    assertThatThrownBy(
            () ->
                KlDrift.analyze(
                    spark, t, t, DriftConfig.builder().build(), LocalDate.of(2026, 12, 2)))
        .isInstanceOf(DriftException.class)
        .satisfies(
            e -> assertThat(((DriftException) e).kind().exitCode()).isEqualTo(ExitCodes.USAGE))
        .hasMessageContaining("label column 'label' holds strings")
        .hasMessageContaining("input.class_names");
  }

  @Test
  void aTemperatureWithoutALogitsSideIsAConfigurationError() {
    assertThatThrownBy(() -> DriftConfig.builder().set("input.temperature", "2").build())
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("input.temperature = 2 applies only to logits")
        .hasMessageContaining("input.teacher.kind (probs)");
    DriftConfig ok =
        DriftConfig.builder()
            .set("input.temperature", "2")
            .set("input.student.kind", "logits")
            .build();
    assertThat(ok.get(DriftConfig.TEMPERATURE)).isEqualTo(2.0);
  }

  @Test
  void theSummaryStatesWhichSidesTheTemperatureApplied() {
    // student logits ln(3), 0 at T = 2: softmax(z / 2) = (sqrt 3, 1) / (sqrt 3 + 1)
    Dataset<Row> teacher = table(new Object[][] {{1L, new double[] {0.5, 0.5}, "neg"}});
    Dataset<Row> student = table(new Object[][] {{1L, new double[] {Math.log(3), 0}, null}});
    DriftConfig config =
        DriftConfig.builder()
            .set("input.class_names", "neg,pos")
            .set("input.temperature", "2")
            .set("input.student.kind", "logits")
            .build();
    Summary s =
        KlDrift.analyze(spark, teacher, student, config, LocalDate.of(2026, 12, 2)).summary();
    assertThat(s.inputs().temperature().value()).isEqualTo(2.0);
    assertThat(s.inputs().temperature().appliesTo()).containsExactly("student");
    double q0 = Math.sqrt(3) / (Math.sqrt(3) + 1), q1 = 1 - q0;
    double kl = 0.5 * Math.log(0.5 / q0) + 0.5 * Math.log(0.5 / q1);
    assertThat(s.global().kl().mean()).isCloseTo(kl, org.assertj.core.api.Assertions.within(1e-12));
  }
}
