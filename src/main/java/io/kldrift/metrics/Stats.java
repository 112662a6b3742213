package io.kldrift.metrics;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.stddev_samp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;

/**
 * The summary of one per-example metric (n, mean, std, 95% CI of the mean, min, quantiles, max) as
 * aggregate columns that join a larger {@code agg(...)}, and as the values read back from its row.
 * Deequ-style: each metric declares its columns; the caller runs them all in one scan.
 */
final class Stats {
  static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99};
  static final String[] QUANTILE_NAMES = {"p50", "p90", "p95", "p99"};

  /** z for a two-sided 95% normal interval; the CI of the mean uses the normal approximation. */
  static final double Z95 = 1.959963984540054;

  private Stats() {}

  static List<Column> columns(String name, Column value, int accuracy, boolean quantiles) {
    Column[] qs = new Column[QUANTILES.length];
    for (int i = 0; i < qs.length; i++) {
      qs[i] = lit(QUANTILES[i]);
    }
    Column q =
        quantiles
            ? percentile_approx(value, array(qs), lit(accuracy))
            : lit(null).cast("array<double>");
    return List.of(
        count(value).as(name + "__n"),
        avg(value).as(name + "__mean"),
        stddev_samp(value).as(name + "__std"),
        min(value).as(name + "__min"),
        max(value).as(name + "__max"),
        q.as(name + "__q"));
  }

  /** Reads the summary of {@code name} from a row holding {@link #columns}. */
  static Map<String, Object> read(Map<String, Object> row, String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    long n = (Long) row.get(name + "__n");
    Double mean = num(row, name + "__mean");
    Double std = num(row, name + "__std");
    m.put("n", n);
    m.put("mean", mean);
    m.put("std", std);
    if (mean != null && std != null && n > 1) {
      double half = Z95 * std / Math.sqrt((double) n);
      m.put("ci95_low", mean - half);
      m.put("ci95_high", mean + half);
    } else {
      m.put("ci95_low", null);
      m.put("ci95_high", null);
    }
    m.put("min", num(row, name + "__min"));
    List<?> q =
        row.get(name + "__q") == null
            ? null
            : scala.jdk.javaapi.CollectionConverters.asJava(
                (scala.collection.Seq<?>) row.get(name + "__q"));
    for (int i = 0; i < QUANTILE_NAMES.length; i++) {
      m.put(QUANTILE_NAMES[i], q == null ? null : ((Number) q.get(i)).doubleValue());
    }
    m.put("max", num(row, name + "__max"));
    return m;
  }

  static Double num(Map<String, Object> row, String field) {
    Object o = row.get(field);
    if (o == null) {
      return null;
    }
    double v = ((Number) o).doubleValue();
    return Double.isFinite(v) ? v : null;
  }
}
