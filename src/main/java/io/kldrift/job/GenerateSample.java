package io.kldrift.job;

import io.kldrift.config.Choice;
import io.kldrift.config.Layout;
import io.kldrift.console.Verbosity;
import io.kldrift.sample.SampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Command line of the sample generator ({@code jobs/generate-sample}). */
@Command(
    name = "generate-sample",
    mixinStandardHelpOptions = true,
    versionProvider = DriftJob.Version.class,
    sortOptions = false,
    description = {
      "Writes teacher and student prediction tables with a known drift to <out>/teacher and <out>/student,",
      "plus <out>/kldrift.properties (and <out>/classes.txt for the example layout, <out>/tokenizer.json,",
      "a made-up vocabulary of the ids, for the sequence layout). Deterministic for a seed.",
      "--layout example: one row per example with a class-probability vector.",
      "--layout sequence: LLM-style logs, top-k log-probabilities per position of a token sequence",
      "  (--dense: the full log-probability vector over the vocabulary per position instead)."
    },
    exitCodeList = {"0:tables written", "1:internal failure", "2:bad command line"},
    footer = {"Reference: the README (sample data) and src/site/markdown/sequence-layout.md."})
public final class GenerateSample implements Callable<Integer>, Job {
  /** Options that only the example layout reads. */
  private static final List<String> EXAMPLE_ONLY =
      List.of("--rows", "--classes", "--logits", "--drift-classes");

  /** Options that only the sequence layout reads. */
  private static final List<String> SEQUENCE_ONLY =
      List.of(
          "--sequences",
          "--vocab",
          "--top-k",
          "--min-length",
          "--max-length",
          "--shape",
          "--sentinels",
          "--drift-tokens",
          "--dense");

  @CommandLine.Spec CommandSpec commandSpec;

  @Option(
      names = "--layout",
      description = "example or sequence (default: ${DEFAULT-VALUE}).",
      paramLabel = "LAYOUT")
  String layout = "example";

  @Option(names = "--rows", paramLabel = "N", description = "Examples (default: ${DEFAULT-VALUE}).")
  long rows = 20_000;

  @Option(
      names = "--classes",
      paramLabel = "N",
      description = "Classes per vector (default: ${DEFAULT-VALUE}).")
  int classes = 10;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 7;

  @Option(names = "--out", paramLabel = "PATH", required = true, description = "Output folder.")
  String out;

  @Option(
      names = "--logits",
      description = "Write logits (column 'logits') instead of probabilities (column 'probs').")
  boolean logits;

  @Option(
      names = "--drift-classes",
      paramLabel = "CLASS",
      split = ",",
      description = "Classes the student under-predicts on the mobile slice (default: 3,5).")
  List<Integer> driftClasses = new ArrayList<>(List.of(3, 5));

  @Option(
      names = "--drift",
      paramLabel = "X",
      description =
          "Logit shift of the drift classes (example) or drift tokens (sequence) (default:"
              + " ${DEFAULT-VALUE}).")
  double drift = 1.5;

  @Option(
      names = "--unmatched",
      paramLabel = "SHARE",
      description = "Share of keys present on one side only, per side (default: ${DEFAULT-VALUE}).")
  double unmatched = 0.001;

  @Option(
      names = "--files",
      paramLabel = "N",
      description = "Parquet files per table (default: 1; 4 for --shape tokens).")
  Integer files;

  @Option(
      names = "--sequences",
      paramLabel = "N",
      description = "Sequence layout: sequences (default: ${DEFAULT-VALUE}).")
  long sequences = 2_000;

