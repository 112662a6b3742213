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

  private static StructField field(String name, org.apache.spark.sql.types.DataType t, boolean n) {
    return DataTypes.createStructField(name, t, n);
  }
}
