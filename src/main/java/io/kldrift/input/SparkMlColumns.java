package io.kldrift.input;

import static org.apache.spark.sql.functions.col;

import io.kldrift.config.DriftConfig;
import io.kldrift.console.Progress;
import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Spark ML's {@code transform} output read as it comes (DESIGN §6): its {@code probability} vector
 * stands in for the default distribution column when that is absent, and a {@code rawPrediction}
 * given as logits that holds a tree ensemble's votes or a tree's leaf counts is refused before the
 * pass, from a handful of rows, instead of being turned into a confident but meaningless softmax.
 */
final class SparkMlColumns {
  /** Spark ML's probability column (a vector). */
  static final String PROBABILITY = "probability";

  /** Rows read to judge a logits column: enough to see a pattern, one small job. */
  static final int SAMPLE_ROWS = 20;

  private SparkMlColumns() {}

  /**
   * The configuration with {@code probability} as the distribution column of each table that lacks
   * the default column ({@code probs}, neither input.column nor the side's own key changed it) but
   * has Spark ML's probability vector, and the side reads probabilities; one warning line names the
   * tables.
   */
  static DriftConfig resolve(StructType teacher, StructType student, DriftConfig config) {
    DriftConfig resolved = config;
    List<String> sides = new ArrayList<>();
    if (useProbability(
        teacher, config.get(DriftConfig.TEACHER_COLUMN), config.get(DriftConfig.TEACHER_KIND))) {
      resolved = resolved.with(DriftConfig.TEACHER_COLUMN, PROBABILITY);
      sides.add("teacher");
    }
    if (useProbability(
        student, config.get(DriftConfig.STUDENT_COLUMN), config.get(DriftConfig.STUDENT_KIND))) {
      resolved = resolved.with(DriftConfig.STUDENT_COLUMN, PROBABILITY);
      sides.add("student");
    }
    if (!sides.isEmpty()) {
      Progress.warn(
          String.format(
              Locale.ROOT,
              "%s %s no column '%s'; reading Spark ML's '%s' vector instead (input.column names"
                  + " another)",
              String.join(" and ", sides) + (sides.size() == 1 ? " table" : " tables"),
              sides.size() == 1 ? "has" : "have",
              DriftConfig.INPUT_COLUMN.defaultText(),
              PROBABILITY));
    }
    return resolved;
  }

  private static boolean useProbability(StructType schema, String column, Kind kind) {
    return kind == Kind.PROBS
        && column.equals(DriftConfig.INPUT_COLUMN.defaultText())
        && schema.getFieldIndex(column).isEmpty()
        && schema.getFieldIndex(PROBABILITY).isDefined()
        && schema.apply(PROBABILITY).dataType().equals(SQLDataTypes.VectorType());
  }

  /**
   * Refuses a column of kind logits whose first {@link #SAMPLE_ROWS} vectors are evidently not
   * log-space scores: non-negative, and each summing to the same whole number (a random forest's
   * votes sum to its number of trees; 1 is probabilities) or all whole numbers (a decision tree's
   * leaf counts). Logits of a real model are almost never all non-negative, let alone so. Reads
   * those rows only when the kind is logits.
   */
  static void checkLogits(Dataset<Row> table, String side, String column, Kind kind) {
    if (kind != Kind.LOGITS) {
      return;
    }
    List<Row> rows =
        table
            .where(col(column).isNotNull())
            .select(PredictionInputs.asArray(table.schema(), column).cast("array<double>"))
            .limit(SAMPLE_ROWS)
            .collectAsList();
    List<double[]> vectors = new ArrayList<>();
    for (Row r : rows) {
      List<Object> values = r.getList(0);
      double[] v = new double[values.size()];
      for (int i = 0; i < v.length; i++) {
        if (!(values.get(i) instanceof Double d) || !Double.isFinite(d)) {
          return; // the row rules judge such rows
        }
        v[i] = d;
      }
      if (v.length > 0) {
        vectors.add(v);
      }
    }
    String found = evidence(vectors);
    if (found == null) {
      return;
    }
    throw InputErrors.notLogits(side, column, vectors.size(), found);
  }

  /** What the vectors show that logits would not, or null when they could be logits. */
  static String evidence(List<double[]> vectors) {
    if (vectors.size() < 2) {
      return null; // one row is too little to tell a pattern from chance
    }
    boolean whole = true;
    double firstSum = Double.NaN;
    boolean sameSum = true;
    for (double[] v : vectors) {
      double sum = 0;
      for (double x : v) {
        if (x < 0) {
          return null;
        }
        whole &= x == Math.rint(x);
        sum += x;
      }
      if (Double.isNaN(firstSum)) {
        firstSum = sum;
      }
      sameSum &= Math.abs(sum - firstSum) <= 1e-6 * Math.max(1, firstSum);
    }
    long total = Math.round(firstSum);
    if (sameSum && total >= 1 && Math.abs(firstSum - total) <= 1e-6 * total) {
      return total == 1
          ? "each sums to 1: probabilities"
          : "each sums to "
              + total
              + ": a tree ensemble's votes (a RandomForest's rawPrediction sums to its number of"
              + " trees)";
    }
    if (whole) {
      return "whole numbers: a decision tree's leaf counts (a DecisionTree's rawPrediction)";
    }
    return null;
  }
}
