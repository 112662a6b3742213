package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.ci;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.mean;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.sides;
import static io.kldrift.report.page.Values.str;

import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.Global;
import io.kldrift.summary.Summary.Sequences;
import io.kldrift.summary.Summary.Stats;
import io.kldrift.summary.Summary.Target;
import io.kldrift.summary.Summary.TargetGroup;
import io.kldrift.summary.TokenText;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The "next token" section of a sequence page, with a target column: the figures about the token
 * that actually came next, as quantization and distillation tools report them (each model's
 * perplexity, ln(PPL ratio) with its interval, Δp mean, RMS and quantiles, each model's accuracy
 * beside top-1 agreement, the positions whose target was missing), then the same figures per slice
 * value, position bucket, teacher-entropy bucket and token. Every cell is escaped by {@link Table}.
 */
final class NextTokenSection {
  private final Summary summary;
  private final Sequences seq;

  NextTokenSection(Summary summary, Sequences seq) {
    this.summary = summary;
    this.seq = seq;
  }

  /** Writes the section; nothing without target figures (no target column). */
  void write(StringBuilder h) {
    Global g = summary.global();
    Target t = at(g, Global::target);
    if (t == null) {
      return;
    }
    openSection(h, "next-token", "Next token");
    if (t.note() != null) {
      note(h, "The target figures are " + t.note() + ".");
    }
    figures(h, t, at(g, Global::agreement));
    groups(h);
    closeSection(h);
  }

  private static void figures(StringBuilder h, Target t, Stats agreement) {
    Table table =
        new Table().columns("figure", "Figure").columns("num", "Value").columns("wide", "Detail");
    table.row(
        "",
        "Perplexity, teacher \u2192 student",
        num(t.teacherPpl()) + " \u2192 " + num(t.studentPpl()),
        "exp of the mean negative log-likelihood of the target, over "
            + count(t.n())
            + " counted positions whose target is known on both sides");
    table.row(
        "",
        "Mean NLL (nats)",
        sides("", t.teacherNllMean(), t.studentNllMean(), Values::num),
        "\u2212ln p(target), the mean per token");
    table.row(
        "",
        "ln(PPL student / PPL teacher)",
        num(t.lnPplRatio()),
        ci(t.lnPplRatioCi95Low(), t.lnPplRatioCi95High())
            + " from the paired per-token differences; above 0 the student finds the text"
            + " less likely");
    Stats dp = t.deltaP();
    table.row(
        "",
        "\u0394p = p_student(target) \u2212 p_teacher(target)",
        num(t.deltaPMean()),
        ci(t.deltaPCi95Low(), t.deltaPCi95High())
            + "; RMS "
            + num(t.deltaPRms())
            + "; "
            + tails(dp));
    table.row(
        "",
        "Accuracy (top-1 is the target)",
        sides("", t.teacherAccuracy(), t.studentAccuracy(), Values::pct),
        "beside top-1 agreement (the two top-1 tokens alike) " + pct(mean(agreement)));
    table.row(
        "",
        "Missing targets",
        sides("", t.teacherTargetMissing(), t.studentTargetMissing(), Values::count),
        "counted positions whose target log-probability is not known on that side (not in its"
            + " list, no target column, an ignored label): left out, never guessed");
    table.write(h, "next-token-table");
  }

  /** The quantiles llama.cpp lists for Δp, from the minimum to the maximum. */
  private static String tails(Stats s) {
    List<String> labels =
        List.of("min", "p01", "p05", "p10", "p50", "p90", "p95", "p99", "p99.9", "max");
    List<Function<Stats, Double>> values =
        List.of(
            Stats::min,
            Stats::p01,
            Stats::p05,
            Stats::p10,
            Stats::p50,
            Stats::p90,
            Stats::p95,
            Stats::p99,
            Stats::p999,
            Stats::max);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      parts.add(labels.get(i) + " " + num(at(s, values.get(i))));
    }
    return String.join(", ", parts);
  }

  /** The figures per slice value, position bucket, teacher-entropy bucket and listed token. */
  private void groups(StringBuilder h) {
    Table table =
        new Table()
            .columns("", "Group", "Value")
            .columns(
                "num",
                "Positions",
                "Teacher PPL",
                "Student PPL",
                "ln(PPL ratio)",
                "95% CI",
                "\u0394p mean",
                "\u0394p RMS",
                "Teacher accuracy",
                "Student accuracy",
                "Missing (teacher, student)");
    int rows = 0;
    for (Summary.SliceSummary s :
        list(summary.perSlice()).stream().filter(Objects::nonNull).toList()) {
      rows += row(table, str(s.column()), str(s.value()), s.target());
    }
    for (Summary.Bucket b : list(seq.byPosition())) {
      rows += row(table, "position", str(b.bucket()), b.target());
    }
    for (Summary.Bucket b : list(seq.byTeacherEntropy())) {
      rows += row(table, "teacher entropy", str(b.bucket()), b.target());
    }
    for (Summary.TokenShare k : list(seq.topTokens())) {
      String label = TokenText.label(k.tokenId(), k.token(), seq.vocabularySize());
      rows += row(table, "teacher top-1 token", label, k.target());
    }
    if (seq.targetNote() != null) {
      note(h, "By group: " + seq.targetNote() + ".");
    }
    if (rows == 0) {
      return;
    }
    table.write(h, "next-token-groups seq-table");
    note(
        h,
        "The same figures per slice value, position bucket, teacher-entropy bucket and listed"
            + " token (the positions whose teacher top-1 is that token); groups without counted"
            + " positions are left out.");
  }

  /** Adds a group's row when it has counted positions; returns the rows added. */
  private static int row(Table table, String group, String value, TargetGroup t) {
    if (t == null) {
      return 0;
    }
    long n = t.n() == null ? 0 : t.n();
    long missing =
        (t.teacherTargetMissing() == null ? 0 : t.teacherTargetMissing())
            + (t.studentTargetMissing() == null ? 0 : t.studentTargetMissing());
    if (t.n() != null && n == 0 && missing == 0) {
      return 0;
    }
    table.row(
        "",
        group,
        value,
        count(t.n()),
        num(t.teacherPpl()),
        num(t.studentPpl()),
        num(t.lnPplRatio()),
        num(t.lnPplRatioCi95Low()) + " \u2013 " + num(t.lnPplRatioCi95High()),
        num(t.deltaPMean()),
        num(t.deltaPRms()),
        pct(t.teacherAccuracy()),
        pct(t.studentAccuracy()),
        count(t.teacherTargetMissing()) + ", " + count(t.studentTargetMissing()));
    return 1;
  }
}
