package io.kldrift.job;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The damage {@link BadInputMutationTest} applies: the sample tables as plain Java rows (vectors as
 * {@code Float[]}, so that an element can be null), and one function per kind of damage the issue
 * lists, each choosing a variant from the case's random source and saying what it did.
 */
final class Mutations {
  private Mutations() {}

  /** When a kind applies: values first, then the shape of the table, then its files. */
  enum Phase {
    VALUES,
    SHAPE,
    FILES
  }

  /** The kinds of damage, as the issue names them. */
  enum Kind {
    NULLS(Phase.VALUES),
    NAN(Phase.VALUES),
    NEGATIVE(Phase.VALUES),
    WRONG_LENGTH(Phase.VALUES),
    DUPLICATE_KEYS(Phase.VALUES),
    HUGE_VALUES(Phase.VALUES),
    DROP_COLUMN(Phase.SHAPE),
    RETYPE_COLUMN(Phase.SHAPE),
    WRONG_KEY_TYPE(Phase.SHAPE),
    NESTED_COLUMN(Phase.SHAPE),
    TRUNCATED_FILE(Phase.FILES),
    EMPTY_FILE(Phase.FILES);

    final Phase phase;

    Kind(Phase phase) {
      this.phase = phase;
    }

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A table being damaged: its fields, its rows, and what to do to its files once written. */
  static final class Table {
    final List<StructField> fields;
    final List<Object[]> rows;
    String fileDamage;

    Table(List<StructField> fields, List<Object[]> rows) {
      this.fields = fields;
      this.rows = rows;
    }

    Table copy() {
      List<Object[]> r = new ArrayList<>();
      for (Object[] row : rows) {
        Object[] c = row.clone();
        for (int i = 0; i < c.length; i++) {
          if (c[i] instanceof Float[] v) {
            c[i] = v.clone();
          }
        }
        r.add(c);
      }
      return new Table(new ArrayList<>(fields), r);
    }

    int col(String name) {
      for (int i = 0; i < fields.size(); i++) {
        if (fields.get(i).name().equals(name)) {
          return i;
        }
      }
      return -1;
    }

    StructType schema() {
      return new StructType(fields.toArray(StructField[]::new));
    }

    /** Replaces column {@code i}'s type and maps its non-null values. */
    void retype(int i, DataType type, Function<Object, Object> f) {
      fields.set(i, new StructField(fields.get(i).name(), type, true, fields.get(i).metadata()));
      for (Object[] row : rows) {
        row[i] = row[i] == null ? null : f.apply(row[i]);
      }
    }

    /** Indexes of the rows whose vector is a non-empty {@code Float[]}. */
    List<Integer> vectorRows() {
      int p = col("probs");
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        if (rows.get(i)[p] instanceof Float[] v && v.length > 0) {
          out.add(i);
        }
      }
      return out;
    }
  }

  /** Teacher and student. */
  record Tables(Table teacher, Table student) {}

  /** One case: both tables (damaged or not), the kinds applied, what was done, extra options. */
  record Case(
      Table teacher,
      Table student,
      boolean teacherDamaged,
      boolean studentDamaged,
      List<String> kinds,
      String description,
      List<String> conf) {}

  /** The sample rows with {@code example_id < n} of both tables. */
  static Tables sample(SparkSession spark, int n) {
    return new Tables(read(spark, "sample-data/teacher", n), read(spark, "sample-data/student", n));
  }

  private static Table read(SparkSession spark, String path, int n) {
    List<Row> rows =
        spark
            .read()
            .parquet(path)
            .where(col("example_id").lt(n))
            .orderBy("example_id")
            .collectAsList();
    StructType schema = spark.read().parquet(path).schema();
    List<Object[]> out = new ArrayList<>();
    for (Row r : rows) {
      Object[] v = new Object[r.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.isNullAt(i) ? null : r.get(i);
        if (v[i] instanceof scala.collection.Seq<?>) {
          v[i] = r.<Float>getList(i).toArray(Float[]::new);
        }
      }
      out.add(v);
    }
    return new Table(new ArrayList<>(Arrays.asList(schema.fields())), out);
  }

