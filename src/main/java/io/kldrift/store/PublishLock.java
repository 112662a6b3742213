package io.kldrift.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * One run's exclusive right to publish a run folder ({@code _staging/lock-<runDir>}), and the
 * record of who published it ({@code <runDir>/_publish}). Optimistic, as a table format's commit:
 * the run that publishes first wins; a run that finds the lock held, or finds the folder published
 * by another run after it started, publishes nothing and names the winner. The lock is created
 * exclusively (O_EXCL locally, the NameNode's create on HDFS); object stores without a conditional
 * create give no such guarantee, which the README states. A lock whose holder died (same host,
 * process gone) or that is older than the staging retention is taken over.
 */
final class PublishLock implements AutoCloseable {
  static final String RECORD = "_publish";
  private static final String PREFIX = "lock-";

  private final FileSystem fs;
  private final Path path;

  private PublishLock(FileSystem fs, Path path) {
    this.fs = fs;
    this.path = path;
  }

  /** Who holds a lock or published a folder. */
  record Holder(String run, String started, String published, long pid, String host) {
    static Holder me(String run, Instant started) {
      return new Holder(
          run, started.toString(), Instant.now().toString(), currentPid(), currentHost());
    }

    String describe() {
      return String.format(
          "run %s (pid %d on %s, started %s%s)",
          run, pid, host, started, published.isEmpty() ? "" : ", published " + published);
    }

    byte[] bytes() {
      return String.format(
              "run=%s%nstarted=%s%npublished=%s%npid=%d%nhost=%s%n",
              run, started, published, pid, host)
          .getBytes(StandardCharsets.UTF_8);
    }

    static Holder read(FileSystem fs, Path file) throws IOException {
      Properties p = new Properties();
      try (InputStream in = fs.open(file)) {
        p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      }
      long pid;
      try {
        pid = Long.parseLong(p.getProperty("pid", "-1"));
      } catch (NumberFormatException e) {
        pid = -1;
      }
      return new Holder(
          p.getProperty("run", "?"),
          p.getProperty("started", "?"),
          p.getProperty("published", ""),
          pid,
          p.getProperty("host", "?"));
    }

    /** Whether this holder is a process on this host that has ended. */
    boolean deadHere() {
      return host.equals(currentHost())
          && pid > 0
          && ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true);
    }
  }

  static Path lockPath(Path root, String runDir) {
    return new Path(new Path(root, "_staging"), PREFIX + runDir);
  }

  /**
   * Takes the lock for {@code runDir}, or fails with a conflict naming the run that holds it; a
   * lock left by a dead run is taken over.
   */
  static PublishLock acquire(
      FileSystem fs, Path root, String runDir, Holder me, Duration staleAfter) throws IOException {
    Path lock = lockPath(root, runDir);
    for (int attempt = 0; attempt < 2; attempt++) {
      if (createExclusive(fs, lock, me.bytes())) {
        return new PublishLock(fs, lock);
      }
      Holder other;
      boolean stale;
      try {
        other = Holder.read(fs, lock);
        stale = isStale(fs, lock, other, staleAfter);
      } catch (IOException e) {
        continue; // released between our create and this look at it
      }
      if (stale) {
        fs.delete(lock, false);
        continue;
      }
      throw StoreErrors.lockHeld(runDir, root, other.describe());
    }
    throw StoreErrors.lockChangingHands(lock);
  }

  /**
   * Whether a journal of {@code runDir} belongs to a run that is publishing now (not to recover).
   */
  static boolean heldByLiveRun(FileSystem fs, Path root, String runDir, Duration staleAfter)
      throws IOException {
    Path lock = lockPath(root, runDir);
    if (!fs.exists(lock)) {
      return false;
    }
    try {
      return !isStale(fs, lock, Holder.read(fs, lock), staleAfter);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Refuses to replace {@code target} when another run published it after {@code me} started: the
   * earlier-started run would otherwise silently replace a newer report.
   */
  static void checkNotSuperseded(FileSystem fs, Path target, Holder me) throws IOException {
    Path record = new Path(target, RECORD);
    if (!fs.exists(record)) {
      return;
    }
    Holder other = Holder.read(fs, record);
    if (other.run().equals(me.run()) || other.published().isEmpty()) {
      return;
    }
    Instant published, started = Instant.parse(me.started());
    try {
      published = Instant.parse(other.published());
    } catch (java.time.format.DateTimeParseException e) {
      return;
    }
    if (published.isAfter(started)) {
      throw StoreErrors.superseded(target, other.describe(), started);
    }
  }

  /** Writes the record of this publish into the staged folder. */
  static void record(FileSystem fs, Path staged, Holder me) throws IOException {
    try (OutputStream out = fs.create(new Path(staged, RECORD), false)) {
      out.write(me.bytes());
    }
  }

  @Override
  public void close() throws IOException {
    fs.delete(path, false);
  }

  private static boolean isStale(FileSystem fs, Path lock, Holder h, Duration staleAfter)
      throws IOException {
    long age = System.currentTimeMillis() - fs.getFileStatus(lock).getModificationTime();
    return h.deadHere() || age > staleAfter.toMillis();
  }

  private static boolean createExclusive(FileSystem fs, Path file, byte[] content)
      throws IOException {
    fs.mkdirs(file.getParent());
    FileSystem raw = fs instanceof LocalFileSystem l ? l.getRaw() : fs;
    if (raw instanceof RawLocalFileSystem local) {
      // Hadoop's local create(overwrite=false) checks, then opens: not exclusive between processes.
      try {
        Files.write(
            local.pathToFile(file).toPath(), content, java.nio.file.StandardOpenOption.CREATE_NEW);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(content);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    }
  }

  private static long currentPid() {
    return ProcessHandle.current().pid();
  }

  private static String currentHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
