package io.kldrift.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real Spark standalone cluster on 127.0.0.1, started from the build's own jars without Docker or
 * a Spark download: a master JVM and a worker JVM (which launches executor JVMs), plus SparkSubmit
 * as the driver JVM. Every process it starts, and their descendants, is stopped by {@link
 * #close()}, and by a shutdown hook if the test JVM dies first.
 */
public final class StandaloneCluster implements AutoCloseable {
  private final Path home;
  private final Path work;
  private final List<Process> processes = new ArrayList<>();
  private final int masterPort;
  private final Thread shutdownHook = new Thread(this::stopAll, "kldrift-cluster-cleanup");

  /**
   * The master and the worker only coordinate: C1 alone and a serial collector start them sooner on
   * a 2-core machine than C2's compiler threads and G1's workers.
   */
  private static final List<String> DAEMON_OPTIONS =
      List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  /**
   * The driver plans and schedules (client mode; the executors compute, with C2): C1 alone, as for
   * the launcher's test runs (JobProcess).
   */
  private static final List<String> DRIVER_OPTIONS = List.of("-Xmx1g", "-XX:TieredStopAtLevel=1");

  /** The application jar built by {@code mvn package}. */
  public static final Path APP_JAR = Path.of("target", "kldrift.jar").toAbsolutePath();

  private StandaloneCluster(Path home, Path work, int masterPort) {
    this.home = home;
    this.work = work;
    this.masterPort = masterPort;
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a master and one worker offering {@code cores} cores and {@code memoryMb} MB, and waits
   * until the worker has registered.
   */
  public static StandaloneCluster start(Path work, int cores, int memoryMb) throws Exception {
    Path home = sparkHome();
    StandaloneCluster c = new StandaloneCluster(home, work, freePort());
    try {
      Files.createDirectories(work);
      c.startMaster();
      c.startWorker(cores, memoryMb);
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  /** The master URL. */
  public String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  /**
   * A SPARK_HOME whose {@code jars/} links every jar of the build's runtime class path (Spark and
   * its dependencies, as Maven resolved them), which is all a worker needs to launch executors.
   * Delta Lake's jars are left out, as a Spark distribution has none: a job that writes Delta gets
   * them from {@code --packages}, as the README tells cluster users.
   */
  static Path sparkHome() throws IOException {
    Path home = Path.of("target", "spark-home").toAbsolutePath();
    Path jars = home.resolve("jars");
    Path classpath = Path.of("target", "local-classpath.txt");
    if (!Files.exists(classpath)) {
      throw new IllegalStateException(classpath + " is missing: run mvn package first");
    }
    Files.createDirectories(jars);
    for (String entry : Files.readString(classpath).trim().split(java.io.File.pathSeparator)) {
      Path jar = Path.of(entry);
      Path link = jars.resolve(jar.getFileName());
      if (jar.getFileName().toString().startsWith("delta-")) {
        Files.deleteIfExists(link);
      } else if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, jar);
      }
    }
    return home;
  }

  /** Spark's JVM module options, as the build wrote them for the launchers. */
  static List<String> moduleOptions() throws IOException {
    return Arrays.asList(
        Files.readString(Path.of("target", "jvm-options.txt")).trim().split("\\s+"));
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private ProcessBuilder jvm(String name, List<String> jvmArgs, String mainClass, List<String> args)
      throws IOException {
    return jvm(name, jvmArgs, List.of(), mainClass, args);
  }

  private ProcessBuilder jvm(
      String name, List<String> jvmArgs, List<Path> classPath, String mainClass, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.addAll(moduleOptions());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    StringBuilder cp = new StringBuilder(home.resolve("jars") + "/*");
    classPath.forEach(p -> cp.append(java.io.File.pathSeparator).append(p.toAbsolutePath()));
    cmd.add(cp.toString());
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_CONF_DIR", work.resolve("conf").toString());
    pb.redirectOutput(work.resolve(name + ".out").toFile());
    pb.redirectError(work.resolve(name + ".err").toFile());
    return pb;
  }

  private Process launch(ProcessBuilder pb) throws IOException {
    Process p = pb.start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  private void startMaster() throws Exception {
    Files.createDirectories(work.resolve("conf"));
    launch(
        jvm(
            "master",
            DAEMON_OPTIONS,
            "org.apache.spark.deploy.master.Master",
            List.of(
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(masterPort),
                "--webui-port",
                String.valueOf(freePort()))));
    waitForLog("master.err", l -> l.contains("I have been elected leader"), Duration.ofSeconds(60));
  }

  private void startWorker(int cores, int memoryMb) throws Exception {
    Path dir = work.resolve("worker");
    Files.createDirectories(dir);
    launch(
        jvm(
            "worker",
            DAEMON_OPTIONS,
            "org.apache.spark.deploy.worker.Worker",
            List.of(
                "--host",
                "127.0.0.1",
                "--webui-port",
                String.valueOf(freePort()),
                "--cores",
                String.valueOf(cores),
                "--memory",
                memoryMb + "m",
                "--work-dir",
                dir.toString(),
                masterUrl())));
    waitForLog(
        "worker.err",
        l -> l.contains("Successfully registered with master"),
        Duration.ofSeconds(60));
  }

  /**
   * A driver run started with SparkSubmit in client mode; its output goes to {@code
   * <name>.out/.err}.
   */
  public Process submit(String name, int executors, List<String> appArgs) throws IOException {
    return submit(name, executors, List.of(), appArgs);
  }

  /** Like {@link #submit(String, int, List)} with extra {@code --conf k=v} settings. */
  public Process submit(String name, int executors, List<String> confs, List<String> appArgs)
      throws IOException {
    return submit(name, executors, List.of(), confs, appArgs);
  }

  /**
   * Like {@link #submit(String, int, List, List)} with SparkSubmit options of its own (e.g. {@code
   * --packages}) before the application jar.
   */
  public Process submit(
      String name, int executors, List<String> options, List<String> confs, List<String> appArgs)
      throws IOException {
    return submit(name, executors, options, confs, List.of(), appArgs);
  }

  /**
   * Like {@link #submit(String, int, List)} with a Spark plugin ({@code spark.plugins}) whose
   * classes come from {@code pluginJar}, on the driver's and the executors' class paths.
   */
  public Process submitWithPlugin(
      String name, int executors, Path pluginJar, Class<?> plugin, List<String> appArgs)
      throws IOException {
    return submit(
        name,
        executors,
        List.of(),
        List.of(
            "spark.plugins=" + plugin.getName(),
            "spark.executor.extraClassPath=" + pluginJar.toAbsolutePath()),
        List.of(pluginJar),
        appArgs);
  }

  private Process submit(
      String name,
      int executors,
      List<String> options,
      List<String> confs,
      List<Path> driverClassPath,
      List<String> appArgs)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--master",
                masterUrl(),
                "--deploy-mode",
                "client",
                "--class",
                "io.kldrift.job.DriftJob",
                "--conf",
                "spark.executor.cores=1",
                "--conf",
                "spark.cores.max=" + executors,
                "--conf",
                "spark.executor.memory=1g",
                "--conf",
                "spark.driver.host=127.0.0.1",
                "--conf",
                "spark.driver.bindAddress=127.0.0.1",
                "--conf",
                "spark.ui.enabled=false",
                "--conf",
                "spark.sql.shuffle.partitions=8"));
    for (String c : confs) {
      args.add("--conf");
      args.add(c);
    }
    args.addAll(options);
    args.add(APP_JAR.toString());
    args.addAll(appArgs);
    return launch(
        jvm(name, DRIVER_OPTIONS, driverClassPath, "org.apache.spark.deploy.SparkSubmit", args));
  }

  /** Waits for a submitted driver and returns its exit code. */
  public static int await(Process p, Duration timeout) throws InterruptedException {
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("driver did not finish within " + timeout);
    }
    return p.exitValue();
  }

  /** The live executor JVMs the worker launched. */
  public List<ProcessHandle> executors() {
    List<ProcessHandle> out = new ArrayList<>();
    synchronized (processes) {
      for (Process p : processes) {
        p.descendants()
            .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
            .filter(ProcessHandle::isAlive)
            .forEach(out::add);
      }
    }
    return out;
  }

  /** Waits until a line of {@code <work>/<file>} matches. */
  public void waitForLog(String file, Predicate<String> line, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Path f = work.resolve(file);
    while (System.nanoTime() < deadline) {
      if (Files.exists(f) && log(f).lines().anyMatch(line)) {
        return;
      }
      Optional<Process> dead;
      synchronized (processes) {
        dead = processes.stream().filter(p -> !p.isAlive() && p.exitValue() != 0).findFirst();
      }
      if (dead.isPresent() && !file.startsWith("driver")) {
        throw new AssertionError("a cluster process died: " + dead.get().info() + "; see " + work);
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "no matching line in "
            + f
            + " within "
            + timeout
            + ":\n"
            + (Files.exists(f) ? log(f) : "(no file)"));
  }

  /** The text of a log file under the work folder. */
  public String log(String file) {
    return log(work.resolve(file));
  }

  private static String log(Path f) {
    try {
      return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void stopAll() {
    List<Process> all;
    synchronized (processes) {
      all = new ArrayList<>(processes);
    }
    for (Process p : all) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : all) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops every process this cluster started, and their children. */
  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running
    }
  }
}
