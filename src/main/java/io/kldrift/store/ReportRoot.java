package io.kldrift.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * What both stores ask of a report root: the {@code _kldrift} marker that makes a folder one (a
 * non-empty folder without it is refused rather than written into), and which format it holds.
 */
final class ReportRoot {
  static final String MARKER = "_kldrift";

  /** The history folder or table, and the Delta commit-point table. */
  static final String HISTORY = "history", RUNS = "runs";

  private ReportRoot() {}

  static FileSystem fs(SparkSession spark, Path path) throws IOException {
    return path.getFileSystem(spark.sparkContext().hadoopConfiguration());
  }

  /**
   * Refuses an output root that a run could not write: a file, a folder that cannot be created or
   * written, or a non-empty folder that is not a kldrift report root ({@link OutputRoot#probe}).
   */
  static void check(SparkSession spark, String root) {
    Path rootPath = new Path(root);
    FileSystem fs;
    try {
      fs = fs(spark, rootPath);
      refuseForeign(fs, rootPath);
    } catch (IOException e) {
      throw StoreErrors.uninspectableRoot(root, e.getMessage());
    }
    OutputRoot.probe(fs, rootPath);
  }

  /** Creates the root and its marker if needed, after refusing a foreign folder. */
  static void claim(FileSystem fs, Path root) throws IOException {
    Path marker = new Path(root, MARKER);
    refuseForeign(fs, root);
    if (!fs.exists(root)) {
      fs.mkdirs(root);
    }
    if (!fs.exists(marker)) {
      try (OutputStream out = fs.create(marker, false)) {
        out.write("kldrift report root\n".getBytes(StandardCharsets.UTF_8));
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        // another run of a new root created it first
      }
    }
  }

  private static void refuseForeign(FileSystem fs, Path root) throws IOException {
    Path marker = new Path(root, MARKER);
    if (fs.exists(root)) {
      if (!fs.getFileStatus(root).isDirectory()) {
        throw StoreErrors.rootIsFile(root);
      }
      FileStatus[] children = fs.listStatus(root);
      if (children.length > 0 && !fs.exists(marker)) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Math.min(3, children.length); i++) {
          names.add(children[i].getPath().getName());
        }
        throw StoreErrors.foreignRoot(root, names, children.length > 3);
      }
    }
  }

  /** True when {@code <root>/runs} is a Delta table, i.e. the root holds Delta reports. */
  static boolean holdsDelta(SparkSession spark, String root) {
    return exists(spark, new Path(new Path(root, RUNS), "_delta_log"));
  }

  /** True when {@code <root>/history} is a folder of Parquet partitions. */
  static boolean holdsParquet(SparkSession spark, String root) {
    Path history = new Path(root, HISTORY);
    return exists(spark, history) && !exists(spark, new Path(history, "_delta_log"));
  }

  static boolean exists(SparkSession spark, Path path) {
    try {
      return fs(spark, path).exists(path);
    } catch (IOException e) {
      throw new IllegalStateException("cannot inspect " + path + ": " + e.getMessage(), e);
    }
  }
}