  /** Draws one case: one to three kinds, each on the teacher, the student or both. */
  static Case damage(Random r, Tables base) {
    int n = r.nextInt(10) < 6 ? 1 : r.nextInt(10) < 7 ? 2 : 3;
    List<Kind> all = new ArrayList<>(Arrays.asList(Kind.values()));
    java.util.Collections.shuffle(all, r);
    List<Kind> chosen = new ArrayList<>(all.subList(0, n));
    chosen.sort(Comparator.comparing((Kind k) -> k.phase));
    Table t = base.teacher().copy();
    Table s = base.student().copy();
    boolean td = false, sd = false;
    List<String> said = new ArrayList<>();
    for (Kind k : chosen) {
      int side = r.nextInt(3);
      if (side != 1) {
        said.add("teacher " + apply(k, t, r));
        td = true;
      }
      if (side != 0) {
        said.add("student " + apply(k, s, r));
        sd = true;
      }
    }
    List<String> conf = new ArrayList<>();
    int policy = r.nextInt(10);
    if (policy < 2) {
      for (String rule :
          List.of(
              "null_key",
              "duplicate_key",
              "null_vector",
              "empty_vector",
              "wrong_length",
              "not_finite",
              "negative_probability",
              "not_normalized")) {
        if (r.nextBoolean()) {
          conf.addAll(List.of("--conf", "validate." + rule + "=quarantine"));
        }
      }
      conf.addAll(List.of("--conf", "validate.max_quarantined_share=0.5"));
      said.add("rules quarantine");
    } else if (policy < 3) {
      conf.addAll(List.of("--conf", "validate.not_normalized=renormalize"));
      said.add("not_normalized renormalize");
    }
    return new Case(
        t, s, td, sd, chosen.stream().map(Kind::label).toList(), String.join("; ", said), conf);
  }

  /** Applies one kind to one table and says what it did. */
  static String apply(Kind k, Table t, Random r) {
    return k.label()
        + ": "
        + switch (k) {
          case NULLS -> nulls(t, r);
          case NAN -> nan(t, r);
          case NEGATIVE -> negative(t, r);
          case WRONG_LENGTH -> wrongLength(t, r);
          case DUPLICATE_KEYS -> duplicateKeys(t, r);
          case HUGE_VALUES -> huge(t, r);
          case DROP_COLUMN -> drop(t, r);
          case RETYPE_COLUMN -> retype(t, r);
          case WRONG_KEY_TYPE -> keyType(t, r);
          case NESTED_COLUMN -> nested(t, r);
          case TRUNCATED_FILE -> fileDamage(t, r, "cut", "cut-footer", "header-only", "split-cut");
          case EMPTY_FILE ->
              fileDamage(
                  t,
                  r,
                  "zero-rows",
                  "zero-byte",
                  "zero-byte-extra",
                  "empty-folder",
                  "success-only",
                  "text-file",
                  "missing");
        };
  }

  private static int some(Random r, int max) {
    return 1 + r.nextInt(max);
  }

  private static String nulls(Table t, Random r) {
    int variant = r.nextInt(6);
    List<Integer> vec = t.vectorRows();
    switch (variant) {
      case 0, 1, 3, 4 -> {
        String name = new String[] {"example_id", "probs", "", "label", "segment"}[variant];
        int c = t.col(name);
        int k = variant >= 3 ? t.rows.size() / 2 : some(r, 2);
        for (int i = 0; i < k; i++) {
          t.rows.get(r.nextInt(t.rows.size()))[c] = null;
        }
        return name + " null in up to " + k + " rows";
      }
      case 2 -> {
        if (vec.isEmpty()) {
          return "nothing (no vectors)";
        }
        Float[] v = (Float[]) t.rows.get(vec.get(r.nextInt(vec.size())))[t.col("probs")];
        v[r.nextInt(v.length)] = null;
        return "a null element in one vector";
      }
      default -> {
        int c = r.nextInt(t.fields.size());
        t.rows.forEach(row -> row[c] = null);
        return "column " + t.fields.get(c).name() + " null in every row";
      }
    }
  }

