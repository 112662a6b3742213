package io.kldrift.summary;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The finished drift summary of one run or one rollup period: what {@code summary.json} holds, as a
 * tree of records that everything downstream (the JSON file, report.html, metrics.prom, the
 * history, the checks and the API) reads. Names serialize in snake case ({@link SummaryJson}); the
 * stable names of DESIGN §4 are record components here, so renaming one is a compile error in every
 * reader.
 *
 * @param schemaVersion version of the summary.json layout
 * @param status OK, WARN or ALERT
 * @param run when, on what and with which versions the report was computed
 * @param period the days merged, for a rollup; null for a run
 * @param config the configuration used, as text
 * @param inputs row counts, row rules and support violations
 * @param global the aggregates over every matched example
 * @param perSlice KL, JS and agreement per (slice column, value)
 * @param topDriftedClasses the classes with the largest KL contribution, largest first
 * @param topConfusions the most frequent teacher-top-1 to student-top-1 disagreements
 * @param checks the outcome of every configured check, worst first
 * @param tables the report tables written next to summary.json
 * @param sequences the sequence layout's own figures (null for the example layout)
 * @param change this run against its baseline, with the change of the mean KL attributed to classes
 *     and slices (null without a baseline run, or in the sequence layout)
 * @param statusSince the run date of the first run of the unbroken sequence of runs (of this
 *     dataset, by date) with this status that ends with this run; null for a rollup
 * @param statusRuns how many runs that sequence has, this one included
 * @param lastOk the latest run, this one included, whose status was OK (null for none)
 * @param baseline which earlier runs formed the baseline, and which were left out and why (null for
 *     a rollup or a report written without a root)
 */
