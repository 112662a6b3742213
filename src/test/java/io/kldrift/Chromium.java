package io.kldrift;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real headless Chromium (Debian's {@code /usr/bin/chromium}, installed by {@code .ci/run}) for the
 * tests that look at report.html as a person would: the DOM it builds, a screenshot, its console.
 */
public final class Chromium {
  /** Where Debian installs it. */
  public static final Path BINARY = Path.of("/usr/bin/chromium");

  /** Why a browser test is skipped when Chromium is absent. */
  public static final String MISSING =
      "chromium is missing (" + BINARY + "); .ci/run installs it (apt-get install -y chromium)";

  private static final long TIMEOUT_SECONDS = 60;

  private Chromium() {}

  /** Whether Chromium is installed here. */
  public static boolean available() {
    return Files.isExecutable(BINARY);
  }

  /** What one Chromium run printed. */
  public record Result(int exitCode, String stdout, String stderr) {
    /**
     * Chromium logs console messages as "LEVEL:CONSOLE"; the report has no script, so any is a
     * defect.
     */
    public void assertNoScriptErrors() {
      assertThat(stderr.lines()).noneMatch(l -> l.contains("Uncaught") || l.contains(":CONSOLE"));
    }
  }

  /** Runs Chromium headless with a fresh profile under {@code work}; fails on timeout or error. */
  public static Result run(Path work, String name, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                BINARY.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--user-data-dir=" + Files.createTempDirectory(work, "profile-" + name)));
    cmd.addAll(List.of(args));
    Path out = work.resolve(name + ".stdout");
    Path err = work.resolve(name + ".stderr");
    // Output goes to files, not pipes: a full pipe buffer would block Chromium until the timeout.
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + cmd);
    }
    Result r =
        new Result(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    assertThat(r.exitCode()).as("chromium exit code; stderr:%n%s", r.stderr()).isZero();
    return r;
  }
}
