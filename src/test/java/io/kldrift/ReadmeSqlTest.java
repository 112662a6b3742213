package io.kldrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Every SQL statement in the README's ```sql blocks runs as written against the sample tables
 * (views {@code teacher} and {@code student}); a trailing {@code -- number} comment is the value
 * the statement's first cell must have.
 */
class ReadmeSqlTest {
  private final SparkSession spark = TestSpark.get();

  @Test
  void everyReadmeSqlStatementRunsAsWritten() throws Exception {
    spark.read().parquet("sample-data/teacher").createOrReplaceTempView("teacher");
    spark.read().parquet("sample-data/student").createOrReplaceTempView("student");
    List<String> blocks = Fixtures.readmeBlocks("sql");
    assertThat(blocks).isNotEmpty();
    int statements = 0;
    for (String block : blocks) {
      for (String statement : block.split(";")) {
        String sql = statement.replaceAll("(?m)^\\s*--.*$", "").trim();
        if (sql.isEmpty()) {
          continue;
        }
        List<Row> rows = spark.sql(sql).limit(5).collectAsList();
        assertThat(rows).as(sql).isNotEmpty();
        statements++;
        int next = block.indexOf(statement) + statement.length();
        Matcher expected =
            Pattern.compile("\\A;\\s*--\\s*([-0-9.eE]+)").matcher(block.substring(next));
        if (expected.find()) {
          assertThat(((Number) rows.get(0).get(0)).doubleValue())
              .as(sql)
              .isCloseTo(Double.parseDouble(expected.group(1)), within(1e-9));
        }
      }
    }
    assertThat(statements).isGreaterThanOrEqualTo(3);
  }
}
