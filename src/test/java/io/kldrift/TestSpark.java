package io.kldrift;

import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession every test class shares: local[2], UI off, few shuffle partitions,
 * loopback only. Surefire reuses one JVM, so the session starts once per suite.
 */
public final class TestSpark {
  private static SparkSession spark;

  private TestSpark() {}

  /** The shared session, created on first use; the jar's service entry installs the functions. */
  public static synchronized SparkSession get() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("kldrift-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.default.parallelism", "4")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.sql.warehouse.dir", "target/spark-warehouse")
              // Delta for the report.format=delta tests; measured not to slow the other tests.
              .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
              .config(
                  "spark.sql.catalog.spark_catalog",
                  "org.apache.spark.sql.delta.catalog.DeltaCatalog")
              // Delta's log replay in two tasks, as the jobs do locally (DeltaSession.tuneLocal).
              .config("spark.databricks.delta.snapshotPartitions", "2")
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }
}
