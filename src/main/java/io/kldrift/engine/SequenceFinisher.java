package io.kldrift.engine;

import io.kldrift.DriftException;
import io.kldrift.config.DriftConfig;
import io.kldrift.console.Progress;
import io.kldrift.input.InputErrors;
import io.kldrift.input.PredictionInputs;
import io.kldrift.input.Vocabulary;
import io.kldrift.kernel.Divergences.Kind;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * The finish of a sequence-layout state: {@code global} over counted positions (token-weighted)
 * with the per-sequence means as {@code global.sequence_kl}, the {@code sequences} section (bounds
 * as intervals, buckets, tokens) and the tables. Top-k figures that are bounds are named as such in
 * {@code global.bounds}.
 */
final class SequenceFinisher extends Finisher {

  SequenceFinisher(SparkSession spark, DriftConfig config, DriftState state) {
    super(spark, config, state);
  }

  @Override
  Finisher.Finished run(PredictionInputs.Checked in) {
    int key = in.numClasses() < 0 ? 0 : in.numClasses();
    Parts<SequencePart> parts = state.parts(SequenceLayout.INSTANCE);
    if (parts.overflow.containsKey(key)) {
      throw EngineErrors.tooManyVectorLengths();
    }
    SequencePart p = parts.toFinish(key);
    boolean topK = s.teacherKind() == Kind.TOPK_LOG_PROBS;
    boolean tail = !config.get(DriftConfig.AT_TEACHER_COLUMN).isEmpty();
    String mode = !topK ? "exact" : tail ? "tail_bucket" : "shared_top_k";
    String klNote = klNote(mode, p);
    if (topK && p.maxTeacherK > 0 && p.maxStudentK > 0 && p.maxTeacherK != p.maxStudentK) {
      Progress.warn(
          String.format(
              java.util.Locale.ROOT,
              "teacher lists hold up to %d entries per position, student lists up to %d: the"
                  + " bounds use what both report, and are looser than with equal k",
              p.maxTeacherK,
              p.maxStudentK));
    }
    long counted = p.tokens.kl.n;
    Summary.Inputs inputs =
        inputs(
            in,
            p.matched(),
            new Summary.SupportViolations(0, 0, 0, config.get(DriftConfig.EPSILON)),
            null);
    Summary.Stats empty = Finisher.stats(new Moments(), null);
    Map<String, String> bounds = null;
    if (topK) {
      bounds = new LinkedHashMap<>();
      bounds.put("kl", klNote);
      bounds.put("reverse_kl", "lower bound, the same merged cells as kl");
      bounds.put("js", "lower bound; sequences.js has the interval");
      bounds.put("total_variation", "lower bound; sequences.total_variation has the interval");
      bounds.put("teacher_entropy", "lower bound: the entropy of the teacher's listed cells");
      bounds.put("sequence_kl", "mean over sequences of each sequence's mean kl lower bound");
    }
    Summary.Global global =
        new Summary.Global(
            klStats(p.tokens),
            Finisher.stats(p.figures[SequencePart.REVERSE_KL], p.sketches[0]),
            Finisher.stats(p.tokens.js, p.tokens.jsQ),
            Finisher.stats(p.figures[SequencePart.TEACHER_ENTROPY], null),
            empty,
            empty,
            Finisher.stats(p.figures[SequencePart.TV_LOW], null),
            empty,
            empty,
            Finisher.stats(p.tokens.agreement, null),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            Quantiles.rankError(s.sketchK()),
            Finisher.stats(p.seqMean, p.seqMeanQ),
            bounds,
            config.get(DriftConfig.TARGET_IDS_COLUMN).isEmpty() ? null : p.target.summary());
    boolean targets = !config.get(DriftConfig.TARGET_IDS_COLUMN).isEmpty();
    GroupTargets groupTargets = new GroupTargets(targets, p.groupTargetsKnown);
    double klMass = p.tokens.kl.mean() == null ? 0 : p.tokens.kl.mean() * counted;
    List<Summary.Bucket> byPosition =
        buckets(
            SequencePart.POSITION_BUCKETS,
            p.byPosition,
            klMass,
            groupTargets.of(p.byPositionTarget));
    List<Summary.Bucket> byEntropy =
        buckets(
            SequencePart.ENTROPY_BUCKETS, p.byEntropy, klMass, groupTargets.of(p.byEntropyTarget));
    Vocabulary vocabulary = vocabulary();
    List<Summary.TokenShare> tokens = new ArrayList<>();
    p.byToken.forEach(
        (id, n, kl, agree, tailSum) ->
            tokens.add(
                new Summary.TokenShare(
                    id,
                    n,
                    kl / n,
                    klMass > 0 ? kl / klMass : null,
                    (double) agree / n,
                    tailSum / n,
                    groupTargets.of(() -> p.byToken.target(p.byToken.slotOf(id))),
                    vocabulary == null ? null : vocabulary.text(id))));
    warnOutside(vocabulary, tokens);
    tokens.sort(
        Comparator.comparingDouble((Summary.TokenShare t) -> -t.klMean() * t.positions())
            .thenComparingLong(Summary.TokenShare::tokenId));
    int top = Math.min(config.get(DriftConfig.TOP_TOKENS), tokens.size());
    String intervalNote =
        topK
            ? "lower: the merged cells; upper: the listed ids' terms plus the unlisted mass at its"
                + " worst"
            : "exact (dense distributions)";
    Summary.Sequences seq =
        new Summary.Sequences(
            mode,
            klNote,
            topK ? p.maxTeacherK : key,
            topK ? p.maxStudentK : key,
            p.sequences,
            p.positions,
            counted,
            p.maskedPositions,
            p.sequencesWithoutPositions,
            Finisher.stats(p.seqSum, p.seqSumQ),
            Finisher.stats(p.seqMax, null),
            Finisher.stats(p.seqPositions, null),
            Finisher.stats(p.firstDivergence, null),
            p.sequencesWithoutDivergence,
            s.jsdBeta(),
            Finisher.stats(p.figures[SequencePart.JSD], null),
            new Summary.Interval(
                Finisher.stats(p.tokens.js, p.tokens.jsQ),
                Finisher.stats(p.figures[SequencePart.JS_HIGH], null),
                intervalNote),
            new Summary.Interval(
                Finisher.stats(p.figures[SequencePart.TV_LOW], null),
                Finisher.stats(p.figures[SequencePart.TV_HIGH], null),
                intervalNote),
            Finisher.stats(p.figures[SequencePart.TEACHER_TAIL], p.sketches[1]),
            Finisher.stats(p.figures[SequencePart.STUDENT_TAIL], null),
            Finisher.stats(p.figures[SequencePart.OVERLAP], null),
            Finisher.stats(p.figures[SequencePart.TOP1_RANK], null),
            p.top1OutsideStudent,
            byPosition,
            byEntropy,
            List.copyOf(tokens.subList(0, top)),
            groupTargets.note(),
            vocabulary == null ? null : vocabulary.size());
    List<Summary.SliceSummary> slices = new ArrayList<>();
    List<byte[]> sketches = new ArrayList<>();
    List<String> columns = state.header.sliceColumns();
    for (int i = 0; i < columns.size(); i++) {
      for (Map.Entry<String, SequencePart.Slice> v : Finisher.sortedValues(p.slices.get(i))) {
        SequencePart.Slice g = v.getValue();
        slices.add(
            new Summary.SliceSummary(
                columns.get(i),
                v.getKey(),
                klStats(g.tokens),
                Finisher.stats(g.tokens.js, g.tokens.jsQ),
                Finisher.stats(g.tokens.agreement, null),
                Finisher.stats(g.seqMean, g.seqMeanQ),
                groupTargets.of(() -> g.target.figures(0))));
        sketches.add(g.tokens.klQ.bytes());
      }
    }
    return new Finisher.Finished(
        inputs,
        global,
        slices,
        List.of(),
        List.of(),
        List.of(),
        Tables.perClass(spark, List.of()),
        SequenceTables.perSlice(spark, slices, sketches, targets),
        Tables.confusion(spark, List.of()),
        SequenceTables.worstTokens(
            worst(p.worst, SequencePart.WORST_FIELDS, false), p.worst, vocabulary),
        in,
        seq,
        SequenceTables.perToken(spark, tokens, targets, vocabulary != null),
        tables(in),
        counted + " counted positions");
  }

