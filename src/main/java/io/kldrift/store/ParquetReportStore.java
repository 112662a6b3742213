package io.kldrift.store;

import io.kldrift.DriftException;
import io.kldrift.monitor.History;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reports as Parquet folders ({@code report.format=parquet}): each run under {@code
 * <root>/run_date=YYYY-MM-DD/} with its drift state as {@value #STATE_FILE}, the history under
 * {@code <root>/history/run_date=.../}. A run is written atomically: everything goes to a staging
 * folder under {@code <root>/_staging/}, and only a complete report is published, by renaming, in
 * place of the date's previous report. A run that fails before publishing leaves the previous
 * report untouched.
 */
final class ParquetReportStore extends RootStore {
  /** The serialized drift state in every run folder, the input of rollups. */
  static final String STATE_FILE = "drift-state.bin";

  private static final String STAGING = "_staging",
      HISTORY = ReportRoot.HISTORY,
      REPLACED = "replaced-";

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}");

  /** The history's columns as read: the partition column {@code run_date} last. */
  static final StructType HISTORY_READ = History.SCHEMA.add("run_date", DataTypes.StringType);

  ParquetReportStore(SparkSession spark, String root) {
    super(spark, root);
  }

  @Override
  public void checkFormat() {
    if (ReportRoot.holdsDelta(spark, root)) {
      throw StoreErrors.holdsDelta(root);
    }
  }

  /**
   * Writes each file, the state file and each table as Parquet into {@code <root>/<runDir>} (the
   * tables the driver holds without a Spark job, {@link LocalTables}), replacing what that run
   * folder held, and publishes the history rows (when not null) as {@code <root>/history/<runDir>},
   * the two together: a journal names the staged folders before the first rename, the report's
   * rename is the commit point, and {@link #recover} rolls an interrupted publish back (before that
   * point) or forward (after it). Before writing it recovers what an earlier, killed run left and
   * deletes staging folders older than the run's {@code staleAfter}.
   */
  @Override
  public String publish(Run run) {
    String runDir = run.runDir();
    if (!RUN_ID.matcher(runDir).matches() || runDir.contains("..") || runDir.equals(HISTORY)) {
      throw StoreErrors.badRunFolder(runDir);
    }
    Duration staleAfter = run.staleAfter();
    Path rootPath = new Path(root);
    try {
      FileSystem fs = ReportRoot.fs(spark, rootPath);
      ReportRoot.claim(fs, rootPath);
      recover(fs, rootPath, staleAfter);
      removeStale(fs, rootPath, staleAfter);
      Publish p =
          new Publish(rootPath, runDir, UUID.randomUUID().toString(), run.history() != null);
      for (Table t : run.tables()) {
        Path dir = new Path(p.staged(), t.name());
        if (t.single() && LocalTables.isLocal(t.data())) {
          LocalTables.write(spark, fs, t.data(), dir);
          continue;
        }
        spark.sparkContext().setJobDescription("kldrift: write " + t.name());
        Dataset<Row> d = t.single() ? t.data().coalesce(1) : t.data();
        d.write().mode(SaveMode.ErrorIfExists).parquet(dir.toString());
      }
      Map<String, byte[]> files = new LinkedHashMap<>(run.files());
      if (run.state() != null) {
        files.put(STATE_FILE, run.state());
      }
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        try (OutputStream out = fs.create(new Path(p.staged(), f.getKey()), false)) {
          out.write(f.getValue());
        }
      }
      if (run.history() != null && LocalTables.isLocal(run.history())) {
        LocalTables.write(spark, fs, run.history(), p.stagedHistory());
      } else if (run.history() != null) {
        spark.sparkContext().setJobDescription("kldrift: write history");
        run.history()
            .coalesce(1)
            .write()
            .mode(SaveMode.ErrorIfExists)
            .parquet(p.stagedHistory().toString());
      }
      PublishLock.Holder me = PublishLock.Holder.me(p.uuid(), run.started());
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
  @Override
  public void recover() {
    Path rootPath = new Path(root);
    try {
      FileSystem fs = ReportRoot.fs(spark, rootPath);
      if (fs.exists(new Path(rootPath, ReportRoot.MARKER))) {
        recover(fs, rootPath, Duration.ofHours(24));
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot recover the report root " + root + ": " + e.getMessage(), e);
    }
  }

  static void recover(FileSystem fs, Path root, Duration staleAfter) throws IOException {
    Path stagingRoot = new Path(root, STAGING);
    if (!fs.exists(stagingRoot)) {
      return;
    }
    for (FileStatus st : fs.listStatus(stagingRoot)) {
      Publish p;
      try {
        p = Publish.of(fs, root, st);
      } catch (FileNotFoundException e) {
        continue; // the run that wrote this journal finished its publish since the listing
      }
      if (p == null || PublishLock.heldByLiveRun(fs, root, p.runDir(), staleAfter)) {
        continue; // not a journal, or the journal of a run publishing right now
      }
      if (fs.exists(p.staged())) {
        rollBack(fs, p);
        io.kldrift.console.Progress.say("rolled back an interrupted publish of " + p.target());
      } else {
        finish(fs, p);
        io.kldrift.console.Progress.say("completed an interrupted publish of " + p.target());
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
        io.kldrift.console.Progress.say("removed stale staging entry " + st.getPath().getName());
      }
    }
  }

  @Override
  public Dataset<Row> history() {
    Path dir = new Path(root, HISTORY);
    String[] partitions;
    try {
      FileSystem fs = ReportRoot.fs(spark, dir);
      if (!fs.exists(dir)) {
        return spark.createDataFrame(List.of(), HISTORY_READ);
      }
      // Explicit partition folders rather than a glob: Spark probes a single glob path as a
      // literal file and logs a stack trace for it.
      partitions =
          Arrays.stream(fs.listStatus(dir, p -> p.getName().startsWith("run_date=")))
              .map(st -> st.getPath().toString())
              .toArray(String[]::new);
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (partitions.length == 0) {
      return spark.createDataFrame(List.of(), HISTORY_READ);
    }
    return spark.read().option("basePath", dir.toString()).schema(HISTORY_READ).parquet(partitions);
  }

  /** Appends to the date's history partition, which a rerun of the date replaces with the run. */
  @Override
  public boolean appendToRun(String runDate, Dataset<Row> rows) {
    spark.sparkContext().setJobDescription("kldrift: append to the history");
    rows.coalesce(1)
        .write()
        .mode(SaveMode.Append)
        .parquet(new Path(new Path(root, HISTORY), "run_date=" + runDate).toString());
    return true;
  }

  @Override
  public Map<String, State> states(List<String> runDirs) {
    Map<String, State> out = new LinkedHashMap<>();
    Path rootPath = new Path(root);
    try {
      FileSystem fs = ReportRoot.fs(spark, rootPath);
      for (String runDir : runDirs) {
        Path file = new Path(new Path(rootPath, runDir), STATE_FILE);
        if (fs.exists(file)) {
          try (InputStream in = fs.open(file)) {
            out.put(runDir, new State(in.readAllBytes(), file.toString()));
          }
        }
      }
    } catch (IOException e) {
      throw StoreErrors.unreadableStates(root, e.getMessage());
    }
    return out;
  }

  @Override
  public List<String> runs() {
    Path rootPath = new Path(root);
    List<String> out = new ArrayList<>();
    try {
      FileSystem fs = ReportRoot.fs(spark, rootPath);
      if (fs.exists(rootPath)) {
        for (FileStatus st : fs.listStatus(rootPath)) {
          String name = st.getPath().getName();
          if (st.isDirectory() && (name.startsWith("run_date=") || name.startsWith("rollup="))) {
            out.add(name);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }
}
