package io.kldrift.config;

import io.kldrift.kernel.Divergences.Kind;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The configuration of one drift run: every option kldrift understands, typed, defaulted and
 * validated in one place.
 *
 * <p>Precedence, lowest to highest: the defaults below, the configuration file ({@code --config}),
 * {@code --conf key=value} pairs, then the job's dedicated options ({@code --teacher}, {@code
 * --out}, ...). Unknown keys are rejected with the closest valid key suggested. Values are plain
 * data: no option names a class to load or code to run.
 *
 * <pre>{@code
 * DriftConfig config = DriftConfig.builder()
 *     .set(DriftConfig.TEACHER_PATH, "s3a://logs/teacher/dt=2026-11-28")
 *     .set(DriftConfig.STUDENT_PATH, "s3a://logs/student/dt=2026-11-28")
 *     .set(DriftConfig.SLICE_COLUMNS, "locale")
 *     .build();
 * }</pre>
 */
public final class DriftConfig {
  private static final Map<String, ConfigKey<?>> KEYS = new LinkedHashMap<>();

  // ---- input ----
  /**
   * Teacher predictions: a Parquet path (directory, glob), with input.format=table a table, with
   * input.format=delta a Delta table's path.
   */
  public static final ConfigKey<String> TEACHER_PATH =
      text(
          "input.teacher.path",
          "",
          "Teacher predictions: Parquet path or glob (or table name with input.format=table).");

  /** Student predictions, like {@link #TEACHER_PATH}. */
  public static final ConfigKey<String> STUDENT_PATH =
      text(
          "input.student.path",
          "",
          "Student predictions: Parquet path or glob (or table name with input.format=table).");

  /** How the input paths are read. */
  public static final ChoiceKey<InputFormat> INPUT_FORMAT =
      choice(
          "input.format",
          "parquet",
          InputFormat.class,
          "parquet, table or delta",
          "parquet: the paths are Parquet files/directories/globs; table: catalog table names;"
              + " delta: the paths are Delta tables.");

  /** Row layout of both tables. */
  public static final ChoiceKey<Layout> INPUT_LAYOUT =
      choice(
          "input.layout",
          "example",
          Layout.class,
          "example or sequence",
          "example: one row per example with one distribution vector; sequence: one row per sequence"
              + " (LLMs) with one distribution per position (array<array<...>>), or one row per token"
              + " with input.position_column.");

  /** Join key columns. */
  public static final ConfigKey<List<String>> KEY_COLUMNS =
      key(
          "input.key_columns",
          "example_id",
          DriftConfig::list,
          l -> !l.isEmpty(),
          "one or more comma-separated column names",
          "Join key column(s), comma-separated; a key that occurs twice in a table breaks rule duplicate_key.");

  /** Distribution column of both tables, unless a side names its own. */
  public static final ConfigKey<String> INPUT_COLUMN =
      column(
          "input.column",
          "probs",
          "Distribution column of both tables (array<float>, array<double> or ML Vector), unless"
              + " input.teacher.column or input.student.column names another; when the default probs"
              + " is absent, Spark ML's probability vector is used.");

  /** Teacher distribution column; empty: {@link #INPUT_COLUMN}. */
  public static final ConfigKey<String> TEACHER_COLUMN =
      text(
          "input.teacher.column",
          "",
          "Teacher distribution column: array<float>, array<double> or ML Vector; empty:"
              + " input.column.");

  /** Student distribution column; empty: {@link #INPUT_COLUMN}. */
  public static final ConfigKey<String> STUDENT_COLUMN =
      text(
          "input.student.column",
          "",
          "Student distribution column: array<float>, array<double> or ML Vector; empty:"
              + " input.column.");

  /** Meaning of both vectors, unless a side states its own. */
  public static final ConfigKey<Kind> INPUT_KIND =
      key(
          "input.kind",
          "probs",
          Kind::parse,
          k -> true,
          "probs, log_probs, logits or topk_log_probs",
          "Meaning of both vectors, unless input.teacher.kind or input.student.kind says otherwise:"
              + " probs, log_probs or logits; in the sequence layout also topk_log_probs (per"
              + " position, the log-probabilities of the top-k ids).");

  /** Meaning of the teacher vector; empty: {@link #INPUT_KIND}. */
  public static final ConfigKey<Kind> TEACHER_KIND =
      key(
          "input.teacher.kind",
          "",
          DriftConfig::sideKind,
          k -> true,
          "empty, or probs, log_probs, logits or topk_log_probs",
          "Meaning of the teacher vector, as for input.kind; empty: input.kind.");

