package io.kldrift.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kldrift.DriftException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a report under {@code <root>/run_date=YYYY-MM-DD/} atomically: everything goes to a
 * staging folder under {@code <root>/_staging/}, and only a complete report is published, by
 * renaming, in place of the date's previous report. A run that fails before publishing leaves the
 * previous report untouched. The root carries a {@code _kldrift} marker; a non-empty folder without
 * it is refused rather than written into.
 */
public final class ReportWriter {
  /** The marker file that identifies a kldrift report root. */
  public static final String MARKER = "_kldrift";

  private static final String STAGING = "_staging", HISTORY = "history", REPLACED = "replaced-";

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}");

  private ReportWriter() {}

  /** One named table of the report. */
  public record Table(String name, Dataset<Row> data, boolean single) {}

  /**
   * Writes each file (name to bytes, e.g. summary.json) and each table as Parquet into {@code
   * <root>/<runDir>}, replacing what that run folder held, then publishes {@code history} (when not
   * null) as {@code <root>/history/<runDir>}. Before writing it finishes any publish that an
   * earlier, killed run left half done ({@link #recover}) and deletes staging folders older than
   * {@code staleAfter}. Returns the published folder.
   */
  public static String write(
      SparkSession spark,
      String root,
      String runDir,
      Map<String, byte[]> files,
      List<Table> tables,
      Dataset<Row> history,
      Duration staleAfter) {
    if (!RUN_ID.matcher(runDir).matches() || runDir.contains("..")) {
      throw DriftException.invalidConfig(
          "run folder name '" + runDir + "' is not allowed",
          "use letters, digits, '_', '-', '.', '=' only (for example run_date=2026-11-28)");
    }
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Path rootPath = new Path(root);
    try {
      FileSystem fs = rootPath.getFileSystem(hadoop);
      claimRoot(fs, rootPath);
      recover(fs, rootPath);
      removeStale(fs, rootPath, staleAfter);
      Path staging = new Path(rootPath, STAGING + "/" + runDir + "-" + UUID.randomUUID());
      for (Table t : tables) {
        spark.sparkContext().setJobDescription("kldrift: write " + t.name());
        Dataset<Row> d = t.single() ? t.data().coalesce(1) : t.data();
        d.write().mode(SaveMode.ErrorIfExists).parquet(new Path(staging, t.name()).toString());
        pauseAt("staging-first-table");
      }
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        try (OutputStream out = fs.create(new Path(staging, f.getKey()), false)) {
          out.write(f.getValue());
        }
      }
      Path stagedHistory = null;
      if (history != null) {
        spark.sparkContext().setJobDescription("kldrift: write history");
        stagedHistory =
            new Path(rootPath, STAGING + "/history-" + runDir + "-" + UUID.randomUUID());
        history.coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(stagedHistory.toString());
      }
      pauseAt("staging-complete");
      Path target = new Path(rootPath, runDir);
      publish(fs, rootPath, staging, target, "report");
      pauseAt("report-published");
      if (stagedHistory != null) {
        Path historyDir = new Path(rootPath, HISTORY);
        fs.mkdirs(historyDir);
        publish(fs, rootPath, stagedHistory, new Path(historyDir, runDir), HISTORY);
      }
      Path stagingRoot = new Path(rootPath, STAGING);
      if (fs.exists(stagingRoot) && fs.listStatus(stagingRoot).length == 0) {
        fs.delete(stagingRoot, false);
      }
      return fs.makeQualified(target).toString();
    } catch (IOException e) {
      throw new IllegalStateException(
          "writing the report under " + root + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Finishes publishes that a killed run left half done, so readers see either the previous or the
   * new report of a date, never none: a report or history folder that was moved aside is put back
   * when nothing replaced it, and deleted when the new one was published. Safe to call at any time;
   * does nothing under a root that is not a kldrift report root.
   */
  public static void recover(SparkSession spark, String root) {
    Path rootPath = new Path(root);
    try {
      FileSystem fs = rootPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(new Path(rootPath, MARKER))) {
        recover(fs, rootPath);
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot recover the report root " + root + ": " + e.getMessage(), e);
    }
  }

  private static void recover(FileSystem fs, Path root) throws IOException {
    Path stagingRoot = new Path(root, STAGING);
    if (!fs.exists(stagingRoot)) {
      return;
    }
    for (FileStatus st : fs.listStatus(stagingRoot)) {
      String name = st.getPath().getName();
      Path target = null;
      for (String kind : List.of("report", HISTORY)) {
        String prefix = REPLACED + kind + "-";
        // <prefix><runDir>-<36-character UUID>
        if (name.startsWith(prefix) && name.length() > prefix.length() + 37) {
          String runDir = name.substring(prefix.length(), name.length() - 37);
          target =
              kind.equals("report")
                  ? new Path(root, runDir)
                  : new Path(new Path(root, HISTORY), runDir);
        }
      }
      if (target == null) {
        continue;
      }
      if (fs.exists(target)) {
        fs.delete(st.getPath(), true);
      } else if (fs.rename(st.getPath(), target)) {
        io.kldrift.Progress.say(
            "restored " + target + ", which an interrupted run had moved aside");
      } else {
        throw new IOException("cannot restore " + target + " from " + st.getPath());
      }
    }
  }

  /**
   * Deletes staging folders (not moved-aside reports) last modified longer ago than {@code age}.
   */
  private static void removeStale(FileSystem fs, Path root, Duration age) throws IOException {
    Path stagingRoot = new Path(root, STAGING);
    if (!fs.exists(stagingRoot)) {
      return;
    }
    long cutoff = System.currentTimeMillis() - age.toMillis();
    for (FileStatus st : fs.listStatus(stagingRoot)) {
      if (!st.getPath().getName().startsWith(REPLACED) && st.getModificationTime() < cutoff) {
        fs.delete(st.getPath(), true);
        io.kldrift.Progress.say("removed stale staging folder " + st.getPath().getName());
      }
    }
  }

  /**
   * Replaces {@code target} by {@code staged}: the old folder is moved aside into the staging
   * folder, the new one renamed into place, then the old one deleted. A run killed between the two
   * renames leaves the old folder aside, and {@link #recover} puts it back.
   */
  private static void publish(FileSystem fs, Path root, Path staged, Path target, String kind)
      throws IOException {
    Path old =
        new Path(
            root,
            STAGING + "/" + REPLACED + kind + "-" + target.getName() + "-" + UUID.randomUUID());
    boolean hadOld = fs.exists(target);
    if (hadOld && !fs.rename(target, old)) {
      throw new IOException("cannot move the previous " + target + " aside");
    }
    pauseAt(kind + "-moved-aside");
    // A Hadoop rename onto an existing folder moves into it; never publish inside another report.
    if (fs.exists(target) || !fs.rename(staged, target)) {
      if (hadOld && !fs.exists(target)) {
        fs.rename(old, target);
      }
      throw new IOException(
          "cannot publish "
              + staged
              + " as "
              + target
              + " (did another run publish it meanwhile?)");
    }
    if (hadOld) {
      fs.delete(old, true);
    }
  }

  /**
   * Crash-test hook: with {@code -Dkldrift.testing.pause_at=<point>} the run stops at that point of
   * the write and waits to be killed. Points: staging-first-table, staging-complete,
   * report-moved-aside, report-published, history-moved-aside.
   */
  private static void pauseAt(String point) {
    if (point.equals(System.getProperty("kldrift.testing.pause_at"))) {
      System.err.println("kldrift: paused at " + point);
      System.err.flush();
      while (true) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void claimRoot(FileSystem fs, Path root) throws IOException {
    Path marker = new Path(root, MARKER);
    if (fs.exists(root)) {
      if (!fs.getFileStatus(root).isDirectory()) {
        throw DriftException.invalidConfig(
            "output path " + root + " is a file", "choose a folder for --out");
      }
      FileStatus[] children = fs.listStatus(root);
      if (children.length > 0 && !fs.exists(marker)) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Math.min(3, children.length); i++) {
          names.add(children[i].getPath().getName());
        }
        throw DriftException.invalidConfig(
            "output path "
                + root
                + " is not empty and is not a kldrift report folder (it holds "
                + String.join(", ", names)
                + (children.length > 3 ? ", ..." : "")
                + ")",
            "choose an empty or new folder for --out; kldrift never writes into other data");
      }
    } else {
      fs.mkdirs(root);
    }
    if (!fs.exists(marker)) {
      try (OutputStream out = fs.create(marker, false)) {
        out.write("kldrift report root\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * Writes a local file through a temporary sibling and a rename, so readers never see half of it.
   */
  public static void writeLocalAtomically(java.nio.file.Path file, String content) {
    try {
      java.nio.file.Path dir = file.toAbsolutePath().getParent();
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Path tmp =
          java.nio.file.Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      java.nio.file.Files.writeString(tmp, content, java.nio.charset.StandardCharsets.UTF_8);
      java.nio.file.Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The JSON writer: pretty-printed, with non-finite numbers written as null. */
  public static ObjectMapper json() {
    ObjectMapper m = new ObjectMapper();
    m.enable(SerializationFeature.INDENT_OUTPUT);
    m.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    return m;
  }

  /** Replaces NaN and infinities by null, recursively, so summary.json stays valid JSON. */
  public static Object finite(Object v) {
    if (v instanceof Double d) {
      return Double.isFinite(d) ? d : null;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), finite(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(finite(x)));
      return out;
    }
    return v;
  }
}
