package io.kldrift.store;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.kldrift.DriftException;
import io.kldrift.console.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reports as Delta tables ({@code report.format=delta}): every table is a Delta table {@code
 * <root>/<table>/} partitioned by {@code run} (the run folder name, {@code run_date=YYYY-MM-DD} or
 * {@code rollup=NAME}) and {@code run_id} (one id per write); the {@code runs} table is the commit
 * point, one row per run naming the run id whose rows count ({@link DeltaRuns}). A run is written
 * in an order that makes it visible only when all of it is: every table's partition for this run
 * and a fresh run id first, then the commit row, then the removal of the partitions of the run id
 * it replaced, then summary.json and report.html under {@code <root>/<runDir>/} for people. Readers
 * join on the commit rows, so a run whose commit row is missing (killed, or the loser of a race) is
 * never read; earlier reports stay readable by time travel: the commit rows name each table's
 * version.
 */
final class DeltaReportStore extends RootStore {
  /** The commit-point table: one row per run, naming the committed run id. */
  static final String RUNS = ReportRoot.RUNS;

  /** The metrics history table, partitioned by {@code run_date} and {@code run_id}. */
  static final String HISTORY = ReportRoot.HISTORY;

  /** The table of serialized drift states, the input of rollups. */
  static final String STATES = "drift_state";

  /** The partition columns of the report tables. */
  static final String RUN = "run", RUN_ID = "run_id";

  DeltaReportStore(SparkSession spark, String root) {
    super(spark, root);
  }

  @Override
  public void checkBeforeRun() {
    super.checkBeforeRun();
    DeltaSession.requireSession(spark, "report.format");
  }

  @Override
  public void checkFormat() {
    if (ReportRoot.holdsParquet(spark, root)) {
      throw StoreErrors.holdsParquet(root);
    }
  }