  private static String nan(Table t, Random r) {
    List<Integer> vec = t.vectorRows();
    if (vec.isEmpty()) {
      return "nothing (no vectors)";
    }
    float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    float x = values[r.nextInt(3)];
    int p = t.col("probs");
    if (r.nextInt(4) == 0) {
      Arrays.fill((Float[]) t.rows.get(vec.get(r.nextInt(vec.size())))[p], x);
      return x + " in every element of one vector";
    }
    int k = some(r, 3);
    for (int i = 0; i < k; i++) {
      Float[] v = (Float[]) t.rows.get(vec.get(r.nextInt(vec.size())))[p];
      v[r.nextInt(v.length)] = x;
    }
    return x + " in up to " + k + " vectors";
  }

  private static String negative(Table t, Random r) {
    List<Integer> vec = t.vectorRows();
    int p = t.col("probs");
    Object[] row = t.rows.get(vec.isEmpty() ? 0 : vec.get(r.nextInt(vec.size())));
    switch (r.nextInt(5)) {
      case 0 -> {
        if (row[p] instanceof Float[] v) {
          int i = r.nextInt(v.length);
          v[i] = v[i] == null ? -0.05f : -v[i];
        }
        return "one probability negated";
      }
      case 1 -> {
        row[t.col("label")] = -1;
        return "label -1";
      }
      case 2 -> {
        row[t.col("example_id")] = -((Long) row[t.col("example_id")]) - 1_000_000L;
        return "a negative key";
      }
      case 3 -> {
        if (row[p] instanceof Float[] v) {
          for (int i = 0; i < v.length; i++) {
            v[i] = v[i] == null ? null : -v[i];
          }
        }
        return "every element of one vector negated";
      }
      default -> {
        if (row[p] instanceof Float[] v) {
          v[r.nextInt(v.length)] = -0.0f;
        }
        return "an element -0.0";
      }
    }
  }

  private static String wrongLength(Table t, Random r) {
    int p = t.col("probs");
    List<Integer> vec = t.vectorRows();
    if (vec.isEmpty()) {
      return "nothing (no vectors)";
    }
    Object[] row = t.rows.get(vec.get(r.nextInt(vec.size())));
    Float[] v = (Float[]) row[p];
    switch (r.nextInt(6)) {
      case 0 -> {
        row[p] = Arrays.copyOf(v, r.nextInt(v.length));
        return "one vector shortened";
      }
      case 1 -> {
        Float[] longer = Arrays.copyOf(v, v.length + some(r, 5));
        Arrays.fill(longer, v.length, longer.length, 0f);
        row[p] = longer;
        return "one vector lengthened with zeros";
      }
      case 2 -> {
        row[p] = new Float[0];
        return "one vector empty";
      }
      case 3 -> {
        for (int i : vec) {
          Float[] w = (Float[]) t.rows.get(i)[p];
          Float[] shorter = Arrays.copyOf(w, w.length - 1);
          if (shorter.length > 0 && shorter[0] != null && w[w.length - 1] != null) {
            shorter[0] += w[w.length - 1];
          }
          t.rows.get(i)[p] = shorter;
        }
        return "every vector one class shorter (still summing to 1)";
      }
      case 4 -> {
        for (int i : vec) {
          t.rows.get(i)[p] = new Float[] {1f};
        }
        return "every vector [1.0]";
      }
      default -> {
        for (int i : vec) {
          Float[] w = (Float[]) t.rows.get(i)[p];
          Float[] longer = Arrays.copyOf(w, w.length + 1);
          longer[w.length] = 0f;
          t.rows.get(i)[p] = longer;
        }
        return "every vector one zero class longer";
      }
    }
  }

