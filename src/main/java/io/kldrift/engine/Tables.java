package io.kldrift.engine;

import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The small report tables (per_class/, per_slice/, confusion/) as local Datasets; the sequence
 * layout's per_token/ is in {@link SequenceTables}.
 */
final class Tables {
  private Tables() {}

  static final StructType PER_CLASS =
      new StructType()
          .add("class_index", DataTypes.IntegerType, false)
          .add("class_name", DataTypes.StringType, false)
          .add("kl_contribution", DataTypes.DoubleType, false)
          .add("kl_share", DataTypes.DoubleType, true)
          .add("teacher_mean_prob", DataTypes.DoubleType, false)
          .add("student_mean_prob", DataTypes.DoubleType, false)
          .add("marginal_kl_term", DataTypes.DoubleType, false)
          .add("support_violations", DataTypes.LongType, false)
          .add("support_violation_kl", DataTypes.DoubleType, true)
          .add("teacher_top1_count", DataTypes.LongType, false)
          .add("teacher_top1_mean_kl", DataTypes.DoubleType, true)
          .add("teacher_top1_p95_kl", DataTypes.DoubleType, true)
          .add("teacher_top1_agreement", DataTypes.DoubleType, true)
          .add("student_top1_count", DataTypes.LongType, false)
          .add("label_count", DataTypes.LongType, true)
          .add("label_mean_kl", DataTypes.DoubleType, true)
          .add("label_p95_kl", DataTypes.DoubleType, true)
          .add("label_teacher_accuracy", DataTypes.DoubleType, true)
          .add("label_student_accuracy", DataTypes.DoubleType, true);

  static Dataset<Row> perClass(SparkSession spark, List<ClassRow> rows) {
    List<Row> out = new ArrayList<>();
    for (ClassRow r : rows) {
      out.add(
          RowFactory.create(
              r.classIndex(),
              r.className(),
              r.klContribution(),
              r.klShare(),
              r.teacherMeanProb(),
              r.studentMeanProb(),
              r.marginalKlTerm(),
              r.supportViolations(),
              r.supportViolationKl(),
              r.teacherTop1Count(),
              r.teacherTop1MeanKl(),
              r.teacherTop1P95Kl(),
              r.teacherTop1Agreement(),
              r.studentTop1Count(),
              r.labelCount(),
              r.labelMeanKl(),
              r.labelP95Kl(),
              r.labelTeacherAccuracy(),
              r.labelStudentAccuracy()));
    }
    return spark.createDataFrame(out, PER_CLASS);
  }

  /**
   * per_slice/: the figures of each slice value and its KL sketch ({@code kl_sketch}, DataSketches'
   * KLL format), so that SQL users can ask other quantiles with Spark's own functions: {@code
   * kll_sketch_get_quantile_double(kl_sketch, 0.999)}.
   */
  static Dataset<Row> perSlice(
      SparkSession spark, List<Summary.SliceSummary> slices, List<byte[]> sketches) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < slices.size(); i++) {
      rows.add(RowFactory.create(perSliceValues(slices.get(i), sketches.get(i))));
    }
    return spark.createDataFrame(rows, perSliceSchema());
  }

  /** The columns of per_slice/. */
  static StructType perSliceSchema() {
    StructType schema =
        new StructType()
            .add("slice_column", DataTypes.StringType, false)
            .add("slice_value", DataTypes.StringType, true)
            .add("n", DataTypes.LongType, false);
    for (String f :
        new String[] {
          "kl_mean",
          "kl_std",
          "kl_ci95_low",
          "kl_ci95_high",
          "kl_min",
          "kl_p50",
          "kl_p90",
          "kl_p95",
          "kl_p99",
          "kl_max",
          "js_mean",
          "js_p95",
          "agreement"
        }) {
      schema = schema.add(f, DataTypes.DoubleType, true);
    }
    return schema.add("kl_sketch", DataTypes.BinaryType, true);
  }

  /** One slice value's row of per_slice/. */
  static Object[] perSliceValues(Summary.SliceSummary s, byte[] sketch) {
    Summary.Stats kl = s.kl();
    return new Object[] {
      s.column(),
      s.value(),
      kl.n(),
      kl.mean(),
      kl.std(),
      kl.ci95Low(),
      kl.ci95High(),
      kl.min(),
      kl.p50(),
      kl.p90(),
      kl.p95(),
      kl.p99(),
      kl.max(),
      s.js().mean(),
      s.js().p95(),
      s.agreement().mean(),
      sketch
    };
  }

  static Dataset<Row> confusion(SparkSession spark, List<Summary.Confusion> pairs) {
    StructType schema =
        new StructType()
            .add("teacher_class_index", DataTypes.IntegerType, false)
            .add("teacher_class_name", DataTypes.StringType, false)
            .add("student_class_index", DataTypes.IntegerType, false)
            .add("student_class_name", DataTypes.StringType, false)
            .add("count", DataTypes.LongType, false)
            .add("mean_kl", DataTypes.DoubleType, false);
    List<Row> rows = new ArrayList<>();
    for (Summary.Confusion c : pairs) {
      rows.add(
          RowFactory.create(
              c.teacherClassIndex(),
              c.teacherClassName(),
              c.studentClassIndex(),
              c.studentClassName(),
              c.count(),
              c.meanKl()));
    }
    return spark.createDataFrame(rows, schema);
  }
}
