package io.kldrift.job;

/** The job's process exit codes, one per outcome a scheduler must tell apart. */
public final class ExitCodes {
  private ExitCodes() {}

  /** The report was written and its status is OK (or WARN without {@code --fail-on warn}). */
  public static final int OK = 0;

  /** An unexpected internal failure (a bug, or the cluster failed); the previous report is kept. */
  public static final int INTERNAL_ERROR = 1;

  /**
   * Another run of the same date published its report first (or is publishing it): this run
   * published nothing and the root holds the other run's whole report. The same code as {@link
   * #INTERNAL_ERROR}, as for a Delta commit conflict; the message says which run won.
   */
  public static final int CONFLICT = 1;

  /** Bad command line or configuration; nothing was read. */
  public static final int USAGE = 2;

  /** The input tables break the input contract; the message names table, column, rule and key. */
  public static final int INVALID_INPUT = 3;

  /** The report was written and its status is ALERT. */
  public static final int ALERT = 4;

  /** The report was written, its status is WARN, and {@code --fail-on warn} was given. */
  public static final int WARN = 5;

  /**
   * The run ran out of memory or lost its executors; the message names the cause and the setting to
   * change, and the previous report is kept.
   */
  public static final int RESOURCES = 6;

  /**
   * Spark's own code when a task runs out of memory in the driver's JVM (local mode): Spark halts
   * the process itself, so kldrift can only print the cause on the way out.
   */
  public static final int SPARK_OUT_OF_MEMORY = 52;
}
