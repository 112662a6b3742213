package io.kldrift.report;

import io.kldrift.summary.Summary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's headline metrics in the Prometheus text exposition format, for a node-exporter textfile
 * collector: status, mean and p99 KL, JS, agreement, counts, check outcomes, and mean KL per slice
 * (with a target column also ln(PPL ratio) and the RMS of Δp per slice). Labels carry the run's
 * tags; their values are escaped as the format requires. It reads the typed {@link Summary}, the
 * same record tree summary.json is written from, so the two cannot disagree.
 */
public final class Prometheus {
  private Prometheus() {}

  /** Renders the metrics of one summary. */
  public static String render(Summary summary) {
    Summary.RunInfo run = summary.run();
    Summary.Inputs inputs = summary.inputs();
    Summary.Global global = summary.global();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("dataset", str(run.dataset()));
    tags.put("teacher_model", str(run.teacherModel()));
    tags.put("student_model", str(run.studentModel()));
    StringBuilder b = new StringBuilder();
    String status = str(summary.status());
    gauge(
        b,
        "kldrift_status",
        "Overall status of the run: 0 OK, 1 WARN, 2 ALERT, -1 INSUFFICIENT_DATA (nothing matched).",
        tags,
        status.equals("ALERT")
            ? 2.0
            : status.equals("WARN") ? 1.0 : status.equals("OK") ? 0.0 : -1.0);
    gauge(
        b,
        "kldrift_run_timestamp_seconds",
        "When the run finished computing, Unix time: alert when it is older than a day (the job"
            + " stopped running).",
        tags,
        finishedAt(run));
    if (summary.statusRuns() != null) {
      gauge(
          b,
          "kldrift_last_ok_timestamp_seconds",
          "When the latest run with status OK finished, Unix time (that run's date at 00:00 UTC"
              + " when its history is older than the timestamp; 0 when no run was OK): alert when"
              + " it is older than a day (not healthy for a day).",
          tags,
          lastOk(summary.lastOk()));
      gauge(
          b,
          "kldrift_status_runs",
          "How many runs in a row, this one included, have had this run's status.",
          tags,
          (double) summary.statusRuns());
    }
    gauge(
        b,
        "kldrift_kl_mean",
        "Mean KL(teacher||student) over matched examples, nats.",
        tags,
        mean(global.kl()));
    gauge(
        b,
        "kldrift_kl_p99",
        "99th percentile of per-example KL, nats.",
        tags,
        global.kl() == null ? null : global.kl().p99());
    gauge(b, "kldrift_js_mean", "Mean Jensen-Shannon divergence, nats.", tags, mean(global.js()));
    gauge(
        b,
        "kldrift_agreement",
        "Share of examples whose teacher and student top-1 agree.",
        tags,
        mean(global.agreement()));
    gauge(
        b,
        "kldrift_matched_examples",
        "Examples present in both tables.",
        tags,
        (double) inputs.matched());
    gauge(
        b,
        "kldrift_teacher_only_examples",
        "Teacher keys without a student row.",
        tags,
        (double) inputs.teacherOnly());
    gauge(
        b,
        "kldrift_student_only_examples",
        "Student keys without a teacher row.",
        tags,
        (double) inputs.studentOnly());
    gauge(
        b,
        "kldrift_support_violation_examples",
        "Examples with Q(c)=0 where P(c)>0.",
        tags,
        (double) inputs.supportViolations().examples());
    gauge(
        b,
        "kldrift_support_violation_kl_share",
        "Share of the mean KL from cells with Q(c)=0 where P(c)>0, clipped to epsilon.",
        tags,
        global.supportViolationKlShare());
    Summary.Sequences seq = summary.sequences();
    if (seq != null) {
      // Sequence layout: kldrift_kl_mean above is per token; for top-k inputs every KL figure is
      // a lower bound, which the mode label says.
      Map<String, String> l = new LinkedHashMap<>(tags);
      l.put("mode", str(seq.mode()));
      gauge(
          b,
          "kldrift_sequence_kl_mean",
          "Mean over sequences of each sequence's mean KL, nats (a lower bound unless"
              + " mode=\"exact\").",
          l,
          mean(global.sequenceKl()));
      gauge(
          b,
          "kldrift_token_kl_mean",
          "Token-weighted mean KL, nats (a lower bound unless mode=\"exact\").",
          l,
          mean(global.kl()));
      gauge(
          b,
          "kldrift_teacher_tail_mass",
          "Mean teacher probability outside its listed top-k ids (what the bounds cannot see).",
          l,
          mean(seq.teacherTailMass()));
      gauge(
          b,
          "kldrift_counted_tokens",
          "Positions counted (after the mask).",
          l,
          (double) seq.countedPositions());
      target(b, global.target(), tags);
    }
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    for (String o : List.of("OK", "WARN", "ALERT", "INSUFFICIENT_DATA")) {
      outcomes.put(o, 0);
    }
    for (Summary.CheckResult c : summary.checks()) {
      outcomes.merge(str(c.outcome()), 1, Integer::sum);
    }
    header(b, "kldrift_checks", "Check outcomes of the run, by outcome.");
    outcomes.forEach(
        (o, n) -> {
          Map<String, String> l = new LinkedHashMap<>(tags);
          l.put("outcome", o);
          sample(b, "kldrift_checks", l, n);
        });
    header(b, "kldrift_slice_kl_mean", "Mean KL per slice value, nats.");
    for (Summary.SliceSummary s : summary.perSlice()) {
      sample(b, "kldrift_slice_kl_mean", sliceLabels(tags, s), mean(s.kl()));
    }
    if (global.target() != null) {
      sliceTarget(
          b,
          summary.perSlice(),
          tags,
          "kldrift_slice_ln_ppl_ratio",
          "ln(PPL(student)/PPL(teacher)) on the target tokens per slice value.",
          Summary.TargetGroup::lnPplRatio);
      sliceTarget(
          b,
          summary.perSlice(),
          tags,
          "kldrift_slice_delta_p_rms",
          "Root mean square of p_student(target) - p_teacher(target) per slice value.",
          Summary.TargetGroup::deltaPRms);
    }
    return b.toString();
  }

