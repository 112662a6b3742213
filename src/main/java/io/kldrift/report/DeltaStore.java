package io.kldrift.report;

import static org.apache.spark.sql.functions.col;

import io.kldrift.DriftException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The layout of a report root written with {@code report.format=delta}, and its readers: every
 * table is a Delta table {@code <root>/<table>/} partitioned by {@code run} (the run folder name,
 * {@code run_date=YYYY-MM-DD} or {@code rollup=NAME}) and {@code run_id} (one id per write); the
 * {@code runs} table is the commit point, one row per run naming the run id whose rows count.
 * Readers join on it, so a run whose commit row is missing (killed, or the loser of a race) is
 * never read.
 */
public final class DeltaStore {
  /** The commit-point table: one row per run, naming the committed run id. */
  public static final String RUNS = "runs";

  /** The metrics history table, partitioned by {@code run_date} and {@code run_id}. */
  public static final String HISTORY = "history";

  /** The table of serialized drift states, the input of rollups. */
  public static final String STATES = "drift_state";

  /** The partition columns of the report tables. */
  public static final String RUN = "run", RUN_ID = "run_id";

  static final String EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
  static final String CATALOG_KEY = "spark.sql.catalog.spark_catalog";
  static final String CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

  private DeltaStore() {}

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
      Class.forName(EXTENSION, false, DeltaStore.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Refuses, with the settings to add, a session that cannot read or write Delta tables. */
  public static void requireSession(SparkSession spark, String key) {
    if (!available()) {
      throw DriftException.invalidConfig(
          key + "=delta needs Delta Lake, which is not on the class path",
          "add --packages io.delta:delta-spark_2.13:4.4.0 to spark-submit (the local launcher has"
              + " it)");
    }
    String ext = spark.conf().get("spark.sql.extensions", "");
    String catalog = spark.conf().get(CATALOG_KEY, "");
    if (!Arrays.asList(ext.split("\\s*,\\s*")).contains(EXTENSION) || !catalog.equals(CATALOG)) {
      throw DriftException.invalidConfig(
          key + "=delta needs a session built with Delta's extension and catalog",
          "build the session with spark.sql.extensions="
              + EXTENSION
              + " and "
              + CATALOG_KEY
              + "="
              + CATALOG
              + " (the kldrift jobs do this themselves)");
    }
  }

  /** True when {@code <root>/runs} is a Delta table, i.e. the root holds Delta reports. */
  public static boolean isDeltaRoot(SparkSession spark, String root) {
    Path log = new Path(new Path(root, RUNS), "_delta_log");
    try {
      return log.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot inspect " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses to mix the formats under one root: Parquet reports where Delta ones are asked for, or
   * the reverse.
   */
  public static void checkFormat(SparkSession spark, String root, String format) {
    boolean delta = isDeltaRoot(spark, root);
    Path history = new Path(root, HISTORY);
    boolean parquet;
    try {
      FileSystem fs = history.getFileSystem(spark.sparkContext().hadoopConfiguration());
      parquet = fs.exists(history) && !fs.exists(new Path(history, "_delta_log"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot inspect " + history + ": " + e.getMessage(), e);
    }
    if (format.equals("delta") && parquet) {
      throw DriftException.invalidConfig(
          "output path " + root + " holds Parquet reports (history/ is not a Delta table)",
          "choose a new --out for report.format=delta, or keep report.format=parquet there");
    }
    if (format.equals("parquet") && delta) {
      throw DriftException.invalidConfig(
          "output path " + root + " holds Delta reports (runs/ is a Delta table)",
          "set report.format=delta for this root, or choose another --out");
    }
  }

  /** One run's serialized drift state as the one row of its {@link #STATES} partition. */
  public static Dataset<Row> stateRow(SparkSession spark, byte[] state) {
    return spark.createDataFrame(
        List.of(org.apache.spark.sql.RowFactory.create((Object) state)),
        new org.apache.spark.sql.types.StructType()
            .add("state", org.apache.spark.sql.types.DataTypes.BinaryType, false));
  }

  static Path table(String root, String name) {
    return new Path(root, name);
  }

  static Dataset<Row> read(SparkSession spark, String root, String name) {
    return spark.read().format("delta").load(table(root, name).toString());
  }

  /** The commit rows: run, run_id, run_date, committed_at, tables (name to version), summary. */
  public static Dataset<Row> runs(SparkSession spark, String root) {
    return read(spark, root, RUNS);
  }

  /**
   * The committed history rows (History's columns and {@code run_date}): rows whose run id is named
   * by a commit row; rows of killed runs or of a race's loser are left out.
   */
  public static Dataset<Row> committedHistory(SparkSession spark, String root, String[] columns) {
    if (!exists(spark, root, HISTORY)) {
      return null;
    }
    Dataset<Row> ids = runs(spark, root).select(RUN_ID);
    Dataset<Row> history = read(spark, root, HISTORY);
    return history
        .join(ids, history.col(RUN_ID).equalTo(ids.col(RUN_ID)), "left_semi")
        .select(
            Arrays.stream(columns).map(c -> col(c)).toArray(org.apache.spark.sql.Column[]::new));
  }

  /**
   * Appends rows to the history partition of the committed run of {@code runDate}, under that run's
   * id, so they count exactly as long as that run does (a rerun of the date drops them with the run
   * it replaces). Returns false when no run of the date is committed.
   */
  public static boolean appendToCommittedRun(
      SparkSession spark, String root, String runDate, Dataset<Row> rows) {
    DeltaRuns.Committed run = DeltaRuns.committed(spark, root, "run_date=" + runDate);
    if (run == null) {
      return false;
    }
    spark.sparkContext().setJobDescription("kldrift: append to the history (delta)");
    rows.coalesce(1)
        .withColumn("run_date", org.apache.spark.sql.functions.lit(runDate))
        .withColumn(RUN_ID, org.apache.spark.sql.functions.lit(run.runId()))
        .write()
        .format("delta")
        .mode(org.apache.spark.sql.SaveMode.Append)
        .save(table(root, HISTORY).toString());
    return true;
  }

  /** The committed drift states of the given run folders, by run folder name. */
  public static Map<String, byte[]> committedStates(
      SparkSession spark, String root, List<String> runDirs) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (!exists(spark, root, STATES) || runDirs.isEmpty()) {
      return out;
    }
    Dataset<Row> ids = runs(spark, root).where(col(RUN).isin(runDirs.toArray())).select(RUN_ID);
    Dataset<Row> states = read(spark, root, STATES).where(col(RUN).isin(runDirs.toArray()));
    for (Row r :
        states
            .join(ids, states.col(RUN_ID).equalTo(ids.col(RUN_ID)), "left_semi")
            .select(RUN, "state")
            .collectAsList()) {
      out.put(r.getString(0), (byte[]) r.get(1));
    }
    return out;
  }

  static boolean exists(SparkSession spark, String root, String name) {
    Path log = new Path(table(root, name), "_delta_log");
    try {
      return log.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot inspect " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * The newest version of a Delta table, from its log's file names (no Spark job). Called right
   * after a write, it names a version that holds that write's partition: later commits by other
   * runs touch other partitions.
   */
  static long latestVersion(FileSystem fs, Path table) throws IOException {
    long max = -1;
    for (FileStatus st : fs.listStatus(new Path(table, "_delta_log"))) {
      String n = st.getPath().getName();
      if (n.matches("\\d{20}\\.json")) {
        max = Math.max(max, Long.parseLong(n.substring(0, 20)));
      }
    }
    return max;
  }
}
