package io.kldrift.monitor;

import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.List;

/**
 * One summary figure of one run, in the long format the history stores: a scope ({@code global},
 * {@code slice} with its column and value, {@code class} with its name, or in the sequence layout
 * {@code position} and {@code entropy} with their bucket and {@code token} with its id), a metric
 * name and its value. Checks and the comparison with the baseline read the current run and the
 * history in this shape.
 *
 * @param scope global, slice, class, position, entropy or token; {@code histogram} rows hold the KL
 *     histogram (they are figures of the page's baseline overlay, not of checks)
 * @param column the slice column, the class index as text for class scope, the bucket index for
 *     position and entropy scope, the token id for token scope; empty for global; {@code kl} for
 *     the histogram
 * @param key the slice value, the class name, the position bucket ({@code 16-63}), the
 *     teacher-entropy bucket ({@code 0.5-1}) or the token id; empty for global; the bin index for
 *     the histogram
 * @param metric e.g. {@code kl.mean}, {@code kl.p99}, {@code agreement.mean}, {@code
 *     kl_contribution}; in the sequence layout also {@code sequence_kl.mean} (the mean of the
 *     per-sequence means), {@code teacher_tail_mass.mean} and, with a target column, the target
 *     figures of the run and of each slice value, bucket and token ({@code target.ln_ppl_ratio},
 *     {@code target.delta_p_rms}, ...), null when the run or the group has none
 * @param value the figure, or null when undefined (e.g. a std of one example)
 */
public record MetricRow(String scope, String column, String key, String metric, Double value) {

  /**
   * The figures about the actual next token ({@code global.target} and each group's {@code
   * target}), of every scope but class: null when the run, or the group, has none. Their sample
   * size is {@code target.n}, the positions whose target is known on both sides.
   */
  public static final List<String> TARGET_METRICS =
      List.of(
          "target.n",
          "target.teacher_nll_mean",
          "target.student_nll_mean",
          "target.teacher_ppl",
          "target.student_ppl",
          "target.ln_ppl_ratio",
          "target.delta_p_mean",
          "target.delta_p_rms",
          "target.teacher_accuracy",
          "target.student_accuracy",
          "target.teacher_target_missing",
          "target.student_target_missing");

  /** Metrics of global scope, as read from summary.json. */
  public static final List<String> GLOBAL_METRICS =
      withTarget(
          "kl.n",
          "kl.mean",
          "kl.std",
          "kl.p50",
          "kl.p90",
          "kl.p95",
          "kl.p99",
          "kl.max",
          "js.mean",
          "js.p95",
          "js.p99",
          "reverse_kl.mean",
          "total_variation.mean",
          "cross_entropy.mean",
          "teacher_entropy.mean",
          "agreement.mean",
          "marginal_kl",
          "matched",
          "unmatched_share",
          "teacher_only_share",
          "student_only_share",
          "support_violation_share",
          "support_violation_kl_share",
          "kl_without_violations",
          "quarantined_share",
          "renormalized_share",
          "sequence_kl.n",
          "sequence_kl.mean",
          "sequence_kl.p95",
          "sequence_kl.p99",
          "teacher_tail_mass.mean");

  /** Metrics of slice scope. */
  public static final List<String> SLICE_METRICS =
      withTarget(
          "kl.n",
          "kl.mean",
          "kl.std",
          "kl.p50",
          "kl.p95",
          "kl.p99",
          "js.mean",
          "agreement.mean",
          "sequence_kl.mean");

  /** Metrics of class scope, from per_class/; {@code n} is the class's teacher-top-1 count. */
  public static final List<String> CLASS_METRICS =
      List.of(
          "n",
          "kl_contribution",
          "teacher_mean_prob",
          "student_mean_prob",
          "teacher_top1_mean_kl",
          "teacher_top1_agreement",
          "marginal_kl_term",
          "support_violation_kl");

  /**
   * Metrics of position scope (one row set per position bucket of {@code sequences.by_position}),
   * of entropy scope (one per teacher-entropy bucket of {@code sequences.by_teacher_entropy}) and
   * of token scope (one per teacher top-1 token of {@code sequences.top_tokens}): {@code kl.n} is
   * the counted positions, {@code kl.mean} their mean KL.
   */
  public static final List<String> POSITION_METRICS =
      withTarget("kl.n", "kl.mean", "agreement.mean", "teacher_tail_mass.mean");

  /** Metrics of entropy scope; see {@link #POSITION_METRICS}. */
  public static final List<String> ENTROPY_METRICS = POSITION_METRICS;

  /** Metrics of token scope; see {@link #POSITION_METRICS}. */
  public static final List<String> TOKEN_METRICS = POSITION_METRICS;

  /** The scopes a check can name, in the order an error message lists them. */
  public static final List<String> CHECK_SCOPES =
      List.of("global", "slice", "class", "position", "entropy", "token");

