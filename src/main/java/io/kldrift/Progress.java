package io.kldrift;

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

  private Progress() {}

  /** Prints one progress line unless -Dkldrift.quiet=true. */
  public static void say(String line) {
    if (!isQuiet()) {
      System.err.println(stamp(line));
    }
  }

  /**
   * Whether progress output is off: {@code -Dkldrift.quiet=true} at start, or set later (the jobs'
   * {@code --quiet}).
   */
  public static boolean isQuiet() {
    return Boolean.getBoolean("kldrift.quiet");
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
  static <T> T stage(SparkSession spark, String name, Supplier<T> body) {
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