  private static String duplicateKeys(Table t, Random r) {
    int key = t.col("example_id");
    int n = t.rows.size();
    switch (r.nextInt(4)) {
      case 0 -> {
        int k = some(r, 3);
        for (int i = 0; i < k; i++) {
          t.rows.add(t.rows.get(r.nextInt(n)).clone());
        }
        return k + " rows copied";
      }
      case 1 -> {
        Object[] copy = t.rows.get(r.nextInt(n)).clone();
        Object[] other = t.rows.get(r.nextInt(n));
        copy[t.col("probs")] = other[t.col("probs")];
        t.rows.add(copy);
        return "a key twice with different vectors";
      }
      case 2 -> {
        t.rows.get(r.nextInt(n))[key] = t.rows.get(r.nextInt(n))[key];
        return "one row given another's key";
      }
      default -> {
        for (int i = 0; i < n; i++) {
          t.rows.add(t.rows.get(i).clone());
        }
        return "every row twice";
      }
    }
  }

  private static String huge(Table t, Random r) {
    int p = t.col("probs");
    List<Integer> vec = t.vectorRows();
    Object[] row = t.rows.get(vec.isEmpty() ? 0 : vec.get(r.nextInt(vec.size())));
    int variant = r.nextInt(9);
    switch (variant) {
      case 0, 1, 2 -> {
        float x = new float[] {1e30f, Float.MAX_VALUE, Float.MIN_VALUE}[variant];
        if (row[p] instanceof Float[] v) {
          v[r.nextInt(v.length)] = x;
        }
        return "an element " + x;
      }
      case 3 -> {
        row[t.col("label")] = Integer.MAX_VALUE;
        return "label " + Integer.MAX_VALUE;
      }
      case 4 -> {
        row[t.col("label")] = 10;
        return "label 10 (one past the last class)";
      }
      case 5 -> {
        row[t.col("example_id")] = r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
        return "key at the long's limit";
      }
      case 6 -> {
        row[t.col("segment")] = "x".repeat(100_000);
        return "a 100,000-character slice value";
      }
      case 7 -> {
        Float[] wide = new Float[100_000];
        Arrays.fill(wide, 1e-5f);
        row[p] = wide;
        return "one vector of 100,000 classes";
      }
      default -> {
        int s = t.col("segment");
        for (int i = 0; i < t.rows.size(); i++) {
          t.rows.get(i)[s] = "segment-" + i;
        }
        return "a distinct slice value per row";
      }
    }
  }

  private static String drop(Table t, Random r) {
    int c = r.nextInt(t.fields.size());
    String name = t.fields.remove(c).name();
    for (int i = 0; i < t.rows.size(); i++) {
      Object[] row = t.rows.get(i);
      Object[] shorter = new Object[row.length - 1];
      System.arraycopy(row, 0, shorter, 0, c);
      System.arraycopy(row, c + 1, shorter, c, row.length - c - 1);
      t.rows.set(i, shorter);
    }
    return "column " + name + " dropped";
  }

  private static String retype(Table t, Random r) {
    int c = r.nextInt(t.fields.size());
    String name = t.fields.get(c).name();
    DataType type = t.fields.get(c).dataType();
    if (type instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
      return name + " " + retypeVector(t, c, r);
    }
    if (type.equals(DataTypes.LongType) || type.equals(DataTypes.IntegerType)) {
      switch (r.nextInt(4)) {
        case 0 -> t.retype(c, DataTypes.StringType, String::valueOf);
        case 1 -> t.retype(c, DataTypes.DoubleType, v -> ((Number) v).doubleValue());
        case 2 ->
            t.retype(
                c,
                type.equals(DataTypes.LongType) ? DataTypes.IntegerType : DataTypes.LongType,
                // Boxed apart: a conditional of int and long would promote both to long.
                v ->
                    type.equals(DataTypes.LongType)
                        ? (Object) ((Number) v).intValue()
                        : (Object) ((Number) v).longValue());
        default -> t.retype(c, DataTypes.BooleanType, v -> ((Number) v).longValue() % 2 == 0);
      }
    } else if (type.equals(DataTypes.StringType)) {
      switch (r.nextInt(3)) {
        case 0 -> t.retype(c, DataTypes.IntegerType, v -> Math.floorMod(v.hashCode(), 100));
        case 1 -> t.retype(c, DataTypes.BooleanType, v -> ((String) v).length() % 2 == 0);
        default ->
            t.retype(c, DataTypes.BinaryType, v -> ((String) v).getBytes(StandardCharsets.UTF_8));
      }
    } else {
      t.retype(c, DataTypes.StringType, Mutations::text);
    }
    return name + " now " + t.fields.get(c).dataType().simpleString();
  }

