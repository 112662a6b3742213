package io.kldrift.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The application jar under the official Apache Spark image's own {@code spark-submit}: what a user
 * of a packaged Spark distribution runs, which the Maven-built cluster of {@link ClusterIT} does
 * not cover. Needs Docker; without it JUnit reports the class as disabled, with the reason.
 */
@Testcontainers(disabledWithoutDocker = true)
class SparkImageIT {
  private static final DockerImageName SPARK = DockerImageName.parse("apache/spark:4.2.0");

  @Test
  void theJarRunsUnderTheDistributionsSparkSubmit() {
    try (GenericContainer<?> spark =
        new GenericContainer<>(SPARK)
            .withFileSystemBind(
                StandaloneCluster.APP_JAR.toString(),
                "/opt/kldrift/kldrift.jar",
                BindMode.READ_ONLY)
            .withFileSystemBind(
                Path.of("sample-data").toAbsolutePath().toString(), "/data", BindMode.READ_ONLY)
            .withCommand(
                "/opt/spark/bin/spark-submit",
                "--master",
                "local[2]",
                "--class",
                "io.kldrift.job.DriftJob",
                "/opt/kldrift/kldrift.jar",
                "--teacher",
                "/data/teacher",
                "--student",
                "/data/student",
                "--config",
                "/data/kldrift.properties",
                "--out",
                "/tmp/kldrift-out",
                "--run-date",
                "2026-11-29")
            .withStartupCheckStrategy(
                new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(5)))) {
      spark.start();
      String logs = spark.getLogs();
      assertThat(logs).contains("matched 19,962").contains("status: OK");
    }
  }
}
