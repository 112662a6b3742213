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
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the aggregation to one scan: the pass that computes every global and per-class aggregate
 * reads each input table exactly once, and no stage explodes rows into (example, class) pairs.
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
      String description = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
      for (Object id : scala.jdk.javaapi.CollectionConverters.asJava(job.stageIds())) {
        jobOfStage.put((Integer) id, String.valueOf(description));
      }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted stage) {
      String description = jobOfStage.getOrDefault(stage.stageInfo().stageId(), "?");
      StringBuilder rdds = new StringBuilder();
      for (RDDInfo r : scala.jdk.javaapi.CollectionConverters.asJava(stage.stageInfo().rddInfos())) {
        rdds.append(r.name()).append(' ').append(r.callSite()).append(';');
      }
      stages.add(new String[] {description, rdds.toString()});
    }
  }

  @Test
  void globalAndPerClassAggregatesReadEachTableOnce() throws Exception {
    String data = tmp.resolve("d").toString();
    SampleGenerator.generate(spark, new SampleGenerator.Spec(2000, 12, 5, false, List.of(1), 1.0, 0.01, 2), data);
    DriftConfig config = DriftConfig.builder().file(Path.of(data, "kldrift.properties"))
        .set(DriftConfig.TEACHER_PATH, data + "/teacher").set(DriftConfig.STUDENT_PATH, data + "/student").build();

    StageRecorder recorder = new StageRecorder();
    List<String> plans = java.util.Collections.synchronizedList(new ArrayList<>());
    org.apache.spark.sql.util.QueryExecutionListener planRecorder =
        new org.apache.spark.sql.util.QueryExecutionListener() {
          @Override
          public void onSuccess(String funcName, org.apache.spark.sql.execution.QueryExecution qe, long durationNs) {
            plans.add(qe.executedPlan().toString());
          }

          @Override
          public void onFailure(String funcName, org.apache.spark.sql.execution.QueryExecution qe, Exception exception) {}
        };
    spark.sparkContext().addSparkListener(recorder);
    spark.listenerManager().register(planRecorder);
    try {
      KlDrift.analyze(spark, config, LocalDate.of(2026, 1, 1));
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(recorder);
      spark.listenerManager().unregister(planRecorder);
    }
    String pass = "kldrift: join, per-example metrics, global and per-class aggregates";
    List<String> scans = new ArrayList<>();
    synchronized (recorder.stages) {
      for (String[] s : recorder.stages) {
        if (s[0].equals(pass)) {
          int n = s[1].split("FileScanRDD", -1).length - 1;
          for (int i = 0; i < n; i++) {
            scans.add(s[1]);
          }
        }
      }
    }
    assertThat(scans).as("Parquet scans in the aggregate pass (teacher once, student once)").hasSize(2);
    assertThat(plans).as("queries run by the analysis").isNotEmpty();
    assertThat(plans).as("no query explodes rows into (example, class) pairs").noneMatch(p -> p.contains("Generate"));
  }
}
