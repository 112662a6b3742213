package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.ciRange;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.known;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.mean;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.str;

import io.kldrift.input.RowRule;
import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.Global;
import io.kldrift.summary.Summary.Sequences;
import io.kldrift.summary.Summary.SliceSummary;
import io.kldrift.summary.Summary.Stats;
import io.kldrift.summary.Summary.TokenShare;
import io.kldrift.summary.TokenText;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sections of a page for token sequences (the sequence layout), in place of the class ones:
 * headline figures per token and per sequence ({@link SequenceFigures}), with a target column the
 * figures about the actual next token ({@link NextTokenSection}), KL by position and by teacher
 * entropy ({@link BucketChart}), the tokens with the most KL mass, the slices with both means, and
 * the worst sequences. Classes, confusions and class marginals have no meaning over a vocabulary
 * and are left out.
 *
 * <p>For top-k input every KL figure is a lower bound ({@link Global#bounds()}), and how far below
 * the true KL it sits depends on the teacher's tail mass, the probability outside its listed ids,
 * which the bound merges into one cell: a change in tail mass moves the bound the way a change in
 * the student would. So every KL figure here says that it is a bound and has the tail mass next to
 * it.
 */
final class SequenceSections implements Sections {
  /** Styles only the sequence page uses; the example page's stylesheet stays as it was. */
  static final String CSS =
      """
      .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:10px;\
      margin:0 0 12px}
      .card{border:1px solid #e4e7ec;border-radius:6px;padding:10px 12px;background:#fbfcfd}
      .card-label{font-size:12px;font-weight:600;color:#475467}
      .card-value{font-size:22px;font-weight:700;font-variant-numeric:tabular-nums}
      .card-value .value{white-space:nowrap}
      .card-value .unit{font-size:12px;font-weight:400;color:var(--muted);margin-left:3px}
      .bound{display:inline-block;font-size:11px;font-weight:700;color:#7a4a00;\
      background:#fff1d6;border:1px solid #f0c36d;border-radius:3px;padding:0 5px;\
      margin-left:8px;vertical-align:middle}
      .tail{font-size:12.5px;font-weight:600;color:#7a4a00}
      .card-note{font-size:12px;color:var(--muted);margin-top:3px}
      .tail-bar,.legend-tail{fill:#f3c98b;stroke:#f3c98b}.legend-tail{stroke-width:8}
      .bucket-kl,.legend-kl{fill:none;stroke:var(--mean);stroke-width:2}
      .point-kl{fill:var(--mean)}
      .nowrap{white-space:nowrap}.seq-table th{white-space:normal}
      .worst-sequences-table{font-size:12.5px}.worst-sequences-table td{white-space:nowrap}
      """;

  static final String LOWER_BOUND = "lower bound";

  private final HtmlReport.Input in;
  private final Summary summary;
  private final Sequences seq;

  /** What each bounded figure bounds, by metric name; null when the figures are exact. */
  private final Map<String, String> bounds;

  SequenceSections(HtmlReport.Input in, Sequences seq) {
    this.in = in;
    this.summary = in.summary();
    this.seq = seq;
    this.bounds = at(summary.global(), Global::bounds);
  }

  @Override
  public String css() {
    return CSS;
  }

  /** The banner's KL figure: per token, with its bound label and the tail mass next to it. */
  @Override
  public String bannerFigure() {
    Global g = summary.global();
    String tail = "teacher tail mass " + num(mean(seq.teacherTailMass()));
    return "KL per token "
        + num(mean(at(g, Global::kl)))
        + " nats ("
        + (bounds == null ? "" : LOWER_BOUND + "; ")
        + tail
        + ")";
  }

  @Override
  public void figures(StringBuilder h) {
    new SequenceFigures(summary, seq).write(h);
    new NextTokenSection(summary, seq).write(h);
  }

  /** A sequence's rules; those about top-k lists only for top-k input. */
  @Override
  public boolean listsRule(RowRule rule) {
    return rule.appliesTo(true, !"exact".equals(seq.mode()));
  }

  @Override
  public void distribution(StringBuilder h) {
    BucketChart buckets = new BucketChart(suffix());
    buckets.byPosition(h, seq.byPosition());
    buckets.byEntropy(
        h,
        seq.byTeacherEntropy(),
        bounds == null
            ? "teacher entropy, nats"
            : "teacher entropy of the listed cells (a lower bound), nats");
    tokens(h);
    HistogramChart.write(
        h,
        summary,
        "position",
        "KL(teacher \u2016 student) per counted position"
            + (bounds == null ? "" : ", " + LOWER_BOUND)
            + ", nats, log scale");
  }

  /** Under the trend chart: which KL the history holds, and that it is a bound. */
  @Override
  public String trendNote() {
    return "The history holds KL per token"
        + (bounds == null
            ? "."
            : ", a lower bound: compare runs whose teacher tail mass is alike (this run: "
                + num(mean(seq.teacherTailMass()))
                + ").");
  }

  @Override
  public void tables(StringBuilder h) {
    slices(h);
    WorstRows.sequences(h, in.worstExamples(), suffix());
  }

  @Override
  public void runFields(Table t) {
    t.row("", "layout", "sequence");
    t.row("", "sequences.mode", str(seq.mode()));
    t.row("", "sequences.teacher_k", count(seq.teacherK()));
    t.row("", "sequences.student_k", count(seq.studentK()));
  }

  /** " (lower bound)" after a KL heading for top-k input. */
  private String suffix() {
    return bounds == null ? "" : " (" + LOWER_BOUND + ")";
  }

  private void tokens(StringBuilder h) {
    List<TokenShare> tokens = list(seq.topTokens()).stream().filter(Objects::nonNull).toList();
    String title = "Tokens with the most KL mass";
    if (!openSection(h, "tokens", title, tokens.isEmpty(), "No tokens were counted.")) {
      return;
    }
    Table t =
        new Table()
            .columns(
                "num",
                "#",
                seq.vocabularySize() == null ? "Teacher top-1 token id" : "Teacher top-1 token",
                "Positions",
                "Mean KL" + suffix(),
                "Teacher tail mass",
                "Share of KL mass",
                "Agreement");
    double shares = 0;
    for (int i = 0; i < tokens.size(); i++) {
      TokenShare k = tokens.get(i);
      shares += known(k.klShare()) ? k.klShare() : 0;
      t.row(
          "",
          count(i + 1),
          TokenText.label(k.tokenId(), k.token(), seq.vocabularySize()),
          count(k.positions()),
          num(k.klMean()),
          num(k.teacherTailMass()),
          pct(k.klShare()),
          pct(k.agreement()));
    }
    t.write(h, "tokens-table seq-table");
    boolean table = list(at(summary, Summary::tables)).contains("per_token");
    note(
        h,
        "Counted positions grouped by the teacher's top-1 token id, the largest KL mass (positions"
            + " \u00d7 mean KL) first; these "
            + tokens.size()
            + " tokens hold "
            + pct(shares)
            + " of it."
            + (table ? " The per_token table lists every token." : ""));
    closeSection(h);
  }

  private void slices(StringBuilder h) {
    List<SliceSummary> slices =
        list(at(summary, Summary::perSlice)).stream().filter(Objects::nonNull).toList();
    Table t = Table.openSlices(h, slices.isEmpty());
    if (t == null) {
      return;
    }
    t.columns(
        "num",
        "Sequences",
        "Positions",
        "KL per token" + suffix(),
        "KL per sequence" + suffix(),
        "95% CI per token",
        "p95 per token",
        "max per token",
        bounds == null ? "Mean JS" : "JS (lower bound)",
        "Agreement");
    for (SliceSummary sl : slices) {
      Stats kl = sl.kl();
      Stats seqKl = sl.sequenceKl();
      t.row(
          "",
          str(sl.column()),
          str(sl.value()),
          count(at(seqKl, Stats::n)),
          count(at(kl, Stats::n)),
          num(mean(kl)),
          num(mean(seqKl)),
          ciRange(kl),
          num(at(kl, Stats::p95)),
          num(at(kl, Stats::max)),
          num(mean(sl.js())),
          pct(mean(sl.agreement())));
    }
    t.write(h, "slices-table seq-table");
    note(
        h,
        "KL per token weighs every counted position alike, KL per sequence every sequence alike"
            + " (a long sequence counts as much as a short one)."
            + (bounds == null
                ? ""
                : " Both are lower bounds; the summary has no tail mass per slice (over all"
                    + " positions: "
                    + num(mean(seq.teacherTailMass()))
                    + ")."));
    closeSection(h);
  }
}
