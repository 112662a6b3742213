package io.kldrift.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jobs/shell, fed the README's ad-hoc session verbatim, prints the analysis a user expects. */
class ShellIT {
  @TempDir Path tmp;

  @Test
  void readmeSessionRunsInTheShell() throws Exception {
    List<String> blocks = io.kldrift.Fixtures.readmeBlocks("jshell");
    assertThat(blocks).hasSize(1);
    Path script = tmp.resolve("session.jsh");
    Files.writeString(script, blocks.get(0) + "/exit\n");
    Path out = tmp.resolve("out.txt");
    Process p =
        new ProcessBuilder("jobs/shell")
            .redirectInput(script.toFile())
            .redirectOutput(out.toFile())
            .redirectErrorStream(true)
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("jobs/shell did not finish:\n" + Files.readString(out));
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    assertThat(text)
        .contains("shell: spark, teacher, student (also SQL views) and config are ready")
        // per slice: the drift was injected on mobile
        .containsPattern("\\|\\s*mobile\\|\\s*7972\\|\\s*0\\.11\\d+\\|")
        .containsPattern("\\|\\s*web\\|11990\\|\\s*0\\.017\\d+\\|")
        // the worst example and the SQL mean KL, as the quick start prints it (0.055769)
        .containsPattern("\\|\\s*14363\\|\\s*mobile\\|\\s*3\\|0\\.603")
        .contains("|0.055769|")
        .doesNotContain("Exception")
        .doesNotContain("Error:");
  }
}