  /** One target figure per slice value; NaN for a value whose figures are unknown. */
  private static void sliceTarget(
      StringBuilder b,
      List<Summary.SliceSummary> slices,
      Map<String, String> tags,
      String name,
      String help,
      java.util.function.Function<Summary.TargetGroup, Double> figure) {
    header(b, name, help);
    for (Summary.SliceSummary s : slices) {
      sample(b, name, sliceLabels(tags, s), s.target() == null ? null : figure.apply(s.target()));
    }
  }

  private static Map<String, String> sliceLabels(Map<String, String> tags, Summary.SliceSummary s) {
    Map<String, String> l = new LinkedHashMap<>(tags);
    l.put("slice_column", str(s.column()));
    l.put("slice_value", str(s.value()));
    return l;
  }

  /** The figures about the actual next token, when the run has a target column. */
  private static void target(StringBuilder b, Summary.Target t, Map<String, String> tags) {
    if (t == null) {
      return;
    }
    gauge(
        b,
        "kldrift_target_positions",
        "Counted positions whose target token's log-probability is known on both sides.",
        tags,
        t.n() == null ? null : (double) t.n());
    gauge(
        b, "kldrift_teacher_ppl", "Teacher perplexity on the target tokens.", tags, t.teacherPpl());
    gauge(
        b, "kldrift_student_ppl", "Student perplexity on the target tokens.", tags, t.studentPpl());
    gauge(
        b,
        "kldrift_ln_ppl_ratio",
        "ln(PPL(student)/PPL(teacher)): the mean per-token difference of negative log-likelihoods.",
        tags,
        t.lnPplRatio());
    gauge(
        b,
        "kldrift_delta_p_mean",
        "Mean of p_student(target) - p_teacher(target).",
        tags,
        t.deltaPMean());
    gauge(
        b,
        "kldrift_delta_p_rms",
        "Root mean square of p_student(target) - p_teacher(target).",
        tags,
        t.deltaPRms());
    gauge(
        b,
        "kldrift_teacher_accuracy",
        "Share of positions whose teacher top-1 is the target.",
        tags,
        t.teacherAccuracy());
    gauge(
        b,
        "kldrift_student_accuracy",
        "Share of positions whose student top-1 is the target.",
        tags,
        t.studentAccuracy());
  }

  private static void gauge(
      StringBuilder b, String name, String help, Map<String, String> labels, Double v) {
    header(b, name, help);
    sample(b, name, labels, v);
  }

  private static void header(StringBuilder b, String name, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static void sample(StringBuilder b, String name, Map<String, String> labels, Number v) {
    b.append(name).append('{');
    boolean first = true;
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
    }
    b.append("} ");
    // Non-finite is written NaN, as summary.json's null for it: one reading of the figure.
    // Unix timestamps keep their milliseconds (ten significant digits would round to seconds).
    if (v == null || !Double.isFinite(v.doubleValue())) {
      b.append("NaN");
    } else if (name.endsWith("_timestamp_seconds")) {
      b.append(String.format(Locale.ROOT, "%.3f", v.doubleValue()));
    } else {
      b.append(String.format(Locale.ROOT, "%.10g", v.doubleValue()));
    }
    b.append('\n');
  }

  /** Escapes a label value: backslash, double quote and newline. */
  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static Double finishedAt(Summary.RunInfo run) {
    try {
      return java.time.Instant.parse(run.startedAt()).toEpochMilli() / 1000.0
          + run.durationSeconds();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Double lastOk(Summary.LastOk ok) {
    if (ok == null) {
      return 0.0;
    }
    Double at = io.kldrift.monitor.Monitoring.epochSeconds(ok.finishedAt());
    if (at != null) {
      return at;
    }
    return (double)
        java.time.LocalDate.parse(ok.runDate())
            .atStartOfDay(java.time.ZoneOffset.UTC)
            .toEpochSecond();
  }

  private static Double mean(Summary.Stats stats) {
    return stats == null ? null : stats.mean();
  }

  private static String str(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  /**
   * Writes {@code text} to a local file (node exporter's textfile collector reads it) through a
   * temporary sibling and a rename, so the collector never sees half of it.
   */
  public static void writeTextfile(java.nio.file.Path file, String text) {
    try {
      java.nio.file.Path dir = file.toAbsolutePath().getParent();
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Path tmp =
          java.nio.file.Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      java.nio.file.Files.writeString(tmp, text, java.nio.charset.StandardCharsets.UTF_8);
      java.nio.file.Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
