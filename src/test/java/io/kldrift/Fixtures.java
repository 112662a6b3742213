package io.kldrift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Small helpers for tests that write Parquet inputs and read reports back. */
public final class Fixtures {
  private Fixtures() {}

  /** The usual input schema: example_id, probs array&lt;float&gt;, label, segment. */
  public static final StructType SCHEMA =
      new StructType()
          .add("example_id", DataTypes.LongType)
          .add("probs", DataTypes.createArrayType(DataTypes.FloatType))
          .add("label", DataTypes.IntegerType)
          .add("segment", DataTypes.StringType);

  /** One input row. */
  public static Row row(long id, float[] probs, Integer label, String segment) {
    return RowFactory.create(id, probs, label, segment);
  }

  /** Writes rows as Parquet under {@code dir/name} and returns the path. */
  public static String parquet(Path dir, String name, StructType schema, List<Row> rows) {
    String path = dir.resolve(name).toString();
    List<Row> copy = new ArrayList<>(rows);
    TestSpark.get()
        .createDataFrame(copy, schema)
        .coalesce(1)
        .write()
        .mode("overwrite")
        .parquet(path);
    return path;
  }

  /** Reads a report's summary.json. */
  public static JsonNode summary(String reportDir) throws IOException {
    return new ObjectMapper().readTree(Files.readString(Path.of(reportDir, "summary.json")));
  }

  /** float[] literal. */
  public static float[] f(float... v) {
    return v;
  }

  /**
   * Every file under {@code root} with its SHA-256 (hex), by relative path; the staging area
   * ({@code _staging/}) only when {@code withStaging}. Two equal snapshots mean byte-identical
   * trees.
   */
  public static java.util.Map<String, String> snapshot(Path root, boolean withStaging)
      throws Exception {
    java.util.Map<String, String> files = new java.util.TreeMap<>();
    try (java.util.stream.Stream<Path> all = Files.walk(root)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        String rel = root.relativize(p).toString();
        if (withStaging || !rel.startsWith("_staging")) {
          byte[] digest =
              java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
          files.put(rel, java.util.HexFormat.of().formatHex(digest));
        }
      }
    }
    return files;
  }

  /** Copies the tree under {@code from} to {@code to} (which must not exist yet). */
  public static void copyTree(Path from, Path to) throws java.io.IOException {
    try (java.util.stream.Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