  /** Meaning of the student vector; empty: {@link #INPUT_KIND}. */
  public static final ConfigKey<Kind> STUDENT_KIND =
      key(
          "input.student.kind",
          "",
          DriftConfig::sideKind,
          k -> true,
          "empty, or probs, log_probs, logits or topk_log_probs",
          "Meaning of the student vector, as for input.kind; empty: input.kind.");

  /** Teacher top-k token ids column (sequence layout, kind topk_log_probs). */
  public static final ConfigKey<String> TEACHER_IDS_COLUMN =
      text(
          "input.teacher.ids_column",
          "",
          "Sequence layout, kind topk_log_probs: the teacher's top-k token ids per position"
              + " (array<array<int|long>>); not needed when input.teacher.column holds"
              + " array<array<struct<id|token_id|token, logprob>>>.");

  /** Student top-k token ids column (sequence layout, kind topk_log_probs). */
  public static final ConfigKey<String> STUDENT_IDS_COLUMN =
      text(
          "input.student.ids_column",
          "",
          "Sequence layout, kind topk_log_probs: the student's top-k token ids per position"
              + " (array<array<int|long>>), as for the teacher.");

  /** The student's log-probabilities at the teacher's top-k ids. */
  public static final ConfigKey<String> AT_TEACHER_COLUMN =
      text(
          "input.student.at_teacher_column",
          "",
          "Sequence layout, optional: the student's log-probability of each of the teacher's top-k"
              + " ids, per position (array<array<float|double>>, in the teacher's order); gives the"
              + " tail-bucket bound of KL instead of the looser bound over the shared top-k ids.");

  /** Positions that count (sequence layout). */
  public static final ConfigKey<String> MASK_COLUMN =
      text(
          "input.mask_column",
          "",
          "Sequence layout, optional: in the teacher table, which positions count (array<boolean>,"
              + " true = counted; e.g. completion tokens, not the prompt or padding); empty: all.");

  /** The token sequence both models scored (sequence layout). */
  public static final ConfigKey<String> TOKEN_IDS_COLUMN =
      text(
          "input.token_ids_column",
          "",
          "Sequence layout, optional: the token sequence the models scored (array<int|long>); when"
              + " both tables have it, they must agree (rule token_mismatch).");

  /** The id of the token that actually came next, per position (sequence layout). */
  public static final ConfigKey<String> TARGET_IDS_COLUMN =
      text(
          "input.target_ids_column",
          "",
          "Sequence layout, optional: in the teacher table, per position the id of the token that"
              + " actually came next (array<int|long>), which both distributions are scored"
              + " against: perplexity, Δp and accuracy (global.target). Empty: no target figures.");

  /** The teacher's log-probability of the target, per position (sequence layout). */
  public static final ConfigKey<String> TEACHER_TARGET_LOGPROB_COLUMN =
      text(
          "input.teacher.target_logprob_column",
          "",
          "Sequence layout, optional: the teacher's log-probability of the target token per"
              + " position (array<float|double>); empty: taken from the teacher's list when the"
              + " target is in it, otherwise the position counts as target missing.");

  /** The student's log-probability of the target, per position (sequence layout). */
  public static final ConfigKey<String> STUDENT_TARGET_LOGPROB_COLUMN =
      text(
          "input.student.target_logprob_column",
          "",
          "Sequence layout, optional: the student's log-probability of the target token per"
              + " position (array<float|double>), as for the teacher; empty: from the student's"
              + " list or its log-probs at the teacher's ids.");

  /** A vocabulary that turns token ids into text (sequence layout). */
  public static final ConfigKey<String> VOCABULARY =
      text(
          "input.vocabulary",
          "",
          "Sequence layout, optional: a Hugging Face tokenizer.json (a path ending in .json) or a"
              + " text file with one token per line (line number = id, from 0), to show tokens as"
              + " text on the page, in per_token/ (column token) and on the console. Ids outside"
              + " it are shown as ids, with a warning. In a configuration file, a relative local"
              + " path is relative to that file; hdfs:, s3a:, file: and absolute paths are taken as"
              + " typed. Empty: token ids only.");

  /** One row per token: the position column (sequence layout). */
  public static final ConfigKey<String> POSITION_COLUMN =
      text(
          "input.position_column",
          "",
          "Sequence layout with one row per token: the position column (int); rows are grouped"
              + " into sequences by input.key_columns and ordered by it. Empty: one row per sequence.");

