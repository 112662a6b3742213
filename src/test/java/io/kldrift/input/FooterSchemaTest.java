package io.kldrift.input;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.TestSpark;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema the footers give the read is the one Spark's own inference finds: partition columns
 * still come from the folder names, and files that disagree leave the inference to Spark.
 */
class FooterSchemaTest {
  @TempDir Path tmp;

  private static StructType inferred(SparkSession spark, String path) {
    return spark.read().parquet(path).schema();
  }

  @Test
  void aPartitionedTableReadsAsSparkInfersIt() {
    SparkSession spark = TestSpark.get();
    String path = tmp.resolve("partitioned").toString();
    Dataset<Row> d =
        spark.sql(
            "SELECT id AS example_id, array(CAST(0.5 AS FLOAT), CAST(0.5 AS FLOAT)) AS probs,"
                + " IF(id % 2 = 0, 'a', 'b') AS segment FROM range(6)");
    d.write().partitionBy("segment").parquet(path);

    StructType footers = Footers.checkBeforeRead(spark, path, "teacher");
    assertThat(footers).isNotNull();
    assertThat(footers.fieldNames()).containsExactly("example_id", "probs");
    assertThat(spark.read().schema(footers).parquet(path).schema())
        .isEqualTo(inferred(spark, path));
    assertThat(spark.read().schema(footers).parquet(path).where("segment = 'a'").count())
        .isEqualTo(3);
  }

  @Test
  void filesThatDisagreeLeaveTheSchemaToSpark() {
    SparkSession spark = TestSpark.get();
    String path = tmp.resolve("mixed").toString();
    spark.sql("SELECT id AS example_id FROM range(2)").write().parquet(path + "/part=1");
    spark
        .sql("SELECT CAST(id AS INT) AS example_id, 'x' AS extra FROM range(2)")
        .write()
        .parquet(path + "/part=2");
    assertThat(Footers.checkBeforeRead(spark, path, "teacher")).isNull();
    assertThat(Footers.checkBeforeRead(spark, tmp.resolve("none").toString(), "teacher")).isNull();
  }
}
