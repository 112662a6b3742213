package io.kldrift.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kldrift.DriftException;
import java.io.IOException;
import java.io.OutputStream;
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

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}");

  private ReportWriter() {}

  /** One named table of the report. */
  public record Table(String name, Dataset<Row> data, boolean single) {}

  /**
   * Writes each file (name to bytes, e.g. summary.json) and each table as Parquet into {@code
   * <root>/<runDir>}, replacing what that run folder held, then publishes {@code history} (when
   * not null) as {@code <root>/history/<runDir>}. Returns the published folder.
   */
  public static String write(
      SparkSession spark, String root, String runDir, Map<String, byte[]> files, List<Table> tables,
      Dataset<Row> history) {
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
      Path staging = new Path(rootPath, "_staging/" + runDir + "-" + UUID.randomUUID());
      for (Table t : tables) {
        spark.sparkContext().setJobDescription("kldrift: write " + t.name());
        Dataset<Row> d = t.single() ? t.data().coalesce(1) : t.data();
        d.write().mode(SaveMode.ErrorIfExists).parquet(new Path(staging, t.name()).toString());
      }
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        try (OutputStream out = fs.create(new Path(staging, f.getKey()), false)) {
          out.write(f.getValue());
        }
      }
      Path stagedHistory = null;
      if (history != null) {
        spark.sparkContext().setJobDescription("kldrift: write history");
        stagedHistory = new Path(rootPath, "_staging/history-" + runDir + "-" + UUID.randomUUID());
        history.coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(stagedHistory.toString());
      }
      Path target = new Path(rootPath, runDir);
      publish(fs, rootPath, staging, target);
      if (stagedHistory != null) {
        Path historyDir = new Path(rootPath, "history");
        fs.mkdirs(historyDir);
        publish(fs, rootPath, stagedHistory, new Path(historyDir, runDir));
      }
      Path stagingRoot = new Path(rootPath, "_staging");
      if (fs.exists(stagingRoot) && fs.listStatus(stagingRoot).length == 0) {
        fs.delete(stagingRoot, false);
      }
      return fs.makeQualified(target).toString();
    } catch (IOException e) {
      throw new IllegalStateException("writing the report under " + root + " failed: " + e.getMessage(), e);
    }
  }

  /** Replaces {@code target} by {@code staged}: the old folder is moved aside, then deleted. */
  private static void publish(FileSystem fs, Path root, Path staged, Path target) throws IOException {
    Path old = new Path(root, "_staging/" + target.getName() + "-replaced-" + UUID.randomUUID());
    boolean hadOld = fs.exists(target);
    if (hadOld && !fs.rename(target, old)) {
      throw new IOException("cannot move the previous " + target + " aside");
    }
    if (!fs.rename(staged, target)) {
      if (hadOld) {
        fs.rename(old, target);
      }
      throw new IOException("cannot publish " + staged + " as " + target);
    }
    if (hadOld) {
      fs.delete(old, true);
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
            "output path " + root + " is not empty and is not a kldrift report folder (it holds "
                + String.join(", ", names) + (children.length > 3 ? ", ..." : "") + ")",
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

  /** Writes a local file through a temporary sibling and a rename, so readers never see half of it. */
  public static void writeLocalAtomically(java.nio.file.Path file, String content) {
    try {
      java.nio.file.Path dir = file.toAbsolutePath().getParent();
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Path tmp = java.nio.file.Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      java.nio.file.Files.writeString(tmp, content, java.nio.charset.StandardCharsets.UTF_8);
      java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
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