  /** Softmax temperature for logits. */
  public static final ConfigKey<Double> TEMPERATURE =
      key(
          "input.temperature",
          "1.0",
          Double::parseDouble,
          t -> t > 0 && !t.isInfinite(),
          "a positive number",
          "Temperature T, applied only to a side whose kind is logits (softmax(z/T)); probabilities and log-probabilities are used as they are, and T other than 1 without a logits side is a configuration error. With logits the report adds T^2*KL.");

  /** Label column, used when present. */
  public static final ConfigKey<String> LABEL_COLUMN =
      key(
          "input.label_column",
          "label",
          s -> s,
          s -> true,
          "a column name, or empty",
          "Label column of the teacher table (an integer class index, 0-based, in vector order, or a class name of input.class_names / input.class_names_file); used when present; empty to ignore.");

  /** Slice columns. */
  public static final ConfigKey<List<String>> SLICE_COLUMNS =
      key(
          "input.slice_columns",
          "",
          DriftConfig::list,
          l -> true,
          "comma-separated column names",
          "Slice columns, comma-separated; every aggregate is also computed per value of each.");

  /** Class names, inline. */
  public static final ConfigKey<List<String>> CLASS_NAMES =
      key(
          "input.class_names",
          "",
          DriftConfig::list,
          l -> true,
          "comma-separated names",
          "Class names in vector order, comma-separated (default: class_<index>).");

  /** Class names, from a file. */
  public static final ConfigKey<String> CLASS_NAMES_FILE =
      text(
          "input.class_names_file",
          "",
          "File with one class name per line, in vector order; relative to the config file.");

  // ---- metrics and validation ----
  /** Weight of the generalized Jensen-Shannon divergence. */
  public static final ConfigKey<Double> JSD_BETA =
      key(
          "metrics.jsd_beta",
          "0.5",
          Double::parseDouble,
          b -> b >= 0 && b <= 1,
          "a number in [0, 1]",
          "Sequence layout: beta of the generalized JSD(beta) = beta*KL(P||M) + (1-beta)*KL(Q||M),"
              + " M = beta*P + (1-beta)*Q (GKD); 0 gives KL(P||Q) and 1 KL(Q||P), as in TRL.");

  /** Epsilon for zero student probabilities. */
  public static final ConfigKey<Double> EPSILON =
      key(
          "metrics.epsilon",
          "1e-12",
          Double::parseDouble,
          e -> e > 0 && e < 1,
          "a number in (0, 1)",
          "Q(c) = 0 where P(c) > 0 is a support violation: counted, and Q(c) clipped to this value; global.support_violation_kl_share says how much of the mean KL those clipped cells carry.");

  /** Tolerance on probability sums. */
  public static final ConfigKey<Double> SUM_TOLERANCE =
      key(
          "validate.sum_tolerance",
          "1e-3",
          Double::parseDouble,
          t -> t >= 0 && t < 1,
          "a number in [0, 1)",
          "A probability (or exp(log-prob)) vector whose sum is further than this from 1 is invalid.");

  /** Policy for rows whose vector is null. */
  public static final ChoiceKey<RowPolicy> POLICY_NULL_VECTOR =
      policy("validate.null_vector", false, "Rows whose distribution vector is null");

  /** Policy for rows whose vector is empty. */
  public static final ChoiceKey<RowPolicy> POLICY_EMPTY_VECTOR =
      policy("validate.empty_vector", false, "Rows whose distribution vector is empty");

  /** Policy for rows whose vector length differs from the class count. */
  public static final ChoiceKey<RowPolicy> POLICY_WRONG_LENGTH =
      policy(
          "validate.wrong_length",
          false,
          "Rows whose vector length is not the class count (input.class_names, else the teacher's most common length)");

  /** Policy for rows with NaN or infinite values. */
  public static final ChoiceKey<RowPolicy> POLICY_NOT_FINITE =
      policy(
          "validate.not_finite",
          false,
          "Rows with NaN or infinite values (a log-probability may be -Infinity)");

  /** Policy for rows with a negative probability. */
  public static final ChoiceKey<RowPolicy> POLICY_NEGATIVE =
      policy(
          "validate.negative_probability", false, "Rows with a negative probability (kind probs)");

  /** Policy for rows whose probabilities do not sum to 1. */
  public static final ChoiceKey<RowPolicy> POLICY_NOT_NORMALIZED =
      policy(
          "validate.not_normalized",
          true,
          "Rows whose probabilities (or exp(log-probs)) sum further than validate.sum_tolerance from 1");

  /** Policy for rows with a null key column. */
  public static final ChoiceKey<RowPolicy> POLICY_NULL_KEY =
      policy(
          "validate.null_key", false, "Rows with a null key column (they could never be joined)");

