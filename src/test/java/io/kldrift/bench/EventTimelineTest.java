package io.kldrift.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The phases of a hand-written event log, their times worked out by hand. */
class EventTimelineTest {
  @TempDir Path tmp;

  private static String job(int id, String description, long submitted) {
    return "{\"Event\":\"SparkListenerJobStart\",\"Job ID\":"
        + id
        + ",\"Submission Time\":"
        + submitted
        + ",\"Properties\":{\"spark.job.description\":\""
        + description
        + "\"}}";
  }

  private static String end(int id, long completed) {
    return "{\"Event\":\"SparkListenerJobEnd\",\"Job ID\":"
        + id
        + ",\"Completion Time\":"
        + completed
        + "}";
  }

  @Test
  void phasesRunFromTheEndOfTheOneBeforeToTheEndOfTheirLastJob() throws Exception {
    Files.write(
        tmp.resolve("events"),
        List.of(
            "{\"Event\":\"SparkListenerApplicationStart\",\"Timestamp\":1000}",
            "{\"Event\":\"SparkListenerExecutorAdded\",\"Timestamp\":1500}",
            job(0, "kldrift: read inputs and check schemas", 2000),
            end(0, 2200),
            job(1, "kldrift: join, row rules, metrics and drift state", 2300),
            job(2, "kldrift: join, row rules, metrics and drift state", 2400),
            end(1, 3000),
            end(2, 3500),
            "{\"Event\":\"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart\","
                + "\"executionId\":7,\"time\":3700,\"description\":\"collectAsList at KlDrift.java:197\"}",
            "{\"Event\":\"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd\","
                + "\"executionId\":7,\"time\":3750}",
            job(3, "kldrift: write per_class (delta)", 4000),
            job(
                4,
                "Delta: kldrift: write per_class (delta): Compute snapshot for version: 1",
                4100),
            end(4, 4300),
            end(3, 4600),
            "{\"Event\":\"SparkListenerApplicationEnd\",\"Timestamp\":4700}"));
    EventTimeline.Breakdown b = EventTimeline.read(tmp, 200, 5000);
    assertThat(b.phases())
        .containsExactly(
            new EventTimeline.Phase("JVM start, launcher, options", 800, 0),
            new EventTimeline.Phase("Spark session", 500, 0),
            new EventTimeline.Phase("footers and schemas", 700, 1),
            new EventTimeline.Phase("the pass", 1300, 2),
            new EventTimeline.Phase("checks, page, staging", 500, 0),
            new EventTimeline.Phase("write: per_class (delta)", 600, 2),
            new EventTimeline.Phase("renames, summary, session stop", 100, 0),
            new EventTimeline.Phase("JVM exit", 300, 0));
    assertThat(b.jobs()).isEqualTo(5);
  }
}
