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
 * The Spark jobs a night runs: reading the history takes one for every earlier run's index and
 * trend rows and one for the figures of the runs its baselines read; writing the report none.
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

  /**
   * Every Spark job of a sample night, by design: no job for the inputs' schemas (the footers read
   * before the scan give them), the pass (a scan and shuffle per side, then the aggregation), the
   * two history reads; the report's tables and history rows are rows the driver holds, written
   * without a job.
   */
  @Test
  void aParquetNightReadsItsHistoryInTwoJobs() throws Exception {
    Map<String, Integer> jobs = nights("parquet", 3);
    assertThat(jobs.get("kldrift: read history")).as(jobs.toString()).isEqualTo(2);
    assertThat(jobs)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "kldrift: join, row rules, metrics and drift state", 3,
                "kldrift: read history", 2));
  }
}
