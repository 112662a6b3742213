package io.kldrift.store;

import io.kldrift.monitor.History;
import org.apache.spark.sql.SparkSession;

/**
 * What both stores share: the session and the report root, the checks before a run, and an
 * acceptance, which reads the committed history and appends to it.
 */
abstract class RootStore implements ReportStore {
  final SparkSession spark;
  final String root;

  RootStore(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root;
  }

  @Override
  public String root() {
    return root;
  }

  @Override
  public void checkBeforeRun() {
    ReportRoot.check(spark, root);
    checkFormat();
  }

  @Override
  public String accept(String runDate, String reason) {
    recover();
    History.Acceptance a = History.acceptance(spark, history(), runs(), root, runDate, reason);
    if (!appendToRun(runDate, a.row())) {
      throw StoreErrors.noCommittedRun(runDate, root);
    }
    return a.status();
  }
}
