package io.kldrift.console;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/** Concise progress lines on the driver's standard error: one per pipeline stage, with timings. */
public final class Progress {
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

  private static final String JOB_DESCRIPTION = "spark.job.description";

  // The run in progress on this thread (a job's, from its options); outside one, the default.
  private static final ThreadLocal<Verbosity> RUN = new ThreadLocal<>();

  private static volatile Verbosity defaultVerbosity = Verbosity.NORMAL;

  private Progress() {}

  /** Prints one progress line unless the current run is quiet. */
  public static void say(String line) {
    if (!verbosity().quiet()) {
      System.err.println(stamp(line));
    }
  }

  /**
   * Runs {@code body} (a job's run) on this thread with {@code verbosity}: the library's progress
   * lines during it follow the job's {@code --quiet}, and a JVM running several jobs (a notebook, a
   * test) keeps each job's switches to that job.
   */
  public static <T> T during(Verbosity verbosity, Supplier<T> body) {
    Verbosity before = RUN.get();
    RUN.set(verbosity);
    try {
      return body.get();
    } finally {
      if (before == null) {
        RUN.remove();
      } else {
        RUN.set(before);
      }
    }
  }

  /**
   * Sets the verbosity of library calls made outside a job's run, for a whole interactive session
   * or tool (jobs/shell, the benchmarks: {@link Verbosity#QUIET}).
   */
  public static void setDefault(Verbosity verbosity) {
    defaultVerbosity = verbosity;
  }

  /** The verbosity of the run in progress on this thread, or the default outside one. */
  public static Verbosity verbosity() {
    Verbosity v = RUN.get();
    return v == null ? defaultVerbosity : v;
  }

  /** A progress line with its prefix and the wall-clock time. */
  public static String stamp(String line) {
    return "[kldrift "
        + LocalTime.now(java.time.ZoneId.systemDefault()).format(CLOCK)
        + "] "
        + line;
  }

  /** Prints a warning line, even when progress lines are off: it reports something missing. */
  public static void warn(String line) {
    System.err.println("kldrift: warning: " + line);
  }

  /**
   * Runs one step of the pipeline between a start and a done line. The step's name becomes the
   * Spark job description, so that the stage progress (and the Spark UI) names the step for the
   * jobs that set no description of their own.
   */
  public static <T> T stage(SparkSession spark, String name, Supplier<T> body) {
    // The caller's own description (a notebook's) comes back when the step ends.
    String before = spark.sparkContext().getLocalProperty(JOB_DESCRIPTION);
    spark.sparkContext().setJobDescription("kldrift: " + name);
    try {
      long t0 = System.nanoTime();
      say(name + " ...");
      T result = body.get();
      say(String.format(Locale.ROOT, "%s done in %.1f s", name, (System.nanoTime() - t0) / 1e9));
      return result;
    } finally {
      spark.sparkContext().setJobDescription(before);
    }
  }
}
