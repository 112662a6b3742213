package io.kldrift.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.DriftException;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.job.ExitCodes;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that loses a publish race publishes nothing and names the winner: another run holds the
 * date's lock, or published the date after this run started. A lock whose process has ended is
 * taken over. A lock or journal that its run releases while this run looks at it is no error.
 */
class PublishLockTest {
  private static final String DATE = "run_date=2026-11-28";
  private static final Duration RETENTION = Duration.ofHours(24);

  @TempDir Path tmp;

  private static String write(Path root, String text, Instant started) {
    return new ParquetReportStore(TestSpark.get(), root.toString())
        .publish(
            new ReportStore.Run(
                DATE,
                Map.of("summary.json", text.getBytes(StandardCharsets.UTF_8)),
                List.of(),
                null,
                null,
                RETENTION,
                started));
  }

  private static Properties record(Path root) throws Exception {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(root.resolve(DATE).resolve("_publish"))) {
      p.load(in);
    }
    return p;
  }

  private static void lock(Path root, String run, long pid) throws Exception {
    Path lock = Files.createDirectories(root.resolve("_staging")).resolve("lock-" + DATE);
    Files.writeString(
        lock,
        "run="
            + run
            + "\nstarted=2026-11-28T01:00:00Z\npublished=\npid="
            + pid
            + "\nhost="
            + InetAddress.getLocalHost().getHostName()
            + "\n");
  }

  @Test
  void aRunThatStartedBeforeAnotherPublishedPublishesNothingAndNamesIt() throws Exception {
    Path root = tmp.resolve("out");
    Instant slowStarted = Instant.now().minusSeconds(60);
    write(root, "{\"first\":1}", Instant.now());
    String winner = record(root).getProperty("run");
    Map<String, String> before = Fixtures.snapshot(root, true);

    assertThatThrownBy(() -> write(root, "{\"second\":2}", slowStarted))
        .isInstanceOf(DriftException.class)
        .satisfies(
            e -> assertThat(((DriftException) e).kind().exitCode()).isEqualTo(ExitCodes.CONFLICT))
        .hasMessageContaining("another run published")
        .hasMessageContaining("run " + winner)
        .hasMessageContaining("this run published nothing");
    assertThat(Fixtures.snapshot(root, true)).isEqualTo(before);
    assertThat(Files.readString(root.resolve(DATE).resolve("summary.json")))
        .isEqualTo("{\"first\":1}");
  }

  @Test
  void aRunThatStartedAfterThePublishReplacesIt() throws Exception {
    Path root = tmp.resolve("out");
    write(root, "{\"first\":1}", Instant.now().minusSeconds(5));
    String first = record(root).getProperty("run");
    write(root, "{\"second\":2}", Instant.now().plusMillis(1));
    assertThat(record(root).getProperty("run")).isNotEqualTo(first);
    assertThat(Files.readString(root.resolve(DATE).resolve("summary.json")))
        .isEqualTo("{\"second\":2}");
    assertThat(root.resolve("_staging")).doesNotExist();
  }

  @Test
  void aLockHeldByALiveRunWins() throws Exception {
    Path root = tmp.resolve("out");
    write(root, "{\"first\":1}", Instant.now().minusSeconds(5));
    lock(root, "the-other-run", ProcessHandle.current().pid());
    Map<String, String> before = Fixtures.snapshot(root, true);

    assertThatThrownBy(() -> write(root, "{\"second\":2}", Instant.now()))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("another run is publishing " + DATE)
        .hasMessageContaining("run the-other-run (pid " + ProcessHandle.current().pid());
    assertThat(Fixtures.snapshot(root, true)).isEqualTo(before);
  }

  @Test
  void aLockLeftByAnEndedProcessIsTakenOver() throws Exception {
    Path root = tmp.resolve("out");
    write(root, "{\"first\":1}", Instant.now().minusSeconds(5));
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    lock(root, "a-killed-run", ended.pid());

    write(root, "{\"second\":2}", Instant.now());
    assertThat(Files.readString(root.resolve(DATE).resolve("summary.json")))
        .isEqualTo("{\"second\":2}");
    assertThat(root.resolve("_staging")).doesNotExist();
  }

  /**
   * The local file system, except that a file whose name starts with {@code prefix} is gone at the
   * first open (or, with {@code afterRead}, at the first status lookup after it was read): the
   * moment another run finished with it.
   */
  private static final class Vanishing extends FilterFileSystem {
    private final String prefix;
    private final boolean afterRead;
    private boolean read;
    private boolean vanished;

    Vanishing(String prefix, boolean afterRead) throws java.io.IOException {
      super(FileSystem.getLocal(new Configuration()));
      this.prefix = prefix;
      this.afterRead = afterRead;
    }

    private void vanish(org.apache.hadoop.fs.Path f, boolean now) throws java.io.IOException {
      if (now && !vanished && f.getName().startsWith(prefix)) {
        vanished = true;
        fs.delete(f, false);
      }
    }

    @Override
    public FileStatus getFileStatus(org.apache.hadoop.fs.Path f) throws java.io.IOException {
      vanish(f, afterRead && read);
      return super.getFileStatus(f);
    }

    @Override
    public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize)
        throws java.io.IOException {
      vanish(f, !afterRead);
      read |= f.getName().startsWith(prefix);
      return super.open(f, bufferSize);
    }
  }

  @Test
  void aLockReleasedWhileThisRunReadsItIsTaken() throws Exception {
    Path root = tmp.resolve("out");
    lock(root, "the-winner", ProcessHandle.current().pid());
    try (Vanishing fs = new Vanishing("lock-", true)) {
      PublishLock.Holder me = PublishLock.Holder.me("this-run", Instant.now());
      try (PublishLock taken =
          PublishLock.acquire(
              fs, new org.apache.hadoop.fs.Path(root.toUri()), DATE, me, RETENTION)) {
        assertThat(fs.vanished).isTrue();
        Properties held = new Properties();
        try (var in = Files.newBufferedReader(root.resolve("_staging").resolve("lock-" + DATE))) {
          held.load(in);
        }
        assertThat(held.getProperty("run")).isEqualTo("this-run");
      }
    }
  }

  @Test
  void aJournalItsRunFinishesWhileRecoveryListsItIsLeftAlone() throws Exception {
    Path root = tmp.resolve("out");
    write(root, "{\"first\":1}", Instant.now().minusSeconds(5));
    Path journal =
        Files.createDirectories(root.resolve("_staging"))
            .resolve("publish-" + DATE + "-" + java.util.UUID.randomUUID());
    Files.writeString(journal, "history=false\n");
    Map<String, String> before = Fixtures.snapshot(root.resolve(DATE), true);
    try (Vanishing fs = new Vanishing("publish-", false)) {
      ParquetReportStore.recover(fs, new org.apache.hadoop.fs.Path(root.toUri()), RETENTION);
      assertThat(fs.vanished).isTrue();
    }
    assertThat(journal).doesNotExist();
    assertThat(Fixtures.snapshot(root.resolve(DATE), true)).isEqualTo(before);
  }
}
