package io.kldrift.ml;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.DriftException;
import io.kldrift.Fixtures;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on Spark MLlib's transform output as it comes: a teacher and a distilled student trained
 * with MLlib, their output written to Parquet unchanged (double labels, an int key beside a bigint
 * one, the {@code probability} vector), read with nothing configured but the key column; and tree
 * models' rawPrediction refused as logits.
 */
class SparkMlJobTest {
  private static final SparkSession spark = TestSpark.get();
  private static Dataset<Row> data;
  private static Model<?> teacher;

  @TempDir Path tmp;

  @BeforeAll
  static void train() {
    data = MlData.examples(1000, 21L).cache();
    teacher = MlData.teacher(data);
  }

  /** The job's exit code and standard error. */
  private record Run(int code, String err) {}

  private static Run job(String... args) {
    PrintStream before = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      return new Run(DriftJob.run(args), bytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(before);
    }
  }

  private String write(String name, Dataset<Row> output) {
    String path = tmp.resolve(name).toString();
    output.write().parquet(path);
    return path;
  }

  @Test
  void transformOutputAsItComesNeedsOnlyTheKeyColumn() throws Exception {
    Model<?> student = MlData.student().fit(MlData.withTeacher(teacher, data));
    String t = write("teacher", teacher.transform(data));
    String s = write("student", student.transform(data.withColumn("id", col("id").cast("bigint"))));
    String out = tmp.resolve("out").toString();

    Run run =
        job(
            "--teacher",
            t,
            "--student",
            s,
            "--out",
            out,
            "--run-date",
            "2026-12-07",
            "--conf",
            "input.key_columns=id");
    assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.OK);
    assertThat(run.err())
        .contains(
            "kldrift: warning: teacher and student tables have no column 'probs'; reading Spark"
                + " ML's 'probability' vector instead (input.column names another)");

    // independent: plain Java over the two probability vectors of each id
    Dataset<Row> joined =
        spark
            .read()
            .parquet(t)
            .select(col("id").cast("bigint").as("id"), col("probability").as("p"))
            .join(spark.read().parquet(s).select(col("id"), col("probability").as("q")), "id");
    List<double[][]> pairs = MlData.pairs(joined, "p", "q");
    double kl = 0;
    for (double[][] pq : pairs) {
      kl += MlData.kl(pq[0], pq[1]);
    }
    JsonNode summary = Fixtures.summary(out + "/run_date=2026-12-07");
    assertThat(summary.at("/inputs/matched").asLong()).isEqualTo(1000);
    assertThat(summary.at("/inputs/labels_outside_classes").asLong()).isZero();
    assertThat(summary.at("/global/kl/mean").asDouble())
        .isCloseTo(kl / pairs.size(), within(1e-12));
    assertThat(summary.get("config").get("input.teacher.column").asText()).isEqualTo("probability");

    // the perceptron's and the logistic regression's rawPrediction are logits: their softmax is
    // the probability vector, so read as logits they give the same mean KL (and are not refused)
    DriftConfig logits =
        DriftConfig.builder()
            .set("input.key_columns", "id")
            .set("input.column", "rawPrediction")
            .set("input.kind", "logits")
            .build();
    double fromLogits =
        KlDrift.analyze(
                spark,
                spark.read().parquet(t),
                spark.read().parquet(s),
                logits,
                LocalDate.of(2026, 12, 7))
            .summary()
            .global()
            .kl()
            .mean();
    assertThat(fromLogits).isCloseTo(kl / pairs.size(), within(1e-9));
  }

  @Test
  void aRandomForestsRawPredictionIsNoLogits() {
    Model<?> forest =
        new RandomForestClassifier().setNumTrees(5).setMaxDepth(3).setSeed(2L).fit(data);
    String t = write("forest", forest.transform(data));
    Run run =
        job(
            "--teacher",
            t,
            "--student",
            t,
            "--out",
            tmp.resolve("out").toString(),
            "--conf",
            "input.key_columns=id",
            "--conf",
            "input.column=rawPrediction",
            "--conf",
            "input.kind=logits");
    assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains(
            "kldrift: error: teacher table, column 'rawPrediction' is read as logits (kind logits),"
                + " but its first 20 rows are non-negative and each sums to 5")
        .contains(
            "only LogisticRegression, MultilayerPerceptronClassifier, NaiveBayes, GBTClassifier"
                + " and LinearSVC give logits")
        .contains("input.column=probability");
  }

  @Test
  void aDecisionTreesLeafCountsAreNoLogits() {
    Model<?> tree = new DecisionTreeClassifier().setMaxDepth(3).fit(data);
    Dataset<Row> out = tree.transform(data);
    DriftConfig config =
        DriftConfig.builder()
            .set("input.key_columns", "id")
            .set("input.column", "rawPrediction")
            .set("input.kind", "logits")
            .build();
    Throwable e = catchThrowable(() -> KlDrift.analyze(spark, out, out, config, LocalDate.now()));
    assertThat(e).isInstanceOf(DriftException.class);
    assertThat(((DriftException) e).kind()).isEqualTo(DriftException.Kind.INVALID_CONFIG);
    assertThat(e.getMessage()).contains("whole numbers: a decision tree's leaf counts");
  }
}
