package io.kldrift.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The KL of clipped cells (support violations) on a case small enough to derive by hand, kept in
 * the one pass, merged as a sum, and unknown (never invented) for states written before it was
 * kept.
 *
 * <p>Three examples of two classes, epsilon 1e-12 (ln 1e-12 = -27.6310211):
 *
 * <ul>
 *   <li>1: P = (0.5, 0.5), Q = (1, 0). Class 1 is clipped: 0.5·ln(0.5/1e-12) = 13.4689370; class 0
 *       adds 0.5·ln 0.5 = -0.3465736; KL1 = 13.1223634.
 *   <li>2: P = (0.75, 0.25), Q = (0.25, 0.75): KL2 = 0.75·ln 3 - 0.25·ln 3 = 0.5·ln 3 = 0.5493061.
 *   <li>3: P = (1, 0), Q = (0.5, 0.5): KL3 = ln 2 = 0.6931472; Q(1) > 0 = P(1) is a reverse
 *       violation.
 * </ul>
 *
 * Mean KL = 14.3648166 / 3 = 4.7882722; the clipped cells carry 13.4689370 / 3 = 4.4896457 of it, a
 * share of 13.4689370 / 14.3648166 = 0.9376338; without them the mean KL is (-0.3465736 + 0.5493061
 * + 0.6931472) / 3 = 0.2986266. Per class: class 1's clipped KL is 4.4896457, class 0's is 0.
 */
class SupportViolationKlTest {
  private static final SparkSession spark = TestSpark.get();

  private static final double EPS = 1e-12;
  private static final double CLIPPED = 0.5 * Math.log(0.5 / EPS);
  private static final double KL1 = 0.5 * Math.log(0.5) + CLIPPED;
  private static final double KL2 = 0.5 * Math.log(3);
  private static final double KL3 = Math.log(2);

  private static final StructType SCHEMA =
      new StructType()
          .add("example_id", DataTypes.LongType)
          .add("probs", DataTypes.createArrayType(DataTypes.DoubleType, false));

  private static Dataset<Row> table(double[]... rows) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      out.add(RowFactory.create((long) i + 1, rows[i]));
    }
    return spark.createDataFrame(out, SCHEMA);
  }

  private static final Dataset<Row> TEACHER =
      table(new double[] {0.5, 0.5}, new double[] {0.75, 0.25}, new double[] {1, 0});
  private static final Dataset<Row> STUDENT =
      table(new double[] {1, 0}, new double[] {0.25, 0.75}, new double[] {0.5, 0.5});

  private static final DriftConfig CONFIG = DriftConfig.builder().build();

  private static DriftState pass(Dataset<Row> t, Dataset<Row> s) {
    return OnePass.run(
        spark, PredictionInputs.prepare(t, s, CONFIG, Layout.of(CONFIG)), CONFIG, "2026-11-01");
  }

  private static Finisher.Finished finish(DriftState s) {
    return Finisher.finish(
        spark, CONFIG, s, PredictionInputs.prepare(TEACHER, STUDENT, CONFIG, Layout.of(CONFIG)));
  }

  @Test
  void theShareOfTheMeanKlFromClippedCellsByHand() {
    Finisher.Finished f = finish(pass(TEACHER, STUDENT));
    Summary.Global g = f.global();
    double mean = (KL1 + KL2 + KL3) / 3;
    assertThat(g.kl().mean()).isCloseTo(4.7882722, within(1e-7)).isCloseTo(mean, within(1e-14));
    assertThat(g.supportViolationKlShare())
        .isCloseTo(0.9376338, within(1e-7))
        .isCloseTo(CLIPPED / (KL1 + KL2 + KL3), within(1e-15));
    assertThat(g.klWithoutViolations())
        .isCloseTo(0.2986266, within(1e-7))
        .isCloseTo((KL1 - CLIPPED + KL2 + KL3) / 3, within(1e-14));
    assertThat(f.classRows().get(0).supportViolationKl()).isZero();
    assertThat(f.classRows().get(1).supportViolationKl())
        .isCloseTo(4.4896457, within(1e-7))
        .isCloseTo(CLIPPED / 3, within(1e-14));
    assertThat(f.classRows().get(1).supportViolations()).isEqualTo(1);
    Summary.SupportViolations v = f.inputs().supportViolations();
    assertThat(List.of(v.examples(), v.total(), v.reverseExamples())).containsExactly(1L, 1L, 1L);
    List<Row> table = f.perClass().select("class_index", "support_violation_kl").collectAsList();
    assertThat(table.get(1).getDouble(1)).isCloseTo(CLIPPED / 3, within(1e-14));
  }

  @Test
  void mergedStatesAddTheClippedKlAsTheUnionDoes() {
    Finisher.Finished whole = finish(pass(TEACHER, STUDENT));
    Dataset<Row> first = TEACHER.where("example_id = 1");
    Dataset<Row> rest = TEACHER.where("example_id > 1");
    byte[] a = pass(first, STUDENT.where("example_id = 1")).bytes();
    byte[] b = pass(rest, STUDENT.where("example_id > 1")).bytes();
    DriftState merged = DriftState.read(b, "b").merge(DriftState.read(a, "a"));
    Finisher.Finished f = finish(DriftState.read(merged.bytes(), "merged"));
    assertThat(f.global().supportViolationKlShare())
        .isCloseTo(whole.global().supportViolationKlShare(), within(1e-15));
    assertThat(f.global().klWithoutViolations())
        .isCloseTo(whole.global().klWithoutViolations(), within(1e-14));
    assertThat(f.classRows().get(1).supportViolationKl())
        .isCloseTo(whole.classRows().get(1).supportViolationKl(), within(1e-15));
    // the part without the violating example has none: share 0, the mean unchanged
    Finisher.Finished clean = finish(DriftState.read(b, "b"));
    assertThat(clean.global().supportViolationKlShare()).isEqualTo(0.0);
    assertThat(clean.global().klWithoutViolations()).isEqualTo(clean.global().kl().mean());
  }

  @Test
  void statesOfFormatTwoStayReadableWithTheClippedKlUnknown() {
    DriftState whole = pass(TEACHER, STUDENT);
    DriftState old = DriftState.read(whole.bytes(2), "format 2");
    Finisher.Finished f = finish(old);
    assertThat(f.global().kl().mean()).isEqualTo(finish(whole).global().kl().mean());
    assertThat(f.inputs().supportViolations().examples()).isEqualTo(1);
    assertThat(f.global().supportViolationKlShare()).isNull();
    assertThat(f.global().klWithoutViolations()).isNull();
    assertThat(f.classRows().get(1).supportViolationKl()).isNull();
    assertThat(f.classRows().get(0).supportViolationKl()).as("no violation: known 0").isZero();
    // merged with a day of the new format, the sum is still unknown
    DriftState day = pass(TEACHER.where("example_id = 1"), STUDENT.where("example_id = 1"));
    Finisher.Finished both = finish(DriftState.read(whole.bytes(2), "old").merge(day));
    assertThat(both.global().supportViolationKlShare()).isNull();
    // ... and a format 2 state without violations is known to have no clipped KL
    DriftState clean = pass(TEACHER.where("example_id > 1"), STUDENT.where("example_id > 1"));
    Finisher.Finished c = finish(DriftState.read(clean.bytes(2), "old clean"));
    assertThat(c.global().supportViolationKlShare()).isEqualTo(0.0);
    // a rollup writes the merged state in the current format, the unknown count with it
    DriftState again = DriftState.read(DriftState.read(whole.bytes(2), "old").bytes(), "again");
    assertThat(finish(again).global().supportViolationKlShare()).isNull();
  }
}
