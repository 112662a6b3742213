package io.kldrift.report;

import static io.kldrift.report.HtmlReport.CHART_WIDTH;
import static io.kldrift.report.HtmlReport.NA;
import static io.kldrift.report.HtmlReport.at;
import static io.kldrift.report.HtmlReport.ci;
import static io.kldrift.report.HtmlReport.closeSection;
import static io.kldrift.report.HtmlReport.count;
import static io.kldrift.report.HtmlReport.esc;
import static io.kldrift.report.HtmlReport.fmt;
import static io.kldrift.report.HtmlReport.isNumeric;
import static io.kldrift.report.HtmlReport.known;
import static io.kldrift.report.HtmlReport.label;
import static io.kldrift.report.HtmlReport.legendItem;
import static io.kldrift.report.HtmlReport.line;
import static io.kldrift.report.HtmlReport.list;
import static io.kldrift.report.HtmlReport.note;
import static io.kldrift.report.HtmlReport.num;
import static io.kldrift.report.HtmlReport.openSection;
import static io.kldrift.report.HtmlReport.pct;
import static io.kldrift.report.HtmlReport.shareAbove;
import static io.kldrift.report.HtmlReport.str;
import static io.kldrift.report.HtmlReport.svgOpen;
import static io.kldrift.report.HtmlReport.verticalLabel;
import static io.kldrift.report.HtmlReport.yGrid;

