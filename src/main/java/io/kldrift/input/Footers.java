package io.kldrift.input;

import io.kldrift.DriftException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.Footer;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat$;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the footer of every Parquet file of a table before Spark reads any, so that a truncated,
 * foreign or forbidden file is reported as bad input, naming the file, in a second instead of
 * failing a task (with Spark's stack traces, as an internal error) after minutes of work.
 */
final class Footers {
  private Footers() {}

  /**
   * Reads the footer of every data file under {@code path} (a folder, a file or a glob, listed as
   * Spark lists it: names starting with '_' or '.' are skipped) before Spark reads any: Spark's own
   * schema inference would fail in a task, whose stack traces Spark logs before kldrift can say
   * which file is bad and why. A path that does not exist is left to Spark's read to report.
   *
   * @return the Spark schema every data file's footer gives, derived as Spark's inference derives
   *     it ({@code ParquetFileFormat.readSchema}), so that the read need not run a Spark job to
   *     infer it; null when the files disagree, there are none or a footer cannot be converted
   *     (then Spark infers and reports as before)
   */
  static StructType checkBeforeRead(SparkSession spark, String path, String side) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<Path> files = new ArrayList<>();
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      FileStatus[] matches = fs.globStatus(p);
      for (FileStatus m : matches == null ? new FileStatus[0] : matches) {
        collect(fs, m, files, side);
      }
    } catch (java.io.IOException | RuntimeException e) {
      if (e instanceof DriftException d) {
        throw d;
      }
      if (InputFiles.isPermissionDenied(e)) {
        throw InputErrors.permissionDenied(side + " table: folder " + p);
      }
      return null; // Spark's read reports what it cannot list
    }
    List<StructType> schemas =
        files.parallelStream().map(f -> schemaOf(spark, f, checkOne(conf, f, side))).toList();
    return schemas.isEmpty() || schemas.contains(null) || schemas.stream().distinct().count() > 1
        ? null
        : schemas.get(0);
  }

  /** The Spark schema of one file's footer, as Spark's schema inference reads it; null if none. */
  private static StructType schemaOf(SparkSession spark, Path file, ParquetMetadata footer) {
    try {
      scala.collection.immutable.Seq<Footer> one =
          scala.jdk.javaapi.CollectionConverters.asScala(List.of(new Footer(file, footer))).toSeq();
      return ParquetFileFormat$.MODULE$.readSchema(one, spark).getOrElse(() -> null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void collect(FileSystem fs, FileStatus st, List<Path> files, String side)
      throws java.io.IOException {
    if (!st.isDirectory()) {
      files.add(st.getPath());
      return;
    }
    FileStatus[] children;
    try {
      children = fs.listStatus(st.getPath());
    } catch (java.io.IOException e) {
      if (InputFiles.isPermissionDenied(e)) {
        throw InputErrors.permissionDenied(side + " table: folder " + st.getPath());
      }
      throw e;
    }
    for (FileStatus child : children) {
      String name = child.getPath().getName();
      if (!name.startsWith("_") && !name.startsWith(".") && !name.endsWith("._COPYING_")) {
        collect(fs, child, files, side);
      }
    }
  }

  /**
   * When {@code e} is Spark's failure to read a file (schema inference reads footers), checks that
   * file, so that the one-line message of {@link #check} names it.
   */
  static void checkFailedRead(SparkSession spark, Throwable e, String side) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SparkThrowable st
          && st.getCondition() != null
          && st.getCondition().startsWith("FAILED_READ_FILE")
          && st.getMessageParameters().get("path") != null) {
        checkOne(
            spark.sparkContext().hadoopConfiguration(),
            InputFiles.path(st.getMessageParameters().get("path")),
            side);
      }
    }
  }

  /**
   * The number of values every row of {@code column} (an array, or a Spark ML vector's values) has,
   * read from the footers' value and row counts; -1 when the footers cannot tell (lengths that
   * vary, null or empty vectors, sparse vectors, no files).
   */
  static long valuesPerRow(SparkSession spark, Dataset<Row> table, String column) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    long[] perFile =
        java.util.Arrays.stream(InputFiles.of(table))
            .parallel()
            .mapToLong(f -> valuesPerRow(conf, f, column))
            .toArray();
    long k = -1;
    for (long v : perFile) {
      if (v == -1 || (k > 0 && v > 0 && v != k)) {
        return -1;
      }
      k = Math.max(k, v);
    }
    return k;
  }

  /** One file's values per row: -1 unknown, 0 no rows. */
  private static long valuesPerRow(Configuration conf, String file, String column) {
    if (!file.endsWith(".parquet")) {
      return -1;
    }
    try (ParquetFileReader r =
        ParquetFileReader.open(HadoopInputFile.fromPath(InputFiles.path(file), conf))) {
      long k = 0;
      for (org.apache.parquet.hadoop.metadata.BlockMetaData b : r.getFooter().getBlocks()) {
        if (b.getRowCount() == 0) {
          continue;
        }
        long values = -1;
        for (org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c : b.getColumns()) {
          String path = c.getPath().toDotString();
          if (path.startsWith(column + ".")
              && !path.contains(".indices.")
              && (path.endsWith(".element") || path.endsWith(".item") || path.endsWith(".array"))) {
            values = Math.max(values, c.getValueCount());
          }
        }
        if (values < 0 || values % b.getRowCount() != 0) {
          return -1;
        }
        long rowK = values / b.getRowCount();
        if (k > 0 && rowK != k) {
          return -1;
        }
        k = rowK;
      }
      return k;
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  private static ParquetMetadata checkOne(Configuration conf, Path file, String side) {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return r.getFooter();
    } catch (java.io.IOException | RuntimeException e) {
      if (InputFiles.isPermissionDenied(e)) {
        throw InputErrors.permissionDenied(side + " table: file " + file);
      }
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw InputErrors.unreadableFile(side, String.valueOf(file), why);
    }
  }
}
