package io.kldrift.connect;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark Connect 4.2 server in its own JVM on 127.0.0.1, started the way {@code
 * sbin/start-connect-server.sh} starts one ({@code SparkSubmit --class SparkConnectServer
 * spark-internal}) from the build's own jars, with the kldrift jar given by {@code --jars}. Its
 * class path is the test class path without the Connect client (whose shaded copies of the Connect
 * protocol classes clash with the server's).
 */
final class ConnectServer implements AutoCloseable {
  /** The application jar built by {@code mvn package}. */
  static final Path APP_JAR = Path.of("target", "kldrift.jar").toAbsolutePath();

  private final Process process;
  private final Path log;
  private final int port;
  private final Thread shutdownHook;

  private ConnectServer(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.shutdownHook = new Thread(this::stop, "kldrift-connect-cleanup");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a server with {@code confs} ({@code key=value}) and waits until it accepts clients. */
  static ConnectServer start(Path work, List<String> confs) throws Exception {
    Files.createDirectories(work);
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        Arrays.asList(Files.readString(Path.of("target", "jvm-options.txt")).trim().split("\\s+")));
    cmd.add("-Xmx1g");
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, ConnectClasspath.server()));
    cmd.add("org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(
        List.of(
            "--master",
            "local[2]",
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--name",
            "kldrift-connect-it",
            "--jars",
            APP_JAR.toString()));
    List<String> all = new ArrayList<>(confs);
    all.addAll(
        List.of(
            "spark.ui.enabled=false",
            "spark.driver.host=127.0.0.1",
            "spark.driver.bindAddress=127.0.0.1",
            "spark.sql.shuffle.partitions=4",
            "spark.connect.grpc.binding.address=127.0.0.1",
            "spark.connect.grpc.binding.port=" + port));
    for (String c : all) {
      cmd.add("--conf");
      cmd.add(c);
    }
    cmd.add("spark-internal");
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    Path log = work.resolve("connect-server.log");
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    ConnectServer server = new ConnectServer(pb.start(), log, port);
    try {
      server.awaitLine("Spark Connect server started at", Duration.ofSeconds(180));
      return server;
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  /** The client URL of this server. */
  String url() {
    return "sc://127.0.0.1:" + port;
  }

  /** The server's console output so far. */
  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  private void awaitLine(String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (log().contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            "the Connect server exited (" + process.exitValue() + "):\n" + log());
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the Connect server did not start within " + timeout + ":\n" + log());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void stop() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running
    }
  }
}