  private static String text(Object v) {
    return v instanceof Object[] a ? Arrays.toString(a) : String.valueOf(v);
  }

  private static String retypeVector(Table t, int c, Random r) {
    switch (r.nextInt(8)) {
      case 0 -> t.retype(c, DataTypes.StringType, Mutations::text);
      case 1 ->
          t.retype(
              c,
              DataTypes.createArrayType(DataTypes.DoubleType),
              v ->
                  Arrays.stream((Float[]) v)
                      .map(x -> x == null ? null : x.doubleValue())
                      .toArray(Double[]::new));
      case 2 ->
          t.retype(
              c,
              DataTypes.createArrayType(DataTypes.StringType),
              v -> Arrays.stream((Float[]) v).map(String::valueOf).toArray(String[]::new));
      case 3 ->
          t.retype(
              c,
              DataTypes.createArrayType(DataTypes.IntegerType),
              v ->
                  Arrays.stream((Float[]) v)
                      .map(x -> x == null ? null : Math.round(x * 100))
                      .toArray(Integer[]::new));
      case 4 ->
          t.retype(
              c,
              DataTypes.DoubleType,
              v ->
                  ((Float[]) v).length == 0 || ((Float[]) v)[0] == null
                      ? 0.0
                      : (double) ((Float[]) v)[0]);
      case 5 -> t.retype(c, SQLDataTypes.VectorType(), v -> Vectors.dense(doubles((Float[]) v)));
      case 6 ->
          t.retype(
              c, SQLDataTypes.VectorType(), v -> Vectors.dense(doubles((Float[]) v)).toSparse());
      default ->
          t.retype(
              c,
              DataTypes.createArrayType(DataTypes.FloatType, true),
              v -> {
                Float[] w = ((Float[]) v).clone();
                for (int i = 0; i < w.length; i++) {
                  w[i] = w[i] == null ? null : w[i] * 3f;
                }
                return w;
              });
    }
    return "now " + t.fields.get(c).dataType().simpleString();
  }