  /** Policy for keys that occur more than once in one table. */
  public static final ChoiceKey<RowPolicy> POLICY_DUPLICATE_KEY =
      policy(
          "validate.duplicate_key",
          false,
          "Keys that occur more than once in one table (every copy)");

  /** Policy of rule misaligned (sequence layout). */
  public static final ChoiceKey<RowPolicy> POLICY_MISALIGNED =
      policy(
          "validate.misaligned",
          false,
          "Sequence layout: sequences whose per-position lists do not line up (ids and log-probs of"
              + " different lengths, a mask, token ids or student sequence of another length, a"
              + " repeated id or position)");

  /** Policy of rule token_mismatch (sequence layout). */
  public static final ChoiceKey<RowPolicy> POLICY_TOKEN_MISMATCH =
      policy(
          "validate.token_mismatch",
          false,
          "Sequence layout: sequences whose token ids differ between teacher and student (the"
              + " models scored different text)");

  /** Largest sum deviation that the renormalize policy repairs. */
  public static final ConfigKey<Double> RENORMALIZE_BOUND =
      key(
          "validate.renormalize_bound",
          "0.05",
          Double::parseDouble,
          t -> t > 0 && t < 1,
          "a number in (0, 1)",
          "With validate.not_normalized=renormalize: sums off 1 by more than the tolerance but at most this are divided by"
              + " their sum; further off fails the run.");

  /** Share of one table's rows that may be quarantined before the run fails anyway. */
  public static final ConfigKey<Double> MAX_QUARANTINED_SHARE =
      key(
          "validate.max_quarantined_share",
          "0.01",
          Double::parseDouble,
          t -> t >= 0 && t <= 1,
          "a number in [0, 1]",
          "The run fails when more than this share of the teacher's or the student's rows is quarantined.");

  // ---- report ----
  /** KLL sketch size of the global and per-slice quantiles. */
  public static final ConfigKey<Integer> SKETCH_K =
      integer(
          "report.sketch_k",
          "1024",
          8,
          65535,
          "KLL sketch size k of the global and per-slice quantiles (p50..p99): normalized rank error about"
              + " 0.29% at k = 1024 (1.3% at 200), memory about 3k doubles per sketch; per-class p95 use k = 200.");

  /** KL levels for the share-above figures. */
  public static final ConfigKey<List<Double>> KL_LEVELS =
      key(
          "report.kl_levels",
          "0.01,0.1,1.0",
          s -> doubles(s),
          l -> l.stream().allMatch(x -> x > 0),
          "comma-separated positive numbers",
          "Report the share of examples with KL above each of these levels.");

  /** Histogram lower edge. */
  public static final ConfigKey<Double> HISTOGRAM_MIN =
      positive(
          "report.histogram.min",
          "1e-6",
          "Lower edge of the log-spaced KL histogram; smaller values (and zero) fall in the first bin.");

  /** Histogram upper edge. */
  public static final ConfigKey<Double> HISTOGRAM_MAX =
      positive(
          "report.histogram.max",
          "100",
          "Upper edge of the log-spaced KL histogram; larger values fall in the last bin.");

  /** Histogram resolution. */
  public static final ConfigKey<Integer> HISTOGRAM_BINS_PER_DECADE =
      integer("report.histogram.bins_per_decade", "4", 1, 20, "Histogram bins per factor of ten.");

  /** Worst examples kept. */
  public static final ConfigKey<Integer> TOP_WORST =
      integer(
          "report.worst_examples",
          "50",
          0,
          100000,
          "How many highest-KL examples go to worst_examples/.");

  /** Confusion pairs kept. */
  public static final ConfigKey<Integer> TOP_CONFUSIONS =
      integer(
          "report.confusions",
          "50",
          0,
          100000,
          "How many most frequent teacher-top1 -> student-top1 disagreements go to confusion/.");

  /** Drifted classes printed and put in the summary. */
  public static final ConfigKey<Integer> TOP_CLASSES =
      integer(
          "report.top_classes",
          "5",
          0,
          10000,
          "How many classes with the largest KL contribution the summary lists.");

  /** Tokens listed in the summary's token table. */
  public static final ConfigKey<Integer> TOP_TOKENS =
      integer(
          "report.top_tokens",
          "20",
          0,
          10000,
          "Sequence layout: how many tokens (by the teacher's top-1 id) carrying the most KL mass"
              + " the summary lists; per_token/ has them all.");

  /** Whether to write per-sequence rows. */
  public static final ConfigKey<Boolean> WRITE_PER_SEQUENCE =
      flag(
          "report.per_sequence",
          "false",
          "Sequence layout: also write every joined sequence's figures to per_sequence/ (large).");

