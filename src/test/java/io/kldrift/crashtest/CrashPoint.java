package io.kldrift.crashtest;

import org.apache.hadoop.fs.Path;

/**
 * The named points of a report write at which the crash tests stop a run, each recognized by a file
 * operation that {@link PausingFileSystem} or {@link PausingFs} reports here. The armed point
 * ({@code -Dkldrift.crashtest.pause_at}) prints {@code crash test: paused at <point>} once and
 * holds the operation until the run is killed, or until the file named by {@code
 * -Dkldrift.crashtest.release_file} exists.
 *
 * <p>Parquet reports (ParquetReportStore), after the operation that ends the step: {@code
 * staging-first-table} the {@code _SUCCESS} of the first staged table closed; {@code
 * staging-complete} that of the staged history; {@code report-moved-aside}, {@code
 * report-published}, {@code history-moved-aside}, {@code history-published} the rename.
 *
 * <p>Delta reports (DeltaReportStore), before the first write of the next step, so that the step
 * before it is whole, post-commit files included: {@code delta-started} the run's first data file
 * (the committed run has been read); {@code delta-first-table} the first data file of the second
 * table; {@code delta-tables-written} the first file of the {@code runs} MERGE; {@code
 * delta-committed} the first file outside {@code runs} after the run's commit row.
 */
public final class CrashPoint {
  private static final String POINT = System.getProperty("kldrift.crashtest.pause_at", "");
  private static final String RELEASE = System.getProperty("kldrift.crashtest.release_file");

  private static boolean said;
  private static Path firstTable;
  private static boolean tableWritten, runsCommitted;

  private CrashPoint() {}

  /** Before a file is created. */
  static void beforeCreate(Path p) {
    if (isRunData(p)) {
      synchronized (CrashPoint.class) {
        tableWritten = true;
      }
    }
    boolean hit =
        switch (POINT) {
          case "delta-started" -> isRunData(p);
          case "delta-first-table" -> isRunData(p) && !firstTableIs(table(p));
          case "delta-tables-written" -> under(p, "runs");
          case "delta-committed" -> committedRuns() && !under(p, "runs");
          default -> false;
        };
    if (hit) {
      hold();
    }
  }

  /** After a created file is closed. */
  static void afterClose(Path p) {
    if (!p.getName().equals("_SUCCESS")) {
      return;
    }
    Path dir = p.getParent();
    boolean hit =
        switch (POINT) {
          case "staging-first-table" -> name(dir.getParent().getParent()).equals("_staging");
          case "staging-complete" ->
              name(dir.getParent()).equals("_staging") && name(dir).startsWith("history-");
          default -> false;
        };
    if (hit) {
      hold();
    }
  }

  /** After a rename succeeded. */
  static void afterRename(Path src, Path dst) {
    boolean fromStaging = name(src.getParent()).equals("_staging");
    boolean intoHistory = name(dst.getParent()).equals("history");
    boolean hit =
        switch (POINT) {
          case "report-moved-aside" -> dst.getName().startsWith("replaced-report-");
          case "report-published" ->
              fromStaging && src.getName().startsWith(dst.getName() + "-") && !intoHistory;
          case "history-moved-aside" -> dst.getName().startsWith("replaced-history-");
          case "history-published" -> fromStaging && intoHistory;
          default -> false;
        };
    if (dst.getName().matches("\\d{20}\\.json")
        && name(dst.getParent()).equals("_delta_log")
        && name(dst.getParent().getParent()).equals("runs")) {
      synchronized (CrashPoint.class) {
        // the commit row of this run (after its tables), not the creation of an empty runs table
        runsCommitted |= tableWritten;
      }
    }
    if (hit) {
      hold();
    }
  }

  /** A data file of a run's partition (Delta layout: {@code <table>/<run>=../run_id=../}). */
  private static boolean isRunData(Path p) {
    return p.getParent() != null && p.getParent().getName().startsWith("run_id=");
  }

  /** The table folder of a data file: the ancestor above its partition folders. */
  private static Path table(Path p) {
    Path t = p.getParent();
    while (t.getName().contains("=")) {
      t = t.getParent();
    }
    return t;
  }

  private static synchronized boolean firstTableIs(Path t) {
    if (firstTable == null) {
      firstTable = t;
    }
    return firstTable.equals(t);
  }

  private static synchronized boolean committedRuns() {
    return runsCommitted;
  }

  private static boolean under(Path p, String folder) {
    for (Path a = p.getParent(); a != null; a = a.getParent()) {
      if (a.getName().equals(folder)) {
        return true;
      }
    }
    return false;
  }

  private static String name(Path p) {
    return p == null ? "" : p.getName();
  }

  private static void hold() {
    synchronized (CrashPoint.class) {
      if (released()) {
        return;
      }
      if (!said) {
        said = true;
        System.err.println("crash test: paused at " + POINT);
        System.err.flush();
      }
    }
    while (!released()) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static boolean released() {
    return RELEASE != null && java.nio.file.Files.exists(java.nio.file.Path.of(RELEASE));
  }
}
