package io.kldrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Every SQL statement of the README's and the reference pages' ```sql blocks ({@link
 * Docs#SQL_PAGES}) runs as written against the sample tables (views {@code teacher} and {@code
 * student}); a trailing {@code -- number}, {@code -- NULL} or {@code -- 'string'} comment is the
 * value the statement's first cell must have. ConnectIT runs the same statements through Spark
 * Connect.
 */
class ReadmeSqlTest {
  private final SparkSession spark = TestSpark.get();

  @Test
  void everyReadmeSqlStatementRunsAsWritten() throws Exception {
    spark.read().parquet("sample-data/teacher").createOrReplaceTempView("teacher");
    spark.read().parquet("sample-data/student").createOrReplaceTempView("student");
    List<Docs.Sql> statements = Docs.sql();
    assertThat(statements).hasSizeGreaterThanOrEqualTo(3);
    assertThat(statements).filteredOn(s -> s.expected() != null).hasSizeGreaterThanOrEqualTo(3);
    assertThat(statements).filteredOn(s -> s.text() != null).hasSizeGreaterThanOrEqualTo(3);
    // each of those files has statements of its own (a page that lost its SQL fails here)
    for (java.nio.file.Path page : Docs.SQL_PAGES) {
      assertThat(Docs.blocks("sql", page)).as(page.toString()).isNotEmpty();
    }
    for (Docs.Sql s : statements) {
      List<Row> rows = spark.sql(s.sql()).limit(5).collectAsList();
      assertThat(rows).as(s.sql()).isNotEmpty();
      if (s.expected() != null) {
        assertThat(((Number) rows.get(0).get(0)).doubleValue())
            .as(s.sql())
            .isCloseTo(s.expected(), within(1e-9));
      }
      if (s.text() != null) {
        assertThat(rows.get(0).get(0))
            .as(s.sql())
            .isEqualTo(s.text().equals("NULL") ? null : s.text());
      }
    }
  }
}
