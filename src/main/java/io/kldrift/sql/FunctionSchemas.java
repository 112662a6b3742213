package io.kldrift.sql;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The result types of the kldrift SQL functions; field names are part of the public contract. */
public final class FunctionSchemas {
  private FunctionSchemas() {}

  /** The struct returned by {@code kldrift_metrics}: every per-example metric of DESIGN §2. */
  public static final StructType METRICS =
      new StructType(
          new StructField[] {
            field("kl", DataTypes.DoubleType, false),
            field("reverse_kl", DataTypes.DoubleType, false),
            field("js", DataTypes.DoubleType, false),
            field("teacher_entropy", DataTypes.DoubleType, false),
            field("student_entropy", DataTypes.DoubleType, false),
            field("cross_entropy", DataTypes.DoubleType, false),
            field("total_variation", DataTypes.DoubleType, false),
            field("teacher_top1", DataTypes.IntegerType, false),
            field("student_top1", DataTypes.IntegerType, false),
            field("agree", DataTypes.BooleanType, false),
            field("teacher_confidence", DataTypes.DoubleType, false),
            field("student_confidence", DataTypes.DoubleType, false),
            field("support_violations", DataTypes.IntegerType, false),
            field("reverse_support_violations", DataTypes.IntegerType, false),
            field("t2_kl", DataTypes.DoubleType, true)
          });

  /**
   * The struct returned by {@code topk_divergences}: the bounds and figures of one position of
   * top-k lists.
   */
  public static final StructType TOPK_DIVERGENCES =
      new StructType(
          new StructField[] {
            field("kl_bound", DataTypes.DoubleType, false),
            field("reverse_kl_bound", DataTypes.DoubleType, false),
            field("js_lower", DataTypes.DoubleType, false),
            field("js_upper", DataTypes.DoubleType, false),
            field("tv_lower", DataTypes.DoubleType, false),
            field("tv_upper", DataTypes.DoubleType, false),
            field("teacher_tail_mass", DataTypes.DoubleType, false),
            field("student_tail_mass", DataTypes.DoubleType, false),
            field("overlap", DataTypes.DoubleType, true),
            field("teacher_top1", DataTypes.LongType, true),
            field("student_top1", DataTypes.LongType, true),
            field("top1_rank", DataTypes.IntegerType, true),
            field("cells", DataTypes.IntegerType, false)
          });

  /** The struct returned by {@code sequence_kl_div}: the KL bound over a sequence's positions. */
  public static final StructType SEQUENCE_KL =
      new StructType(
          new StructField[] {
            field("mean", DataTypes.DoubleType, true),
            field("sum", DataTypes.DoubleType, false),
            field("max", DataTypes.DoubleType, true),
            field("positions", DataTypes.IntegerType, false),
            field("first_divergence", DataTypes.IntegerType, true)
          });

  private static StructField field(String name, org.apache.spark.sql.types.DataType t, boolean n) {
    return DataTypes.createStructField(name, t, n);
  }
}
