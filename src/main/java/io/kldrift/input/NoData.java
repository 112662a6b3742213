package io.kldrift.input;

import io.kldrift.config.DriftConfig;
import io.kldrift.config.InputFormat;
import io.kldrift.summary.Summary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * What was missing on a night that matched nothing, in the words an on-call person needs: which
 * table, which path, and whether the path does not exist or holds no rows.
 */
public final class NoData {
  private NoData() {}

  /** The explanation, or null when examples were matched. */
  public static String describe(SparkSession spark, DriftConfig config, Summary.Inputs in) {
    if (in.matched() > 0) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    side(spark, config, "teacher", config.get(DriftConfig.TEACHER_PATH), in.teacherRows(), parts);
    side(spark, config, "student", config.get(DriftConfig.STUDENT_PATH), in.studentRows(), parts);
    if (parts.isEmpty()) {
      parts.add(
          "both tables have rows but no key of one matched the other ("
              + String.join(", ", config.get(DriftConfig.KEY_COLUMNS))
              + ")");
    }
    return "no data: " + String.join("; ", parts);
  }

  private static void side(
      SparkSession spark,
      DriftConfig config,
      String side,
      String path,
      long rows,
      List<String> parts) {
    if (rows > 0) {
      return;
    }
    if (path.isEmpty()) {
      parts.add(side + " table has no rows");
      return;
    }
    String why = " has no rows";
    if (config.inputFormat() != InputFormat.TABLE && !exists(spark, path)) {
      why = " does not exist";
    }
    parts.add(side + " input " + path + why);
  }

  private static boolean exists(SparkSession spark, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileStatus[] matches = fs.globStatus(p);
      return matches != null && matches.length > 0;
    } catch (IOException | IllegalArgumentException e) {
      return true;
    }
  }
}
