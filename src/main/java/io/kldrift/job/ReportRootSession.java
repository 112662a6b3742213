package io.kldrift.job;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The session of a job that reads a report root it did not write in this run (rollup, accept): the
 * root may hold Delta tables, which the job learns only when it reads, so Delta is configured
 * whenever it is on the class path. A session the job created is stopped on close; one a notebook
 * or a test already had is left running.
 */
final class ReportRootSession implements AutoCloseable {
  final SparkSession spark;
  private final boolean own;

  ReportRootSession(String appName, String master, Map<String, String> sparkConf) {
    own = SparkSession.getDefaultSession().isEmpty();
    SparkSession.Builder sb = DriftJob.builder(appName, master);
    sparkConf.forEach(sb::config);
    if (io.kldrift.store.DeltaSession.available()) {
      io.kldrift.store.DeltaSession.configure(sb, sparkConf);
    }
    spark = sb.getOrCreate();
    if (own) {
      io.kldrift.store.DeltaSession.tuneLocal(spark);
    }
  }

  @Override
  public void close() {
    if (own) {
      spark.stop();
    }
  }
}
