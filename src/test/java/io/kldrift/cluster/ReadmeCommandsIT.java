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
 * The README's quick-start and sample-data commands, run as written with bash, each in a new folder
 * that links the project's launchers and sample data, as a newcomer's first run: the quick starts
 * print what the README shows (its sample outputs, first line included, apart from the date, the
 * report's absolute path and the sketch quantiles), the generator command rebuilds data that gives
 * exactly the committed sample's report, and the Delta page's quick start writes tables that plain
 * Spark SQL reads, the previous night by time travel.
 */
class ReadmeCommandsIT {
  @TempDir Path tmp;

  private static String run(Path dir, String command) throws Exception {
    Path out = Files.createTempFile("readme-command", ".txt");
    Process p =
        new ProcessBuilder("bash", "-c", command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish:\n" + Files.readString(out));
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(command + "\n" + text).isZero();
    return text;
  }

  /** A new folder under {@code tmp} with links to the project's launchers and sample data. */
  private Path newFolder(String name, Path project) throws Exception {
    Path dir = Files.createDirectory(tmp.resolve(name));
    Files.createSymbolicLink(dir.resolve("jobs"), project.resolve("jobs"));
    Files.createSymbolicLink(dir.resolve("sample-data"), project.resolve("sample-data"));
    return dir;
  }

  /**
   * The parts of a printed summary that vary between runs and machines, replaced: the run date, the
   * folder before the report root, and the quantiles that come from randomized sketches (KL and
   * delta p).
   */
  private static String normalized(String line) {
    return line.replaceAll("run_date=\\d{4}-\\d{2}-\\d{2}", "run_date=DATE")
        .replaceAll("file:\\S*/(out[^/]*)/", "file:/.../$1/")
        .replaceAll("(p01|p50|p99) -?[0-9.]+", "$1 Q");
  }

  /**
   * The README's sample output after {@code command} is, line by line, what the run printed (its
   * progress lines on standard error aside), the first line included.
   */
  private static void printsTheSampleOutput(String readme, String command, String printed) {
    int at = readme.indexOf(command);
    assertThat(at).as(command).isNotNegative();
    int open = readme.indexOf("```text\n", at);
    assertThat(open).as("a text block after " + command).isNotNegative();
    String sample = readme.substring(open + 8, readme.indexOf("```", open + 8));
    List<String> expected = sample.lines().map(ReadmeCommandsIT::normalized).toList();
    List<String> actual =
        printed
            .lines()
            .filter(l -> !l.startsWith("[kldrift"))
            .map(ReadmeCommandsIT::normalized)
            .toList();
    assertThat(expected).hasSizeGreaterThan(5);
    assertThat(java.util.Collections.indexOfSubList(actual, expected))
        .as("the README's sample output, line by line, in what the run printed:%n%s", printed)
        .isNotNegative();
  }

  private static String command(List<String> blocks, String startsWith) {
    return blocks.stream()
        .map(String::trim)
        .filter(b -> b.startsWith(startsWith))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no README bash block starts with " + startsWith));
  }

  @Test
  void quickStartAndSampleGeneratorAsWritten() throws Exception {
    List<String> bash = Docs.blocks("bash", Docs.README);
    Path project = Path.of("").toAbsolutePath();
    Path first = newFolder("quick-start", project);

    String command = command(bash, "jobs/drift-report --teacher sample-data/teacher");
    String quickStart = run(first, command);
    assertThat(quickStart)
        .contains("matched 19,962")
        .contains("report      file:" + first.resolve("out/run_date="))
        .contains("\nstatus: OK");
    printsTheSampleOutput(Docs.read(Docs.README), command, quickStart);
    String meanLine =
        quickStart.lines().filter(l -> l.startsWith("mean KL")).findFirst().orElseThrow();

    // the generator, in a scratch folder that links the launchers, then the drift job on its output
    Files.createSymbolicLink(tmp.resolve("jobs"), project.resolve("jobs"));
    run(tmp, command(bash, "jobs/generate-sample --rows 20000"));
    String again =
        run(
            tmp,
            "jobs/drift-report --teacher sample-data/teacher --student sample-data/student"
                + " --config sample-data/kldrift.properties --out out");
    // The mean and its interval are exact; the quantiles after them come from randomized KLL
    // sketches and may differ in the last digits between runs (within the stated rank error).
    String exact = meanLine.substring(0, meanLine.indexOf("  p50"));
    assertThat(again.lines().filter(l -> l.startsWith("mean KL")).findFirst().orElseThrow())
        .startsWith(exact);
  }

  @Test
  void deltaQuickStartWritesTablesThatPlainSqlReadsWithTimeTravel() throws Exception {
    List<String> bash = Docs.blocks("bash", Docs.page("delta"));
    Path project = Path.of("").toAbsolutePath();
    Path dir = newFolder("delta", project);
    String command =
        bash.stream()
            .map(String::trim)
            .filter(b -> b.startsWith("jobs/drift-report") && b.contains("report.format=delta"))
            .findFirst()
            .orElseThrow();
    assertThat(run(dir, command + " --run-date 2026-11-27")).contains("\nstatus: OK");
    assertThat(run(dir, command + " --run-date 2026-11-28")).contains("\nstatus: OK");
    // the job opens no catalog of its own in the user's folder
    assertThat(dir.resolve("spark-warehouse")).doesNotExist();

    org.apache.spark.sql.SparkSession spark = io.kldrift.TestSpark.get();
    String t = "delta.`" + dir.resolve("out-delta") + "/";
    assertThat(spark.sql("SELECT run FROM " + t + "runs` ORDER BY run").collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("run_date=2026-11-27", "run_date=2026-11-28");
    // version 1 of the commit table is the first night's commit: only that night
    assertThat(spark.sql("SELECT run FROM " + t + "runs` VERSION AS OF 1").collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("run_date=2026-11-27");
    // each night's committed per-class rows: the sample's 10 classes, contributions summing to
    // the mean KL the console printed (0.055769)
    for (String night : List.of("2026-11-27", "2026-11-28")) {
      org.apache.spark.sql.Row r =
          spark
              .sql(
                  "SELECT count(*), sum(p.kl_contribution) FROM "
                      + t
                      + "per_class` p JOIN "
                      + t
                      + "runs` USING (run, run_id) WHERE run = 'run_date="
                      + night
                      + "'")
              .first();
      assertThat(r.getLong(0)).isEqualTo(10);
      assertThat(r.getDouble(1)).isCloseTo(0.055769, org.assertj.core.api.Assertions.within(5e-7));
    }
  }

  @Test
  void llmQuickStartAsWritten() throws Exception {
    List<String> bash = Docs.blocks("bash", Docs.README);
    Path project = Path.of("").toAbsolutePath();
    Path dir = newFolder("llm", project);
    String command = command(bash, "jobs/drift-report --teacher sample-data/llm/teacher");
    String out = run(dir, command);
    // The figures the README shows, with their bound labels; the sample is generated from a
    // model whose exact KL on segment=code is about 0.2, against about 0.025 elsewhere.
    assertThat(out)
        .contains("rows        teacher 100  student 100  matched 100")
        .contains("tokens      10,457 counted of 14,018 positions (3,561 masked)")
        .contains("KL/token    0.061341 nats, lower bound [tail_bucket]")
        .contains("KL/sequence 0.065133 nats, lower bound (mean of sequence means)")
        .contains("tail mass   teacher 0.167548")
        // perplexities, ln(PPL ratio) and delta p: LlmSampleTargetTest derives them in plain SQL
        .contains("perplexity  teacher 27.882600  student 29.607660  ln(PPL ratio) 0.060030")
        .contains("delta p     mean -0.003780")
        .contains("RMS 0.056416")
        // the sample's tokenizer.json gives the tokens' text
        .contains("top tokens (teacher top-1 id, share of KL mass):  3 \" of\" 6.3%")
        .contains("WARN slice_kl [segment=code]: kl.mean (lower bound) = 0.186062")
        .contains("report      file:" + dir.resolve("out-llm/run_date="))
        .contains("\nstatus: WARN");
    printsTheSampleOutput(Docs.read(Docs.README), command, out);
  }
}
