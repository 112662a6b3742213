package io.kldrift.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small table written from the driver reads back, with Spark and with DuckDB, as the same rows
 * and schema as Spark's own one-task write of it, and without a Spark job.
 */
class LocalTablesTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  private static final StructType SCHEMA =
      new StructType()
          .add("name", DataTypes.StringType, false)
          .add("n", DataTypes.LongType, false)
          .add("share", DataTypes.DoubleType, true)
          .add("top", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
          .add(
              "pair",
              new StructType()
                  .add("a", DataTypes.FloatType, true)
                  .add("b", DataTypes.BooleanType, true),
              true);

  private Dataset<Row> table() {
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("cat", 3L, 0.25, new int[] {1, 2}, RowFactory.create(0.5f, true)));
    rows.add(RowFactory.create("dög", 0L, null, null, null));
    rows.add(RowFactory.create("", -7L, Double.NaN, new int[] {}, RowFactory.create(null, false)));
    List<Row> fixed = new ArrayList<>();
    for (Row r : rows) {
      Object top = r.get(3);
      fixed.add(
          RowFactory.create(
              r.get(0),
              r.get(1),
              r.get(2),
              top == null
                  ? null
                  : scala.jdk.javaapi.CollectionConverters.asScala(
                          java.util.Arrays.stream((int[]) top).boxed().toList())
                      .toSeq(),
              r.get(4)));
    }
    return spark.createDataFrame(fixed, SCHEMA);
  }

  @Test
  void aDriverWriteReadsBackAsSparksOwnWrite() throws Exception {
    Dataset<Row> t = table();
    assertThat(LocalTables.isLocal(t)).isTrue();
    assertThat(LocalTables.isLocal(t.coalesce(1))).isFalse();
    String spark1 = tmp.resolve("spark").toString();
    t.coalesce(1).write().parquet(spark1);
    org.apache.hadoop.fs.Path local =
        new org.apache.hadoop.fs.Path(tmp.resolve("local").toString());
    FileSystem fs = local.getFileSystem(spark.sparkContext().hadoopConfiguration());
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart start) {
            jobs.incrementAndGet();
          }
        };
    spark.sparkContext().listenerBus().waitUntilEmpty();
    spark.sparkContext().addSparkListener(counter);
    try {
      LocalTables.write(spark, fs, t, local);
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
    assertThat(jobs.get()).as("Spark jobs of the driver's write").isZero();
    assertThat(Files.exists(tmp.resolve("local/_SUCCESS"))).isTrue();
    try (var files = Files.list(tmp.resolve("local"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".parquet")))
          .singleElement()
          .asString()
          .matches("part-00000-[0-9a-f-]{36}-c000\\.snappy\\.parquet");
    }
    Dataset<Row> a = spark.read().parquet(spark1);
    Dataset<Row> b = spark.read().parquet(local.toString());
    assertThat(b.schema()).isEqualTo(a.schema());
    assertThat(b.collectAsList()).containsExactlyInAnyOrderElementsOf(a.collectAsList());
    // A second write into the folder appends one more file.
    LocalTables.write(spark, fs, t, local);
    assertThat(spark.read().parquet(local.toString()).count()).isEqualTo(6);
  }

  @Test
  void duckDbReadsTheDriversFileAsSparksOwn() throws Exception {
    Dataset<Row> t = table();
    String viaSpark = tmp.resolve("spark").toString();
    t.coalesce(1).write().parquet(viaSpark);
    org.apache.hadoop.fs.Path local =
        new org.apache.hadoop.fs.Path(tmp.resolve("local").toString());
    LocalTables.write(
        spark, local.getFileSystem(spark.sparkContext().hadoopConfiguration()), t, local);
    try (var duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        var st = duck.createStatement()) {
      String q =
          "SELECT name, n, share, top, pair.a, pair.b FROM read_parquet('%s/*.parquet') ORDER BY n";
      List<String> a = rows(st.executeQuery(String.format(q, viaSpark)));
      List<String> b = rows(st.executeQuery(String.format(q, local)));
      assertThat(b).hasSize(3).isEqualTo(a);
      assertThat(b.get(2)).startsWith("cat|3|0.25|[1, 2]|0.5|true");
    }
  }

  private static List<String> rows(java.sql.ResultSet rs) throws java.sql.SQLException {
    List<String> out = new ArrayList<>();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      StringBuilder s = new StringBuilder();
      for (int i = 1; i <= n; i++) {
        s.append(i > 1 ? "|" : "").append(rs.getString(i));
      }
      out.add(s.toString());
    }
    return out;
  }
}