  @Option(
      names = "--vocab",
      paramLabel = "N",
      description = "Sequence layout: vocabulary size (default: ${DEFAULT-VALUE}).")
  int vocab = SequenceSampleGenerator.Spec.VOCAB_DEFAULT;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      description = "Sequence layout: top-k entries per position (default: ${DEFAULT-VALUE}).")
  int topK = SequenceSampleGenerator.Spec.TOP_K_DEFAULT;

  @Option(
      names = "--min-length",
      paramLabel = "N",
      description = "Sequence layout: shortest sequence (default: ${DEFAULT-VALUE}).")
  int minLength = 16;

  @Option(
      names = "--max-length",
      paramLabel = "N",
      description = "Sequence layout: longest sequence (default: ${DEFAULT-VALUE}).")
  int maxLength = 512;

  @Option(
      names = "--shape",
      paramLabel = "SHAPE",
      description =
          "Sequence layout: arrays (nested per-position arrays), structs (vLLM/OpenAI-style"
              + " top_logprobs) or tokens (one row per token) (default: ${DEFAULT-VALUE}).")
  String shape = "arrays";

  @Option(
      names = "--sentinels",
      paramLabel = "SHARE",
      description =
          "Sequence layout: share of the lowest-ranked top-k entries written as (0, -9999.0)"
              + " (default: ${DEFAULT-VALUE}).")
  double sentinels = 0;

  @Option(
      names = "--drift-tokens",
      paramLabel = "TOKEN",
      split = ",",
      description = "Sequence layout: token ids whose logits the student lowers (default: 3,5,11).")
  List<Integer> driftTokens = new ArrayList<>(SequenceSampleGenerator.Spec.DRIFT_TOKENS_DEFAULT);

  @Option(
      names = "--dense",
      description =
          "Sequence layout: write per position the full log-probability vector over the"
              + " vocabulary (column log_probs, kind log_probs on both sides; no ids, no"
              + " at-teacher column) instead of top-k lists. Arrays shape only; a position takes"
              + " 4 bytes x vocab per side.")
  boolean dense;

  @CommandLine.Mixin CommonOptions common;

  /** Entry point. */
  public static void main(String[] args) {
    StandardError.install();
    System.exit(run(args));
  }

  /** Runs the generator and returns its exit code. */
  static int run(String... args) {
    return Cli.run(new GenerateSample(), Cli.EMBEDDED_ENVIRONMENT, args);
  }

  private SparkSession session() {
    SparkSession.Builder sb = DriftJob.builder("kldrift generate-sample", common.master);
    common.onlySparkSettings("generate-sample").forEach(sb::config);
    return sb.getOrCreate();
  }

  @Override
  public Verbosity verbosity() {
    return common.verbosity();
  }

  @Override
  public Integer call() throws Exception {
    Layout chosen = Choice.find(Layout.class, layout.toLowerCase(Locale.ROOT));
    if (chosen == null) {
      throw usage("unknown --layout '" + layout + "'; use example or sequence");
    }
    boolean sequence = chosen == Layout.SEQUENCE;
    for (String other : sequence ? EXAMPLE_ONLY : SEQUENCE_ONLY) {
      if (commandSpec.commandLine().getParseResult().hasMatchedOption(other)) {
        throw usage(
            other
                + " does not apply to --layout "
                + chosen.label()
                + "; drop it or use --layout "
                + (sequence ? Layout.EXAMPLE : Layout.SEQUENCE).label());
      }
    }
    return sequence ? sequences() : examples();
  }

  private int sequences() throws Exception {
    SequenceSampleGenerator.Spec spec;
    if (dense && commandSpec.commandLine().getParseResult().hasMatchedOption("--top-k")) {
      throw usage("--top-k does not apply to --dense (a dense vector lists the whole vocabulary)");
    }
    try {
      SequenceSampleGenerator.Shape parsed = SequenceSampleGenerator.Shape.parse(shape);
      int tables = files != null ? files : parsed == SequenceSampleGenerator.Shape.TOKENS ? 4 : 1;
      spec =
          new SequenceSampleGenerator.Spec(
              sequences,
              seed,
              vocab,
              topK,
              minLength,
              maxLength,
              unmatched,
              sentinels,
              driftTokens,
              drift,
              parsed,
              tables,
              dense);
    } catch (IllegalArgumentException ex) {
      throw usage(ex.getMessage());
    }
    SparkSession spark = session();
    try {
      SequenceSampleGenerator.generate(spark, spec, out);
      Cli.startupArchiveNotice();
      System.out.println(
          "wrote "
              + out
              + "/teacher, "
              + out
              + "/student and "
              + out
              + "/tokenizer.json ("
              + Numbers.count(sequences, "sequence")
              + " of "
              + minLength
              + "-"
              + maxLength
              + " tokens, "
              + (dense
                  ? "dense log-probabilities over " + Numbers.count(vocab)
                  : "top-" + topK + " of " + Numbers.count(vocab) + ", " + spec.shape().id())
              + ", seed "
              + seed
              + ")");
      return 0;
    } finally {
      spark.stop();
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(commandSpec.commandLine(), message);
  }

  private int examples() throws Exception {
    int tables = files != null ? files : 1;
    if (rows < 1 || classes < 1 || tables < 1 || unmatched < 0 || unmatched >= 0.5) {
      throw usage("rows, classes and files must be positive; unmatched in [0, 0.5)");
    }
    SparkSession spark = session();
    try {
      SampleGenerator.Spec spec =
          new SampleGenerator.Spec(
              rows, classes, seed, logits, driftClasses, drift, unmatched, tables);
      SampleGenerator.generate(spark, spec, out);
      Cli.startupArchiveNotice();
      System.out.println(
          "wrote "
              + out
              + "/teacher and "
              + out
              + "/student ("
              + Numbers.count(rows, "row")
              + " x "
              + Numbers.count(classes, "class", "classes")
              + ", seed "
              + seed
              + ")");
      return 0;
    } finally {
      spark.stop();
    }
  }
}
