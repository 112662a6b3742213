package io.kldrift.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The grammar the jobs share: the same help sections in the same order for every job, the shared
 * options in each, a malformed option as one line, and the console's one number format. None of
 * these start Spark.
 */
class CliTest {
  /** Exit code, standard output and standard error of one command line. */
  record Outcome(int code, String out, String err) {}

  private static final List<Job> JOBS =
      List.of(
          new Job("drift-report", DriftJob::run),
          new Job("rollup", RollupJob::run),
          new Job("accept", AcceptJob::run),
          new Job("generate-sample", GenerateSample::run));

  record Job(String name, Function<String[], Integer> main) {}

  private static Outcome run(Job job, String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = job.main().apply(args);
      return new Outcome(
          code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void everyJobAnswersHelpWithTheSameSectionsInTheSameOrder() {
    for (Job job : JOBS) {
      Outcome help = run(job, "--help");
      assertThat(help.code()).as(job.name()).isZero();
      assertThat(help.err()).as(job.name()).isEmpty();
      String text = help.out();
      assertThat(text).as(job.name()).startsWith("Usage: " + job.name() + " ");
      List<String> headings =
          text.lines()
              .filter(
                  l -> l.equals("Options:") || l.endsWith(" variables:") || l.endsWith("codes:"))
              .toList();
      assertThat(headings)
          .as(job.name())
          .containsExactly("Options:", "Environment variables:", "Exit codes:");
      for (String shared : List.of("--master=URL", "--conf=KEY=VALUE", "--quiet", "--verbose")) {
        assertThat(text).as(job.name()).contains(shared);
      }
      assertThat(text).as(job.name()).contains("KLDRIFT_DRIVER_MEMORY").contains("  2   bad");
      assertThat(run(job, "-h").out()).as(job.name()).isEqualTo(text);
    }
    assertThat(run(JOBS.get(0), "--help").out().replaceAll("\\s+", " "))
        .contains("--fail-on=LEVEL")
        .contains("(default: today in the JVM's time zone; jobs/nightly passes yesterday in UTC,");
    assertThat(run(JOBS.get(1), "--help").out()).contains("--fail-on=LEVEL");
  }

  @Test
  void wrappedExitCodeLinesKeepTheirIndent() {
    List<String> lines = run(JOBS.get(0), "--help").out().lines().toList();
    int at = lines.indexOf("Exit codes:");
    int end = at + 1;
    while (!lines.get(end).isEmpty()) {
      end++;
    }
    assertThat(end - at).isGreaterThan(9);
    for (String l : lines.subList(at + 1, end)) {
      assertThat(l).matches(" {2,3}\\d{1,2} {3}\\S.*| {9}\\S.*");
    }
  }

  @Test
  void aMalformedOptionIsOneLineNamingItAndItsForm() {
    Outcome conf = run(JOBS.get(0), "--conf", "report.top_classes");
    assertThat(conf.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(conf.out()).isEmpty();
    assertThat(conf.err())
        .isEqualTo(
            "kldrift: error: --conf 'report.top_classes' is not valid: expected --conf KEY=VALUE;"
                + " see drift-report --help"
                + System.lineSeparator());

    Outcome unknown =
        run(JOBS.get(1), "--out", "x", "--from", "2026-11-01", "--to", "2026-11-02", "--too");
    assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err().lines()).hasSize(1);
    assertThat(unknown.err()).startsWith("kldrift: error: unknown option '--too' (did you mean");

    Outcome missing = run(JOBS.get(2), "--out", "x");
    assertThat(missing.err())
        .isEqualTo(
            "kldrift: error: missing --run-date YYYY-MM-DD; see accept --help"
                + System.lineSeparator());

    Outcome number = run(JOBS.get(3), "--out", "x", "--rows", "many");
    assertThat(number.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(number.err().lines()).hasSize(1);
    assertThat(number.err())
        .contains("--rows 'many' is not valid: expected --rows", "whole number");
  }

  @Test
  void jobsWithoutConfigurationKeysTakeOnlySparkSettings() {
    Outcome o = run(JOBS.get(2), "--out", "x", "--run-date", "2026-11-01", "--conf", "a.b=1");
    assertThat(o.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(o.err()).startsWith("kldrift: error: --conf a.b is not a Spark setting");
  }

  @Test
  void standardErrorDropsDataSketchesNoticeAndNothingElse() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = StandardError.filtered(bytes);
    err.println("kldrift: error: one");
    err.println(StandardError.RESTRICTED_MODE);
    err.println(StandardError.RESTRICTED_MODE + " and more");
    err.print("\r[kldrift 10:00:00] write per_class: 0/1 task, running 0.2 s");
    err.flush();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "kldrift: error: one"
                + System.lineSeparator()
                + StandardError.RESTRICTED_MODE
                + " and more"
                + System.lineSeparator()
                + "\r[kldrift 10:00:00] write per_class: 0/1 task, running 0.2 s");
  }

  @Test
  void oneNumberFormat() {
    assertThat(Numbers.value(0.0557691234)).isEqualTo("0.055769");
    assertThat(Numbers.value(1.8e-12)).isEqualTo("1.8e-12");
    assertThat(Numbers.value(-2.25e-9)).isEqualTo("-2.25e-9");
    assertThat(Numbers.value(0.000123456)).isEqualTo("0.000123");
    assertThat(Numbers.value(0.0)).isEqualTo("0.000000");
    assertThat(Numbers.value(12345.6789)).isEqualTo("12345.678900");
    assertThat(Numbers.value(null)).isEqualTo("n/a");
    assertThat(Numbers.count(19962)).isEqualTo("19,962");
    assertThat(Numbers.count(1, "sequence")).isEqualTo("1 sequence");
    assertThat(Numbers.count(2000, "sequence")).isEqualTo("2,000 sequences");
    assertThat(Numbers.count(1, "class", "classes")).isEqualTo("1 class");
    assertThat(Numbers.count(0, "example")).isEqualTo("0 examples");
  }
}
