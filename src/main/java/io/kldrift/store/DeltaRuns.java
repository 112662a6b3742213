package io.kldrift.store;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import io.kldrift.DriftException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The commit point of a Delta report root, {@code <root>/runs}: one row per run. A run commits by a
 * compare-and-swap, one Delta MERGE that replaces the run's row only if it still names the run id
 * seen when this write began; a run committed meanwhile (or a concurrent MERGE, which Delta's
 * conflict detection rejects) makes this one fail.
 */
final class DeltaRuns {
  static final StructType SCHEMA =
      new StructType()
          .add(DeltaReportStore.RUN, DataTypes.StringType, false)
          .add(DeltaReportStore.RUN_ID, DataTypes.StringType, false)
          .add("run_date", DataTypes.StringType, true)
          .add("committed_at", DataTypes.TimestampType, false)
          .add(
              "tables",
              DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, false),
              false)
          .add("summary", DataTypes.StringType, true);

  private DeltaRuns() {}

  /** The committed row of a run: its id and the versions of the tables it wrote. */
  record Committed(String runId, Timestamp at, Map<String, Long> tables) {}

  /** Creates the runs table when the root has none (a concurrent creation is not an error). */
  static void ensure(DeltaReportStore store) {
    if (store.exists(DeltaReportStore.RUNS)) {
      return;
    }
    try {
      store
          .spark()
          .createDataFrame(List.<Row>of(), SCHEMA)
          .write()
          .format("delta")
          .mode(SaveMode.Append)
          .partitionBy(DeltaReportStore.RUN)
          .save(store.table(DeltaReportStore.RUNS).toString());
    } catch (RuntimeException e) {
      if (!store.exists(DeltaReportStore.RUNS)) {
        throw e;
      }
    }
  }

  /** The run's committed row, or null. */
  static Committed committed(DeltaReportStore store, String run) {
    List<Row> rows =
        store
            .runsTable()
            .where(col(DeltaReportStore.RUN).equalTo(run))
            .select(DeltaReportStore.RUN_ID, "committed_at", "tables")
            .collectAsList();
    if (rows.isEmpty()) {
      return null;
    }
    Row r = rows.get(0);
    return new Committed(r.getString(0), r.getTimestamp(1), r.getJavaMap(2));
  }

  /**
   * Commits {@code runId} as the run's report if the run's row still names {@code expected} (null:
   * the run has no row yet); otherwise throws a {@link DriftException.Kind#CONFLICT} naming the
   * winner.
   */
  static void commit(
      DeltaReportStore store,
      String run,
      String runId,
      String expected,
      Map<String, Long> tables,
      String summary) {
    String runDate = run.startsWith("run_date=") ? run.substring("run_date=".length()) : null;
    SparkSession spark = store.spark();
    Dataset<Row> row =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    run,
                    runId,
                    runDate,
                    Timestamp.from(Instant.now()),
                    scala.jdk.javaapi.CollectionConverters.asScala(tables),
                    summary)),
            SCHEMA);
    DeltaTable runs = DeltaTable.forPath(spark, store.table(DeltaReportStore.RUNS).toString());
    // The literal on the target keeps the MERGE's read set to this run's partition, so commits of
    // other runs never conflict with it.
    DeltaMergeBuilder merge =
        runs.as("t").merge(row.as("s"), "t.run = " + literal(run) + " AND t.run = s.run");
    merge =
        expected == null
            ? merge.whenNotMatched().insertAll()
            : merge.whenMatched("t.run_id = " + literal(expected)).updateAll();
    long affected;
    try {
      affected = merge.execute().first().getLong(0);
    } catch (RuntimeException e) {
      Throwable c = conflict(e);
      if (c == null) {
        throw e;
      }
      throw StoreErrors.lost(
          "committed",
          run,
          store.root(),
          "at the same moment (Delta " + c.getClass().getSimpleName() + " on the runs table)");
    }
    if (affected != 1) {
      Committed winner = committed(store, run);
      throw StoreErrors.lost(
          "committed",
          run,
          store.root(),
          "while this run was writing it (run id "
              + (winner == null ? "?" : winner.runId() + ", at " + winner.at().toInstant())
              + ")");
    }
  }

  /** Delta's concurrent-modification exception in the cause chain, or null. */
  static Throwable conflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof io.delta.exceptions.DeltaConcurrentModificationException
          || t instanceof org.apache.spark.sql.delta.DeltaConcurrentModificationException) {
        return t;
      }
    }
    return null;
  }

  static String literal(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
