package io.kldrift.input;

import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The files of an input table as Spark names them, and the one error for a file the job may not
 * read. Spark's {@code Dataset.inputFiles()} and its read errors name files by percent-encoded URI
 * ({@code file:///data/sp%20ace/t/part-0.parquet}); a Hadoop {@code Path} made from such a string
 * takes it literally and names another file ({@code sp%2520ace}), so every such name goes through
 * {@link #path} first.
 */
public final class InputFiles {
  private InputFiles() {}

  /**
   * The files Spark reads for {@code table}, as Spark names them; none when Spark cannot list them
   * (a catalog table of another kind, a query), so that a footer estimate falls back to "unknown".
   */
  public static String[] of(Dataset<Row> table) {
    try {
      return table.inputFiles();
    } catch (RuntimeException e) {
      return new String[0];
    }
  }

  /** The file that a Spark file name (an encoded URI, or a plain path) stands for. */
  public static Path path(String sparkName) {
    try {
      return new Path(new URI(sparkName));
    } catch (URISyntaxException | IllegalArgumentException e) {
      return new Path(sparkName); // not a URI: a path as the user typed it
    }
  }

  /**
   * A Spark file name as a person reads it: decoded, {@code file:/data/sp ace/t/part-0.parquet}.
   */
  public static String display(String sparkName) {
    return path(sparkName).toString();
  }

  /**
   * Whether {@code e} (or a cause) is the file system refusing access: {@code
   * java.nio.file.AccessDeniedException} (object stores), Hadoop's {@code AccessControlException}
   * (HDFS), or the local file system's {@code FileNotFoundException} "... (Permission denied)".
   */
  public static boolean isPermissionDenied(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.file.AccessDeniedException
          || t instanceof org.apache.hadoop.security.AccessControlException
          || String.valueOf(t.getMessage()).contains("Permission denied")) {
        return true;
      }
      for (Throwable s : t.getSuppressed()) {
        if (isPermissionDenied(s)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The user the job reads and writes as (Hadoop's current user). */
  public static String user() {
    try {
      return org.apache.hadoop.security.UserGroupInformation.getCurrentUser().getShortUserName();
    } catch (java.io.IOException | RuntimeException e) {
      return System.getProperty("user.name");
    }
  }
}
