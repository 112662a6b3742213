package io.kldrift.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftException;
import io.kldrift.TestSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator inside a real CrossValidator over a distilled student's regularization: it picks
 * the student whose mean KL to the teacher is smallest, and its figures equal plain Java loops over
 * the collected probability vectors.
 */
class DivergenceEvaluatorTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  @Test
  void crossValidatorPicksTheStudentClosestToItsTeacher() {
    Dataset<Row> data = MlData.examples(1000, 5L);
    Model<?> teacher = MlData.teacher(data);
    Dataset<Row> withTeacher = MlData.withTeacher(teacher, data).cache();
    LogisticRegression student = MlData.student();
    ParamMap[] grid =
        new ParamGridBuilder().addGrid(student.regParam(), new double[] {0.0, 0.1, 1.0}).build();
    DivergenceEvaluator closest = new DivergenceEvaluator();
    assertThat(closest.isLargerBetter()).isFalse();
    CrossValidatorModel cv =
        new CrossValidator()
            .setEstimator(student)
            .setEstimatorParamMaps(grid)
            .setEvaluator(closest)
            .setNumFolds(2)
            .setSeed(3L)
            .setParallelism(2)
            .fit(withTeacher);
    double[] avg = cv.avgMetrics();
    int best = 0;
    for (int i = 1; i < avg.length; i++) {
      if (avg[i] < avg[best]) {
        best = i;
      }
    }
    assertThat(avg[0]).as("the grid's students differ").isNotCloseTo(avg[2], within(1e-6));
    double chosen = ((LogisticRegressionModel) cv.bestModel()).getRegParam();
    assertThat(chosen).isEqualTo((double) grid[best].get(student.regParam()).get());

    // the chosen student on all examples: every metric against plain Java
    Dataset<Row> scored = cv.bestModel().transform(withTeacher).cache();
    List<double[][]> pairs = MlData.pairs(scored, "teacher_probability", "probability");
    double kl = 0, reverse = 0, js = 0, agree = 0;
    for (double[][] pq : pairs) {
      kl += MlData.kl(pq[0], pq[1]);
      reverse += MlData.kl(pq[1], pq[0]);
      js += MlData.js(pq[0], pq[1]);
      agree += MlData.top1(pq[0]) == MlData.top1(pq[1]) ? 1 : 0;
    }
    int n = pairs.size();
    assertThat(n).isEqualTo(1000);
    assertThat(closest.evaluate(scored)).isCloseTo(kl / n, within(1e-12));
    assertThat(closest.setMetricName("reverse_kl").evaluate(scored))
        .isCloseTo(reverse / n, within(1e-12));
    assertThat(closest.setMetricName("js").evaluate(scored)).isCloseTo(js / n, within(1e-12));
    DivergenceEvaluator agreement = closest.copy(ParamMap.empty()).setMetricName("agreement");
    assertThat(agreement.isLargerBetter()).isTrue();
    assertThat(agreement.evaluate(scored)).isEqualTo(agree / n);
    assertThat(kl / n).isPositive();
  }

  @Test
  void paramsCopyAndSaveAndLoad() throws Exception {
    DivergenceEvaluator e =
        new DivergenceEvaluator()
            .setTeacherCol("t")
            .setStudentCol("s")
            .setTeacherKind("logits")
            .setMetricName("js");
    DivergenceEvaluator copy = e.copy(ParamMap.empty());
    assertThat(copy.uid()).isEqualTo(e.uid());
    assertThat(copy.getTeacherCol()).isEqualTo("t");
    String path = tmp.resolve("evaluator").toString();
    e.write().save(path);
    DivergenceEvaluator loaded = DivergenceEvaluator.load(path);
    assertThat(loaded.uid()).isEqualTo(e.uid());
    assertThat(loaded.getStudentCol()).isEqualTo("s");
    assertThat(loaded.getOrDefault(loaded.teacherKind())).isEqualTo("logits");
    assertThat(loaded.getMetricName()).isEqualTo("js");
    assertThatThrownBy(() -> e.setMetricName("accuracy"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void softmaxOfTheTeachersLogitsAndAMissingColumn() {
    Dataset<Row> df =
        spark.sql(
            "SELECT array(ln(3D), 0D) AS t, array(0.5D, 0.5D) AS s UNION ALL"
                + " SELECT array(0D, 0D), array(0.9D, 0.1D)");
    DivergenceEvaluator e =
        new DivergenceEvaluator().setTeacherCol("t").setStudentCol("s").setTeacherKind("logits");
    // softmax(ln 3, 0) = (0.75, 0.25); softmax(0, 0) = (0.5, 0.5)
    double expected =
        (MlData.kl(new double[] {0.75, 0.25}, new double[] {0.5, 0.5})
                + MlData.kl(new double[] {0.5, 0.5}, new double[] {0.9, 0.1}))
            / 2;
    assertThat(e.evaluate(df)).isCloseTo(expected, within(1e-12));
    assertThatThrownBy(() -> e.setStudentCol("probability").evaluate(df))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining(
            "the dataset has no column 'probability' (studentCol; columns: t, s)");
  }
}
