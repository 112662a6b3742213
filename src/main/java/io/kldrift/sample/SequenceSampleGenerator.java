package io.kldrift.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.StreamSupport;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Generates LLM-style teacher and student logs (top-k log-probabilities per position of a shared
 * token sequence) with a known drift, deterministically for a seed.
 *
 * <p>At each position the teacher's distribution over the vocabulary is a mixture of a softmax over
 * about 48 candidate ids (drawn from a Zipf law) and a Zipf background; the student keeps the
 * candidates and the background and perturbs the logits: a little everywhere, more on the segment
 * {@code code}, and it lowers the logits of the drift tokens by {@code drift}. The top-k of each
 * side is therefore exact and cheap, and the full distributions are known: {@link
 * #teacherDistribution}, {@link #studentDistribution} and {@link #exactKl} give them to tests.
 *
 * <p>The three {@link Shape}s hold the same values. The first 10–40% of each sequence is a prompt
 * ({@code completion_mask} false); a few keys exist on one side only; {@code sentinelShare} of the
 * lowest-ranked top-k entries become (token 0, −9999.0), as Tinker and OpenAI write missing ones.
 * With {@link Spec#dense} each side writes instead its whole log-probability vector over the
 * vocabulary at every position ({@code log_probs}), the input of the exact metrics; the sequences,
 * masks, tokens and segments are the same as in the top-k tables of the same seed.
 */
public final class SequenceSampleGenerator {

  /** How the logs are laid out; all three hold the same data. */
  public enum Shape {
    /** One row per sequence, per-position arrays {@code topk_ids} and {@code topk_logprobs}. */
    ARRAYS,
    /** One row per sequence, vLLM/OpenAI-style {@code top_logprobs} structs per position. */
    STRUCTS,
    /** One row per token, rows of a sequence spread over several files in no order. */
    TOKENS;

    /** The lower-case name used on the command line and in the documentation. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The shape named {@code id} (case-insensitive). */
    public static Shape parse(String id) {
      for (Shape s : values()) {
        if (s.id().equalsIgnoreCase(id)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "unknown shape '" + id + "'; use one of arrays, structs, tokens");
    }
  }

  /**
   * What to generate.
   *
   * @param sequences sequences (keys {@code 0..sequences-1})
   * @param seed random seed; every value derives from (seed, sequence, position)
   * @param vocab vocabulary size V
   * @param topK entries per position and side
   * @param minLength shortest sequence (at least 2)
   * @param maxLength longest sequence
   * @param unmatchedShare share of keys on the teacher side only, and the same share on the student
   *     side only
   * @param sentinelShare expected share of top-k entries replaced by sentinels, in [0, 1]
   * @param driftTokens token ids whose logits the student lowers
   * @param drift how many logits the student lowers them by
   * @param shape the layout of the tables
   * @param files Parquet files per table
   * @param dense whether each side writes its full log-probability vector over the vocabulary per
   *     position ({@code log_probs}, kind {@code log_probs}) instead of its top-k lists; arrays
   *     shape only, no sentinels
   */
  public record Spec(
      long sequences,
      long seed,
      int vocab,
      int topK,
      int minLength,
      int maxLength,
      double unmatchedShare,
      double sentinelShare,
      List<Integer> driftTokens,
      double drift,
      Shape shape,
      int files,
      boolean dense)
      implements Serializable {

    /** Vocabulary size by default (a Llama-2-sized vocabulary). */
    public static final int VOCAB_DEFAULT = 32_000;

    /** Top-k entries per position by default (vLLM's and OpenAI's maximum). */
    public static final int TOP_K_DEFAULT = 20;

    /** Token ids the student under-predicts by default (Zipf ranks 3, 5 and 11: frequent). */
    public static final List<Integer> DRIFT_TOKENS_DEFAULT = List.of(3, 5, 11);

    /** Checks the values; the messages name the option to change. */
    public Spec {
      driftTokens = List.copyOf(driftTokens);
      require(sequences >= 1, "sequences must be at least 1, got " + sequences);
      require(vocab >= 64, "vocab must be at least 64, got " + vocab);
      require(
          topK >= 1 && topK <= vocab / 2,
          "top-k must be in [1, vocab/2 = " + vocab / 2 + "], got " + topK);
      require(
          minLength >= 2 && minLength <= maxLength,
          "lengths need 2 <= min-length <= max-length, got " + minLength + " and " + maxLength);
      require(
          unmatchedShare >= 0 && unmatchedShare < 0.5,
          "unmatched must be in [0, 0.5), got " + unmatchedShare);
      require(
          sentinelShare >= 0 && sentinelShare <= 1,
          "sentinels must be in [0, 1], got " + sentinelShare);
      require(Double.isFinite(drift), "drift must be finite, got " + drift);
      for (int id : driftTokens) {
        require(
            id >= 0 && id < vocab, "drift token " + id + " is outside the vocabulary [0, " + vocab);
      }
      require(shape != null, "shape is required");
      require(files >= 1, "files must be at least 1, got " + files);
      require(
          !dense || shape == Shape.ARRAYS,
          "dense vectors are written in the arrays shape only, not " + shape.id());
      require(
          !dense || sentinelShare == 0,
          "dense vectors have no sentinels (a full vector reports every id); drop the sentinels");
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }

  private SequenceSampleGenerator() {}

  /**
   * Writes {@code out/teacher}, {@code out/student}, {@code out/kldrift.properties} and the ids'
   * made-up vocabulary {@code out/tokenizer.json}.
   */
  public static void generate(SparkSession spark, Spec spec, String out) throws IOException {
    for (int side = 0; side < 2; side++) {
      boolean student = side == 1;
      String name = student ? "student" : "teacher";
      StructType schema = spec.dense() ? denseSchema(student) : schema(spec.shape(), student);
      MapPartitionsFunction<Long, Row> rows =
          ids -> {
            SequenceModel model = new SequenceModel(spec);
            Spliterator<Long> split = Spliterators.spliteratorUnknownSize(ids, 0);
            return StreamSupport.stream(split, false)
                .flatMap(id -> rows(model, spec, student, id).stream())
                .iterator();
          };
      List<Column> keys = new ArrayList<>(List.of(col("sequence_id")));
      if (spec.shape() == Shape.TOKENS) {
        keys.add(col("position"));
      }
      keys.add(lit(spec.seed() + side));
      // A hash of the key spreads the rows (of one sequence too, for tokens) over the files in an
      // order that depends on the seed only, not on the partitioning of the run.
      Column order = xxhash64(keys.toArray(new Column[0]));
      spark
          .sparkContext()
          .setJobDescription(
              "kldrift: generate " + name + " (sequence, " + spec.shape().id() + ")");
      Dataset<Row> table =
          spark
              .range(0, spec.sequences())
              .as(Encoders.LONG())
              .mapPartitions(rows, Encoders.row(schema));
      table
          .repartition(spec.files(), order)
          .sortWithinPartitions(order)
          .write()
          .mode("overwrite")
          .option("compression", "zstd")
          .parquet(out + "/" + name);
    }
    Files.writeString(
        Path.of(out).resolve("kldrift.properties"),
        spec.dense() ? denseProperties() : properties(spec.shape()),
        StandardCharsets.UTF_8);
    SampleVocabulary.write(Path.of(out), spec.vocab());
  }

  /**
   * The teacher's full distribution over the vocabulary ({@code double[spec.vocab()]}, summing to
   * 1) at a position of a sequence, for tests that need the exact values behind the written top-k.
   * Defined for every position; the tables hold positions {@code 0..length-1}.
   */
  public static double[] teacherDistribution(Spec spec, long sequence, int position) {
    SequenceModel model = new SequenceModel(spec);
    return model.distribution(model.position(model.sequence(sequence), position), false);
  }

  /** The student's full distribution at a position, as {@link #teacherDistribution}. */
  public static double[] studentDistribution(Spec spec, long sequence, int position) {
    SequenceModel model = new SequenceModel(spec);
    return model.distribution(model.position(model.sequence(sequence), position), true);
  }

  /**
   * The exact KL(teacher ‖ student) in nats at a position, over the whole vocabulary (computed in
   * O(|candidates|): outside the candidates both sides are the same background).
   */
  public static double exactKl(Spec spec, long sequence, int position) {
    SequenceModel model = new SequenceModel(spec);
    return model.kl(model.position(model.sequence(sequence), position));
  }

  /**
   * The exact KL(teacher ‖ student) in nats at positions {@code 0..positions-1} of a sequence, as
   * {@link #exactKl(Spec, long, int)} with one model for all of them.
   */
  public static double[] exactKlByPosition(Spec spec, long sequence, int positions) {
    SequenceModel model = new SequenceModel(spec);
    SequenceModel.Sequence seq = model.sequence(sequence);
    double[] out = new double[positions];
    for (int t = 0; t < positions; t++) {
      out[t] = model.kl(model.position(seq, t));
    }
    return out;
  }

  /**
   * The checks of the generated configuration: token- and sequence-weighted mean KL (both lower
   * bounds here), per slice, and top-1 agreement.
   */
  static final List<String> CHECKS =
      List.of(
          "run.dataset=generated-llm-sample",
          "check.mean_kl.metric=kl.mean",
          "check.mean_kl.warn=0.1",
          "check.mean_kl.alert=0.3",
          "check.sequence_kl.metric=sequence_kl.mean",
          "check.sequence_kl.warn=0.1",
          "check.sequence_kl.alert=0.3",
          "check.slice_kl.metric=kl.mean",
          "check.slice_kl.scope=slice",
          "check.slice_kl.warn=0.1",
          "check.slice_kl.alert=0.3",
          "check.agreement.metric=agreement.mean",
          "check.agreement.direction=below",
          "check.agreement.warn=0.75",
          "check.agreement.alert=0.6");

  /** The {@code kldrift.properties} that reads tables of {@code shape}. */
  static String properties(Shape shape) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "# kldrift configuration for the LLM-style sequence logs generated here ("
            + shape.id()
            + " shape); see conf/kldrift.properties for every key.");
    lines.add("input.layout=sequence");
    lines.add("input.key_columns=sequence_id");
    if (shape == Shape.TOKENS) {
      lines.add("input.position_column=position");
    }
    String column = shape == Shape.STRUCTS ? "top_logprobs" : "topk_logprobs";
    for (String side : List.of("teacher", "student")) {
      lines.add("input." + side + ".column=" + column);
      if (shape != Shape.STRUCTS) {
        lines.add("input." + side + ".ids_column=topk_ids");
      }
      lines.add("input." + side + ".kind=topk_log_probs");
    }
    lines.add("input.student.at_teacher_column=logprobs_at_teacher");
    lines.add("input.mask_column=completion_mask");
    lines.add("input.token_ids_column=" + (shape == Shape.TOKENS ? "token_id" : "token_ids"));
    lines.add("input.target_ids_column=" + (shape == Shape.TOKENS ? "target_id" : "target_ids"));
    lines.add("input.teacher.target_logprob_column=" + TARGET_LOGPROB);
    lines.add("input.student.target_logprob_column=" + TARGET_LOGPROB);
    lines.add("input.slice_columns=segment");
    lines.add("input.label_column=");
    lines.add(VOCABULARY);
    lines.addAll(CHECKS);
    return String.join("\n", lines) + "\n";
  }

  /** The {@code kldrift.properties} that reads dense tables (exact metrics over the vocabulary). */
  static String denseProperties() {
    List<String> lines = new ArrayList<>();
    lines.add(
        "# kldrift configuration for the LLM-style sequence logs generated here (dense: the full"
            + " log-probability vector per position); see conf/kldrift.properties for every key.");
    lines.add("input.layout=sequence");
    lines.add("input.key_columns=sequence_id");
    for (String side : List.of("teacher", "student")) {
      lines.add("input." + side + ".column=" + DENSE_COLUMN);
      lines.add("input." + side + ".kind=log_probs");
    }
    lines.add("input.mask_column=completion_mask");
    lines.add("input.token_ids_column=token_ids");
    lines.add("input.target_ids_column=target_ids");
    lines.add("input.slice_columns=segment");
    lines.add("input.label_column=");
    lines.add(VOCABULARY);
    lines.addAll(CHECKS);
    return String.join("\n", lines) + "\n";
  }

  /** The vocabulary written beside the tables, relative to the properties' folder. */
  static final String VOCABULARY = "input.vocabulary=" + SampleVocabulary.FILE;

  /** Each side's exact log-probability of the target token, per position (top-k shapes). */
  static final String TARGET_LOGPROB = "target_logprob";

  /** The column of the dense vectors, on both sides. */
  static final String DENSE_COLUMN = "log_probs";

  /** The schema of one side's dense table: the arrays shape with one vector per position. */
  static StructType denseSchema(boolean student) {
    DataType vectors =
        DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false);
    StructType schema = sequenceColumns(student).add(DENSE_COLUMN, vectors, false);
    return student
        ? schema
        : schema.add("target_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
  }

  /**
   * The leading columns of a table with one row per sequence: the key, on the teacher side the
   * segment, the token ids, and on the teacher side the completion mask.
   */
  private static StructType sequenceColumns(boolean student) {
    StructType schema = new StructType().add("sequence_id", DataTypes.LongType, false);
    if (!student) {
      schema = schema.add("segment", DataTypes.StringType, false);
    }
    schema =
        schema.add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    if (!student) {
      schema =
          schema.add(
              "completion_mask", DataTypes.createArrayType(DataTypes.BooleanType, false), false);
    }
    return schema;
  }

  /** The schema of one side's table in a shape. */
  static StructType schema(Shape shape, boolean student) {
    DataType ints = DataTypes.createArrayType(DataTypes.IntegerType, false);
    DataType floats = DataTypes.createArrayType(DataTypes.FloatType, false);
    if (shape == Shape.TOKENS) {
      StructType schema =
          new StructType()
              .add("sequence_id", DataTypes.LongType, false)
              .add("position", DataTypes.IntegerType, false);
      if (!student) {
        schema = schema.add("segment", DataTypes.StringType, false);
      }
      schema = schema.add("token_id", DataTypes.IntegerType, false);
      if (!student) {
        schema = schema.add("completion_mask", DataTypes.BooleanType, false);
      }
      schema = schema.add("topk_ids", ints, false).add("topk_logprobs", floats, false);
      return student
          ? schema
              .add("logprobs_at_teacher", floats, false)
              .add(TARGET_LOGPROB, DataTypes.DoubleType, false)
          : schema
              .add("target_id", DataTypes.IntegerType, false)
              .add(TARGET_LOGPROB, DataTypes.DoubleType, false);
    }
    StructType schema = sequenceColumns(student);
    if (shape == Shape.STRUCTS) {
      StructType entry =
          new StructType()
              .add("token", DataTypes.StringType, false)
              .add("logprob", DataTypes.FloatType, false);
      ArrayType perPosition = DataTypes.createArrayType(entry, false);
      schema = schema.add("top_logprobs", DataTypes.createArrayType(perPosition, false), false);
    } else {
      schema =
          schema
              .add("topk_ids", DataTypes.createArrayType(ints, false), false)
              .add("topk_logprobs", DataTypes.createArrayType(floats, false), false);
    }
    DataType doubles = DataTypes.createArrayType(DataTypes.DoubleType, false);
    return student
        ? schema
            .add("logprobs_at_teacher", DataTypes.createArrayType(floats, false), false)
            .add(TARGET_LOGPROB, doubles, false)
        : schema.add("target_ids", ints, false).add(TARGET_LOGPROB, doubles, false);
  }

  /** The rows of one sequence on one side: none, one, or one per token. */
  static List<Row> rows(SequenceModel model, Spec spec, boolean student, long id) {
    SequenceModel.Sequence seq = model.sequence(id);
    if (student ? !seq.onStudent() : !seq.onTeacher()) {
      return List.of();
    }
    int length = seq.length();
    if (spec.dense()) {
      return List.of(denseRow(model, seq, student));
    }
    int k = spec.topK();
    int[] tokens = new int[length];
    boolean[] mask = new boolean[length];
    int[][] topIds = new int[length][];
    float[][] topLogProbs = new float[length][];
    float[][] atTeacher = student ? new float[length][] : null;
    // The target is the token the teacher sampled at the position; each side's exact log-prob.
    double[] targetLp = new double[length];
    for (int t = 0; t < length; t++) {
      SequenceModel.Position p = model.position(seq, t);
      tokens[t] = p.token;
      targetLp[t] = model.logProb(p, student, p.token);
      mask[t] = t >= seq.prompt();
      SequenceModel.TopK teacher = model.topK(p, false);
      int teacherSentinels = model.sentinels(seq, t, false);
      if (student) {
        float[] at = new float[k];
        for (int i = 0; i < k; i++) {
          at[i] =
              i >= k - teacherSentinels
                  ? SequenceModel.SENTINEL_LOGPROB
                  : (float) model.logProb(p, true, teacher.ids[i]);
        }
        atTeacher[t] = at;
        SequenceModel.TopK own = model.topK(p, true);
        int ownSentinels = model.sentinels(seq, t, true);
        topIds[t] = ids(own, ownSentinels);
        topLogProbs[t] = logProbs(own, ownSentinels);
      } else {
        topIds[t] = ids(teacher, teacherSentinels);
        topLogProbs[t] = logProbs(teacher, teacherSentinels);
      }
    }
    if (spec.shape() == Shape.TOKENS) {
      List<Row> out = new ArrayList<>(length);
      for (int t = 0; t < length; t++) {
        out.add(
            student
                ? RowFactory.create(
                    id, t, tokens[t], topIds[t], topLogProbs[t], atTeacher[t], targetLp[t])
                : RowFactory.create(
                    id,
                    t,
                    seq.segment(),
                    tokens[t],
                    mask[t],
                    topIds[t],
                    topLogProbs[t],
                    tokens[t],
                    targetLp[t]));
      }
      return out;
    }
    Object top = spec.shape() == Shape.STRUCTS ? structs(topIds, topLogProbs) : null;
    Row row;
    if (student) {
      row =
          top == null
              ? RowFactory.create(id, tokens, topIds, topLogProbs, atTeacher, targetLp)
              : RowFactory.create(id, tokens, top, atTeacher, targetLp);
    } else {
      row =
          top == null
              ? RowFactory.create(
                  id, seq.segment(), tokens, mask, topIds, topLogProbs, tokens.clone(), targetLp)
              : RowFactory.create(id, seq.segment(), tokens, mask, top, tokens.clone(), targetLp);
    }
    return List.of(row);
  }

  /** One sequence's dense row: per position the side's log-probability of every vocabulary id. */
  private static Row denseRow(SequenceModel model, SequenceModel.Sequence seq, boolean student) {
    int length = seq.length();
    int[] tokens = new int[length];
    boolean[] mask = new boolean[length];
    float[][] vectors = new float[length][];
    for (int t = 0; t < length; t++) {
      SequenceModel.Position p = model.position(seq, t);
      tokens[t] = p.token;
      mask[t] = t >= seq.prompt();
      vectors[t] = model.logDistribution(p, student);
    }
    return student
        ? RowFactory.create(seq.id(), tokens, vectors)
        : RowFactory.create(seq.id(), seq.segment(), tokens, mask, vectors, tokens.clone());
  }

  private static Row[][] structs(int[][] ids, float[][] logProbs) {
    Row[][] out = new Row[ids.length][];
    for (int t = 0; t < ids.length; t++) {
      out[t] = new Row[ids[t].length];
      for (int i = 0; i < ids[t].length; i++) {
        out[t][i] = RowFactory.create("token_id:" + ids[t][i], logProbs[t][i]);
      }
    }
    return out;
  }

  private static int[] ids(SequenceModel.TopK top, int sentinels) {
    int[] ids = top.ids.clone();
    for (int i = ids.length - sentinels; i < ids.length; i++) {
      ids[i] = SequenceModel.SENTINEL_ID;
    }
    return ids;
  }

  private static float[] logProbs(SequenceModel.TopK top, int sentinels) {
    double[] lp = top.logProbs;
    float[] out = new float[lp.length];
    for (int i = 0; i < lp.length; i++) {
      out[i] = i >= lp.length - sentinels ? SequenceModel.SENTINEL_LOGPROB : (float) lp[i];
    }
    return out;
  }
}
