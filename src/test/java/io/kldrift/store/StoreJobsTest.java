package io.kldrift.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark jobs a night spends reading the history: one for every earlier run's index and trend
 * rows, one for the figures of the runs its baselines read.
 */
class StoreJobsTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  /** Counts the jobs started per job description. */
  private static final class Jobs extends SparkListener {
    final Map<String, Integer> byDescription = new TreeMap<>();

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
      String d = start.properties().getProperty("spark.job.description", "(none)");
      byDescription.merge(d, 1, Integer::sum);
    }
  }

  private DriftConfig config(String out, String format) {
    return DriftConfig.builder()
        .file(Path.of("sample-data/kldrift.properties"))
        .set(DriftConfig.TEACHER_PATH, "sample-data/teacher")
        .set(DriftConfig.STUDENT_PATH, "sample-data/student")
        .set(DriftConfig.OUTPUT_PATH, out)
        .set(DriftConfig.REPORT_FORMAT, format)
        .build();
  }

  private Map<String, Integer> nights(String format, int nights) throws Exception {
    String out = tmp.resolve(format).toString();
    Jobs jobs = new Jobs();
    for (int n = 1; n <= nights; n++) {
      LocalDate d = LocalDate.of(2026, 11, n);
      if (n == nights) {
        spark.sparkContext().listenerBus().waitUntilEmpty();
        spark.sparkContext().addSparkListener(jobs);
      }
      try (DriftReport r = KlDrift.analyze(spark, config(out, format), d)) {
        KlDrift.write(spark, r, out, d);
      }
    }
    spark.sparkContext().listenerBus().waitUntilEmpty();
    spark.sparkContext().removeSparkListener(jobs);
    System.out.println("jobs of night " + nights + " (" + format + "): " + jobs.byDescription);
    return jobs.byDescription;
  }

  @Test
  void aParquetNightReadsItsHistoryInTwoJobs() throws Exception {
    Map<String, Integer> jobs = nights("parquet", 3);
    assertThat(jobs.get("kldrift: read history")).as(jobs.toString()).isEqualTo(2);
  }
}