  /** Whether to write per-example rows. */
  public static final ConfigKey<Boolean> WRITE_PER_EXAMPLE =
      flag(
          "report.per_example",
          "false",
          "Also write every joined example's metrics to per_example/ (large; for notebooks).");

  /** Prometheus text-format metrics. */
  public static final ConfigKey<Boolean> PROMETHEUS =
      flag(
          "report.prometheus",
          "false",
          "Also write the headline metrics as metrics.prom (Prometheus text format) in the run folder.");

  /** Extra copy of the Prometheus metrics for a node-exporter textfile collector. */
  public static final ConfigKey<String> PROMETHEUS_FILE =
      text(
          "report.prometheus_file",
          "",
          "Also write the Prometheus metrics to this local file (atomically), e.g. a node-exporter textfile directory.");

  /** How the report's tables and the history are stored. */
  public static final ChoiceKey<ReportFormat> REPORT_FORMAT =
      choice(
          "report.format",
          "parquet",
          ReportFormat.class,
          "parquet or delta",
          "parquet: each run a folder <output.path>/run_date=YYYY-MM-DD/ published by renames;"
              + " delta: every table a Delta table <output.path>/<table>/ partitioned by run, committed"
              + " by a row in <output.path>/runs/, earlier runs readable by time travel (one root holds"
              + " one format).");

  /** Age after which a leftover staging folder is deleted. */
  public static final ConfigKey<Integer> STAGING_RETENTION_HOURS =
      key(
          "report.staging_retention_hours",
          "24",
          Integer::parseInt,
          x -> x >= 1,
          "an integer >= 1",
          "A run deletes staging folders under <output.path>/_staging/ older than this many hours (left by killed runs; at least 1, so a live run's are kept).");

  // ---- monitoring ----
  /** Where baselines come from. */
  public static final ChoiceKey<BaselineMode> BASELINE_MODE =
      choice(
          "baseline.mode",
          "previous",
          BaselineMode.class,
          "previous, pinned or mean",
          "Baseline for relative and significance checks and for what changed: the previous eligible run, a pinned run, or the mean of the last baseline.window eligible runs.");

  /** Pinned baseline by date. */
  public static final ConfigKey<String> BASELINE_PINNED_DATE =
      key(
          "baseline.pinned_run_date",
          "",
          s -> s,
          s -> s.isEmpty() || s.matches("\\d{4}-\\d{2}-\\d{2}"),
          "a date YYYY-MM-DD, or empty",
          "With baseline.mode=pinned: the run date to compare with.");

  /** Pinned baseline by label. */
  public static final ConfigKey<String> BASELINE_PINNED_LABEL =
      text(
          "baseline.pinned_label",
          "",
          "With baseline.mode=pinned: compare with the latest run whose run.label is this (instead of a date).");

  /** Runs in the mean baseline and the sigma band. */
  public static final ConfigKey<Integer> BASELINE_WINDOW =
      integer(
          "baseline.window",
          "7",
          1,
          1000,
          "Earlier eligible runs used by baseline.mode=mean and by sigma checks (runs left out by baseline.exclude or without matched examples do not count).");

  /** Statuses whose runs never form a baseline. */
  public static final ChoiceKey<BaselineExclude> BASELINE_EXCLUDE =
      register(
          new ChoiceKey<>(
              "baseline.exclude",
              "alert",
              s -> s.replace(" ", ""),
              BaselineExclude.class,
              EnumSet.allOf(BaselineExclude.class),
              "alert, alert,warn or none",
              "Runs with these statuses are left out of every later baseline (previous, mean, sigma band, significance, what changed), so a drift keeps alerting until a person accepts a run with jobs/accept; runs without matched examples are always left out."));

  // ---- run metadata ----
  /** Output root. */
  public static final ConfigKey<String> OUTPUT_PATH =
      text("output.path", "", "Report root; each run writes <output.path>/run_date=YYYY-MM-DD/.");

  /** Teacher model version tag. */
  public static final ConfigKey<String> TEACHER_MODEL =
      text("run.teacher_model", "", "Teacher model version, recorded in the report.");

  /** Student model version tag. */
  public static final ConfigKey<String> STUDENT_MODEL =
      text("run.student_model", "", "Student model version, recorded in the report.");

  /** Dataset tag. */
  public static final ConfigKey<String> DATASET =
      text(
          "run.dataset",
          "",
          "Dataset name, recorded in the report; history comparisons only use runs of the same dataset.");

  /** Free label of a run, for pinning. */
  public static final ConfigKey<String> LABEL =
      text(
          "run.label",
          "",
          "Free label of this run (e.g. golden), recorded in the history; baseline.pinned_label refers to it.");

