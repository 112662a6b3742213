package io.kldrift.job;

import static io.kldrift.Fixtures.f;
import static io.kldrift.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any path a user can type works as typed, in --teacher, --student, --out, --config and the class
 * names file: spaces, '%', '#', non-ASCII letters, relative paths and file: URIs; an input file the
 * job may not read and an --out it cannot write are one-line errors with their own exit codes.
 */
class PathsTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  /** Exit code and the two console streams of one in-process run. */
  record Outcome(int code, String err, String out) {}

  private static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (long i = 1; i <= 4; i++) {
      rows.add(row(i, f(0.25f, 0.75f), 1, "a"));
    }
    return rows;
  }

  /** Teacher and student tables, a config and its class-names file, all in {@code dir}. */
  private String[] inputs(Path dir) throws Exception {
    Files.createDirectories(dir);
    String t = Fixtures.parquet(dir, "teacher t", Fixtures.SCHEMA, rows());
    String s = Fixtures.parquet(dir, "student s", Fixtures.SCHEMA, rows());
    Files.writeString(dir.resolve("names ü#%20.txt"), "neg\npos\n", StandardCharsets.UTF_8);
    Path config = dir.resolve("kl conf ü.properties");
    Files.writeString(config, "input.class_names_file=names ü#%20.txt\n", StandardCharsets.UTF_8);
    return new String[] {t, s, config.toString()};
  }

  private static Outcome run(String... args) {
    PrintStream err = System.err;
    PrintStream out = System.out;
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      int code = DriftJob.run(args);
      return new Outcome(
          code, e.toString(StandardCharsets.UTF_8), o.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(err);
      System.setOut(out);
    }
  }

  /** The report is where --out said, with the class names of the file the config named. */
  private void assertReportAt(Path out, Outcome o) throws Exception {
    assertThat(o.code()).as(o.err()).isEqualTo(ExitCodes.OK);
    Path report = out.resolve("run_date=2026-11-28");
    assertThat(report.resolve("summary.json")).isRegularFile();
    assertThat(o.out()).contains("report      file:" + report.toAbsolutePath());
    List<String> classes =
        spark
            .read()
            .parquet(report.resolve("per_class").toString())
            .orderBy("class_index")
            .select("class_name")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(classes).containsExactly("neg", "pos");
  }

  private static List<String> names(Path root) throws Exception {
    try (Stream<Path> all = Files.walk(root)) {
      return all.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void spacesPercentHashAndNonAsciiStayAsTyped() throws Exception {
    Path dir = tmp.resolve("sp ace").resolve("a%20b").resolve("h#sh ünï");
    String[] in = inputs(dir);
    Path out = dir.resolve("out a%20b #ü");
    Outcome o =
        run(
            "--teacher",
            in[0],
            "--student",
            in[1],
            "--config",
            in[2],
            "--out",
            out.toString(),
            "--run-date",
            "2026-11-28",
            "--quiet");
    assertReportAt(out, o);
    // A folder named a%20b stays a%20b: no name was decoded, or encoded a second time.
    assertThat(names(tmp)).contains("a%20b").noneMatch(n -> n.contains("%25") || n.equals("a b"));
  }

  @Test
  void relativePathsAndFileUris() throws Exception {
    Path dir = tmp.resolve("u ri%23");
    String[] in = inputs(dir);
    Path cwd = Path.of("").toAbsolutePath();
    Path out = dir.resolve("out");
    Outcome relative =
        run(
            "--teacher",
            cwd.relativize(Path.of(in[0])).toString(),
            "--student",
            cwd.relativize(Path.of(in[1])).toString(),
            "--config",
            cwd.relativize(Path.of(in[2])).toString(),
            "--out",
            cwd.relativize(out).toString(),
            "--run-date",
            "2026-11-28",
            "--quiet");
    assertReportAt(out, relative);
    Path out2 = dir.resolve("out2 a%20b");
    Outcome uris =
        run(
            "--teacher",
            "file://" + in[0],
            "--student",
            "file:" + in[1],
            "--config",
            "file://" + in[2],
            "--out",
            "file://" + out2,
            "--run-date",
            "2026-11-28",
            "--quiet");
    assertReportAt(out2, uris);
  }

  @Test
  void anOutThatCannotBeCreatedIsExitTwoBeforeAnyScan() throws Exception {
    String[] in = inputs(tmp.resolve("in"));
    Path file = tmp.resolve("file.txt");
    Files.writeString(file, "not a folder");
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart start) {
            jobs.incrementAndGet();
          }
        };
    spark.sparkContext().addSparkListener(counter);
    Outcome o;
    try {
      // Not even root can create a folder under a regular file.
      o = run("--teacher", in[0], "--student", in[1], "--out", file.resolve("out").toString());
    } finally {
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(counter);
    }
    assertThat(o.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(o.err())
        .isEqualTo(
            "kldrift: error: output path "
                + file.resolve("out")
                + " cannot be created: "
                + file
                + " is a file, not a folder. Fix: choose for --out (output.path) a folder the"
                + " job's user can create and write, or grant that user write access to it"
                + " (chmod/ACL, or the bucket's access policy)."
                + System.lineSeparator());
    assertThat(jobs.get()).as("Spark jobs before the error").isZero();
    assertThat(Files.readString(file)).isEqualTo("not a folder");
  }

  @Test
  void aNewOutIsNotLeftBehindByARunThatFails() throws Exception {
    String[] in = inputs(tmp.resolve("in"));
    Path out = tmp.resolve("new").resolve("out");
    Outcome o =
        run(
            "--teacher",
            in[0],
            "--student",
            tmp.resolve("missing").toString(),
            "--out",
            out.toString(),
            "--quiet");
    assertThat(o.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(tmp.resolve("new")).doesNotExist();
  }

  /** A teacher table whose data file no one may read (mode 000). */
  private String[] unreadableTeacher() throws Exception {
    String[] in = inputs(tmp.resolve("in"));
    try (Stream<Path> files = Files.list(Path.of(in[0]))) {
      for (Path p : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
      }
    }
    return in;
  }

  private static void assertPermissionLine(int code, String err) {
    assertThat(code).as(err).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(err).doesNotContain("\tat ").doesNotContain("Caused by");
    // The JVM's incubator-module notice and DataSketches' restricted-mode notice (the launcher
    // drops both) are not the job's.
    List<String> lines =
        err.lines()
            .filter(
                l ->
                    !l.isBlank()
                        && !l.startsWith("WARNING: Using incubator modules")
                        && !l.startsWith("Warning: Java versions > Java 11"))
            .toList();
    assertThat(lines).as(err).hasSize(1);
    assertThat(lines.get(0))
        .startsWith("kldrift: error: teacher table: file file:")
        .contains(".parquet cannot be read: permission denied for user ")
        .contains("Fix: grant the job's user read access (chmod/ACL")
        .doesNotContain("rewrite or remove");
  }

  @Test
  void anUnreadableInputFileIsOneLineSayingSo() throws Exception {
    String[] in = unreadableTeacher();
    // Root reads any file: then the case can only be run in a child process without the
    // capability (below).
    assumeFalse(Files.isReadable(Path.of(in[0]).resolve(firstPart(in[0]))), "running as root");
    Outcome o =
        run(
            "--teacher",
            in[0],
            "--student",
            in[1],
            "--out",
            tmp.resolve("o").toString(),
            "--quiet");
    assertPermissionLine(o.code(), o.err());
  }

  /**
   * The same case in a child JVM (the launcher's log4j configuration, so that any Spark log line
   * would show), run by root without the capabilities that bypass file permissions.
   */
  @Test
  void anUnreadableInputFileIsOneLineInAChildProcessWithoutRootsBypass() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name"))
            && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs root and setpriv");
    String[] in = unreadableTeacher();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/usr/bin/setpriv",
                "--bounding-set",
                "-dac_override,-dac_read_search",
                "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.configurationFile=conf/log4j2.properties"));
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-") || a.startsWith("-Dio.netty") || a.startsWith("-Djdk.reflect")) {
        cmd.add(a);
      }
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            DriftJob.class.getName(),
            "--teacher",
            in[0],
            "--student",
            in[1],
            "--out",
            tmp.resolve("o").toString(),
            "--master",
            "local[1]",
            "--conf",
            "spark.ui.enabled=false",
            "--quiet"));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Path err = tmp.resolve("child.err");
    pb.redirectError(err.toFile()).redirectOutput(tmp.resolve("child.out").toFile());
    Process p = pb.start();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("child ended").isTrue();
    assertPermissionLine(p.exitValue(), Files.readString(err));
    assertThat(Files.readString(tmp.resolve("child.out"))).isEqualTo("status: INVALID_INPUT\n");
  }

  private static String firstPart(String table) throws Exception {
    try (Stream<Path> files = Files.list(Path.of(table))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".parquet"))
          .findFirst()
          .orElseThrow();
    }
  }
}
