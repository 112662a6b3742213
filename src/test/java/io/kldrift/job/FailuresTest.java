package io.kldrift.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.DriftException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/**
 * What reaches a job's main becomes one line, a documented exit code and, for failures that are not
 * the user's input or configuration, a log file with the trace (never a trace on the console
 * without --verbose).
 */
class FailuresTest {
  /** Exit code, standard error and standard output of one report. */
  record Outcome(int code, String err, String out) {}

  private static Outcome report(Throwable e) {
    PrintStream err = System.err;
    PrintStream out = System.out;
    ByteArrayOutputStream e2 = new ByteArrayOutputStream();
    ByteArrayOutputStream o2 = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(e2, true, StandardCharsets.UTF_8));
      System.setOut(new PrintStream(o2, true, StandardCharsets.UTF_8));
      int code = Failures.report(e, io.kldrift.console.Verbosity.NORMAL);
      return new Outcome(
          code, e2.toString(StandardCharsets.UTF_8), o2.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(err);
      System.setOut(out);
    }
  }

  private static Path logOf(String err) {
    Matcher m = Pattern.compile("trace: (\\S+\\.log)").matcher(err);
    assertThat(m.find()).as(err).isTrue();
    return Path.of(m.group(1));
  }

  @Test
  void aTaskOutOfMemoryIsExitSixWithTheSettingToChange() throws Exception {
    // As Spark reports a task that failed with an OutOfMemoryError: the job's exception wraps it.
    Throwable e =
        new SparkException(
            "Job aborted due to stage failure: Task 3 in stage 2.0 failed 1 times",
            new OutOfMemoryError("Java heap space"));
    Outcome o = report(e);
    assertThat(o.code()).isEqualTo(ExitCodes.RESOURCES).isEqualTo(6);
    assertThat(o.err().lines()).hasSize(1);
    assertThat(o.err())
        .startsWith(
            "kldrift: error: out of memory (OutOfMemoryError: Java heap space; this JVM's heap is")
        .contains("KLDRIFT_DRIVER_MEMORY")
        .contains("spark.sql.parquet.columnarReaderBatchSize");
    assertThat(o.out()).isEqualTo("status: FAILED" + System.lineSeparator());
    assertThat(Files.readString(logOf(o.err())))
        .contains("java.lang.OutOfMemoryError: Java heap space");
  }

  @Test
  void lostExecutorsAreExitSix() {
    Outcome o =
        report(
            new SparkException(
                "Job aborted: ExecutorLostFailure (executor 1 exited caused by one of the running"
                    + " tasks) Reason: Container killed"));
    assertThat(o.code()).isEqualTo(ExitCodes.RESOURCES);
    assertThat(o.err().lines()).hasSize(1);
    assertThat(o.err())
        .startsWith("kldrift: error: the run lost its executors")
        .contains("spark.executor.memory");
  }

  @Test
  void aFileSparkCannotReadIsBadInputNamingTheFile() {
    Outcome o =
        report(
            new SparkException(
                "[FAILED_READ_FILE.NO_HINT] Encountered error while reading file"
                    + " file:///data/t/part-00003.parquet. SQLSTATE: KD001",
                new RuntimeException("can not read class org.apache.parquet.format.PageHeader")));
    assertThat(o.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(o.err().lines()).hasSize(1);
    assertThat(o.err())
        .startsWith(
            "kldrift: error: an input file cannot be read: file:/data/t/part-00003.parquet ")
        .contains("Fix: rewrite or remove the file");
    assertThat(o.out()).startsWith("status: INVALID_INPUT");
  }

  @Test
  void aFileTheJobMayNotReadIsBadInputSayingSoWithoutTheRewriteFix() {
    // As Spark reports it locally: the footer read failed, the cause is the JDK's
    // FileNotFoundException "... (Permission denied)"; the file's name is an encoded URI.
    Outcome o =
        report(
            new SparkException(
                "[FAILED_READ_FILE.CANNOT_READ_FILE_FOOTER] Encountered error while reading file"
                    + " file:///data/sp%20ace/t/part-00000.parquet. Could not read footer.",
                new java.io.FileNotFoundException(
                    "/data/sp ace/t/part-00000.parquet (Permission denied)")));
    assertThat(o.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(o.err().lines()).hasSize(1);
    assertThat(o.err())
        .startsWith(
            "kldrift: error: input file file:/data/sp ace/t/part-00000.parquet cannot be read:"
                + " permission denied for user ")
        .contains("Fix: grant the job's user read access (chmod/ACL")
        .doesNotContain("rewrite or remove")
        .doesNotContain("\tat ");
    assertThat(o.out()).startsWith("status: INVALID_INPUT");
  }

  @Test
  void hdfsAndObjectStoreRefusalsArePermissionErrorsToo() {
    for (Throwable cause :
        List.of(
            new org.apache.hadoop.security.AccessControlException(
                "Permission denied: user=etl, access=READ, inode=\"/data/t/part-0.parquet\""),
            new java.nio.file.AccessDeniedException(
                "s3a://bucket/t/part-0.parquet: getFileStatus on s3a://bucket/t/part-0.parquet:"
                    + " 403 Forbidden"))) {
      Outcome o =
          report(
              new SparkException(
                  "[FAILED_READ_FILE.NO_HINT] Encountered error while reading file"
                      + " hdfs://nn/data/t/part-0.parquet. SQLSTATE: KD001",
                  cause));
      assertThat(o.code()).as(cause.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
      assertThat(o.err())
          .startsWith("kldrift: error: input file hdfs://nn/data/t/part-0.parquet cannot be read:")
          .contains("permission denied");
    }
  }

  @Test
  void aTableThatBreaksSeveralRulesIsOneLinePerRule() {
    Outcome o =
        report(
            DriftException.invalidInput(
                "student table breaks 2 rules",
                List.of("not_finite: 1 row\nmore", "negative_probability: 1 row"),
                "repair them"));
    assertThat(o.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(o.err().lines())
        .containsExactly(
            "kldrift: error: student table breaks 2 rules:",
            "  not_finite: 1 row more",
            "  negative_probability: 1 row",
            "  Fix: repair them.");
  }

  @Test
  void anythingElseIsOneLineNamingTheLogFileWithTheTrace() throws Exception {
    Outcome o = report(new IllegalStateException("boom\nsecond line"));
    assertThat(o.code()).isEqualTo(ExitCodes.INTERNAL_ERROR);
    assertThat(o.err().lines()).hasSize(1);
    assertThat(o.err())
        .startsWith("kldrift: internal error: IllegalStateException: boom (")
        .doesNotContain("\tat ");
    assertThat(Files.readString(logOf(o.err())))
        .contains("java.lang.IllegalStateException: boom")
        .contains("\tat io.kldrift.job.FailuresTest");
  }

  @Test
  void userMistakesAreOneLineWithoutALogFile() {
    Outcome o =
        report(
            new RuntimeException(
                DriftException.invalidConfig("no output folder given", "pass --out")));
    assertThat(o.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(o.err())
        .isEqualTo(
            "kldrift: error: no output folder given. Fix: pass --out." + System.lineSeparator());
  }

  @Test
  void aMessageQuotingAMultiLineOneIsStillOneLine() {
    Outcome o =
        report(
            DriftException.invalidInput(
                "teacher table cannot be read: Could not read footer.\nIf not, please convert it",
                "check the path"));
    assertThat(o.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(o.err())
        .isEqualTo(
            "kldrift: error: teacher table cannot be read: Could not read footer. If not, please"
                + " convert it. Fix: check the path."
                + System.lineSeparator());
  }
}
