package io.kldrift.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.crashtest.AgentJar;
import io.kldrift.crashtest.CrashPoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One drift-report run through the real launcher ({@code jobs/drift-report}, embedded Spark) on the
 * bundled sample, for the ITs that kill or race job processes: optionally paused at a point of the
 * write ({@link CrashPoint}, through the crash-test agent jar) until a release file appears, its
 * output in a log file.
 */
final class JobProcess {
  private final Process process;
  private final Path log;
  private final Instant started = Instant.now();

  private JobProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** A run of the sample for {@code date} into {@code out}, on local[2] unless told otherwise. */
  static Builder of(Path out, String date) {
    return new Builder(out, date);
  }

  /** The settings of a run before it starts. */
  static final class Builder {
    private final Path out;
    private final String date;
    private String master = "local[2]";
    private final List<String> extra = new ArrayList<>();
    private String pauseAt;
    private Path release;

    private Builder(Path out, String date) {
      this.out = out;
      this.date = date;
    }

    Builder master(String master) {
      this.master = master;
      return this;
    }

    Builder conf(String key, Object value) {
      extra.add("--conf");
      extra.add(key + "=" + value);
      return this;
    }

    Builder arg(String arg) {
      extra.add(arg);
      return this;
    }

    /** Stops the run at {@code point} of the write; it waits there to be killed. */
    Builder pauseAt(String point) {
      this.pauseAt = point;
      return this;
    }

    /** With {@link #pauseAt}: the run goes on once {@code file} exists. */
    Builder releaseFile(Path file) {
      this.release = file;
      return this;
    }

    JobProcess start(Path log) throws Exception {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "jobs/drift-report",
                  "--teacher",
                  "sample-data/teacher",
                  "--student",
                  "sample-data/student",
                  "--config",
                  "sample-data/kldrift.properties",
                  "--out",
                  out.toString(),
                  "--run-date",
                  date,
                  "--master",
                  master));
      cmd.addAll(extra);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("KLDRIFT_EMBEDDED", "1");
      pb.environment().put("KLDRIFT_DRIVER_MEMORY", "1g");
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      // A run lasts seconds, on a shared 2-core machine: C2's compiler threads cost more than its
      // code saves (a sample run measured 13-25 s with C1 only, 18-50 s without).
      StringBuilder opts = new StringBuilder("-XX:TieredStopAtLevel=1");
      if (pauseAt != null) {
        opts.append(" -javaagent:").append(AgentJar.get());
        opts.append(" -Dkldrift.crashtest.pause_at=").append(pauseAt);
      }
      if (release != null) {
        opts.append(" -Dkldrift.crashtest.release_file=").append(release);
      }
      pb.environment().put("KLDRIFT_JAVA_OPTS", opts.toString());
      if (pauseAt != null && !archiveIsCurrent()) {
        // With no current class-data archive the launcher has the run write one at exit (some 20 s
        // here); a paused run is killed or races another, so that work would be lost or doubled.
        pb.environment().put("KLDRIFT_NO_CDS", "1");
      }
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      return new JobProcess(pb.start(), log);
    }
  }

  /** Whether jobs/_launcher.sh would map its class-data archive rather than write a new one. */
  private static boolean archiveIsCurrent() throws Exception {
    Path archive = Path.of("target/kldrift-cds.jsa");
    if (!Files.exists(archive)) {
      return false;
    }
    FileTime t = Files.getLastModifiedTime(archive);
    return t.compareTo(Files.getLastModifiedTime(Path.of("target/kldrift.jar"))) > 0
        && t.compareTo(Files.getLastModifiedTime(Path.of("target/local-classpath.txt"))) > 0;
  }

  /** What the run has printed so far. */
  String log() throws Exception {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** Waits until the run says it paused at {@code point}; fails if it ends or times out first. */
  void awaitPause(String point, Duration within) throws Exception {
    Instant deadline = Instant.now().plus(within);
    while (!log().contains("crash test: paused at " + point)) {
      assertThat(process.isAlive())
          .as("run ended before pausing at " + point + ":\n" + log())
          .isTrue();
      assertThat(Instant.now()).as("pause at " + point).isBefore(deadline);
      Thread.sleep(200);
    }
    note("paused at " + point);
  }

  /** Waits for the run to end and returns its exit code; fails if it outlives {@code within}. */
  int awaitExit(Duration within) throws Exception {
    assertThat(process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS))
        .as("run ended within " + within + ":\n" + log())
        .isTrue();
    note("exited " + process.exitValue());
    return process.exitValue();
  }

  /**
   * SIGKILLs the launcher and everything it started, and returns the launcher's exit code once all
   * are gone. While the launcher writes a class-data archive it waits on the driver JVM rather than
   * exec-ing it, so the driver is a child that must die too.
   */
  int kill() throws Exception {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle c : children) {
      c.onExit().get(1, TimeUnit.MINUTES);
    }
    assertThat(process.waitFor(1, TimeUnit.MINUTES)).as("killed run ended").isTrue();
    note("killed, exit " + process.exitValue());
    return process.exitValue();
  }

  /** A timing line in the test's output, for telling a slow run from a slow check. */
  private void note(String what) {
    System.out.printf(
        Locale.ROOT,
        "%s %s: %s after %.1f s%n",
        Instant.now(),
        log.getFileName(),
        what,
        Duration.between(started, Instant.now()).toMillis() / 1000.0);
  }
}