import io.kldrift.report.HtmlReport.Axis;
import io.kldrift.report.HtmlReport.Col;
import io.kldrift.report.HtmlReport.Frame;
import io.kldrift.report.HtmlReport.Table;
import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.Bucket;
import io.kldrift.summary.Summary.Global;
import io.kldrift.summary.Summary.Inputs;
import io.kldrift.summary.Summary.Interval;
import io.kldrift.summary.Summary.Sequences;
import io.kldrift.summary.Summary.SliceSummary;
import io.kldrift.summary.Summary.Stats;
import io.kldrift.summary.Summary.TokenShare;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The sections of report.html for a sequence-layout summary, in place of the class ones: headline
 * figures per token and per sequence, KL by position and by teacher entropy, the tokens with the
 * most KL mass, the slices with both means, and the worst sequences.
 *
 * <p>For top-k input every KL figure is a lower bound ({@link Global#bounds()}), and how far below
 * the true KL it sits depends on the teacher's tail mass, the probability outside its listed ids,
 * which the bound merges into one cell: a change in tail mass moves the bound the way a change in
 * the student would. So every KL figure here says that it is a bound and has the tail mass next to
 * it. Like {@link HtmlReport}, every value is escaped when written and a missing one is n/a.
 */
final class SequenceSections {
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

  /** The worst-sequence figures, in the engine's order; every other column is a key or a slice. */
  private static final List<String> FIGURES =
      List.of(
          "kl",
          "kl_sum",
          "kl_max",
          "positions",
          "first_divergence",
          "teacher_tail_mass",
          "agreement");

  private static final String LOWER_BOUND = "lower bound";

  private final Summary summary;
  private final Sequences seq;
  private final Global global;

  /** What each bounded figure bounds, by metric name; null when the figures are exact. */
  private final Map<String, String> bounds;

  SequenceSections(Summary summary, Sequences seq) {
    this.summary = summary;
    this.seq = seq;
    this.global = summary.global();
    this.bounds = at(global, Global::bounds);
  }

  /** The banner's KL figure: per token, with its bound label and the tail mass next to it. */
  static String bannerFigure(Summary s, Sequences seq) {
    Global g = s.global();
    String tail = "teacher tail mass " + num(mean(seq.teacherTailMass()));
    return "KL per token "
        + num(mean(at(g, Global::kl)))
        + " nats ("
        + (at(g, Global::bounds) == null ? "" : LOWER_BOUND + "; ")
        + tail
        + ")";
  }

  // ---- headline ----

  void headline(StringBuilder h) {
    openSection(h, "headline", "Headline figures");
    Stats kl = at(global, Global::kl);
    Stats seqKl = at(global, Global::sequenceKl);
    Stats tail = seq.teacherTailMass();
    String tailText = "teacher tail mass " + num(mean(tail));
    Inputs in = at(summary, Summary::inputs);
    h.append("<div class=\"cards\">\n");
    card(
        h,
        "kl-token",
        "KL per token",
        num(mean(kl)),
        "nats",
        boundBadge("kl"),
        tailText,
        "token-weighted: the mean over " + count(at(kl, Stats::n)) + " counted positions");
    card(
        h,
        "kl-sequence",
        "KL per sequence",
        num(mean(seqKl)),
        "nats",
        boundBadge("sequence_kl"),
        tailText + " (per token)",
        "sequence-weighted: the mean of " + count(at(seqKl, Stats::n)) + " sequences' means");
    card(
        h,
        "js",
        "Jensen\u2013Shannon",
        interval(seq.js()),
        "nats",
        intervalBadge(seq.js()),
        null,
        "the interval the divergence lies in");
    card(
        h,
        "tv",
        "Total variation",
        interval(seq.totalVariation()),
        "",
        intervalBadge(seq.totalVariation()),
        null,
        "the interval the distance lies in");
    card(
        h,
        "agreement",
        "Top-1 agreement",
        pct(mean(at(global, Global::agreement))),
        "",
        null,
        null,
        "of counted positions; the first top-1 disagreement comes at position "
            + num(mean(seq.firstDivergence()))
            + " on average");
    card(
        h,
        "tail",
        "Teacher tail mass",
        num(mean(tail)),
        "",
        null,
        null,
        "probability outside the teacher's listed ids, mean per counted position (student "
            + num(mean(seq.studentTailMass()))
            + ")");
    card(
        h,
        "positions",
        "Counted positions",
        count(seq.countedPositions()),
        "",
        null,
        null,
        "of " + count(seq.positions()) + " positions; " + count(seq.maskedPositions()) + " masked");
    card(
        h,
        "sequences",
        "Sequences",
        count(seq.sequences()),
        "",
        null,
        null,
        "matched; teacher "
            + count(at(in, Inputs::teacherRows))
            + " rows, student "
            + count(at(in, Inputs::studentRows)));
    h.append("</div>\n");
    boundNote(h);
    detailTable(h, kl, seqKl, tail, in);
    note(
        h,
        "Per-class contributions, top-1 confusions and the marginal KL are figures of the example"
            + " layout and are left out: a vocabulary has no class list. The token table below"
            + " takes their place.");
    closeSection(h);
  }

  /**
   * One headline figure as a card; {@code badge} and {@code tail} may be null. The id is a constant
   * of this file, the rest is escaped.
   */
  private static void card(
      StringBuilder h,
      String id,
      String title,
      String value,
      String unit,
      Badge badge,
      String tail,
      String detail) {
    h.append(fmt("<div class=\"card\" id=\"card-%s\">", id));
    h.append("<div class=\"card-label\">").append(esc(title)).append("</div>");
    h.append("<div class=\"card-value\"><span class=\"value\">")
        .append(esc(value))
        .append("</span>");
    if (!unit.isEmpty()) {
      h.append("<span class=\"unit\">").append(esc(unit)).append("</span>");
    }
    if (badge != null) {
      badge.write(h);
    }
    h.append("</div>");
    if (tail != null) {
      h.append("<div class=\"tail\">").append(esc(tail)).append("</div>");
    }
    h.append("<div class=\"card-note\">").append(esc(detail)).append("</div></div>\n");
  }

  /** A small label next to a number, with what it means as its tooltip. */
  private record Badge(String text, String title) {
    void write(StringBuilder h) {
      h.append(
          fmt("<span class=\"bound\" title=\"%s\">%s</span>", esc(str(title)), esc(str(text))));
    }
  }

  /** "lower bound" for a KL figure of top-k input, explained by what the summary says it bounds. */
  private Badge boundBadge(String metric) {
    if (bounds == null) {
      return null;
    }
    String why = bounds.get(metric);
    return new Badge(LOWER_BOUND, why != null ? why : seq.klNote());
  }

  private Badge intervalBadge(Interval i) {
    if (bounds == null) {
      return null;
    }
    return new Badge("lower, upper bound", at(i, Interval::note));
  }

  /** What the bounds are and why the tail mass stands next to them; for exact input, the mode. */
  private void boundNote(StringBuilder h) {
    if (bounds == null) {
      note(h, "KL: " + str(seq.klNote()) + ".");
      return;
    }
    h.append("<p class=\"note\"><span class=\"bound\">")
        .append(esc(LOWER_BOUND))
        .append("</span> ")
        .append(esc("Every KL figure on this page is a " + str(seq.klNote()) + "."))
        .append(' ')
        .append(
            esc(
                "The teacher's tail mass, the probability outside its listed ids, is merged into"
                    + " one cell: the more of it there is, the further the bound may sit below the"
                    + " true KL, and a change in tail mass alone moves the bound. So each KL"
                    + " figure is shown with the tail mass next to it."))
        .append("</p>\n");
  }

  private void detailTable(StringBuilder h, Stats kl, Stats seqKl, Stats tail, Inputs in) {
    String bound = bounds == null ? "" : LOWER_BOUND;
    String tailMean = num(mean(tail));
    Table t =
        new Table(
            List.of(
                new Col("Figure", "figure"),
                new Col("Value", "num"),
                new Col("Bound", "nowrap"),
                new Col("Teacher tail mass", "num"),
                new Col("Detail", "wide")));
    t.row(
        "",
        "KL per token (nats)",
        num(mean(kl)),
        bound,
        tailMean,
        ci(kl, HtmlReport::num)
            + "; "
            + quantiles(kl)
            + "; share above: "
            + shareAbove(at(kl, Stats::shareAbove)));
    t.row(
        "",
        "KL per sequence (nats)",
        num(mean(seqKl)),
        bound,
        tailMean,
        ci(seqKl, HtmlReport::num) + "; " + quantiles(seqKl));
    Stats sum = seq.sequenceKlSum();
    Stats max = seq.sequenceKlMax();
    t.row(
        "",
        "KL summed over a sequence (nats)",
        num(mean(sum)),
        bound,
        tailMean,
        "mean over sequences; "
            + quantiles(sum)
            + "; a sequence's largest position KL: mean "
            + num(mean(max))
            + ", max "
            + num(at(max, Stats::max)));
    Stats reverse = at(global, Global::reverseKl);
    t.row(
        "",
        "Reverse KL per token (nats)",
        num(mean(reverse)),
        bound,
        tailMean,
        "KL(student \u2016 teacher); " + ci(reverse, HtmlReport::num));
    intervalRow(t, "Jensen\u2013Shannon per token (nats)", seq.js());
    intervalRow(t, "Total variation per token", seq.totalVariation());
    Stats agreement = at(global, Global::agreement);
    t.row(
        "",
        "Top-1 agreement",
        pct(mean(agreement)),
        "",
        "",
        ci(agreement, HtmlReport::pct)
            + "; the teacher's top-1 is missing from the student's list at "
            + count(seq.top1OutsideStudentList())
            + " positions, and is at rank "
            + num(mean(seq.top1Rank()))
            + " in it on average");
    Stats first = seq.firstDivergence();
    t.row(
        "",
        "First divergence (position)",
        num(mean(first)),
        "",
        "",
        "the first counted position whose top-1 tokens differ, mean over "
            + count(at(first, Stats::n))
            + " sequences (min "
            + num(at(first, Stats::min))
            + ", max "
            + num(at(first, Stats::max))
            + "); sequences whose top-1 tokens agree throughout: "
            + count(seq.sequencesWithoutDivergence()));
    t.row(
        "",
        "Teacher tail mass",
        tailMean,
        "",
        tailMean,
        quantiles(tail)
            + "; student "
            + num(mean(seq.studentTailMass()))
            + "; the two lists share "
            + pct(mean(seq.overlap()))
            + " of their ids on average");
    Stats entropy = at(global, Global::teacherEntropy);
    t.row(
        "",
        "Teacher entropy (nats)",
        num(mean(entropy)),
        bounds == null ? "" : LOWER_BOUND,
        "",
        bounds == null ? ci(entropy, HtmlReport::num) : str(bounds.get("teacher_entropy")));
    Stats perSequence = seq.countedPositionsPerSequence();
    t.row(
        "",
        "Counted positions",
        count(seq.countedPositions()),
        "",
        "",
        "of "
            + count(seq.positions())
            + " positions, "
            + count(seq.maskedPositions())
            + " masked; per sequence mean "
            + num(mean(perSequence))
            + " (min "
            + num(at(perSequence, Stats::min))
            + ", max "
            + num(at(perSequence, Stats::max))
            + "); "
            + count(seq.sequencesWithoutCountedPositions())
            + " sequences without counted positions");
    t.row(
        "",
        "Sequences",
        count(seq.sequences()),
        "",
        "",
        "matched; unmatched rows: teacher only "
            + count(at(in, Inputs::teacherOnly))
            + ", student only "
            + count(at(in, Inputs::studentOnly)));
    t.row(
        "",
        "KL mode",
        str(seq.mode()),
        "",
        "",
        str(seq.klNote())
            + "; teacher lists up to "
            + count(seq.teacherK())
            + " ids, student lists up to "
            + count(seq.studentK()));
    t.write(h, "headline-table");
  }

  private void intervalRow(Table t, String figure, Interval i) {
    Stats lower = at(i, Interval::lower);
    t.row(
        "",
        figure,
        interval(i),
        bounds == null ? "" : "lower, upper bound",
        "",
        str(at(i, Interval::note))
            + "; "
            + (bounds == null ? "" : LOWER_BOUND + " ")
            + ci(lower, HtmlReport::num));
  }

  /** {@code [lower, upper]} of the means, or one number when the bounds agree (exact input). */
  private static String interval(Interval i) {
    String lower = num(mean(at(i, Interval::lower)));
    String upper = num(mean(at(i, Interval::upper)));
    return lower.equals(upper) ? lower : "[" + lower + ", " + upper + "]";
  }

  private static String quantiles(Stats s) {
    return "p50 "
        + num(at(s, Stats::p50))
        + ", p95 "
        + num(at(s, Stats::p95))
        + ", p99 "
        + num(at(s, Stats::p99))
        + ", max "
        + num(at(s, Stats::max));
  }

  // ---- buckets ----

  void buckets(StringBuilder h) {
    openSection(h, "by-position", "KL by position in the sequence");
    List<Bucket> byPosition = present(seq.byPosition());
    bucketChart(
        h,
        "position-buckets",
        byPosition,
        "position in the sequence (0 = first token)",
        "Mean KL and teacher tail mass per position bucket");
    bucketTable(h, "position-buckets-table", "Position bucket", byPosition);
    closeSection(h);
    openSection(h, "by-entropy", "KL by teacher entropy");
    List<Bucket> byEntropy = present(seq.byTeacherEntropy());
    bucketChart(
        h,
        "entropy-buckets",
        byEntropy,
        bounds == null
            ? "teacher entropy, nats"
            : "teacher entropy of the listed cells (a lower bound), nats",
        "Mean KL and teacher tail mass per teacher-entropy bucket");
    bucketTable(h, "entropy-buckets-table", "Teacher-entropy bucket (nats)", byEntropy);
    closeSection(h);
  }

  private static List<Bucket> present(List<Bucket> buckets) {
    return list(buckets).stream().filter(Objects::nonNull).toList();
  }

  private static boolean drawn(Bucket b) {
    return b.positions() > 0 && known(b.klMean());
  }

  /**
   * Mean KL per bucket as a line over the teacher's tail mass as bars (right axis). Buckets without
   * counted positions at either end are left out; one inside is a gap in the line.
   */
  private void bucketChart(
      StringBuilder h, String id, List<Bucket> buckets, String axisTitle, String ariaLabel) {
    int first = 0;
    while (first < buckets.size() && !drawn(buckets.get(first))) {
      first++;
    }
    int last = buckets.size() - 1;
    while (last >= first && !drawn(buckets.get(last))) {
      last--;
    }
    if (first > last) {
      note(h, "No chart: no positions were counted.");
      return;
    }
    List<Bucket> shown = buckets.subList(first, last + 1);
    double klMax = 0;
    double tailMax = 0;
    for (Bucket b : shown) {
      klMax = known(b.klMean()) ? Math.max(klMax, b.klMean()) : klMax;
      tailMax = known(b.teacherTailMass()) ? Math.max(tailMax, b.teacherTailMass()) : tailMax;
    }
    Frame f = new Frame(64, 34, CHART_WIDTH - 64 - 72, 200);
    Axis y = Axis.of(klMax);
    Axis tailAxis = Axis.of(tailMax);
    String lb = bounds == null ? "" : " (" + LOWER_BOUND + ")";
    svgOpen(h, id, f.height() + 96, ariaLabel);
    yGrid(h, f, y, HtmlReport::num);
    int steps = (int) Math.round(tailAxis.max() / tailAxis.step());
    for (int i = 0; i <= steps; i++) {
      double v = i * tailAxis.step();
      double py = f.bottom() - v / tailAxis.max() * f.height();
      line(h, f.right(), py, f.right() + 5, py, "axis");
      label(h, f.right() + 8, py + 4, "start", "", num(v));
    }
    double w = f.width() / shown.size();
    for (int i = 0; i < shown.size(); i++) {
      Bucket b = shown.get(i);
      double cx = f.left() + (i + 0.5) * w;
      if (b.positions() > 0 && known(b.teacherTailMass())) {
        double bh = b.teacherTailMass() / tailAxis.max() * f.height();
        h.append(
            fmt(
                "<rect class=\"tail-bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                    + "<title>%s</title></rect>\n",
                cx - w * 0.3,
                f.bottom() - bh,
                w * 0.6,
                bh,
                esc(
                    str(b.bucket())
                        + ": teacher tail mass "
                        + num(b.teacherTailMass())
                        + " over "
                        + count(b.positions())
                        + " positions")));
      }
      label(h, cx, f.bottom() + 16, "middle", "", str(b.bucket()));
      label(h, cx, f.bottom() + 30, "middle", "", count(b.positions()) + " positions");
    }
    List<String> points = new ArrayList<>();
    for (int i = 0; i <= shown.size(); i++) {
      if (i < shown.size() && drawn(shown.get(i))) {
        points.add(fmt("%.1f,%.1f", f.left() + (i + 0.5) * w, klY(f, y, shown.get(i))));
        continue;
      }
      if (points.size() > 1) {
        h.append(fmt("<polyline class=\"bucket-kl\" points=\"%s\"/>\n", String.join(" ", points)));
      }
      points.clear();
    }
    for (int i = 0; i < shown.size(); i++) {
      Bucket b = shown.get(i);
      if (drawn(b)) {
        h.append(
            fmt(
                "<circle class=\"point-kl\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>%s</title>"
                    + "</circle>\n",
                f.left() + (i + 0.5) * w, klY(f, y, b), esc(bucketTitle(b, lb))));
      }
    }
    line(h, f.left(), f.bottom(), f.right(), f.bottom(), "axis");
    label(h, f.left() + f.width() / 2, f.bottom() + 52, "middle", "title", axisTitle);
    verticalLabel(h, 14, f.top() + f.height() / 2, "mean KL, nats");
    verticalLabel(h, CHART_WIDTH - 12, f.top() + f.height() / 2, "teacher tail mass");
    double x = legendItem(h, f.left(), 14, "legend-kl", "mean KL" + lb);
    legendItem(h, x, 14, "legend-tail", "teacher tail mass (right axis)");
    h.append("</svg>\n");
    List<String> left = new ArrayList<>();
    for (int i = 0; i < buckets.size(); i++) {
      if (i < first || i > last) {
        left.add(str(buckets.get(i).bucket()));
      }
    }
    if (!left.isEmpty()) {
      note(h, "Buckets without counted positions are not drawn: " + String.join(", ", left) + ".");
    }
  }

  private static double klY(Frame f, Axis y, Bucket b) {
    return f.bottom() - Math.min(b.klMean(), y.max()) / y.max() * f.height();
  }

  private static String bucketTitle(Bucket b, String lb) {
    return str(b.bucket())
        + ": mean KL "
        + num(b.klMean())
        + lb
        + ", teacher tail mass "
        + num(b.teacherTailMass())
        + ", "
        + pct(b.klShare())
        + " of the KL mass, agreement "
        + pct(b.agreement())
        + ", "
        + count(b.positions())
        + " positions";
  }

  private void bucketTable(StringBuilder h, String cls, String name, List<Bucket> buckets) {
    Table t =
        new Table(
            List.of(
                new Col(name, "figure"),
                new Col("Positions", "num"),
                new Col("Mean KL" + suffix(), "num"),
                new Col("Teacher tail mass", "num"),
                new Col("Share of KL mass", "num"),
                new Col("Agreement", "num")));
    for (Bucket b : buckets) {
      t.row(
          "",
          str(b.bucket()),
          count(b.positions()),
          num(b.klMean()),
          num(b.teacherTailMass()),
          pct(b.klShare()),
          pct(b.agreement()));
    }
    t.write(h, cls + " seq-table");
  }

  /** " (lower bound)" after a KL heading for top-k input. */
  private String suffix() {
    return bounds == null ? "" : " (" + LOWER_BOUND + ")";
  }

  // ---- tokens ----

  void tokens(StringBuilder h) {
    openSection(h, "tokens", "Tokens with the most KL mass");
    List<TokenShare> tokens = list(seq.topTokens()).stream().filter(Objects::nonNull).toList();
    if (tokens.isEmpty()) {
      note(h, "No tokens were counted.");
      closeSection(h);
      return;
    }
    Table t =
        new Table(
            List.of(
                new Col("#", "num"),
                new Col("Teacher top-1 token id", "num"),
                new Col("Positions", "num"),
                new Col("Mean KL" + suffix(), "num"),
                new Col("Teacher tail mass", "num"),
                new Col("Share of KL mass", "num"),
                new Col("Agreement", "num")));
    double shares = 0;
    for (int i = 0; i < tokens.size(); i++) {
      TokenShare k = tokens.get(i);
      shares += known(k.klShare()) ? k.klShare() : 0;
      t.row(
          "",
          count(i + 1),
          str(k.tokenId()),
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

  // ---- slices ----

  void slices(StringBuilder h) {
    openSection(h, "slices", "Per slice");
    List<SliceSummary> slices =
        list(at(summary, Summary::perSlice)).stream().filter(Objects::nonNull).toList();
    if (slices.isEmpty()) {
      note(h, "No slice columns are configured.");
      closeSection(h);
      return;
    }
    Table t =
        new Table(
            List.of(
                new Col("Column", ""),
                new Col("Value", ""),
                new Col("Sequences", "num"),
                new Col("Positions", "num"),
                new Col("KL per token" + suffix(), "num"),
                new Col("KL per sequence" + suffix(), "num"),
                new Col("95% CI per token", "num"),
                new Col("p95 per token", "num"),
                new Col("max per token", "num"),
                new Col(bounds == null ? "Mean JS" : "JS (lower bound)", "num"),
                new Col("Agreement", "num")));
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
          num(at(kl, Stats::ci95Low)) + " \u2013 " + num(at(kl, Stats::ci95High)),
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

  // ---- worst sequences ----

  void worstSequences(StringBuilder h, List<Map<String, Object>> rows) {
    openSection(h, "worst-sequences", "Highest-KL sequences");
    List<Map<String, Object>> present = rows.stream().filter(Objects::nonNull).toList();
    if (present.isEmpty()) {
      note(h, "No sequences were given.");
      closeSection(h);
      return;
    }
    // Keys and slices first, in the rows' order; then the figures, tail mass next to the KL.
    Set<String> ids = new LinkedHashSet<>();
    present.forEach(r -> r.keySet().stream().filter(k -> !FIGURES.contains(k)).forEach(ids::add));
    List<Col> cols = new ArrayList<>();
    ids.forEach(k -> cols.add(new Col(k, isNumeric(present, k) ? "num" : "")));
    cols.add(new Col("Mean KL" + suffix(), "num"));
    cols.add(new Col("Teacher tail mass", "num"));
    cols.add(new Col("KL sum", "num"));
    cols.add(new Col("KL max", "num"));
    cols.add(new Col("Counted positions", "num"));
    cols.add(new Col("First divergence", "num"));
    cols.add(new Col("Agreement", "num"));
    Table t = new Table(cols);
    for (Map<String, Object> r : present) {
      List<String> cells = new ArrayList<>();
      ids.forEach(k -> cells.add(str(r.get(k))));
      cells.add(num(r.get("kl")));
      cells.add(num(r.get("teacher_tail_mass")));
      cells.add(num(r.get("kl_sum")));
      cells.add(num(r.get("kl_max")));
      cells.add(count(r.get("positions")));
      // Null means the top-1 tokens agree at every counted position; absent means not given.
      Object first = r.get("first_divergence");
      cells.add(first != null ? count(first) : r.containsKey("first_divergence") ? "none" : NA);
      cells.add(pct(r.get("agreement")));
      t.row("", cells.toArray(String[]::new));
    }
    t.write(h, "worst-sequences-table seq-table");
    note(
        h,
        "Sequences by their mean KL per counted position, highest first. First divergence: the"
            + " first counted position whose top-1 tokens differ; none when they agree throughout.");
    closeSection(h);
  }

  // ---- other sections' wording ----

  /** Under the trend chart: which KL the history holds, and that it is a bound. */
  String trendNote() {
    return "The history holds KL per token"
        + (bounds == null
            ? "."
            : ", a lower bound: compare runs whose teacher tail mass is alike (this run: "
                + num(mean(seq.teacherTailMass()))
                + ").");
  }

  String histogramAxis() {
    return "KL(teacher \u2016 student) per counted position"
        + (bounds == null ? "" : ", " + LOWER_BOUND)
        + ", nats, log scale";
  }

  private static Double mean(Stats s) {
    return at(s, Stats::mean);
  }
}
