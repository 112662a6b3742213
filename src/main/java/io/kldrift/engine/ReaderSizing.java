package io.kldrift.engine;

import io.kldrift.config.DriftConfig;
import io.kldrift.console.Progress;
import io.kldrift.input.InputFiles;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Sizes the Parquet reader's columnar batch by the class count, so that wide vectors (an LLM
 * vocabulary of 128,000 classes) read with the default memory: a batch holds {@code
 * spark.sql.parquet.columnarReaderBatchSize} rows (4,096) of the whole array column, 2 GB per task
 * at C = 128,000. The class count comes from input.class_names or from one Parquet footer (values
 * per row of the distribution column), before any scan.
 */
final class ReaderSizing {
  /** Bytes of one column's batch the reader may hold per task. */
  static final long BATCH_BYTES = 16L << 20;

  static final String KEY = "spark.sql.parquet.columnarReaderBatchSize";

  private ReaderSizing() {}

  /** The batch size for these inputs, or 0 to leave Spark's setting alone. */
  static int batchRows(SparkSession spark, Dataset<Row> teacher, DriftConfig config) {
    long classes = config.get(DriftConfig.CLASS_NAMES).size();
    if (classes == 0) {
      classes = footerClasses(spark, teacher, config.get(DriftConfig.TEACHER_COLUMN));
    }
    if (classes <= 0) {
      return 0;
    }
    if (Layout.of(config).holdsClassVectors()) {
      checkFits(classes, taskBytes(spark));
    }
    int current = Integer.parseInt(spark.conf().get(KEY, "4096"));
    long fit = Math.max(1, BATCH_BYTES / (8 * classes));
    return fit >= current ? 0 : (int) fit;
  }

  /**
   * Doubles per class a task holds at least, with a reader batch of one row: the batch of each
   * table (2), the kernel's working vectors (9), the per-class sums (12) and their serialized and
   * merged copies (25).
   */
  static final int DOUBLES_PER_CLASS = 48;

  /** Refuses, before any scan, a class count whose smallest working set exceeds a task's memory. */
  static void checkFits(long classes, Budget budget) {
    long need = 8L * DOUBLES_PER_CLASS * classes;
    if (need > budget.perTask()) {
      throw EngineErrors.classesExceedTask(
          classes, need, DOUBLES_PER_CLASS, budget.perTask(), budget.how());
    }
  }

  /** The heap one task may use, and how it was derived. */
  record Budget(long perTask, String how) {}

  /**
   * Locally the driver's heap (less Spark's 300 MB reserve) over the task slots; on a cluster
   * spark.executor.memory over spark.executor.cores (1 when unset).
   */
  static Budget taskBytes(SparkSession spark) {
    org.apache.spark.SparkConf conf = spark.sparkContext().getConf();
    long reserve = 300L << 20;
    if (spark.sparkContext().isLocal()) {
      long heap = Runtime.getRuntime().maxMemory();
      int slots = Math.max(1, spark.sparkContext().defaultParallelism());
      return new Budget(
          Math.max(0, heap - reserve) / slots,
          String.format(
              Locale.ROOT, "driver heap %.1f GB over %d local task slots", heap / 1e9, slots));
    }
    long heap = conf.getSizeAsBytes("spark.executor.memory", "1g");
    int cores = conf.getInt("spark.executor.cores", 1) / conf.getInt("spark.task.cpus", 1);
    int slots = Math.max(1, cores);
    return new Budget(
        Math.max(0, heap - reserve) / slots,
        String.format(
            Locale.ROOT,
            "spark.executor.memory %.1f GB over %d task slots per executor",
            heap / 1e9,
            slots));
  }

  /** Values per row of the column in the first file's row groups, or -1 when unknown. */
  private static long footerClasses(SparkSession spark, Dataset<Row> table, String column) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    for (String f : InputFiles.of(table)) {
      if (!f.endsWith(".parquet")) {
        continue;
      }
      try (ParquetFileReader r =
          ParquetFileReader.open(HadoopInputFile.fromPath(InputFiles.path(f), conf))) {
        long best = -1;
        for (BlockMetaData b : r.getFooter().getBlocks()) {
          for (ColumnChunkMetaData c : b.getColumns()) {
            if (b.getRowCount() > 0 && c.getPath().toDotString().startsWith(column + ".")) {
              best = Math.max(best, (c.getValueCount() + b.getRowCount() - 1) / b.getRowCount());
            }
          }
        }
        if (best > 0) {
          return best;
        }
      } catch (java.io.IOException | RuntimeException e) {
        // An unreadable footer is reported by the scan itself, with the file named.
        return -1;
      }
    }
    return -1;
  }

  /** Runs {@code body} with the reader batch sized for the inputs; restores the setting after. */
  static <T> T sized(
      SparkSession spark,
      Dataset<Row> teacher,
      DriftConfig config,
      java.util.function.Supplier<T> body) {
    int rows = batchRows(spark, teacher, config);
    if (rows == 0) {
      return body.get();
    }
    String before = spark.conf().getOption(KEY).getOrElse(() -> null);
    spark.conf().set(KEY, String.valueOf(rows));
    Progress.say("wide vectors: Parquet reader batch of " + rows + " rows (" + KEY + ")");
    try {
      return body.get();
    } finally {
      if (before == null) {
        spark.conf().unset(KEY);
      } else {
        spark.conf().set(KEY, before);
      }
    }
  }
}
