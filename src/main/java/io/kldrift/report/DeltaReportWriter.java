package io.kldrift.report;

import static org.apache.spark.sql.functions.lit;

import io.kldrift.DriftException;
import io.kldrift.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a report as Delta tables ({@code report.format=delta}, layout in {@link DeltaStore}), in
 * an order that makes the run visible only when all of it is: every table's partition for this run
 * and a fresh run id first, then the commit row in {@code runs} (the commit point, a
 * compare-and-swap in {@link DeltaRuns}), then the removal of the partitions of the run id it
 * replaced, then summary.json and report.html under {@code <root>/<runDir>/} for people. Earlier
 * reports stay readable by time travel: the commit rows name each table's version.
 */
public final class DeltaReportWriter {
  private DeltaReportWriter() {}

  /**
   * Writes {@code tables} and {@code history} (when not null, as the run date's history rows) for
   * the run {@code runDir} and commits them, then writes {@code files}; returns the folder of the
   * files. Throws a {@link DriftException.Kind#CONFLICT} when another run of {@code runDir}
   * committed first.
   */
  public static String write(
      SparkSession spark,
      String root,
      String runDir,
      Map<String, byte[]> files,
      List<ReportWriter.Table> tables,
      Dataset<Row> history) {
    DeltaStore.requireSession(spark, "report.format");
    Path rootPath = new Path(root);
    String runId = UUID.randomUUID().toString();
    try {
      FileSystem fs = rootPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      ReportWriter.claimRoot(fs, rootPath);
      DeltaStore.checkFormat(spark, root, "delta");
      DeltaRuns.ensure(spark, root);
      DeltaRuns.Committed previous = DeltaRuns.committed(spark, root, runDir);
      Map<String, Long> versions = new LinkedHashMap<>();
      try {
        for (ReportWriter.Table t : tables) {
          spark.sparkContext().setJobDescription("kldrift: write " + t.name() + " (delta)");
          Dataset<Row> d = t.single() ? t.data().coalesce(1) : t.data();
          versions.put(
              t.name(),
              write(
                  fs,
                  tagged(d, t.name(), runDir, runId),
                  root,
                  t.name(),
                  DeltaStore.RUN,
                  runDir,
                  runId));
        }
        if (history != null) {
          spark.sparkContext().setJobDescription("kldrift: write history (delta)");
          String date = runDir.substring("run_date=".length());
          Dataset<Row> h =
              history
                  .coalesce(1)
                  .withColumn("run_date", lit(date))
                  .withColumn(DeltaStore.RUN_ID, lit(runId));
          versions.put(
              DeltaStore.HISTORY, write(fs, h, root, DeltaStore.HISTORY, "run_date", date, runId));
        }
        byte[] summary = files.get("summary.json");
        DeltaRuns.commit(
            spark,
            root,
            runDir,
            runId,
            previous == null ? null : previous.runId(),
            versions,
            summary == null ? null : new String(summary, StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        Throwable c = DeltaRuns.conflict(e);
        boolean lost = e instanceof DriftException d && d.kind() == DriftException.Kind.CONFLICT;
        if (lost || c != null) {
          drop(spark, root, runDir, runId, versions.keySet());
        }
        if (c != null && !lost) {
          throw DeltaRuns.lost(
              "wrote",
              runDir,
              root,
              "at the same moment (Delta " + c.getClass().getSimpleName() + ")");
        }
        throw e;
      }
      if (previous != null) {
        drop(spark, root, runDir, previous.runId(), previous.tables().keySet());
      }
      Path folder = new Path(rootPath, runDir);
      fs.mkdirs(folder);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        writeFile(fs, new Path(folder, f.getKey()), f.getValue());
      }
      return fs.makeQualified(folder).toString();
    } catch (IOException e) {
      throw new IllegalStateException(
          "writing the report under " + root + " failed: " + e.getMessage(), e);
    }
  }

  /** A report table's rows with the run's partition columns; refuses tables that carry them. */
  private static Dataset<Row> tagged(Dataset<Row> d, String table, String runDir, String runId) {
    for (String c : List.of(DeltaStore.RUN, DeltaStore.RUN_ID)) {
      if (List.of(d.columns()).contains(c)) {
        throw io.kldrift.DriftException.invalidConfig(
            "table "
                + table
                + " has a column '"
                + c
                + "', which report.format=delta uses to key runs",
            "rename that input column, or use report.format=parquet");
      }
    }
    return d.withColumn(DeltaStore.RUN, lit(runDir)).withColumn(DeltaStore.RUN_ID, lit(runId));
  }

  /**
   * Replaces the partition {@code <runColumn> = <runValue> AND run_id = <runId>}, i.e. only this
   * write's rows (other runs' partitions, committed or not, are never touched), and returns the
   * table's version.
   */
  private static long write(
      FileSystem fs,
      Dataset<Row> d,
      String root,
      String table,
      String runColumn,
      String runValue,
      String runId)
      throws IOException {
    Path path = DeltaStore.table(root, table);
    d.write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("replaceWhere", partition(runColumn, runValue, runId))
        .option("mergeSchema", "true")
        .partitionBy(runColumn, DeltaStore.RUN_ID)
        .save(path.toString());
    return DeltaStore.latestVersion(fs, path);
  }

  private static String partition(String runColumn, String runValue, String runId) {
    return runColumn
        + " = "
        + DeltaRuns.literal(runValue)
        + " AND "
        + DeltaStore.RUN_ID
        + " = "
        + DeltaRuns.literal(runId);
  }

  /**
   * Removes the partitions of one run id from the named tables (a replaced report after the commit,
   * or a race loser's own rows). A failure leaves rows that no reader counts: a warning.
   */
  private static void drop(
      SparkSession spark, String root, String runDir, String runId, Set<String> tableNames) {
    for (String name : new LinkedHashSet<>(tableNames)) {
      try {
        if (!DeltaStore.exists(spark, root, name)) {
          continue;
        }
        String runColumn = name.equals(DeltaStore.HISTORY) ? "run_date" : DeltaStore.RUN;
        String value =
            name.equals(DeltaStore.HISTORY) ? runDir.substring("run_date=".length()) : runDir;
        Dataset<Row> t = DeltaStore.read(spark, root, name);
        spark.sparkContext().setJobDescription("kldrift: drop run " + runId + " from " + name);
        spark
            .createDataFrame(List.<Row>of(), t.schema())
            .write()
            .format("delta")
            .mode(SaveMode.Overwrite)
            .option("replaceWhere", partition(runColumn, value, runId))
            .save(DeltaStore.table(root, name).toString());
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