  /**
   * Metrics of histogram scope: per bin (key: its index, as in {@code global.kl.histogram}), its
   * count and its upper edge (null for the last bin), so a reader can tell whether two runs' bins
   * agree.
   */
  public static final List<String> HISTOGRAM_METRICS = List.of("count", "upper_edge");

  /** The valid metric names of a scope. */
  public static List<String> metricsOf(String scope) {
    switch (scope) {
      case "global":
        return GLOBAL_METRICS;
      case "slice":
        return SLICE_METRICS;
      case "class":
        return CLASS_METRICS;
      case "position":
        return POSITION_METRICS;
      case "entropy":
        return ENTROPY_METRICS;
      case "token":
        return TOKEN_METRICS;
      default:
        throw new IllegalArgumentException(scope);
    }
  }

  /**
   * The rows of one run: from its summary (with its position and teacher-entropy buckets and top
   * tokens in the sequence layout) and its per-class table rows. A non-finite figure is stored as
   * null, as summary.json spells it.
   */
  public static List<MetricRow> of(Summary summary, List<ClassRow> perClass) {
    List<MetricRow> rows = new ArrayList<>();
    for (String m : GLOBAL_METRICS) {
      rows.add(new MetricRow("global", "", "", m, globalValue(m, summary)));
    }
    for (Summary.SliceSummary s : summary.perSlice()) {
      String value = s.value() == null ? "(null)" : s.value();
      for (String m : SLICE_METRICS) {
        rows.add(new MetricRow("slice", String.valueOf(s.column()), value, m, sliceValue(s, m)));
      }
    }
    for (ClassRow c : perClass) {
      String index = String.valueOf(c.classIndex());
      String name = String.valueOf(c.className());
      for (String m : CLASS_METRICS) {
        rows.add(new MetricRow("class", index, name, m, classValue(c, m)));
      }
    }
    Summary.Sequences seq = summary.sequences();
    if (seq != null) {
      buckets(rows, "position", seq.byPosition());
      buckets(rows, "entropy", seq.byTeacherEntropy());
      for (Summary.TokenShare t :
          seq.topTokens() == null ? List.<Summary.TokenShare>of() : seq.topTokens()) {
        String id = String.valueOf(t.tokenId());
        rows.addAll(
            group(
                "token",
                id,
                id,
                t.positions(),
                t.klMean(),
                t.agreement(),
                t.teacherTailMass(),
                t.target()));
      }
    }
    Summary.Histogram hist =
        summary.global().kl() == null ? null : summary.global().kl().histogram();
    if (hist != null && hist.counts() != null && hist.edges() != null) {
      for (int i = 0; i < hist.counts().size(); i++) {
        String bin = String.valueOf(i);
        Long c = hist.counts().get(i);
        Double edge = i < hist.edges().size() ? hist.edges().get(i) : null;
        rows.add(new MetricRow("histogram", "kl", bin, "count", c == null ? null : (double) c));
        rows.add(new MetricRow("histogram", "kl", bin, "upper_edge", finite(edge)));
      }
    }
    return rows;
  }

  /** The rows of a bucket list (key: the bucket's label, column: its index), if any. */
  private static void buckets(List<MetricRow> rows, String scope, List<Summary.Bucket> buckets) {
    List<Summary.Bucket> list = buckets == null ? List.of() : buckets;
    for (int i = 0; i < list.size(); i++) {
      Summary.Bucket b = list.get(i);
      rows.addAll(
          group(
              scope,
              String.valueOf(i),
              b.bucket(),
              b.positions(),
              b.klMean(),
              b.agreement(),
              b.teacherTailMass(),
              b.target()));
    }
  }

  private static List<MetricRow> group(
      String scope,
      String column,
      String key,
      long positions,
      Double klMean,
      Double agreement,
      Double tail,
      Summary.TargetGroup target) {
    List<MetricRow> rows = new ArrayList<>();
    rows.add(new MetricRow(scope, column, key, "kl.n", (double) positions));
    rows.add(new MetricRow(scope, column, key, "kl.mean", finite(klMean)));
    rows.add(new MetricRow(scope, column, key, "agreement.mean", finite(agreement)));
    rows.add(new MetricRow(scope, column, key, "teacher_tail_mass.mean", finite(tail)));
    for (String m : TARGET_METRICS) {
      rows.add(new MetricRow(scope, column, key, m, targetValue(target, m)));
    }
    return rows;
  }