  /**
   * Writes the run's tables, its state (as its row of {@link #STATES}) and its history rows under a
   * fresh run id, commits them, then writes its files; returns the folder of the files.
   */
  @Override
  public String publish(Run run) {
    DeltaSession.requireSession(spark, "report.format");
    String runDir = run.runDir();
    List<Table> tables = new ArrayList<>(run.tables());
    if (run.state() != null) {
      tables.add(new Table(STATES, stateRow(run.state()), true));
    }
    Path rootPath = new Path(root);
    String runId = UUID.randomUUID().toString();
    try {
      FileSystem fs = ReportRoot.fs(spark, rootPath);
      ReportRoot.claim(fs, rootPath);
      checkFormat();
      DeltaRuns.ensure(this);
      DeltaRuns.Committed previous = DeltaRuns.committed(this, runDir);
      Map<String, Long> versions = new LinkedHashMap<>();
      try {
        for (Table t : tables) {
          spark.sparkContext().setJobDescription("kldrift: write " + t.name() + " (delta)");
          Dataset<Row> d = t.single() ? t.data().coalesce(1) : t.data();
          versions.put(
              t.name(),
              write(fs, tagged(d, t.name(), runDir, runId), t.name(), RUN, runDir, runId));
        }
        if (run.history() != null) {
          spark.sparkContext().setJobDescription("kldrift: write history (delta)");
          String date = runDir.substring("run_date=".length());
          Dataset<Row> h =
              run.history()
                  .coalesce(1)
                  .withColumn("run_date", lit(date))
                  .withColumn(RUN_ID, lit(runId));
          versions.put(HISTORY, write(fs, h, HISTORY, "run_date", date, runId));
        }
        byte[] summary = run.files().get("summary.json");
        DeltaRuns.commit(
            this,
            runDir,
            runId,
            previous == null ? null : previous.runId(),
            versions,
            summary == null ? null : new String(summary, StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        Throwable c = DeltaRuns.conflict(e);
        boolean lost = e instanceof DriftException d && d.kind() == DriftException.Kind.CONFLICT;
        if (lost || c != null) {
          drop(runDir, runId, versions.keySet());
        }
        if (c != null && !lost) {
          throw StoreErrors.lost(
              "wrote",
              runDir,
              root,
              "at the same moment (Delta " + c.getClass().getSimpleName() + ")");
        }
        throw e;
      }
      if (previous != null) {
        drop(runDir, previous.runId(), previous.tables().keySet());
      }
      Path folder = new Path(rootPath, runDir);
      fs.mkdirs(folder);
      for (Map.Entry<String, byte[]> f : run.files().entrySet()) {
        writeFile(fs, new Path(folder, f.getKey()), f.getValue());
      }
      return fs.makeQualified(folder).toString();
    } catch (IOException e) {
      throw new IllegalStateException(
          "writing the report under " + root + " failed: " + e.getMessage(), e);
    }
  }

  /** Nothing to complete: a run counts once its commit row is written, in one Delta commit. */
  @Override
  public void recover() {}

  /**
   * The committed history rows: rows whose run id is named by a commit row (as of this call); rows
   * of killed runs or of a race's loser are left out.
   */
  @Override
  public Dataset<Row> history() {
    if (!exists(HISTORY)) {
      return spark.createDataFrame(List.of(), ParquetReportStore.HISTORY_READ);
    }
    // The committed run ids once, on the driver (a row per run): the history's readers then filter
    // by them, without reading the commit table again and broadcasting it for every query.
    Object[] ids = runsTable().select(RUN_ID).collectAsList().stream().map(r -> r.get(0)).toArray();
    return read(HISTORY)
        .where(col(RUN_ID).isin(ids))
        .select(
            java.util.Arrays.stream(ParquetReportStore.HISTORY_READ.fieldNames())
                .map(c -> col(c))
                .toArray(Column[]::new));
  }

  /**
   * Appends rows to the history partition of the committed run of {@code runDate}, under that run's
   * id, so a rerun of the date drops them with the run it replaces.
   */
  @Override
  public boolean appendToRun(String runDate, Dataset<Row> rows) {
    DeltaRuns.Committed run = DeltaRuns.committed(this, "run_date=" + runDate);
    if (run == null) {
      return false;
    }
    spark.sparkContext().setJobDescription("kldrift: append to the history (delta)");
    rows.coalesce(1)
        .withColumn("run_date", lit(runDate))
        .withColumn(RUN_ID, lit(run.runId()))
        .write()
        .format("delta")
        .mode(SaveMode.Append)
        .save(table(HISTORY).toString());
    return true;
  }

  @Override
  public Map<String, State> states(List<String> runDirs) {
    Map<String, State> out = new LinkedHashMap<>();
    if (!exists(STATES) || runDirs.isEmpty()) {
      return out;
    }
    Dataset<Row> ids = runsTable().where(col(RUN).isin(runDirs.toArray())).select(RUN_ID);
    Dataset<Row> states = read(STATES).where(col(RUN).isin(runDirs.toArray()));
    for (Row r :
        states
            .join(ids, states.col(RUN_ID).equalTo(ids.col(RUN_ID)), "left_semi")
            .select(RUN, "state")
            .collectAsList()) {
      String runDir = r.getString(0);
      out.put(runDir, new State((byte[]) r.get(1), root + "/" + STATES + " (" + runDir + ")"));
    }
    return out;
  }

  @Override
  public List<String> runs() {
    List<String> out = new ArrayList<>();
    if (exists(RUNS)) {
      runsTable().select(RUN).collectAsList().forEach(r -> out.add(r.getString(0)));
    }
    out.sort(null);
    return out;
  }

  /** One run's serialized drift state as the one row of its {@link #STATES} partition. */
  private Dataset<Row> stateRow(byte[] state) {
    return spark.createDataFrame(
        List.of(RowFactory.create((Object) state)),
        new StructType().add("state", DataTypes.BinaryType, false));
  }

  SparkSession spark() {
    return spark;
  }

  Path table(String name) {
    return new Path(root, name);
  }

  Dataset<Row> read(String name) {
    return spark.read().format("delta").load(table(name).toString());
  }

  /** The commit rows: run, run_id, run_date, committed_at, tables (name to version), summary. */
  Dataset<Row> runsTable() {
    return read(RUNS);
  }

  boolean exists(String name) {
    return ReportRoot.exists(spark, new Path(table(name), "_delta_log"));
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

  /** A report table's rows with the run's partition columns; refuses tables that carry them. */
  private static Dataset<Row> tagged(Dataset<Row> d, String table, String runDir, String runId) {
    for (String c : List.of(RUN, RUN_ID)) {
      if (List.of(d.columns()).contains(c)) {
        throw StoreErrors.reservedColumn(table, c);
      }
    }
    return d.withColumn(RUN, lit(runDir)).withColumn(RUN_ID, lit(runId));
  }

  /**
   * Replaces the partition {@code <runColumn> = <runValue> AND run_id = <runId>}, i.e. only this
   * write's rows (other runs' partitions, committed or not, are never touched), and returns the
   * table's version.
   */
  private long write(
      FileSystem fs, Dataset<Row> d, String table, String runColumn, String runValue, String runId)
      throws IOException {
    Path path = table(table);
    d.write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("replaceWhere", partition(runColumn, runValue, runId))
        .option("mergeSchema", "true")
        .partitionBy(runColumn, RUN_ID)
        .save(path.toString());
    return latestVersion(fs, path);
  }

  private static String partition(String runColumn, String runValue, String runId) {
    return runColumn
        + " = "
        + DeltaRuns.literal(runValue)
        + " AND "
        + RUN_ID
        + " = "
        + DeltaRuns.literal(runId);
  }

  /**
   * Removes the partitions of one run id from the named tables (a replaced report after the commit,
   * or a race loser's own rows). A failure leaves rows that no reader counts: a warning.
   */
  private void drop(String runDir, String runId, Set<String> tableNames) {
    for (String name : new LinkedHashSet<>(tableNames)) {
      try {
        if (!exists(name)) {
          continue;
        }
        String runColumn = name.equals(HISTORY) ? "run_date" : RUN;
        String value = name.equals(HISTORY) ? runDir.substring("run_date=".length()) : runDir;
        Dataset<Row> t = read(name);
        spark.sparkContext().setJobDescription("kldrift: drop run " + runId + " from " + name);
        spark
            .createDataFrame(List.<Row>of(), t.schema())
            .write()
            .format("delta")
            .mode(SaveMode.Overwrite)
            .option("replaceWhere", partition(runColumn, value, runId))
            .save(table(name).toString());
      } catch (RuntimeException e) {
        Progress.warn(
            "could not drop run id " + runId + " of " + runDir + " from " + name + ": " + e);
      }
    }
  }

  /** Writes a file through a hidden sibling and an overwriting rename. */
  private static void writeFile(FileSystem fs, Path file, byte[] bytes) throws IOException {
    Path tmp = new Path(file.getParent(), "." + file.getName() + "." + UUID.randomUUID() + ".tmp");
    try (OutputStream out = fs.create(tmp, false)) {
      out.write(bytes);
    }
    FileContext.getFileContext(fs.getUri(), fs.getConf())
        .rename(tmp, file, Options.Rename.OVERWRITE);
  }
}
