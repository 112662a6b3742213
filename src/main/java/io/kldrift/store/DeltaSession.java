package io.kldrift.store;

import io.kldrift.config.DriftConfig;
import io.kldrift.config.InputFormat;
import io.kldrift.config.ReportFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session settings that Delta tables need, for Delta report roots and Delta inputs: the
 * jobs add them when a run reads or writes Delta, and a run refuses a session without them.
 */
public final class DeltaSession {
  static final String EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
  static final String CATALOG_KEY = "spark.sql.catalog.spark_catalog";
  static final String CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

  private DeltaSession() {}

  /** True when any of the given {@code report.format} / {@code input.format} values is Delta. */
  public static boolean needed(DriftConfig config) {
    return config.reportFormat() == ReportFormat.DELTA || config.inputFormat() == InputFormat.DELTA;
  }

  /**
   * Adds Delta's session extension (comma-joined with any {@code spark.sql.extensions} already
   * given, in {@code sparkConf} or by spark-submit) and catalog to a session builder. kldrift's own
   * extension comes from the jar's service entry and needs no setting.
   */
  public static void configure(SparkSession.Builder builder, Map<String, String> sparkConf) {
    String ext =
        sparkConf.getOrDefault(
            "spark.sql.extensions", new SparkConf().get("spark.sql.extensions", ""));
    List<String> all = new ArrayList<>();
    for (String e : ext.split(",")) {
      if (!e.isBlank()) {
        all.add(e.trim());
      }
    }
    if (!all.contains(EXTENSION)) {
      all.add(EXTENSION);
    }
    builder.config("spark.sql.extensions", String.join(",", all));
    builder.config(
        CATALOG_KEY,
        sparkConf.getOrDefault(CATALOG_KEY, new SparkConf().get(CATALOG_KEY, CATALOG)));
  }

  /** Delta's setting for the number of tasks that rebuild a table's state from its log. */
  static final String SNAPSHOT_PARTITIONS = "spark.databricks.delta.snapshotPartitions";

  /**
   * Sizes Delta's log replay for a local session a kldrift job started: one task per local core
   * instead of Delta's 50, unless the setting is given. A report's logs hold a few commits per
   * night, and every table read or write replays one, so 50 tasks on a laptop's cores cost the
   * quick start half its time (56 s against 25 s for the sample's second night). Clusters keep
   * Delta's default.
   */
  public static void tuneLocal(SparkSession spark) {
    if (available()
        && spark.sparkContext().isLocal()
        && spark.conf().getOption(SNAPSHOT_PARTITIONS).isEmpty()) {
      int cores = Math.max(1, Math.min(50, spark.sparkContext().defaultParallelism()));
      spark.conf().set(SNAPSHOT_PARTITIONS, Integer.toString(cores));
    }
  }

  /** True when Delta Lake's classes are on the class path. */
  public static boolean available() {
    try {
      Class.forName(EXTENSION, false, DeltaSession.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Refuses, with the settings to add, a session that cannot read or write Delta tables. */
  public static void requireSession(SparkSession spark, String key) {
    if (!available()) {
      throw StoreErrors.noDelta(key);
    }
    String ext = spark.conf().get("spark.sql.extensions", "");
    String catalog = spark.conf().get(CATALOG_KEY, "");
    if (!Arrays.asList(ext.split("\\s*,\\s*")).contains(EXTENSION) || !catalog.equals(CATALOG)) {
      throw StoreErrors.noDeltaSession(key, EXTENSION, CATALOG_KEY, CATALOG);
    }
  }
}
