package io.kldrift.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.Docs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobs/shell, fed the README's ad-hoc session verbatim, prints the analysis a user expects, and its
 * session reads and writes Delta tables (report.format=delta roots) without further settings.
 */
class ShellIT {
  @TempDir Path tmp;

  @Test
  void readmeSessionRunsInTheShell() throws Exception {
    List<String> blocks = Docs.blocks("jshell", Docs.page("sql-and-notebooks"));
    assertThat(blocks).hasSize(1);
    Path script = tmp.resolve("session.jsh");
    // and, after the README's session, a Delta table written and read back with SQL
    String delta = tmp.resolve("delta-table").toString();
    Files.writeString(
        script,
        blocks.get(0)
            + "spark.range(7).write().format(\"delta\").save(\""
            + delta
            + "\");\n"
            + "spark.sql(\"SELECT count(*) AS delta_rows FROM delta.`"
            + delta
            + "` VERSION AS OF 0\").show();\n"
            + "/exit\n");
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
        .containsPattern("\\|delta_rows\\|\\s+\\+-+\\+\\s+\\|\\s+7\\|")
        .doesNotContain("Exception")
        .doesNotContain("Error:");
  }
}
