package io.kldrift.report;

import io.kldrift.DriftException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
   * <root>/<runDir>}, replacing what that run folder held, and publishes {@code history} (when not
   * null) as {@code <root>/history/<runDir>}, the two together: a journal names the staged folders
   * before the first rename, the report's rename is the commit point, and {@link #recover} rolls an
   * interrupted publish back (before that point) or forward (after it). Before writing it recovers
   * what an earlier, killed run left and deletes staging folders older than {@code staleAfter}.
   * Returns the published folder.
   */
  public static String write(
      SparkSession spark,
      String root,
      String runDir,
      Map<String, byte[]> files,
      List<Table> tables,
      Dataset<Row> history,
      Duration staleAfter,
      Instant started) {
    if (!RUN_ID.matcher(runDir).matches() || runDir.contains("..") || runDir.equals(HISTORY)) {
      throw DriftException.invalidConfig(
          "run folder name '" + runDir + "' is not allowed",
          "use letters, digits, '_', '-', '.', '=' only (for example run_date=2026-11-28)");
    }
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Path rootPath = new Path(root);
    try {
      FileSystem fs = rootPath.getFileSystem(hadoop);
      claimRoot(fs, rootPath);
      recover(fs, rootPath, staleAfter);
      removeStale(fs, rootPath, staleAfter);
      Publish p = new Publish(rootPath, runDir, UUID.randomUUID().toString(), history != null);
      for (Table t : tables) {
        spark.sparkContext().setJobDescription("kldrift: write " + t.name());
        Dataset<Row> d = t.single() ? t.data().coalesce(1) : t.data();
        d.write().mode(SaveMode.ErrorIfExists).parquet(new Path(p.staged(), t.name()).toString());
      }
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        try (OutputStream out = fs.create(new Path(p.staged(), f.getKey()), false)) {
          out.write(f.getValue());
        }
      }
      if (history != null) {
        spark.sparkContext().setJobDescription("kldrift: write history");
        history
            .coalesce(1)
            .write()
            .mode(SaveMode.ErrorIfExists)
            .parquet(p.stagedHistory().toString());
      }
      PublishLock.Holder me = PublishLock.Holder.me(p.uuid(), started);
      try (PublishLock lock = lockOrDrop(fs, p, me, staleAfter)) {
        PublishLock.record(fs, p.staged(), me);
        try (OutputStream out = fs.create(p.journal(), false)) {
          out.write(("history=" + p.withHistory() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (fs.exists(p.target())) {
          rename(fs, p.target(), p.replaced());
        }
        rename(fs, p.staged(), p.target());
        finish(fs, p);
      }
      Path stagingRoot = new Path(rootPath, STAGING);
      if (fs.exists(stagingRoot) && fs.listStatus(stagingRoot).length == 0) {
        fs.delete(stagingRoot, false);
      }
      return fs.makeQualified(p.target()).toString();
    } catch (IOException e) {
      throw new IllegalStateException(
          "writing the report under " + root + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * The publish lock, once no other run holds it and no other run published the folder since this
   * one started; otherwise drops what this run staged and fails with the conflict.
   */
  private static PublishLock lockOrDrop(
      FileSystem fs, Publish p, PublishLock.Holder me, Duration staleAfter) throws IOException {
    PublishLock lock = null;
    try {
      lock = PublishLock.acquire(fs, p.root(), p.runDir(), me, staleAfter);
      PublishLock.checkNotSuperseded(fs, p.target(), me);
      return lock;
    } catch (DriftException e) {
      if (lock != null) {
        lock.close();
      }
      fs.delete(p.staged(), true);
      fs.delete(p.stagedHistory(), true);
      Path stagingRoot = p.staged().getParent();
      if (fs.exists(stagingRoot) && fs.listStatus(stagingRoot).length == 0) {
        fs.delete(stagingRoot, false);
      }
      throw e;
    }
  }

  /**
   * The folders of one publish, all named after the run folder and one UUID so that a journal
   * ({@code _staging/publish-<runDir>-<uuid>}) identifies them.
   */
  private record Publish(Path root, String runDir, String uuid, boolean withHistory) {
    static final String JOURNAL = "publish-";

    private Path staging(String name) {
      return new Path(new Path(root, STAGING), name + "-" + uuid);
    }

    Path staged() {
      return staging(runDir);
    }

    Path stagedHistory() {
      return staging("history-" + runDir);
    }

    Path replaced() {
      return staging(REPLACED + "report-" + runDir);
    }

    Path replacedHistory() {
      return staging(REPLACED + "history-" + runDir);
    }

    Path journal() {
      return staging(JOURNAL + runDir);
    }

    Path target() {
      return new Path(root, runDir);
    }

    Path historyTarget() {
      return new Path(new Path(root, HISTORY), runDir);
    }

    /** The publish a journal file stands for, or null for another staging entry. */
    static Publish of(FileSystem fs, Path root, FileStatus entry) throws IOException {
      String name = entry.getPath().getName();
      // publish-<runDir>-<36-character UUID>
      if (!entry.isFile() || !name.startsWith(JOURNAL) || name.length() < JOURNAL.length() + 38) {
        return null;
      }
      String uuid = name.substring(name.length() - 36);
      String runDir = name.substring(JOURNAL.length(), name.length() - 37);
      String text;
      try (java.io.InputStream in = fs.open(entry.getPath())) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return new Publish(root, runDir, uuid, text.contains("history=true"));
    }
  }

  /**
   * After the commit point: publishes the history, then drops what was replaced and the journal.
   */
  private static void finish(FileSystem fs, Publish p) throws IOException {
    if (p.withHistory() && fs.exists(p.stagedHistory())) {
      fs.mkdirs(p.historyTarget().getParent());
      if (fs.exists(p.historyTarget())) {
        if (fs.exists(p.replacedHistory())) {
          // Only a copy-based rename (object stores) leaves both: the target is a partial copy.
          fs.delete(p.historyTarget(), true);
        } else {
          rename(fs, p.historyTarget(), p.replacedHistory());
        }
      }
      rename(fs, p.stagedHistory(), p.historyTarget());
    }
    fs.delete(p.replaced(), true);
    fs.delete(p.replacedHistory(), true);
    fs.delete(p.journal(), false);
  }

  /** Before the commit point: puts the previous report back and drops the staged folders. */
  private static void rollBack(FileSystem fs, Publish p) throws IOException {
    if (fs.exists(p.replaced())) {
      if (fs.exists(p.target())) {
        fs.delete(p.target(), true); // a partial copy on an object store
      }
      rename(fs, p.replaced(), p.target());
    }
    fs.delete(p.staged(), true);
    fs.delete(p.stagedHistory(), true);
    fs.delete(p.journal(), false);
  }

  /** A rename that fails loudly, and never moves a folder into an existing one. */
  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    // A Hadoop rename onto an existing folder moves into it; never publish inside another report.
    if (fs.exists(to) || !fs.rename(from, to)) {
      throw new IOException(
          "cannot rename " + from + " to " + to + " (did another run publish it meanwhile?)");
    }
  }

  /**
   * Completes the publishes that killed runs left half done, so that a date shows either its
   * previous report and history or the new ones, never none and never a mix: a publish whose report
   * was not yet renamed into place is rolled back (the previous report put back), one whose report
   * was is rolled forward (its history published). Safe to call at any time; does nothing under a
   * root that is not a kldrift report root. Not coordinated with a run publishing at the same
   * moment on the same root.
   */
  public static void recover(SparkSession spark, String root) {
    Path rootPath = new Path(root);
    try {
      FileSystem fs = rootPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(new Path(rootPath, MARKER))) {
        recover(fs, rootPath, Duration.ofHours(24));
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot recover the report root " + root + ": " + e.getMessage(), e);
    }
  }

  private static void recover(FileSystem fs, Path root, Duration staleAfter) throws IOException {
    Path stagingRoot = new Path(root, STAGING);
    if (!fs.exists(stagingRoot)) {
      return;
    }
    for (FileStatus st : fs.listStatus(stagingRoot)) {
      Publish p = Publish.of(fs, root, st);
      if (p == null || PublishLock.heldByLiveRun(fs, root, p.runDir(), staleAfter)) {
        continue; // not a journal, or the journal of a run publishing right now
      }
      if (fs.exists(p.staged())) {
        rollBack(fs, p);
        io.kldrift.Progress.say("rolled back an interrupted publish of " + p.target());
      } else {
        finish(fs, p);
        io.kldrift.Progress.say("completed an interrupted publish of " + p.target());
      }
      fs.delete(PublishLock.lockPath(root, p.runDir()), false);
    }
  }

  /** Deletes staging entries last modified longer ago than {@code age} (left by killed runs). */
  private static void removeStale(FileSystem fs, Path root, Duration age) throws IOException {
    Path stagingRoot = new Path(root, STAGING);
    if (!fs.exists(stagingRoot)) {
      return;
    }
    long cutoff = System.currentTimeMillis() - age.toMillis();
    for (FileStatus st : fs.listStatus(stagingRoot)) {
      if (st.getModificationTime() < cutoff) {
        fs.delete(st.getPath(), true);
        io.kldrift.Progress.say("removed stale staging entry " + st.getPath().getName());
      }
    }
  }

  /**
   * Refuses, before anything is read or computed, an output root that a run could not write: a
   * file, a folder that cannot be created or written (a path under a file, no permission, a
   * read-only file system), or a non-empty folder that is not a kldrift report root. Writes and
   * deletes a probe file in the root, or in a probe folder of its deepest existing ancestor when
   * the root does not exist yet (a run that fails later leaves nothing behind).
   */
  public static void checkRoot(SparkSession spark, String root) {
    Path rootPath = new Path(root);
    FileSystem fs;
    try {
      fs = rootPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
      refuseForeign(fs, rootPath);
    } catch (IOException e) {
      throw DriftException.invalidConfig(
          "output path " + root + " cannot be inspected: " + e.getMessage(),
          "check that --out names a reachable, writable folder");
    }
    OutputRoot.probe(fs, rootPath);
  }

  static void claimRoot(FileSystem fs, Path root) throws IOException {
    Path marker = new Path(root, MARKER);
    refuseForeign(fs, root);
    if (!fs.exists(root)) {
      fs.mkdirs(root);
    }
    if (!fs.exists(marker)) {
      try (OutputStream out = fs.create(marker, false)) {
        out.write("kldrift report root\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        // another run of a new root created it first
      }
    }
  }

  private static void refuseForeign(FileSystem fs, Path root) throws IOException {
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
}
