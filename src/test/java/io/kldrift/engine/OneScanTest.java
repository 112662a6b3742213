package io.kldrift.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SampleGenerator;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import org.apache.spark.sql.execution.exchange.ShuffleExchangeExec;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the report at the cost of the join: from the executed plans of a whole analysis, each input
 * table is scanned exactly once, the only exchanges that carry the vectors are the two sides of the
 * one join shuffle, and no query explodes rows into (example, class) pairs.
 */
class OneScanTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  /** Every node of an executed plan, looking through adaptive plans and query stages. */
  private static void nodes(SparkPlan plan, Set<SparkPlan> out) {
    out.add(plan);
    if (plan instanceof AdaptiveSparkPlanExec a) {
      nodes(a.executedPlan(), out);
    } else if (plan instanceof QueryStageExec q) {
      nodes(q.plan(), out);
    }
    for (SparkPlan child : scala.jdk.javaapi.CollectionConverters.asJava(plan.children())) {
      nodes(child, out);
    }
  }

  private static boolean carriesArrays(SparkPlan p) {
    for (Attribute a : scala.jdk.javaapi.CollectionConverters.asJava(p.output())) {
      if (a.dataType() instanceof ArrayType) {
        return true;
      }
    }
    return false;
  }

  @Test
  void theWholeReportReadsEachTableOnceAndShufflesTheVectorsOnce() throws Exception {
    String data = tmp.resolve("d").toString();
    SampleGenerator.generate(
        spark, new SampleGenerator.Spec(2000, 12, 5, false, List.of(1), 1.0, 0.01, 2), data);
    DriftConfig config =
        DriftConfig.builder()
            .file(Path.of(data, "kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, data + "/teacher")
            .set(DriftConfig.STUDENT_PATH, data + "/student")
            .build();

    List<String> plans = Collections.synchronizedList(new ArrayList<>());
    Set<SparkPlan> all = Collections.newSetFromMap(new IdentityHashMap<>());
    QueryExecutionListener planRecorder =
        new QueryExecutionListener() {
          @Override
          public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
            plans.add(funcName + ": " + qe.executedPlan());
            synchronized (all) {
              nodes(qe.executedPlan(), all);
            }
          }

          @Override
          public void onFailure(String funcName, QueryExecution qe, Exception exception) {}
        };
    AtomicInteger jobs = new AtomicInteger();
    SparkListener jobCounter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart job) {
            jobs.incrementAndGet();
          }
        };
    // The generator's writes end before the listeners are added, their events too: the bus
    // delivers them later, and a busy machine delivered one to the plan recorder.
    spark.sparkContext().listenerBus().waitUntilEmpty();
    spark.listenerManager().register(planRecorder);
    spark.sparkContext().addSparkListener(jobCounter);
    try {
      KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1)).close();
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.listenerManager().unregister(planRecorder);
      spark.sparkContext().removeSparkListener(jobCounter);
    }

    Map<String, Integer> scans = new TreeMap<>();
    int vectorExchanges = 0;
    boolean generate = false;
    synchronized (all) {
      for (SparkPlan p : all) {
        if (p instanceof FileSourceScanExec f) {
          scans.merge(f.relation().location().rootPaths().head().getName(), 1, Integer::sum);
        }
        if (p instanceof ShuffleExchangeExec && carriesArrays(p)) {
          vectorExchanges++;
        }
        generate |= p.nodeName().contains("Generate");
      }
    }
    assertThat(plans).as("the one pass is a named SQL execution").hasSize(1);
    assertThat(plans.get(0)).startsWith("kldrift one pass");
    assertThat(scans)
        .as("Parquet scans per table, over every query the analysis ran")
        .containsExactlyInAnyOrderEntriesOf(Map.of("teacher", 1, "student", 1));
    assertThat(vectorExchanges)
        .as("exchanges that carry vectors: the join's, one per side\n" + plans)
        .isEqualTo(2);
    assertThat(generate).as("no query explodes rows into (example, class) pairs").isFalse();
    // Schema reads of the two tables, the two shuffle stages and the final aggregation: a job per
    // grouped pass (today's 45-job report) fails this.
    assertThat(jobs.get()).as("Spark jobs of one analysis").isLessThanOrEqualTo(6);
  }
}
