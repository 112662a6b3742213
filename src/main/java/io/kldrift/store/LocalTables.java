package io.kldrift.store;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions;
import org.apache.spark.sql.execution.datasources.parquet.ParquetUtils;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a run's small tables (per class, per slice, confusion, worst examples, the history rows:
 * rows the driver already holds) as one Parquet file each from the driver, through Spark's own
 * Parquet writer and settings, instead of one Spark job per table: on a cluster every job is a
 * scheduling round trip, and locally each cost more than the table's few rows. The files are those
 * a one-task Spark write makes (Spark's schema in the footer, the session's codec), plus its {@code
 * _SUCCESS} marker.
 */
final class LocalTables {
  private LocalTables() {}

  /** True when {@code d} is rows held by the driver (a local relation), written without a job. */
  static boolean isLocal(Dataset<Row> d) {
    return d.queryExecution().optimizedPlan() instanceof LocalRelation;
  }

  /**
   * Writes {@code d} (a local relation) as one Parquet file into the folder {@code dir}, creating
   * it, and marks the folder complete; a folder that exists gets one more file (an append).
   */
  static void write(SparkSession spark, FileSystem fs, Dataset<Row> d, Path dir)
      throws IOException {
    StructType schema = d.schema();
    List<Row> rows = d.collectAsList();
    SQLConf conf = spark.sessionState().conf();
    Job job = Job.getInstance(new org.apache.hadoop.conf.Configuration(fs.getConf()));
    OutputWriterFactory factory =
        ParquetUtils.prepareWrite(
            conf,
            job,
            schema,
            new ParquetOptions(scala.collection.immutable.Map$.MODULE$.empty(), conf));
    TaskAttemptContext task =
        new TaskAttemptContextImpl(
            job.getConfiguration(), new TaskAttemptID("kldrift", 0, TaskType.MAP, 0, 0));
    fs.mkdirs(dir);
    Path file =
        new Path(dir, "part-00000-" + UUID.randomUUID() + "-c000" + factory.getFileExtension(task));
    scala.Function1<Object, Object> toInternal =
        CatalystTypeConverters.createToCatalystConverter(schema);
    OutputWriter writer = factory.newInstance(file.toString(), schema, task);
    try {
      for (Row r : rows) {
        writer.write((InternalRow) toInternal.apply(r));
      }
    } finally {
      writer.close();
    }
    Path success = new Path(dir, "_SUCCESS");
    if (!fs.exists(success)) {
      try (OutputStream out = fs.create(success, false)) {
        out.flush();
      }
    }
  }
}
