package io.kldrift.job;

import io.kldrift.DriftException;
import io.kldrift.console.Verbosity;
import io.kldrift.input.InputErrors;
import io.kldrift.input.InputFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns whatever reaches a job's {@code main} into one line on the console (and one indented line
 * per item of a {@link DriftException} that lists several, such as the rules a table breaks), a
 * documented exit code and, for anything but the user's own mistakes, a log file with the full
 * trace: a {@link DriftException} as it says; a file Spark could not read as bad input naming the
 * file (and, when the file system refused access, saying so); running out of memory or losing the
 * executors as {@link ExitCodes#RESOURCES} with the setting to change; anything else as an internal
 * error.
 */
final class Failures {
  private static final Pattern FILE = Pattern.compile("(?:reading file|file) (\\S+?)\\.?(?:\\s|$)");

  private Failures() {}

  static int report(Throwable e, Verbosity verbosity) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DriftException d) {
        // A message that quotes another (Spark's, a file's) could span lines: each of the
        // exception's own lines is one console line.
        List<String> lines = d.lines();
        System.err.println("kldrift: error: " + oneLine(lines.get(0)));
        lines.stream().skip(1).forEach(l -> System.err.println("  " + oneLine(l)));
        return status(
            switch (d.kind()) {
              case INVALID_INPUT -> "INVALID_INPUT";
              case INVALID_CONFIG -> "INVALID_CONFIG";
              case CONFLICT -> "CONFLICT";
              case RESOURCES -> "FAILED";
            },
            d.kind().exitCode());
      }
    }
    String all = messages(e);
    if (all.contains("OutOfMemoryError") || all.contains("Java heap space")) {
      String log = log(e, verbosity);
      System.err.printf(
          Locale.ROOT,
          "kldrift: error: out of memory (%s; this JVM's heap is %.1f GB). Fix: give the driver"
              + " and executors more memory (locally KLDRIFT_DRIVER_MEMORY, on a cluster"
              + " spark.driver.memory and spark.executor.memory), or lower"
              + " spark.sql.parquet.columnarReaderBatchSize (rows per Parquet batch; kldrift sizes"
              + " it from the class count); the previous report is unchanged; trace: %s%n",
          firstLine(cause(e, "OutOfMemoryError")),
          Runtime.getRuntime().maxMemory() / 1e9,
          log);
      return status("FAILED", ExitCodes.RESOURCES);
    }
    if (all.contains("ExecutorLostFailure") || all.contains("executor lost")) {
      String log = log(e, verbosity);
      System.err.println(
          "kldrift: error: the run lost its executors ("
              + firstLine(cause(e, "ExecutorLost"))
              + "). Fix: check the executors' logs for the cause (most often memory: raise"
              + " spark.executor.memory or spark.executor.memoryOverhead); the previous report is"
              + " unchanged; trace: "
              + log);
      return status("FAILED", ExitCodes.RESOURCES);
    }
    if (all.contains("FAILED_READ_FILE")
        || all.contains("ParquetDecodingException")
        || all.contains("is not a Parquet file")) {
      Matcher m = FILE.matcher(all);
      String file = m.find() ? InputFiles.display(m.group(1)) : "(see the trace)";
      if (InputFiles.isPermissionDenied(e)) {
        return report(InputErrors.permissionDenied("input file " + file), verbosity);
      }
      String log = log(e, verbosity);
      System.err.println(
          "kldrift: error: an input file cannot be read: "
              + file
              + " ("
              + firstLine(cause(e, "Parquet"))
              + "). Fix: rewrite or remove the file, or point the path at the table's good files;"
              + " trace: "
              + log);
      return status("INVALID_INPUT", ExitCodes.INVALID_INPUT);
    }
    String log = log(e, verbosity);
    System.err.println(
        "kldrift: internal error: "
            + firstLine(e)
            + " (the previous report, if any, is unchanged; trace: "
            + log
            + ")");
    return status("FAILED", ExitCodes.INTERNAL_ERROR);
  }

  private static String oneLine(String text) {
    return text.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private static int status(String status, int code) {
    System.out.println("status: " + status);
    return code;
  }

  /** Every message in the cause chain, for telling kinds of failure apart. */
  private static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return b.toString();
  }

  /** The deepest throwable whose class name or message contains {@code what}, else {@code e}. */
  private static Throwable cause(Throwable e, String what) {
    Throwable found = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getClass().getName().contains(what) || String.valueOf(t.getMessage()).contains(what)) {
        found = t;
      }
    }
    return found;
  }

  private static String firstLine(Throwable t) {
    String m = t.getMessage() == null ? "" : t.getMessage().strip();
    String line = m.lines().findFirst().orElse("");
    if (line.length() > 300) {
      line = line.substring(0, 300) + " ...";
    }
    return t.getClass().getSimpleName() + (line.isEmpty() ? "" : ": " + line);
  }

  /**
   * Writes the full trace to a log file in the temporary folder and returns its path; prints the
   * trace too with {@code --verbose}.
   */
  private static String log(Throwable e, Verbosity verbosity) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    if (verbosity.verbose()) {
      System.err.print(w);
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    try {
      Path f =
          Files.createTempFile(
              "kldrift-error-" + stamp + "-" + ProcessHandle.current().pid() + "-", ".log");
      Files.writeString(f, w.toString(), StandardCharsets.UTF_8);
      return f.toString();
    } catch (IOException io) {
      System.err.print(w);
      return "(not written: " + io.getMessage() + "; printed above)";
    }
  }
}
