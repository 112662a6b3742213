package io.kldrift.crashtest;

import io.kldrift.TestJars;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The crash-test jar a launcher-started run loads with {@code -javaagent}: the pausing file
 * systems, and a {@code core-site.xml} that makes them the run's {@code file:} file systems (every
 * Hadoop configuration of the run reads it, so none gets the plain local one).
 */
public final class AgentJar {
  private static Path jar;

  private AgentJar() {}

  /** The jar, written once per test JVM under target/. */
  public static synchronized Path get() throws IOException {
    if (jar == null) {
      String site =
          "<configuration>\n"
              + property("fs.file.impl", PausingFileSystem.class.getName())
              + property("fs.AbstractFileSystem.file.impl", PausingFs.class.getName())
              + "</configuration>\n";
      jar =
          TestJars.write(
              Path.of("target", "crashtest", "kldrift-crashtest.jar").toAbsolutePath(),
              Map.of("Premain-Class", Agent.class.getName()),
              Map.of("core-site.xml", site),
              Agent.class,
              CrashPoint.class,
              PausingFileSystem.class,
              PausingFs.class);
    }
    return jar;
  }

  private static String property(String name, String value) {
    return "  <property><name>" + name + "</name><value>" + value + "</value></property>\n";
  }
}
