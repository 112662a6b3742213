package io.kldrift.input;

import io.kldrift.DriftException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the footer of every Parquet file of a table before any scan, so that a truncated or foreign
 * file is reported as bad input, naming the file, in a second instead of failing a task of the scan
 * (as an internal error) after minutes of work.
 */
final class Footers {
  private Footers() {}

  static void check(SparkSession spark, Dataset<Row> table, String side) {
    String[] files;
    try {
      files = table.inputFiles();
    } catch (RuntimeException e) {
      return; // not a file-based table: nothing to check here
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    java.util.Arrays.stream(files).parallel().forEach(f -> checkOne(conf, f, side));
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
            st.getMessageParameters().get("path"),
            side);
      }
    }
  }

  private static void checkOne(Configuration conf, String file, String side) {
    try (ParquetFileReader r =
        ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf))) {
      r.getFooter();
    } catch (java.io.IOException | RuntimeException e) {
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw DriftException.invalidInput(
          side + " table: file " + file + " is not a readable Parquet file (" + why + ")",
          "rewrite or remove the file (a truncated write or a file that is not Parquet is the"
              + " usual cause), or point the path at the table's good files");
    }
  }
}
