package io.kldrift.job;

import io.kldrift.sample.SampleGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the sample generator ({@code jobs/generate-sample}). */
@Command(
    name = "generate-sample",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes teacher and student prediction tables with a known drift to <out>/teacher and <out>/student,",
      "plus <out>/classes.txt and <out>/kldrift.properties. Deterministic for a seed."
    })
public final class GenerateSample implements Callable<Integer> {
  @Option(names = "--rows", description = "Examples (default: ${DEFAULT-VALUE}).")
  long rows = 20_000;

  @Option(names = "--classes", description = "Classes per vector (default: ${DEFAULT-VALUE}).")
  int classes = 10;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 7;

  @Option(names = "--out", required = true, description = "Output folder.")
  String out;

  @Option(
      names = "--logits",
      description = "Write logits (column 'logits') instead of probabilities (column 'probs').")
  boolean logits;

  @Option(
      names = "--drift-classes",
      split = ",",
      description = "Classes the student under-predicts on the mobile slice (default: 3,5).")
  List<Integer> driftClasses = new ArrayList<>(List.of(3, 5));

  @Option(
      names = "--drift",
      description = "Logit shift of the drift classes (default: ${DEFAULT-VALUE}).")
  double drift = 1.5;

  @Option(
      names = "--unmatched",
      description = "Share of keys present on one side only, per side (default: ${DEFAULT-VALUE}).")
  double unmatched = 0.001;

  @Option(names = "--files", description = "Parquet files per table (default: ${DEFAULT-VALUE}).")
  int files = 1;

  @Option(names = "--master", description = "Spark master (default: local[*]).")
  String master = "local[*]";

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new GenerateSample()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (rows < 1 || classes < 1 || files < 1 || unmatched < 0 || unmatched >= 0.5) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "rows, classes and files must be positive; unmatched in [0, 0.5)");
    }
    SparkSession spark =
        SparkSession.builder().master(master).appName("kldrift generate-sample").getOrCreate();
    try {
      SampleGenerator.Spec spec =
          new SampleGenerator.Spec(
              rows, classes, seed, logits, driftClasses, drift, unmatched, files);
      SampleGenerator.generate(spark, spec, out);
      System.out.println(
          "wrote "
              + out
              + "/teacher and "
              + out
              + "/student ("
              + rows
              + " rows x "
              + classes
              + " classes, seed "
              + seed
              + ")");
      return 0;
    } finally {
      spark.stop();
    }
  }
}