  /** The settable fields of a check: {@code check.<name>.<field>}. */
  public static final List<String> CHECK_FIELDS =
      List.of(
          "metric",
          "type",
          "scope",
          "slice_column",
          "warn",
          "alert",
          "direction",
          "min_n",
          "alpha",
          "min_history",
          "enabled");

  /**
   * The checks every run has unless switched off ({@code check.<name>.enabled=false}) or changed
   * field by field: a night where many keys do not join, or far fewer examples than the baseline's
   * join, is not OK; nor is a mean KL that metrics.epsilon largely decides (the share of it from
   * cells where the student gives 0 and the teacher does not, clipped to epsilon). Their text is
   * documented in conf/kldrift.properties.
   */
  public static final Map<String, String> DEFAULT_CHECKS =
      Map.ofEntries(
          Map.entry("check.unmatched_share.metric", "unmatched_share"),
          Map.entry("check.unmatched_share.warn", "0.01"),
          Map.entry("check.unmatched_share.alert", "0.1"),
          Map.entry("check.unmatched_share.min_n", "0"),
          Map.entry("check.matched.metric", "matched"),
          Map.entry("check.matched.type", "relative"),
          Map.entry("check.matched.direction", "below"),
          Map.entry("check.matched.warn", "-0.5"),
          Map.entry("check.matched.alert", "-0.9"),
          Map.entry("check.matched.min_n", "1"),
          Map.entry("check.support_violation_kl_share.metric", "support_violation_kl_share"),
          Map.entry("check.support_violation_kl_share.warn", "0.01"),
          Map.entry("check.support_violation_kl_share.alert", "0.1"),
          Map.entry("check.support_violation_kl_share.min_n", "0"));

  private static final java.util.regex.Pattern CHECK_KEY =
      java.util.regex.Pattern.compile("check\\.([a-z0-9_]{1,64})\\.([a-z_]+)");

  private final Map<ConfigKey<?>, Object> values;
  private final Map<String, String> texts;
  private final Map<String, String> checks;

  private DriftConfig(
      Map<ConfigKey<?>, Object> values, Map<String, String> texts, Map<String, String> checks) {
    this.values = values;
    this.texts = texts;
    this.checks = checks;
  }

  /** The {@code check.<name>.<field>} settings, sorted by key; parsed by the monitoring checks. */
  public Map<String, String> checkSettings() {
    return Collections.unmodifiableMap(checks);
  }

