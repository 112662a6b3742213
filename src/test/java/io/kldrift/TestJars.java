package io.kldrift;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Small jars of compiled test classes, for the processes an integration test starts (a Spark plugin
 * for executors, a crash-test agent for the launcher's JVM): those processes get these few classes
 * rather than the whole test class path.
 */
public final class TestJars {
  private TestJars() {}

  /**
   * Writes {@code jar} with the given classes (and their nested classes), the {@code resources}
   * (name to text) and the manifest attributes; returns it.
   */
  public static Path write(
      Path jar, Map<String, String> manifest, Map<String, String> resources, Class<?>... classes)
      throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.forEach((k, v) -> m.getMainAttributes().put(new Attributes.Name(k), v));
    Files.createDirectories(jar.toAbsolutePath().getParent());
    Path partial = Files.createTempFile(jar.toAbsolutePath().getParent(), ".jar", ".tmp");
    try (OutputStream f = Files.newOutputStream(partial);
        JarOutputStream out = new JarOutputStream(f, m)) {
      for (Class<?> c : classes) {
        for (Path file : classFiles(c)) {
          out.putNextEntry(new JarEntry(entryName(c, file)));
          out.write(Files.readAllBytes(file));
          out.closeEntry();
        }
      }
      for (Map.Entry<String, String> r : resources.entrySet()) {
        out.putNextEntry(new JarEntry(r.getKey()));
        out.write(r.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return Files.move(partial, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The class file of {@code c} and those of its nested and anonymous classes. */
  private static List<Path> classFiles(Class<?> c) throws IOException {
    Path dir;
    try {
      dir = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    Path pkg = dir.resolve(c.getPackageName().replace('.', '/'));
    String simple = c.getSimpleName();
    try (Stream<Path> files = Files.list(pkg)) {
      return files
          .filter(
              f -> {
                String n = f.getFileName().toString();
                return n.equals(simple + ".class") || n.startsWith(simple + "$");
              })
          .sorted()
          .toList();
    }
  }

  private static String entryName(Class<?> c, Path file) {
    return c.getPackageName().replace('.', '/') + "/" + file.getFileName();
  }
}
