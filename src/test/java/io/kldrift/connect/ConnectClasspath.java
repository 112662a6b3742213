package io.kldrift.connect;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The two class paths of ConnectIT, both cut from the test class path that the build writes to
 * {@code target/connect-classpath.txt}. The Connect client jar bundles its own builds of Spark's
 * SQL API (10 classes differ: Arrow, relocated), of the Connect protocol classes (compiled against
 * a differently shaded protobuf than the server's) and, through spark-connect-shims, stub {@code
 * SparkContext}/{@code SparkConf} classes; on one class path with classic Spark or the server,
 * whichever comes first wins and the other side breaks. So the server gets everything but the
 * client, and the client gets a class loader of its own, with only the Spark jars its pom names.
 */
final class ConnectClasspath {
  private static final String CLIENT = "spark-connect-client-jvm_";
  private static final String SHIMS = "spark-connect-shims_";

  /** The Spark artifacts the client's pom depends on; any other Spark jar stays out. */
  private static final Set<String> CLIENT_SPARK_JARS =
      Set.of(
          CLIENT,
          SHIMS,
          "spark-common-utils_",
          "spark-common-utils-java_",
          "spark-unsafe_",
          "spark-variant_",
          "spark-sketch_",
          "spark-tags_");

  private ConnectClasspath() {}

  private static List<String> testClasspath() throws IOException {
    Path file = Path.of("target", "connect-classpath.txt");
    if (!Files.exists(file)) {
      throw new IllegalStateException(file + " is missing: run mvn package first");
    }
    return List.of(Files.readString(file).trim().split(File.pathSeparator));
  }

  private static String artifact(String entry) {
    return Path.of(entry).getFileName().toString();
  }

  private static boolean isSpark(String entry) {
    return artifact(entry).startsWith("spark-");
  }

  private static boolean isClientSpark(String entry) {
    return CLIENT_SPARK_JARS.stream().anyMatch(artifact(entry)::startsWith);
  }

  /** Spark with the Connect server and spark-mllib, without the client. */
  static List<String> server() throws IOException {
    List<String> out = new ArrayList<>();
    for (String e : testClasspath()) {
      String a = artifact(e);
      if (!a.startsWith(CLIENT) && !a.startsWith(SHIMS)) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * A class loader that sees the test classes, the client and its dependencies but no classic Spark
   * and no server; its parent is the platform loader, so nothing leaks in from the test's own class
   * path.
   */
  static URLClassLoader client() throws IOException {
    List<URL> urls = new ArrayList<>();
    urls.add(Path.of("target", "test-classes").toUri().toURL());
    for (String e : testClasspath()) {
      if (isClientSpark(e) && artifact(e).startsWith(CLIENT)) {
        urls.add(0, Path.of(e).toUri().toURL());
      } else if (!isSpark(e) || isClientSpark(e)) {
        urls.add(Path.of(e).toUri().toURL());
      }
    }
    return new URLClassLoader(
        "connect-client", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
  }
}