  /** The value of {@code key}: as set, or its default. */
  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return (T) values.get(key);
  }

  /** The value of a key whose values are a closed set, as its enum constant. */
  public <E extends Enum<E> & Choice> E choice(ChoiceKey<E> key) {
    return key.of(get(key));
  }

  /** {@code input.layout}. */
  public Layout layout() {
    return choice(INPUT_LAYOUT);
  }

  /** {@code input.format}. */
  public InputFormat inputFormat() {
    return choice(INPUT_FORMAT);
  }

  /** {@code report.format}. */
  public ReportFormat reportFormat() {
    return choice(REPORT_FORMAT);
  }

  /** {@code baseline.mode}. */
  public BaselineMode baselineMode() {
    return choice(BASELINE_MODE);
  }

  /** {@code baseline.exclude}. */
  public BaselineExclude baselineExclude() {
    return choice(BASELINE_EXCLUDE);
  }

  /**
   * This configuration with one option replaced, parsed and validated as {@link Builder#set} would;
   * used where the input decides a setting (Spark ML's probability column in place of the default
   * distribution column), so that the report records what was used.
   */
  public DriftConfig with(ConfigKey<?> key, String text) {
    Map<ConfigKey<?>, Object> v = new LinkedHashMap<>(values);
    Map<String, String> t = new LinkedHashMap<>(texts);
    v.put(key, key.parse(text));
    t.put(key.key(), text);
    resolveSides(v, t);
    return new DriftConfig(v, t, checks);
  }

  /** Every key with its effective value as text, in declaration order (recorded in the report). */
  public Map<String, String> asText() {
    return Collections.unmodifiableMap(texts);
  }

  /** Every option kldrift understands, in declaration order. */
  public static List<ConfigKey<?>> keys() {
    return List.copyOf(KEYS.values());
  }

  /**
   * A local file as a user types it: a plain path (absolute or relative) or a {@code file:} URI
   * ({@code file:/x}, {@code file:///x}, {@code file://localhost/x}). Taken literally, as Hadoop
   * and Spark take input and output paths: {@code %20} stays three characters, so that one string
   * names the same file as --config and as --out.
   */
  public static Path localFile(String typed) {
    if (!typed.regionMatches(true, 0, "file:", 0, 5)) {
      return Path.of(typed);
    }
    String rest = typed.substring(5);
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      rest = slash < 0 ? "/" : rest.substring(slash);
    }
    return Path.of(rest);
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Collects settings in precedence order; later settings win. */
  public static final class Builder {
    private final Map<String, String> texts = new LinkedHashMap<>();
    private final Map<String, String> checks = new TreeMap<>();
    private Path baseDir = Path.of(".");
    private List<String> resolvedClassNames;

    /** The folder of the properties file that set input.vocabulary, null when set otherwise. */
    private Path vocabularyBase;

    private Builder() {
      KEYS.values().forEach(k -> texts.put(k.key(), k.defaultText()));
      checks.putAll(DEFAULT_CHECKS);
    }

    /** Sets one option from text, rejecting unknown keys with a suggestion. */
    public Builder set(String key, String value) {
      java.util.regex.Matcher m = CHECK_KEY.matcher(key);
      if (m.matches()) {
        if (!CHECK_FIELDS.contains(m.group(2))) {
          throw ConfigErrors.unknownCheckField(
              key, m.group(1), m.group(2), closestOf(m.group(2), CHECK_FIELDS), CHECK_FIELDS);
        }
        checks.put(key, value == null ? "" : value.trim());
        return this;
      }
      if (!KEYS.containsKey(key)) {
        throw ConfigErrors.unknownKey(key, closest(key));
      }
      if (key.equals(VOCABULARY.key())) {
        vocabularyBase = null;
      }
      texts.put(key, value == null ? "" : value);
      return this;
    }

    /**
     * Class names already resolved (e.g. read from a stored drift state), in place of
     * input.class_names and input.class_names_file.
     */
    public Builder classNames(List<String> names) {
      resolvedClassNames = List.copyOf(names);
      texts.put(CLASS_NAMES_FILE.key(), "");
      return this;
    }

    /** Sets one option. */
    public <T> Builder set(ConfigKey<T> key, String value) {
      return set(key.key(), value);
    }

    /** Reads a properties file; relative file options resolve against its folder. */
    public Builder file(Path file) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw ConfigErrors.unreadableFile(file, e.getMessage());
      }
      baseDir = file.toAbsolutePath().getParent();
      for (String k : new TreeMap<>(Map.copyOf(castMap(p))).keySet()) {
        set(k, p.getProperty(k));
      }
      if (p.containsKey(VOCABULARY.key())) {
        vocabularyBase = baseDir;
      }
      return this;
    }

    /** Parses and validates every option. */
    public DriftConfig build() {
      Map<ConfigKey<?>, Object> values = new LinkedHashMap<>();
      for (ConfigKey<?> k : KEYS.values()) {
        values.put(k, k.parse(texts.get(k.key())));
      }
      String namesFile = (String) values.get(CLASS_NAMES_FILE);
      if (!namesFile.isEmpty()) {
        if (!((List<?>) values.get(CLASS_NAMES)).isEmpty()) {
          throw ConfigErrors.twoClassNameSources();
        }
        Path f = baseDir.resolve(localFile(namesFile));
        try {
          List<String> names = new ArrayList<>();
          for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
              names.add(line.trim());
            }
          }
          values.put(CLASS_NAMES, List.copyOf(names));
        } catch (IOException e) {
          throw ConfigErrors.unreadableClassNames(f, e.getMessage());
        }
      }
      if (resolvedClassNames != null) {
        values.put(CLASS_NAMES, resolvedClassNames);
      }
      if (vocabularyBase != null) {
        String vocabulary = againstFolder((String) values.get(VOCABULARY), vocabularyBase);
        values.put(VOCABULARY, vocabulary);
        texts.put(VOCABULARY.key(), vocabulary);
      }
      Map<String, String> all = new LinkedHashMap<>(texts);
      all.putAll(checks);
      resolveSides(values, all);
      double t = (Double) values.get(TEMPERATURE);
      if (t != 1.0
          && values.get(TEACHER_KIND) != Kind.LOGITS
          && values.get(STUDENT_KIND) != Kind.LOGITS) {
        throw ConfigErrors.temperatureWithoutLogits(
            texts.get(TEMPERATURE.key()), all.get(TEACHER_KIND.key()), all.get(STUDENT_KIND.key()));
      }
      return new DriftConfig(values, all, new TreeMap<>(checks));
    }
  }

  /** A URI scheme such as {@code hdfs:}, {@code s3a:} or {@code file:} (two letters at least). */
  private static final java.util.regex.Pattern SCHEME =
      java.util.regex.Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:");

  /**
   * A path typed in a properties file in {@code folder}: a relative local path becomes the {@code
   * file:} path of that name in the folder (the file is local, wherever the default file system
   * points); empty, absolute and scheme paths stay as typed.
   */
  static String againstFolder(String typed, Path folder) {
    if (typed.isEmpty() || SCHEME.matcher(typed).find() || Path.of(typed).isAbsolute()) {
      return typed;
    }
    return "file:" + folder.resolve(typed).normalize();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Map<String, String> castMap(Properties p) {
    return (Map) p;
  }

  static String closest(String key) {
    return closestOf(key, KEYS.keySet());
  }

  static String closestOf(String key, java.util.Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : candidates) {
      int d = editDistance(key, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best;
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static <T> ConfigKey<T> key(
      String key,
      String def,
      Function<String, T> parser,
      Predicate<T> valid,
      String rule,
      String doc) {
    return register(new ConfigKey<>(key, def, parser, valid, rule, doc));
  }

  private static <K extends ConfigKey<?>> K register(K k) {
    KEYS.put(k.key(), k);
    return k;
  }

  private static <E extends Enum<E> & Choice> ChoiceKey<E> choice(
      String key, String def, Class<E> type, String rule, String doc) {
    return register(new ChoiceKey<>(key, def, s -> s, type, EnumSet.allOf(type), rule, doc));
  }

  /** An integer in {@code lo..hi}. */
  private static ConfigKey<Integer> integer(String key, String def, int lo, int hi, String doc) {
    return key(
        key,
        def,
        Integer::parseInt,
        x -> x >= lo && x <= hi,
        "an integer in " + lo + ".." + hi,
        doc);
  }

  /** true or false. */
  private static ConfigKey<Boolean> flag(String key, String def, String doc) {
    return key(key, def, DriftConfig::bool, b -> true, "true or false", doc);
  }

  /** A number above zero. */
  private static ConfigKey<Double> positive(String key, String def, String doc) {
    return key(key, def, Double::parseDouble, x -> x > 0, "a positive number", doc);
  }

  private static ConfigKey<String> text(String key, String def, String doc) {
    return key(key, def, s -> s, s -> true, "any text", doc);
  }

  private static ChoiceKey<RowPolicy> policy(String key, boolean renormalize, String what) {
    Set<RowPolicy> allowed =
        renormalize
            ? EnumSet.allOf(RowPolicy.class)
            : EnumSet.of(RowPolicy.FAIL, RowPolicy.QUARANTINE);
    String rule = String.join(", ", allowed.stream().map(RowPolicy::label).toList());
    return register(
        new ChoiceKey<>(
            key,
            "fail",
            s -> s,
            RowPolicy.class,
            allowed,
            rule,
            what
                + ": "
                + rule
                + " (quarantine: set aside in quarantine/ and counted"
                + (renormalize
                    ? "; renormalize: divided by their sum, within validate.renormalize_bound"
                    : "")
                + ")."));
  }

  /**
   * Gives each side the shared input.column and input.kind unless the side's own key is non-empty,
   * and records the effective per-side values as their text: a side is "explicitly set" when its
   * key has a value, so a configuration file listing every key with its default (an empty side)
   * does not hide input.column.
   */
  private static void resolveSides(Map<ConfigKey<?>, Object> values, Map<String, String> texts) {
    for (ConfigKey<String> side : List.of(TEACHER_COLUMN, STUDENT_COLUMN)) {
      if (((String) values.get(side)).isEmpty()) {
        values.put(side, values.get(INPUT_COLUMN));
      }
      texts.put(side.key(), (String) values.get(side));
    }
    for (ConfigKey<Kind> side : List.of(TEACHER_KIND, STUDENT_KIND)) {
      if (values.get(side) == null) {
        values.put(side, values.get(INPUT_KIND));
      }
      texts.put(side.key(), ((Kind) values.get(side)).label());
    }
  }

  private static Kind sideKind(String s) {
    return s.isEmpty() ? null : Kind.parse(s);
  }

  private static ConfigKey<String> column(String key, String def, String doc) {
    return key(key, def, s -> s, s -> !s.isEmpty(), "a column name", doc);
  }

  private static List<String> list(String s) {
    if (s.isBlank()) {
      return List.of();
    }
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  private static List<Double> doubles(String s) {
    return list(s).stream().map(Double::parseDouble).toList();
  }

  private static Boolean bool(String s) {
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException("not a boolean");
  }
}
