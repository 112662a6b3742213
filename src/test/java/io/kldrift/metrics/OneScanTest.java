package io.kldrift.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.DriftConfig;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.sample.SampleGenerator;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the input scans few: every aggregate comes from three reads of each table (validation, the
 * per-class sums, the cached per-example metrics), and no query explodes rows into (example, class)
 * pairs.
 */
class OneScanTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  /** Records, per job description, the RDD names of every completed stage. */
  static final class StageRecorder extends SparkListener {
    final Map<Integer, String> jobOfStage = new ConcurrentHashMap<>();
    final List<String[]> stages = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onJobStart(SparkListenerJobStart job) {
      String description =
          job.properties() == null ? null : job.properties().getProperty("spark.job.description");
      for (Object id : scala.jdk.javaapi.CollectionConverters.asJava(job.stageIds())) {
        jobOfStage.put((Integer) id, String.valueOf(description));
      }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted stage) {
      String description = jobOfStage.getOrDefault(stage.stageInfo().stageId(), "?");
      StringBuilder rdds = new StringBuilder();
      for (RDDInfo r :
          scala.jdk.javaapi.CollectionConverters.asJava(stage.stageInfo().rddInfos())) {
        rdds.append(r.name()).append(' ').append(r.callSite()).append(';');
      }
      stages.add(new String[] {description, rdds.toString()});
    }
  }

  /**
   * Adds every Parquet scan node of a physical plan that produced rows, looking through adaptive
   * plans, query stages and the plan behind a cached relation (which is shared, so a cache read
   * adds nothing new).
   */
  private static void scans(SparkPlan plan, java.util.Set<SparkPlan> out) {
    if (plan instanceof org.apache.spark.sql.execution.FileSourceScanExec f) {
      out.add(f);
    } else if (plan instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec a) {
      scans(a.executedPlan(), out);
    } else if (plan instanceof org.apache.spark.sql.execution.adaptive.QueryStageExec q) {
      scans(q.plan(), out);
    } else if (plan instanceof org.apache.spark.sql.execution.columnar.InMemoryTableScanExec m) {
      scans(m.relation().cachedPlan(), out);
    }
    for (SparkPlan child : scala.jdk.javaapi.CollectionConverters.asJava(plan.children())) {
      scans(child, out);
    }
  }

  private static long rows(SparkPlan scan) {
    return ((org.apache.spark.sql.execution.metric.SQLMetric) scan.metrics().apply("numOutputRows"))
        .value();
  }

  @Test
  void everyAggregateComesFromThreeReadsOfEachTable() throws Exception {
    String data = tmp.resolve("d").toString();
    SampleGenerator.generate(
        spark, new SampleGenerator.Spec(2000, 12, 5, false, List.of(1), 1.0, 0.01, 2), data);
    DriftConfig config =
        DriftConfig.builder()
            .file(Path.of(data, "kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, data + "/teacher")
            .set(DriftConfig.STUDENT_PATH, data + "/student")
            .build();

    StageRecorder recorder = new StageRecorder();
    List<String> plans = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.Set<SparkPlan> scanNodes =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    org.apache.spark.sql.util.QueryExecutionListener planRecorder =
        new org.apache.spark.sql.util.QueryExecutionListener() {
          @Override
          public void onSuccess(
              String funcName, org.apache.spark.sql.execution.QueryExecution qe, long durationNs) {
            plans.add(qe.executedPlan().toString());
            synchronized (scanNodes) {
              scans(qe.executedPlan(), scanNodes);
            }
          }

          @Override
          public void onFailure(
              String funcName,
              org.apache.spark.sql.execution.QueryExecution qe,
              Exception exception) {}
        };
    spark.sparkContext().addSparkListener(recorder);
    spark.listenerManager().register(planRecorder);
    try {
      KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1)).close();
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(recorder);
      spark.listenerManager().unregister(planRecorder);
    }
    Map<String, Long> tableRows =
        Map.of(
            "teacher", spark.read().parquet(data + "/teacher").count(),
            "student", spark.read().parquet(data + "/student").count());
    Map<String, Integer> fullScans = new java.util.TreeMap<>();
    synchronized (scanNodes) {
      for (SparkPlan scan : scanNodes) {
        String root =
            ((org.apache.spark.sql.execution.FileSourceScanExec) scan)
                .relation()
                .location()
                .rootPaths()
                .head()
                .getName();
        if (tableRows.containsKey(root) && rows(scan) == tableRows.get(root)) {
          fullScans.merge(root, 1, Integer::sum);
        }
      }
    }
    // Each table is read in full three times: to validate it, for the per-class sums, and for the
    // per-example metrics that every other aggregate reads from the cache. A fourth read (a lost
    // cache, another pass over the vectors) fails this.
    assertThat(fullScans).containsExactlyInAnyOrderEntriesOf(Map.of("teacher", 3, "student", 3));
    assertThat(plans).as("queries run by the analysis").isNotEmpty();
    assertThat(plans)
        .as("no query explodes rows into (example, class) pairs")
        .noneMatch(p -> p.contains("Generate"));
  }
}
