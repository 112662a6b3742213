package io.kldrift.ml;

import static org.apache.spark.sql.functions.col;

import io.kldrift.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Generated data as a Spark ML user has it ({@code id int, label double, features}), a teacher
 * trained on it (a small multilayer perceptron) and a student distilled from the teacher's
 * predicted labels (a logistic regression), and plain-Java divergences to check kldrift against.
 */
final class MlData {
  static final int CLASSES = 3;

  private MlData() {}

  /** {@code n} examples of three overlapping Gaussian clusters in four dimensions. */
  static Dataset<Row> examples(int n, long seed) {
    Random rnd = new Random(seed);
    double[][] centers = {{0, 0, 1, 0}, {1.5, 0.5, 0, 0}, {0.5, 1.5, 0, 1}};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int c = rnd.nextInt(CLASSES);
      double[] x = new double[4];
      for (int d = 0; d < 4; d++) {
        x[d] = centers[c][d] + rnd.nextGaussian() * 0.8;
      }
      rows.add(RowFactory.create(i, (double) c, Vectors.dense(x)));
    }
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType)
            .add("label", DataTypes.DoubleType)
            .add("features", SQLDataTypes.VectorType());
    return TestSpark.get().createDataFrame(rows, schema).coalesce(1);
  }

  /** A teacher: a perceptron with one hidden layer, a few iterations. */
  static Model<?> teacher(Dataset<Row> data) {
    return new MultilayerPerceptronClassifier()
        .setLayers(new int[] {4, 8, CLASSES})
        .setMaxIter(30)
        .setSeed(11L)
        .fit(data);
  }

  /**
   * The examples beside the teacher's predictions: {@code teacher_label} (its top-1 class, the
   * student's training label) and {@code teacher_probability}.
   */
  static Dataset<Row> withTeacher(Model<?> teacher, Dataset<Row> data) {
    return teacher
        .transform(data)
        .select(
            col("id"),
            col("label"),
            col("features"),
            col("prediction").as("teacher_label"),
            col("probability").as("teacher_probability"));
  }

  /** A student estimator that learns the teacher's predicted labels. */
  static LogisticRegression student() {
    return new LogisticRegression().setLabelCol("teacher_label").setMaxIter(10);
  }

  /** KL(p||q) = sum p ln(p/q), a term with p = 0 contributing 0. */
  static double kl(double[] p, double[] q) {
    double s = 0;
    for (int c = 0; c < p.length; c++) {
      if (p[c] > 0) {
        s += p[c] * Math.log(p[c] / q[c]);
      }
    }
    return s;
  }

  /** Jensen-Shannon divergence, natural log. */
  static double js(double[] p, double[] q) {
    double[] m = new double[p.length];
    for (int c = 0; c < p.length; c++) {
      m[c] = (p[c] + q[c]) / 2;
    }
    return kl(p, m) / 2 + kl(q, m) / 2;
  }

  static int top1(double[] p) {
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }

  /** The two vector columns of every row, as arrays. */
  static List<double[][]> pairs(Dataset<Row> df, String teacher, String student) {
    List<double[][]> out = new ArrayList<>();
    for (Row r : df.select(col(teacher), col(student)).collectAsList()) {
      out.add(new double[][] {((Vector) r.get(0)).toArray(), ((Vector) r.get(1)).toArray()});
    }
    return out;
  }
}