  private static Double globalValue(String m, Summary summary) {
    Summary.Inputs inputs = summary.inputs();
    Summary.Global global = summary.global();
    double tRows = inputs.teacherRows();
    double sRows = inputs.studentRows();
    double matched = inputs.matched();
    switch (m) {
      case "matched":
        return matched;
      case "marginal_kl":
        return finite(global.marginalKl());
      case "unmatched_share":
        return tRows + sRows == 0
            ? null
            : (inputs.teacherOnly() + (double) inputs.studentOnly()) / (tRows + sRows);
      case "teacher_only_share":
        return tRows == 0 ? null : inputs.teacherOnly() / tRows;
      case "student_only_share":
        return sRows == 0 ? null : inputs.studentOnly() / sRows;
      case "quarantined_share":
        return tRows + sRows == 0
            ? null
            : (inputs.teacherQuarantined() + (double) inputs.studentQuarantined())
                / (tRows + sRows);
      case "renormalized_share":
        return tRows + sRows == 0
            ? null
            : (inputs.teacherRenormalized() + (double) inputs.studentRenormalized())
                / (tRows + sRows);
      case "support_violation_share":
        return matched == 0 ? null : inputs.supportViolations().examples() / matched;
      case "support_violation_kl_share":
        return finite(global.supportViolationKlShare());
      case "kl_without_violations":
        return finite(global.klWithoutViolations());
      case "teacher_tail_mass.mean":
        return summary.sequences() == null
            ? null
            : finite(summary.sequences().teacherTailMass().mean());
      default:
        if (m.startsWith("target.")) {
          return targetValue(global.target() == null ? null : global.target().asGroup(), m);
        }
        return stat(globalStats(global, m.substring(0, m.indexOf('.'))), m);
    }
  }

  /**
   * One target metric ({@code target.ln_ppl_ratio}) of a group's target figures by its summary.json
   * name, or null without them.
   */
  private static Double targetValue(Summary.TargetGroup t, String metric) {
    if (t == null) {
      return null;
    }
    Number x =
        switch (metric.substring("target.".length())) {
          case "n" -> t.n();
          case "teacher_nll_mean" -> t.teacherNllMean();
          case "student_nll_mean" -> t.studentNllMean();
          case "teacher_ppl" -> t.teacherPpl();
          case "student_ppl" -> t.studentPpl();
          case "ln_ppl_ratio" -> t.lnPplRatio();
          case "delta_p_mean" -> t.deltaPMean();
          case "delta_p_rms" -> t.deltaPRms();
          case "teacher_accuracy" -> t.teacherAccuracy();
          case "student_accuracy" -> t.studentAccuracy();
          case "teacher_target_missing" -> t.teacherTargetMissing();
          case "student_target_missing" -> t.studentTargetMissing();
          default -> throw new IllegalArgumentException(metric);
        };
    return x == null ? null : finite(x.doubleValue());
  }

  private static List<String> withTarget(String... metrics) {
    List<String> all = new ArrayList<>(List.of(metrics));
    all.addAll(TARGET_METRICS);
    return List.copyOf(all);
  }

  private static Summary.Stats globalStats(Summary.Global g, String name) {
    switch (name) {
      case "kl":
        return g.kl();
      case "js":
        return g.js();
      case "reverse_kl":
        return g.reverseKl();
      case "total_variation":
        return g.totalVariation();
      case "cross_entropy":
        return g.crossEntropy();
      case "teacher_entropy":
        return g.teacherEntropy();
      case "agreement":
        return g.agreement();
      case "sequence_kl":
        return g.sequenceKl();
      default:
        throw new IllegalArgumentException(name);
    }
  }

  private static Double sliceValue(Summary.SliceSummary s, String m) {
    switch (m.substring(0, m.indexOf('.'))) {
      case "target":
        return targetValue(s.target(), m);
      case "kl":
        return stat(s.kl(), m);
      case "js":
        return stat(s.js(), m);
      case "agreement":
        return stat(s.agreement(), m);
      case "sequence_kl":
        return stat(s.sequenceKl(), m);
      default:
        throw new IllegalArgumentException(m);
    }
  }

  /** The field after the dot of {@code metric} (kl.p99 -> p99), or null without the stats. */
  private static Double stat(Summary.Stats st, String metric) {
    if (st == null) {
      return null;
    }
    switch (metric.substring(metric.indexOf('.') + 1)) {
      case "n":
        return (double) st.n();
      case "mean":
        return finite(st.mean());
      case "std":
        return finite(st.std());
      case "p50":
        return finite(st.p50());
      case "p90":
        return finite(st.p90());
      case "p95":
        return finite(st.p95());
      case "p99":
        return finite(st.p99());
      case "max":
        return finite(st.max());
      default:
        throw new IllegalArgumentException(metric);
    }
  }

  private static Double classValue(ClassRow c, String m) {
    switch (m) {
      case "n":
        return (double) c.teacherTop1Count();
      case "kl_contribution":
        return finite(c.klContribution());
      case "teacher_mean_prob":
        return finite(c.teacherMeanProb());
      case "student_mean_prob":
        return finite(c.studentMeanProb());
      case "teacher_top1_mean_kl":
        return finite(c.teacherTop1MeanKl());
      case "teacher_top1_agreement":
        return finite(c.teacherTop1Agreement());
      case "marginal_kl_term":
        return finite(c.marginalKlTerm());
      case "support_violation_kl":
        return finite(c.supportViolationKl());
      default:
        throw new IllegalArgumentException(m);
    }
  }

  private static Double finite(Double v) {
    return v == null || !Double.isFinite(v) ? null : v;
  }
}
