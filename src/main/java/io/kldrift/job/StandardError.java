package io.kldrift.job;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.Charset;

/**
 * A job's standard error, set up first thing in {@code main}: without DataSketches' notice of its
 * restricted mode (printed on every run, asking nothing of the user), and, under the local
 * launcher, straight to the launcher's own standard error.
 *
 * <p>The launcher filters the JVM's standard error through a pipe for the one notice the JVM prints
 * before {@code main} (the incubator Vector API module's). Lines through that pipe can arrive after
 * the lines the job prints on standard output, so a 2>&1 log could end with an error line after the
 * status line. The launcher also hands the JVM its own standard error as another file descriptor
 * ({@code -Dkldrift.stderr_fd}): the job's lines go there directly, in the order it prints them.
 */
final class StandardError {
  /** What DataSketches (inside Spark's catalyst jar) prints to System.err on Java > 11. */
  static final String RESTRICTED_MODE =
      "Warning: Java versions > Java 11 can only operate in restricted mode where no off-heap"
          + " operations are allowed!";

  private StandardError() {}

  /** Replaces System.err as described above; only a job's {@code main} calls this. */
  static void install() {
    System.setErr(filtered(launcherStream(System.err)));
  }

  /** {@code target} without DataSketches' notice. */
  static PrintStream filtered(OutputStream target) {
    return new PrintStream(target, true, Charset.defaultCharset()) {
      @Override
      public void println(String line) {
        if (!RESTRICTED_MODE.equals(line)) {
          super.println(line);
        }
      }
    };
  }

  private static OutputStream launcherStream(PrintStream fallback) {
    String fd = System.getProperty("kldrift.stderr_fd");
    if (fd == null) {
      return fallback;
    }
    try {
      // java.io is open to the class path (Spark's module options, target/jvm-options.txt).
      FileDescriptor d = new FileDescriptor();
      Field f = FileDescriptor.class.getDeclaredField("fd");
      f.setAccessible(true);
      f.setInt(d, Integer.parseInt(fd));
      return new BufferedOutputStream(new FileOutputStream(d), 8192);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Not reachable: the filtered pipe still works, only without the ordering.
      return fallback;
    }
  }
}