  /**
   * The vocabulary of {@code input.vocabulary}, or null without one. A run has read it before its
   * scan (a missing file fails the run there); when a rollup cannot read it, the report shows ids
   * and says why.
   */
  private Vocabulary vocabulary() {
    String path = config.get(DriftConfig.VOCABULARY);
    if (path.isEmpty()) {
      return null;
    }
    try {
      return Vocabulary.read(path, spark.sparkContext().hadoopConfiguration());
    } catch (DriftException e) {
      Progress.warn(e.getMessage() + " Token ids are shown without text.");
      return null;
    }
  }

  /** Warns once when token ids of the report are outside the vocabulary (shown as ids). */
  private void warnOutside(Vocabulary vocabulary, List<Summary.TokenShare> tokens) {
    if (vocabulary == null) {
      return;
    }
    List<Long> outside =
        tokens.stream()
            .map(Summary.TokenShare::tokenId)
            .filter(id -> vocabulary.text(id) == null)
            .sorted()
            .toList();
    if (!outside.isEmpty()) {
      Progress.warn(
          InputErrors.idsOutsideVocabulary(
              config.get(DriftConfig.VOCABULARY),
              vocabulary.size(),
              outside.size(),
              outside.get(0)));
    }
  }

  /** The tables written: no class tables (a vocabulary has no class list), per_token/ always. */
  private List<String> tables(PredictionInputs.Checked in) {
    List<String> tables = new ArrayList<>(List.of("per_slice", "worst_examples"));
    if (Finisher.hasTables(in) && config.get(DriftConfig.WRITE_PER_SEQUENCE)) {
      tables.add("per_sequence");
    }
    tables.add("per_token");
    return tables;
  }

