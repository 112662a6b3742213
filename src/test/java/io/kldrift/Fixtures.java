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

  /** The contents of the README's fenced code blocks of one language, in order. */
  public static List<String> readmeBlocks(String language) throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "```" + language + "\\n(.*?)```", java.util.regex.Pattern.DOTALL)
            .matcher(readme);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /**
   * One statement of the README's ```sql blocks and the value its trailing comment promises: a
   * number in {@code expected}, or in {@code text} {@code NULL} or a quoted string's content.
   */
  public record ReadmeSql(String sql, Double expected, String text) {}

  /**
   * Every SQL statement of the README's ```sql blocks, comments removed; a trailing {@code --
   * number}, {@code -- NULL} or {@code -- 'string'} comment is the value the statement's first cell
   * must have (both null when there is none). Blocks marked {@code ```sql delta} need a Delta
   * report and are not run here.
   */
  public static List<ReadmeSql> readmeSql() throws IOException {
    List<ReadmeSql> out = new ArrayList<>();
    java.util.regex.Pattern value =
        java.util.regex.Pattern.compile(
            "\\A;\\s*--\\s*(-?[0-9][0-9.eE+-]*)\\s*$", java.util.regex.Pattern.MULTILINE);
    java.util.regex.Pattern text =
        java.util.regex.Pattern.compile(
            "\\A;\\s*--\\s*(NULL|'[^']*')\\s*$", java.util.regex.Pattern.MULTILINE);
    for (String block : readmeBlocks("sql")) {
      for (String statement : block.split(";")) {
        String sql = statement.replaceAll("(?m)^\\s*--.*$", "").trim();
        if (sql.isEmpty()) {
          continue;
        }
        int next = block.indexOf(statement) + statement.length();
        java.util.regex.Matcher m = value.matcher(block.substring(next));
        java.util.regex.Matcher t = text.matcher(block.substring(next));
        out.add(
            new ReadmeSql(
                sql,
                m.find() ? Double.parseDouble(m.group(1)) : null,
                t.find() ? t.group(1).replace("'", "") : null));
      }
    }
    return out;
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