public record Summary(
    int schemaVersion,
    String status,
    RunInfo run,
    @JsonInclude(JsonInclude.Include.NON_NULL) Period period,
    Map<String, String> config,
    Inputs inputs,
    Global global,
    List<SliceSummary> perSlice,
    List<ClassShare> topDriftedClasses,
    List<Confusion> topConfusions,
    List<CheckResult> checks,
    List<String> tables,
    @JsonInclude(JsonInclude.Include.NON_NULL) Sequences sequences,
    @JsonInclude(JsonInclude.Include.NON_NULL) Change change,
    @JsonInclude(JsonInclude.Include.NON_NULL) String statusSince,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer statusRuns,
    @JsonInclude(JsonInclude.Include.NON_NULL) LastOk lastOk,
    @JsonInclude(JsonInclude.Include.NON_NULL) BaselineInfo baseline) {

  /** Version of the summary.json layout; bumped whenever a stable name changes. */
  public static final int SCHEMA_VERSION = 1;

  /**
   * This summary compared with its history: the check outcomes, the status they give, and the
   * change against the baseline (null for none).
   */
  public Summary withComparison(List<CheckResult> results, String newStatus, Change newChange) {
    return new Summary(
        schemaVersion,
        newStatus,
        run,
        period,
        config,
        inputs,
        global,
        perSlice,
        topDriftedClasses,
        topConfusions,
        List.copyOf(results),
        tables,
        sequences,
        newChange,
        statusSince,
        statusRuns,
        lastOk,
        baseline);
  }

  /**
   * The status with how long it has held, as the console's status line and the page's banner say
   * it: "ALERT since 2026-11-28, 3rd night"; the status alone without a history, for a first run,
   * and for the first night of an OK status (the usual news needs no date).
   */
  public String statusPhrase() {
    boolean history =
        baseline != null
            && ((baseline.runs() != null && !baseline.runs().isEmpty())
                || (baseline.leftOut() != null && !baseline.leftOut().isEmpty()));
    if (status == null
        || statusRuns == null
        || statusSince == null
        || (statusRuns == 1 && (status.equals("OK") || !history))) {
      return status;
    }
    return status + " since " + statusSince + ", " + ordinal(statusRuns) + " night";
  }

  private static String ordinal(int n) {
    int lastTwo = n % 100;
    String suffix =
        lastTwo >= 11 && lastTwo <= 13
            ? "th"
            : switch (n % 10) {
              case 1 -> "st";
              case 2 -> "nd";
              case 3 -> "rd";
              default -> "th";
            };
    return n + suffix;
  }

  /** This summary with how long its status has held, the last OK run and its baseline runs. */
  public Summary withMonitoring(
      String since, Integer runs, LastOk newLastOk, BaselineInfo newBaseline) {
    return new Summary(
        schemaVersion,
        status,
        run,
        period,
        config,
        inputs,
        global,
        perSlice,
        topDriftedClasses,
        topConfusions,
        checks,
        tables,
        sequences,
        change,
        since,
        runs,
        newLastOk,
        newBaseline);
  }

  /**
   * The latest run whose status was OK: its date and when it finished ({@code finishedAt},
   * ISO-8601, null for runs recorded before kldrift kept it), for staleness alerts.
   */
  public record LastOk(String runDate, String finishedAt) {}

  /**
   * The earlier runs a baseline was made of: {@code runs} under {@code mode} (what changed,
   * relative and significance checks), {@code windowRuns} the last {@code window} eligible runs
   * (sigma bands, mean), {@code acceptedFrom} the accepted run the baseline starts at, and the
   * recent runs left out with the reason ({@code leftOut}, newest first).
   */
  public record BaselineInfo(
      String mode,
      String exclude,
      int window,
      List<String> runs,
      List<String> windowRuns,
      @JsonInclude(JsonInclude.Include.NON_NULL) Accepted acceptedFrom,
      List<LeftOut> leftOut) {}

  /** A run a person accepted as the new normal, when and why. */
  public record Accepted(String runDate, String acceptedAt, String reason) {}

  /** A run left out of the baseline and why (its status, or no matched examples). */
  public record LeftOut(String runDate, String status, String reason) {}

  /** Run metadata. */
  public record RunInfo(
      String runDate,
      String startedAt,
      double durationSeconds,
      String kldriftVersion,
      String sparkVersion,
      String sparkMaster,
      String teacherPath,
      String studentPath,
      String teacherModel,
      String studentModel,
      String dataset,
      String label) {}

  /**
   * The days a rollup merged: every date in {@code from..to}, with the ones that had no stored
   * state named (never silently skipped).
   */
  public record Period(
      String name, String from, String to, int days, List<String> merged, List<String> missing) {}

  /**
   * Input counts: {@code inputs.{teacher_rows, student_rows, matched, teacher_only, ...}}; {@code
   * labels_outside_classes} counts matched examples whose label is no class index (or no class
   * name), null without a label column: they count as wrong for both models' accuracy.
   */
  public record Inputs(
      long teacherRows,
      long studentRows,
      long matched,
      long teacherOnly,
      long studentOnly,
      int numClasses,
      long teacherQuarantined,
      long studentQuarantined,
      long teacherRenormalized,
      long studentRenormalized,
      Invalid invalid,
      SupportViolations supportViolations,
      Long labelsOutsideClasses,
      Temperature temperature) {}

  /**
   * The temperature and the sides it was applied to ({@code inputs.temperature.{value,
   * applies_to}}): only a side whose kind is logits is divided by it; empty when neither is.
   */
  public record Temperature(double value, List<String> appliesTo) {}

  /** What the row rules found on each side, and the settings they were judged with. */
  public record Invalid(
      SideRules teacher,
      SideRules student,
      double maxQuarantinedShare,
      double sumTolerance,
      double renormalizeBound) {}

  /** One side's row-rule outcome: rows per rule (each row under the first rule it breaks). */
  public record SideRules(
      long rows, long quarantined, long renormalized, Map<String, RuleCount> rules) {}

  /**
   * Rows that broke one rule, its policy and an example key (JSON of the key columns, or null).
   * {@code keys} is the number of distinct keys, for rule duplicate_key only.
   */
  public record RuleCount(
      long rows,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long keys,
      String policy,
      String exampleKey) {}

  /** Examples and class terms where the teacher has mass and the student none (KL clipped). */
  public record SupportViolations(
      long examples, long total, long reverseExamples, double epsilon) {}

  /**
   * The summary of one per-example metric. Quantiles are null for metrics without a sketch, and
   * every figure is null when it is undefined (no examples; a std of one example). {@code
   * shareAbove} and {@code histogram} are present for KL only; the tail quantiles ({@code p001}:
   * 0.1%, {@code p01}, {@code p05}, {@code p10}, {@code p999}: 99.9%, as llama.cpp lists them) for
   * KL and Δp only.
   */
  public record Stats(
      long n,
      Double mean,
      Double std,
      Double ci95Low,
      Double ci95High,
      Double min,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double p001,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double p01,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double p05,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double p10,
      Double p50,
      Double p90,
      Double p95,
      Double p99,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double p999,
      Double max,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Double> shareAbove,
      @JsonInclude(JsonInclude.Include.NON_NULL) Histogram histogram) {
    /** The summary without the tail quantiles. */
    public Stats(
        long n,
        Double mean,
        Double std,
        Double ci95Low,
        Double ci95High,
        Double min,
        Double p50,
        Double p90,
        Double p95,
        Double p99,
        Double max,
        Map<String, Double> shareAbove,
        Histogram histogram) {
      this(
          n,
          mean,
          std,
          ci95Low,
          ci95High,
          min,
          null,
          null,
          null,
          null,
          p50,
          p90,
          p95,
          p99,
          null,
          max,
          shareAbove,
          histogram);
    }
  }

  /** Counts of KL on log-spaced bins; {@code counts} has one more entry than {@code edges}. */
  public record Histogram(List<Double> edges, List<Long> counts, String note) {
    /** How the bins are read; written into summary.json next to them. */
    public static final String NOTE =
        "bin 0 holds KL below edges[0] (including 0); bin i holds [edges[i-1], edges[i]);"
            + " the last bin holds KL at or above the last edge";
  }

  /**
   * The aggregates over every matched example (in the sequence layout: over every counted position,
   * a token-weighted mean). {@code quantileRankError} is the KLL sketches' normalized rank error
   * (99% confidence) of the quantiles above. Sequence layout only: {@code sequenceKl} summarizes
   * the per-sequence means (a sequence-weighted mean), and {@code bounds} names each figure that is
   * a bound rather than the divergence itself (top-k inputs), with what it bounds.
   *
   * <p>{@code supportViolationKlShare} is the part of the mean KL that comes from clipped cells
   * (support violations, where Q(c) = 0 was replaced by epsilon): Σ over examples and clipped cells
   * of P(c)·ln(P(c)/epsilon), over N, divided by the mean KL; 0 without violations. The epsilon
   * decides that part. {@code klWithoutViolations} is the mean KL with those cells left out (each
   * example's KL summed over its other cells). The other cells of a violating example can add
   * negative terms (the student put the missing mass elsewhere), so the share can exceed 1 and the
   * mean without them can be below 0. Both are null without matched examples, in the sequence
   * layout, and when a rollup merged states written before kldrift kept that KL.
   */
  public record Global(
      Stats kl,
      Stats reverseKl,
      Stats js,
      Stats teacherEntropy,
      Stats studentEntropy,
      Stats crossEntropy,
      Stats totalVariation,
      Stats teacherConfidence,
      Stats studentConfidence,
      Stats agreement,
      @JsonInclude(JsonInclude.Include.NON_NULL) Stats t2Kl,
      @JsonInclude(JsonInclude.Include.NON_NULL) KlDecomposition klDecomposition,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double teacherAccuracy,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double studentAccuracy,
      Double marginalKl,
      Double supportViolationKlShare,
      Double klWithoutViolations,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double quantileRankError,
      @JsonInclude(JsonInclude.Include.NON_NULL) Stats sequenceKl,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> bounds,
      @JsonInclude(JsonInclude.Include.NON_NULL) Target target) {
    /** The aggregates without target figures (no target column, or the example layout). */
    public Global(
        Stats kl,
        Stats reverseKl,
        Stats js,
        Stats teacherEntropy,
        Stats studentEntropy,
        Stats crossEntropy,
        Stats totalVariation,
        Stats teacherConfidence,
        Stats studentConfidence,
        Stats agreement,
        Stats t2Kl,
        KlDecomposition klDecomposition,
        Double teacherAccuracy,
        Double studentAccuracy,
        Double marginalKl,
        Double supportViolationKlShare,
        Double klWithoutViolations,
        Double quantileRankError,
        Stats sequenceKl,
        Map<String, String> bounds) {
      this(
          kl,
          reverseKl,
          js,
          teacherEntropy,
          studentEntropy,
          crossEntropy,
          totalVariation,
          teacherConfidence,
          studentConfidence,
          agreement,
          t2Kl,
          klDecomposition,
          teacherAccuracy,
          studentAccuracy,
          marginalKl,
          supportViolationKlShare,
          klWithoutViolations,
          quantileRankError,
          sequenceKl,
          bounds,
          null);
    }
  }

  /**
   * The figures about the token that actually came next (sequence layout with {@code
   * input.target_ids_column}), over the counted positions whose target log-probability is known on
   * both sides ({@code n}): each model's mean negative log-likelihood and perplexity (exp of it),
   * ln(PPL_student/PPL_teacher) with a 95% interval from the paired per-token differences, Δp =
   * p_student(target) − p_teacher(target) (mean with interval, RMS, quantiles in {@code deltaP}),
   * each model's top-1 accuracy, and the counted positions whose target was missing on each side
   * (not in its list, no target column): left out, never guessed. Every figure is null when
   * unknown; {@code note} says why (a rollup over states written before kldrift kept them).
   */
  public record Target(
      Long n,
      Double teacherNllMean,
      Double studentNllMean,
      Double teacherPpl,
      Double studentPpl,
      Double lnPplRatio,
      Double lnPplRatioCi95Low,
      Double lnPplRatioCi95High,
      @JsonProperty("delta_p_mean") Double deltaPMean,
      @JsonProperty("delta_p_ci95_low") Double deltaPCi95Low,
      @JsonProperty("delta_p_ci95_high") Double deltaPCi95High,
      @JsonProperty("delta_p_rms") Double deltaPRms,
      @JsonProperty("delta_p") Stats deltaP,
      Double teacherAccuracy,
      Double studentAccuracy,
      Long teacherTargetMissing,
      Long studentTargetMissing,
      @JsonInclude(JsonInclude.Include.NON_NULL) String note) {
    /** The figures a group of positions has too ({@link TargetGroup}), for readers of both. */
    public TargetGroup asGroup() {
      return new TargetGroup(
          n,
          teacherNllMean,
          studentNllMean,
          teacherPpl,
          studentPpl,
          lnPplRatio,
          lnPplRatioCi95Low,
          lnPplRatioCi95High,
          deltaPMean,
          deltaPRms,
          teacherAccuracy,
          studentAccuracy,
          teacherTargetMissing,
          studentTargetMissing);
    }
  }

  /**
   * The target figures of one group of counted positions (a slice value, a position or
   * teacher-entropy bucket, a token): the same definitions as {@link Target} without the Δp
   * quantiles. Null in the group when the input has no target column; every figure null when a
   * rollup merged a state written before kldrift kept them per group ({@link
   * Sequences#targetNote()} says so).
   */
  public record TargetGroup(
      Long n,
      Double teacherNllMean,
      Double studentNllMean,
      Double teacherPpl,
      Double studentPpl,
      Double lnPplRatio,
      Double lnPplRatioCi95Low,
      Double lnPplRatioCi95High,
      @JsonProperty("delta_p_mean") Double deltaPMean,
      @JsonProperty("delta_p_rms") Double deltaPRms,
      Double teacherAccuracy,
      Double studentAccuracy,
      Long teacherTargetMissing,
      Long studentTargetMissing) {
    /** A group whose figures are unknown (a merged state did not keep them). */
    public static final TargetGroup UNKNOWN =
        new TargetGroup(
            null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** KL = H(P,Q) − H(P), from the means: the decomposition the product is built on. */
  public record KlDecomposition(
      double crossEntropyMean, double teacherEntropyMean, double difference, double klMean) {}

  /**
   * KL, JS and agreement of one slice value; in the sequence layout also the per-sequence means of
   * its sequences ({@code sequenceKl}) and, with a target column, its target figures.
   */
  public record SliceSummary(
      String column,
      String value,
      Stats kl,
      Stats js,
      Stats agreement,
      @JsonInclude(JsonInclude.Include.NON_NULL) Stats sequenceKl,
      @JsonInclude(JsonInclude.Include.NON_NULL) TargetGroup target) {
    /** A slice without target figures. */
    public SliceSummary(
        String column, String value, Stats kl, Stats js, Stats agreement, Stats sequenceKl) {
      this(column, value, kl, js, agreement, sequenceKl, null);
    }
  }

  /**
   * The sequence layout's figures beyond {@link Global}. {@code mode} is how KL was computed
   * ({@code tail_bucket}: the student's log-probs at the teacher's top-k plus one tail cell; {@code
   * shared_top_k}: the ids both models list plus one tail cell; {@code exact}: dense
   * distributions). Positions count when the mask says so; {@code firstDivergence} is the first
   * counted position whose top-1 tokens differ, over the sequences that have one. {@code
   * targetNote} says why the target figures of the slices, buckets and tokens are unknown, when
   * they are (null otherwise); {@code vocabularySize} is the number of ids of {@code
   * input.vocabulary} (null without one).
   */
  public record Sequences(
      String mode,
      String klNote,
      int teacherK,
      int studentK,
      long sequences,
      long positions,
      long countedPositions,
      long maskedPositions,
      long sequencesWithoutCountedPositions,
      Stats sequenceKlSum,
      Stats sequenceKlMax,
      Stats countedPositionsPerSequence,
      Stats firstDivergence,
      long sequencesWithoutDivergence,
      double jsdBeta,
      Stats jsd,
      Interval js,
      Interval totalVariation,
      Stats teacherTailMass,
      Stats studentTailMass,
      Stats overlap,
      Stats top1Rank,
      long top1OutsideStudentList,
      List<Bucket> byPosition,
      List<Bucket> byTeacherEntropy,
      List<TokenShare> topTokens,
      @JsonInclude(JsonInclude.Include.NON_NULL) String targetNote,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer vocabularySize) {}

  /** A divergence known only between two bounds (top-k inputs); equal bounds when exact. */
  public record Interval(Stats lower, Stats upper, String note) {}

  /**
   * Counted positions of one position or teacher-entropy bucket: mean KL, its share of the total KL
   * mass, top-1 agreement and the teacher's mean tail mass (next to KL: a looser bound can look
   * like drift); with a target column, the target figures of those positions.
   */
  public record Bucket(
      String bucket,
      long positions,
      Double klMean,
      Double klShare,
      Double agreement,
      Double teacherTailMass,
      @JsonInclude(JsonInclude.Include.NON_NULL) TargetGroup target) {}

  /**
   * Counted positions whose teacher top-1 is one token id, and their share of the KL mass; with a
   * target column, the target figures of those positions; with a vocabulary ({@code
   * input.vocabulary}), the token's text ({@code token}: what it adds to decoded text, null for an
   * id outside the vocabulary).
   */
  public record TokenShare(
      long tokenId,
      long positions,
      double klMean,
      Double klShare,
      Double agreement,
      Double teacherTailMass,
      @JsonInclude(JsonInclude.Include.NON_NULL) TargetGroup target,
      @JsonInclude(JsonInclude.Include.NON_NULL) String token) {}

  /** One class's share of the mean KL. */
  public record ClassShare(
      int classIndex,
      String className,
      double klContribution,
      Double klShare,
      double teacherMeanProb,
      double studentMeanProb) {}

  /** One teacher-top-1 to student-top-1 pair with its count and mean KL. */
  public record Confusion(
      int teacherClassIndex,
      String teacherClassName,
      int studentClassIndex,
      String studentClassName,
      long count,
      double meanKl) {}

  /**
   * The outcome of one check on one scope. {@code baselineRuns}, {@code statistic} and {@code
   * pValue} are present for the check types that have them.
   */
  public record CheckResult(
      String name,
      String type,
      String metric,
      String scope,
      String scopeColumn,
      String scopeValue,
      Double value,
      long n,
      Double warn,
      Double alert,
      String direction,
      Double baseline,
      @JsonInclude(JsonInclude.Include.NON_NULL) String baselineRuns,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double statistic,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double pValue,
      String outcome,
      String message) {}
}
