package io.kldrift.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The floor of a whole report process for the fixed-cost benchmark: the same JVM settings (it runs
 * through the jobs' launcher) and the same session as {@code jobs/drift-report}, reading both
 * tables, joining them on {@code example_id} and counting the matched rows and the values of both
 * arrays, so that a report's process can be set against the least any process doing its scan and
 * join pays. Arguments: teacher, student, the array column, then Spark settings as {@code
 * key=value}. Not a test.
 */
public final class FloorProcess {
  private FloorProcess() {}

  /** Entry point; prints the matched rows. */
  public static void main(String[] args) {
    SparkSession.Builder b = DriftJob.builder("kldrift floor", null);
    for (int i = 3; i < args.length; i++) {
      b.config(
          args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
    }
    SparkSession spark = b.getOrCreate();
    try {
      spark.sparkContext().setJobDescription("bench: scan + join + count");
      Dataset<Row> t =
          spark.read().parquet(args[0]).select(col("example_id"), col(args[2]).as("tp"));
      Dataset<Row> s =
          spark.read().parquet(args[1]).select(col("example_id"), col(args[2]).as("sp"));
      Row r =
          t.join(s, "example_id")
              .agg(count(lit(1)), sum(size(col("tp")).plus(size(col("sp")))))
              .first();
      System.out.println("matched " + r.getLong(0) + ", values " + r.getLong(1));
    } finally {
      spark.stop();
    }
  }
}