  private static String klNote(String mode, SequencePart p) {
    switch (mode) {
      case "tail_bucket":
        return "lower bound: KL over the teacher's top-"
            + p.maxTeacherK
            + " ids plus one tail cell, with the student's log-probs at those ids"
            + " (data-processing inequality)";
      case "shared_top_k":
        return "lower bound: KL over the ids both models list (top-"
            + p.maxTeacherK
            + " / top-"
            + p.maxStudentK
            + ") plus one tail cell (data-processing inequality)";
      default:
        return "exact: dense distributions over the vocabulary";
    }
  }

  /**
   * The target figures of the groups (slice values, buckets, tokens): none without a target column,
   * unknown when a merged state did not keep them per group.
   */
  private record GroupTargets(boolean targets, boolean known) {
    Summary.TargetGroup of(Supplier<Summary.TargetGroup> figures) {
      return !targets ? null : known ? figures.get() : Summary.TargetGroup.UNKNOWN;
    }

    IntFunction<Summary.TargetGroup> of(TargetSums sums) {
      return g -> of(() -> sums.figures(g));
    }

    String note() {
      return targets && !known
          ? "the target figures of the slices, buckets and tokens are unknown: a state merged here"
              + " was written before kldrift kept them per group (drift state format < 5)"
          : null;
    }
  }

  private static List<Summary.Bucket> buckets(
      String[] names,
      SequencePart.Bucket[] buckets,
      double klMass,
      IntFunction<Summary.TargetGroup> target) {
    List<Summary.Bucket> out = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      SequencePart.Bucket b = buckets[i];
      out.add(
          new Summary.Bucket(
              names[i],
              b.n,
              b.n == 0 ? null : b.kl / b.n,
              klMass > 0 ? b.kl / klMass : null,
              Finisher.ratio(b.agree, b.n),
              b.n == 0 ? null : b.tail / b.n,
              target.apply(i)));
    }
    return out;
  }
}
