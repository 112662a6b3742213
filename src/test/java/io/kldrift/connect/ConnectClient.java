package io.kldrift.connect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The Spark Connect client side of ConnectIT, loaded in the client's own class loader ({@link
 * ConnectClasspath#client()}); it hands results back as plain Java values (a header of column
 * names, then one {@code Object[]} per row, structs as nested {@code Object[]}), which both class
 * loaders share.
 */
public final class ConnectClient implements AutoCloseable {
  private final SparkSession spark;

  /** Connects to {@code url} ({@code sc://host:port}). */
  public ConnectClient(String url) {
    this.spark = SparkSession.builder().remote(url).create();
  }

  /** The session's implementation class, to show which Spark API answered. */
  public String sessionClass() {
    return spark.getClass().getName();
  }

  /** Runs one SQL statement and collects at most {@code limit} rows. */
  public List<Object[]> sql(String sql, int limit) {
    return collect(spark.sql(sql), limit);
  }

  /**
   * {@code SELECT <keys>, call_function(name, <columns>...) FROM table}: the DataFrame route a
   * PySpark or Databricks Connect user takes.
   */
  public List<Object[]> callFunction(
      String table, List<String> keys, String name, List<String> columns) {
    List<Column> select = new ArrayList<>();
    keys.forEach(k -> select.add(functions.col(k)));
    select.add(
        functions.call_function(name, columns.stream().map(functions::col).toArray(Column[]::new)));
    return collect(spark.table(table).select(select.toArray(Column[]::new)), Integer.MAX_VALUE);
  }

  private static List<Object[]> collect(Dataset<Row> df, int limit) {
    List<Object[]> out = new ArrayList<>();
    out.add(df.columns());
    for (Row r : df.limit(limit).collectAsList()) {
      out.add(plain(r));
    }
    return out;
  }

  private static Object[] plain(Row r) {
    Object[] values = new Object[r.length()];
    for (int i = 0; i < values.length; i++) {
      Object v = r.get(i);
      if (v instanceof Row nested) {
        v = plain(nested);
      } else if (v instanceof scala.collection.Seq<?> seq) {
        v = new ArrayList<>(scala.jdk.javaapi.CollectionConverters.asJava(seq));
      } else if (v != null && v.getClass().isArray()) {
        v = Arrays.asList((Object[]) v);
      }
      values[i] = v;
    }
    return values;
  }

  /** Ends the session on the server, then the client. */
  @Override
  public void close() {
    spark.stop();
  }
}
