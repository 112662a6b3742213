package io.kldrift.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a command as a whole process under GNU time ({@code /usr/bin/time}), the way a user's shell
 * would, and reads back what the kernel accounted for it: wall seconds, user and system CPU seconds
 * of the process and of every descendant it waited for, and the peak resident set size of the
 * largest of them. Output goes to a log file, so a chatty job costs the same as in a terminal
 * redirected to a file.
 */
final class Proc {

  /** GNU time's path; the bench needs it for whole-process figures. */
  static final String TIME = "/usr/bin/time";

  /** Environment variables that would change the job's settings; removed so defaults apply. */
  static final List<String> SETTINGS_ENV =
      List.of("KLDRIFT_DRIVER_MEMORY", "KLDRIFT_JAVA_OPTS", "KLDRIFT_SUBMIT_OPTS");

  /** What one run cost. */
  record Result(int exitCode, double wallSeconds, double cpuSeconds, long peakRssBytes, Path log) {
    boolean ok() {
      return exitCode == 0;
    }

    /** The last lines of the log, for a failure message. */
    String tail(int lines) {
      try {
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }
  }

  private Proc() {}

  /** Whether whole-process timing is possible here. */
  static boolean available() {
    return new File(TIME).canExecute();
  }

  /**
   * Runs {@code command} in {@code workDir} with the settings variables removed from the
   * environment; its standard output and error go to {@code log}.
   */
  static Result run(List<String> command, Path workDir, Path log)
      throws IOException, InterruptedException {
    Path timeFile = Files.createTempFile(workDir, "time", ".txt");
    List<String> cmd = new ArrayList<>();
    cmd.add(TIME);
    cmd.add("-f");
    // wall, user, system seconds; peak RSS in KiB
    cmd.add("%e %U %S %M");
    cmd.add("-o");
    cmd.add(timeFile.toString());
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    Map<String, String> env = pb.environment();
    SETTINGS_ENV.forEach(env::remove);
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    int code = p.waitFor();
    List<String> lines = Files.readAllLines(timeFile, StandardCharsets.UTF_8);
    Files.deleteIfExists(timeFile);
    // GNU time prints "Command exited with non-zero status N" before the figures on a failure.
    String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    String[] f = last.split("\\s+");
    if (f.length != 4) {
      throw new IOException("unexpected output of " + TIME + ": " + lines);
    }
    return new Result(
        code,
        Double.parseDouble(f[0]),
        Double.parseDouble(f[1]) + Double.parseDouble(f[2]),
        Long.parseLong(f[3]) * 1024L,
        log);
  }

  /** A shell-like rendering of a command, for the report. */
  static String render(List<String> command) {
    List<String> out = new ArrayList<>();
    for (String s : command) {
      out.add(Bench.shellQuote(s));
    }
    return String.join(" ", out);
  }

  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.2f", s);
  }
}
