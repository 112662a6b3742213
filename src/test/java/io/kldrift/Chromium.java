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

  /**
   * How a page lays out at a window width: the document's scroll width and the page parts that
   * scroll sideways inside it ({@code .wrap} boxes and sections whose content is wider than their
   * box; a {@code .wrap} scrolls on its own, so the document's width alone would not show it).
   */
  public record Layout(int scrollWidth, List<String> overflowing) {}

  /** Script that writes the layout figures into the root element for --dump-dom to show. */
  private static final String MEASURE =
      "<script>(function(){var d=document.documentElement,o=[];"
          + "document.querySelectorAll('.wrap,section').forEach(function(e){"
          + "if(e.scrollWidth>e.clientWidth+1){var s=e.closest('section');"
          + "o.push((s?s.id:'')+'/'+e.tagName.toLowerCase()+':'+e.scrollWidth+'>'+e.clientWidth);}});"
          + "d.setAttribute('data-scroll-width',d.scrollWidth);"
          + "d.setAttribute('data-overflowing',o.join(' '));})();</script>";

  /**
   * Measures {@code page} at {@code width} px: a copy of it without its Content-Security-Policy
   * (which forbids scripts, as it should) and with a measuring script at the end of the body.
   */
  public static Layout layout(Path work, String name, Path page, int width)
      throws IOException, InterruptedException {
    String html = Files.readString(page, UTF_8);
    String copy =
        html.replaceFirst("<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "")
            .replace("</body>", MEASURE + "</body>");
    Path measured = work.resolve(name + "-measured.html");
    Files.writeString(measured, copy, UTF_8);
    String dom =
        run(
                work,
                name,
                "--dump-dom",
                "--window-size=" + width + ",2000",
                measured.toUri().toString())
            .stdout();
    java.util.regex.Matcher w =
        java.util.regex.Pattern.compile("data-scroll-width=\"(\\d+)\"").matcher(dom);
    java.util.regex.Matcher o =
        java.util.regex.Pattern.compile("data-overflowing=\"([^\"]*)\"").matcher(dom);
    assertThat(w.find()).as("the measuring script ran; DOM:%n%s", dom).isTrue();
    assertThat(o.find()).isTrue();
    List<String> over = o.group(1).isEmpty() ? List.of() : List.of(o.group(1).split(" "));
    return new Layout(Integer.parseInt(w.group(1)), over);
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