  private static double[] doubles(Float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i] == null ? Double.NaN : v[i];
    }
    return d;
  }

  private static String keyType(Table t, Random r) {
    int c = t.col("example_id");
    if (c < 0 || !t.fields.get(c).dataType().equals(DataTypes.LongType)) {
      return "nothing (no long key)";
    }
    switch (r.nextInt(8)) {
      case 0 -> t.retype(c, DataTypes.StringType, String::valueOf);
      case 1 -> t.retype(c, DataTypes.IntegerType, v -> ((Long) v).intValue());
      case 2 -> t.retype(c, DataTypes.DoubleType, v -> ((Long) v).doubleValue());
      case 3 -> t.retype(c, DataTypes.createDecimalType(20, 0), v -> new BigDecimal((Long) v));
      case 4 -> t.retype(c, DataTypes.BooleanType, v -> (Long) v % 2 == 0);
      case 5 ->
          t.retype(
              c, DataTypes.BinaryType, v -> String.valueOf(v).getBytes(StandardCharsets.UTF_8));
      case 6 -> t.retype(c, DataTypes.TimestampType, v -> new Timestamp((Long) v * 1000));
      default ->
          t.retype(
              c, DataTypes.DateType, v -> Date.valueOf(java.time.LocalDate.ofEpochDay((Long) v)));
    }
    return "example_id now " + t.fields.get(c).dataType().simpleString();
  }

  private static String nested(Table t, Random r) {
    int variant = r.nextInt(8);
    String name =
        new String[] {"example_id", "probs", "probs", "label", "segment", "segment", "", "probs"}
            [variant];
    int c = t.col(name);
    if (variant != 6 && c < 0) {
      return "nothing (" + name + " is gone)";
    }
    DataType was = c < 0 ? null : t.fields.get(c).dataType();
    StructType wrap = new StructType().add("value", was == null ? DataTypes.NullType : was);
    switch (variant) {
      case 0, 2, 3 -> t.retype(c, wrap, v -> RowFactory.create(new Object[] {v}));
      case 1 -> t.retype(c, DataTypes.createArrayType(was), v -> new Object[] {v});
      case 4 ->
          t.retype(c, DataTypes.createMapType(DataTypes.StringType, was), v -> Map.of("s", v));
      case 5 -> t.retype(c, DataTypes.createArrayType(was), v -> new Object[] {v, v});
      case 7 ->
          t.retype(
              c,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType),
              v -> {
                Map<String, Float> m = new java.util.TreeMap<>();
                Object[] a = v instanceof Object[] o ? o : new Object[0];
                for (int i = 0; i < a.length; i++) {
                  if (a[i] instanceof Float f) {
                    m.put("c" + i, f);
                  }
                }
                return m;
              });
      default -> {
        StructType extra =
            new StructType()
                .add(
                    "tags",
                    DataTypes.createMapType(
                        DataTypes.StringType, DataTypes.createArrayType(DataTypes.IntegerType)));
        t.fields.add(
            new StructField("extra", extra, true, org.apache.spark.sql.types.Metadata.empty()));
        for (int i = 0; i < t.rows.size(); i++) {
          Object[] row = Arrays.copyOf(t.rows.get(i), t.rows.get(i).length + 1);
          row[row.length - 1] = RowFactory.create(Map.of("k", new Integer[] {i}));
          t.rows.set(i, row);
        }
        return "an extra struct<map<string,array<int>>> column";
      }
    }
    return name + " now " + t.fields.get(c).dataType().simpleString();
  }

  private static String fileDamage(Table t, Random r, String... variants) {
    t.fileDamage = variants[r.nextInt(variants.length)];
    return t.fileDamage;
  }

  /** Writes the table as Parquet under {@code dir} and returns the path. */
  static String write(SparkSession spark, Table t, Path dir) {
    return write(spark, t.schema(), t.rows, dir);
  }

  private static String write(
      SparkSession spark, StructType schema, List<Object[]> rows, Path dir) {
    List<Row> r = rows.stream().map(RowFactory::create).toList();
    spark.createDataFrame(new ArrayList<>(r), schema).coalesce(1).write().parquet(dir.toString());
    return dir.toString();
  }

  /** A damaged table to write under {@code dir}; {@code random} draws its file damage. */
  record Pending(Table table, Path dir, Random random) {
    String damage() {
      return table.fileDamage == null ? "" : table.fileDamage;
    }
  }

  private static final String TABLE_NUMBER = "mutation_table";

  /**
   * Writes the tables with one Spark job per distinct schema (a job per table made writing the
   * inputs cost as much as running the cases): each schema's tables go into one DataFrame
   * partitioned by table number, whose partition folders are then moved into place and damaged.
   */
  static void writeAll(SparkSession spark, List<Pending> pending, Path scratch) throws IOException {
    Map<StructType, List<Pending>> bySchema = new java.util.LinkedHashMap<>();
    for (Pending p : pending) {
      switch (p.damage()) {
        case "missing" -> {}
        case "empty-folder" -> Files.createDirectories(p.dir());
        case "success-only" -> {
          Files.createDirectories(p.dir());
          Files.createFile(p.dir().resolve("_SUCCESS"));
        }
        default -> {
          if (p.damage().equals("zero-rows") || p.table().rows.isEmpty()) {
            write(spark, p.table().schema(), List.of(), p.dir());
          } else {
            bySchema.computeIfAbsent(p.table().schema(), k -> new ArrayList<>()).add(p);
          }
        }
      }
    }
    int group = 0;
    for (Map.Entry<StructType, List<Pending>> e : bySchema.entrySet()) {
      Path where = scratch.resolve("group-" + group++);
      List<Pending> tables = e.getValue();
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < tables.size(); i++) {
        Pending p = tables.get(i);
        // A split table is written as two or three numbers, one file each, moved into one folder.
        int parts = p.damage().equals("split-cut") ? 2 + p.random().nextInt(2) : 1;
        List<Object[]> all = p.table().rows;
        for (int j = 0; j < all.size(); j++) {
          Object[] row = new Object[all.get(j).length + 1];
          row[0] = i * 4 + j * parts / all.size();
          System.arraycopy(all.get(j), 0, row, 1, all.get(j).length);
          rows.add(RowFactory.create(row));
        }
      }
      StructType schema = new StructType().add(TABLE_NUMBER, DataTypes.IntegerType, false);
      for (StructField f : e.getKey().fields()) {
        schema = schema.add(f);
      }
      spark
          .createDataFrame(rows, schema)
          .repartition(col(TABLE_NUMBER))
          .write()
          .partitionBy(TABLE_NUMBER)
          .parquet(where.toString());
      for (int i = 0; i < tables.size(); i++) {
        Path dir = tables.get(i).dir();
        Files.createDirectories(dir);
        for (int k = 0; k < 4; k++) {
          Path chunk = where.resolve(TABLE_NUMBER + "=" + (i * 4 + k));
          if (Files.isDirectory(chunk)) {
            for (Path f : parts(chunk)) {
              String name = f.getFileName().toString().replaceFirst("^part-\\d+", "");
              Files.move(
                  f, dir.resolve(String.format(java.util.Locale.ROOT, "part-%05d%s", k, name)));
            }
          }
        }
      }
    }
    for (Pending p : pending) {
      damageFiles(p);
    }
  }

  /** Damages a written table's files as its {@code fileDamage} says. */
  private static void damageFiles(Pending p) throws IOException {
    String damage = p.damage();
    Path dir = p.dir();
    Random r = p.random();
    if (Set.of("missing", "empty-folder", "success-only").contains(damage)) {
      return;
    }
    List<Path> files = parts(dir);
    Path part = files.get(r.nextInt(files.size()));
    byte[] bytes = Files.readAllBytes(part);
    switch (damage) {
      case "cut" -> Files.write(part, Arrays.copyOf(bytes, 1 + r.nextInt(bytes.length - 1)));
      case "cut-footer" -> Files.write(part, Arrays.copyOf(bytes, bytes.length - 1 - r.nextInt(8)));
      case "header-only" -> Files.write(part, Arrays.copyOf(bytes, 4));
      case "split-cut" -> Files.write(part, Arrays.copyOf(bytes, bytes.length / 2));
      case "zero-byte" -> {
        for (Path f : files) {
          Files.delete(f);
        }
        Files.createFile(dir.resolve("part-00000-empty.parquet"));
      }
      case "zero-byte-extra" -> Files.createFile(dir.resolve("part-99999-empty.parquet"));
      case "text-file" ->
          Files.writeString(part, "example_id,probs\n1,\"[0.5, 0.5]\"\n", StandardCharsets.UTF_8);
      default -> {}
    }
    // Hadoop's local checksum files would flag any change; damage arrives without them.
    try (Stream<Path> crc = Files.list(dir)) {
      for (Path c : crc.filter(f -> f.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(c);
      }
    }
  }

  private static List<Path> parts(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /**
   * A message with its particulars (paths, numbers, example keys) replaced, so that one kind of
   * message counts once.
   */
  static String shape(String line) {
    return line.replaceAll("(file:)?/[^\\s,;)'\"]+", "<path>")
        .replaceAll("\\{\"[^}]*\\}", "{key}")
        .replaceAll("(?<![\\w.])-?\\d[\\d,]*(\\.\\d+)?([Ee][-+]?\\d+)?(?!\\w)", "N");
  }
}
