package io.kldrift.store;

import io.kldrift.DriftException;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * The report stores' errors, one method per error: output roots that cannot be used, runs that lost
 * a publish to another run, and report data a store cannot hold; a call site passes only the facts.
 */
final class StoreErrors {
  private StoreErrors() {}

  private static final String OUTPUT_FIX =
      "choose for --out (output.path) a folder the job's user can create and write, or grant"
          + " that user write access to it (chmod/ACL, or the bucket's access policy)";

  /** An output root whose file system cannot be asked about it ({@code reason}: why). */
  static DriftException uninspectableRoot(String root, String reason) {
    return DriftException.invalidConfig(
        "output path " + root + " cannot be inspected: " + reason,
        "check that --out names a reachable, writable folder");
  }

  /** An output root that is a file. */
  static DriftException rootIsFile(Path root) {
    return DriftException.invalidConfig(
        "output path " + root + " is a file", "choose a folder for --out");
  }

  /** A non-empty output root without the kldrift marker ({@code sample}: some of what it holds). */
  static DriftException foreignRoot(Path root, List<String> sample, boolean more) {
    return DriftException.invalidConfig(
        "output path "
            + root
            + " is not empty and is not a kldrift report folder (it holds "
            + String.join(", ", sample)
            + (more ? ", ..." : "")
            + ")",
        "choose an empty or new folder for --out; kldrift never writes into other data");
  }

  /** An output root below a file ({@code existing}), so it cannot be created. */
  static DriftException rootBelowFile(Path root, Path existing) {
    return DriftException.invalidConfig(
        "output path " + root + " cannot be created: " + existing + " is a file, not a folder",
        OUTPUT_FIX);
  }

  /** An output root the user may not write ({@code in}: the existing ancestor, or null). */
  static DriftException rootPermissionDenied(Path root, String user, Path in) {
    return DriftException.invalidConfig(
        "output path "
            + root
            + " cannot be written: permission denied for user "
            + user
            + (in == null ? "" : " in " + in),
        OUTPUT_FIX);
  }

  /** An output root that cannot be created or written for another reason ({@code why}). */
  static DriftException rootNotWritable(Path root, String why) {
    return DriftException.invalidConfig(
        "output path " + root + " cannot be created or written (" + why + ")", OUTPUT_FIX);
  }

  /** A Parquet store asked to write into a root of Delta reports. */
  static DriftException holdsDelta(String root) {
    return DriftException.invalidConfig(
        "output path " + root + " holds Delta reports (runs/ is a Delta table)",
        "set report.format=delta for this root, or choose another --out");
  }

  /** A Delta store asked to write into a root of Parquet reports. */
  static DriftException holdsParquet(String root) {
    return DriftException.invalidConfig(
        "output path " + root + " holds Parquet reports (history/ is not a Delta table)",
        "choose a new --out for report.format=delta, or keep report.format=parquet there");
  }

  /** A run folder name with characters a folder name should not have. */
  static DriftException badRunFolder(String runDir) {
    return DriftException.invalidConfig(
        "run folder name '" + runDir + "' is not allowed",
        "use letters, digits, '_', '-', '.', '=' only (for example run_date=2026-11-28)");
  }

  /** Drift states under {@code root} that cannot be listed or read ({@code reason}: why). */
  static DriftException unreadableStates(String root, String reason) {
    return DriftException.invalidInput(
        "the drift states under " + root + " cannot be read: " + reason,
        "check that --out names the report root the daily runs wrote to");
  }

  /** An acceptance of a run date the root has no committed run of. */
  static DriftException noCommittedRun(String runDate, String root) {
    return DriftException.invalidConfig(
        "no committed run of " + runDate + " under " + root, "pass the date of a committed run");
  }

  /** A report table holding a column ({@code column}) that the Delta store keys runs by. */
  static DriftException reservedColumn(String table, String column) {
    return DriftException.invalidConfig(
        "table "
            + table
            + " has a column '"
            + column
            + "', which report.format=delta uses to key runs",
        "rename that input column, or use report.format=parquet");
  }

  /** report.format=delta ({@code key}=delta) without Delta Lake on the class path. */
  static DriftException noDelta(String key) {
    return DriftException.invalidConfig(
        key + "=delta needs Delta Lake, which is not on the class path",
        "add --packages io.delta:delta-spark_2.13:4.4.0 to spark-submit (the local launcher has"
            + " it)");
  }

  /** A session without Delta's extension and catalog ({@code extension}, {@code catalog}). */
  static DriftException noDeltaSession(
      String key, String extension, String catalogKey, String catalog) {
    return DriftException.invalidConfig(
        key + "=delta needs a session built with Delta's extension and catalog",
        "build the session with spark.sql.extensions="
            + extension
            + " and "
            + catalogKey
            + "="
            + catalog
            + " (the kldrift jobs do this themselves)");
  }

  /** The conflict this run lost: another run {@code did} {@code run} {@code when}. */
  static DriftException lost(String did, String run, String root, String when) {
    return DriftException.conflict(
        "another run "
            + did
            + " "
            + run
            + " under "
            + root
            + " "
            + when
            + "; this run's report was not committed",
        "run one job per date at a time; rerun this one if its report is wanted");
  }

  /** A publish lock held by a live run ({@code holder}: that run, described). */
  static DriftException lockHeld(String runDir, Path root, String holder) {
    return DriftException.conflict(
        "another run is publishing "
            + runDir
            + " under "
            + root
            + " at this moment: "
            + holder
            + "; this run published nothing and the root will hold that run's whole report",
        "run one job per date at a time; re-run this one after it to replace its report");
  }

  /** A publish lock taken over and released again while this run tried to take it. */
  static DriftException lockChangingHands(Path lock) {
    return DriftException.conflict(
        "the publish lock " + lock + " keeps changing hands", "run one job per date at a time");
  }

  /** A run folder published by another run ({@code other}) after this run {@code started}. */
  static DriftException superseded(Path target, String other, Instant started) {
    return DriftException.conflict(
        "another run published "
            + target
            + " while this run was computing: "
            + other
            + ", after this run started at "
            + started
            + "; this run published nothing and the folder holds that run's whole report",
        "run one job per date at a time; re-run this one to replace that report");
  }
}
