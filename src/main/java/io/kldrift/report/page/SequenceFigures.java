package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.esc;
import static io.kldrift.report.page.Html.fmt;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.SequenceSections.LOWER_BOUND;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.ci;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.mean;
import static io.kldrift.report.page.Values.minMax;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.quantiles;
import static io.kldrift.report.page.Values.shareAbove;
import static io.kldrift.report.page.Values.sides;
import static io.kldrift.report.page.Values.str;

import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.Global;
import io.kldrift.summary.Summary.Inputs;
import io.kldrift.summary.Summary.Interval;
import io.kldrift.summary.Summary.Sequences;
import io.kldrift.summary.Summary.Stats;
import java.util.Map;

/**
 * The headline figures of a sequence page: cards for the figures a reader looks at first, each KL
 * card with its bound label and the teacher's tail mass, then a table with every figure's detail.
 */
final class SequenceFigures {
  private final Summary summary;
  private final Sequences seq;
  private final Global global;

  /** What each bounded figure bounds, by metric name; null when the figures are exact. */
  private final Map<String, String> bounds;

  SequenceFigures(Summary summary, Sequences seq) {
    this.summary = summary;
    this.seq = seq;
    this.global = summary.global();
    this.bounds = at(global, Global::bounds);
  }

  void write(StringBuilder h) {
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
    intervalCard(h, "js", "Jensen\u2013Shannon", seq.js(), "nats", "divergence");
    intervalCard(h, "tv", "Total variation", seq.totalVariation(), "", "distance");
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

  /** A card for a figure known as an interval ({@code what}: "divergence", "distance"). */
  private void intervalCard(
      StringBuilder h, String id, String title, Interval i, String unit, String what) {
    card(
        h,
        id,
        title,
        interval(i),
        unit,
        intervalBadge(i),
        null,
        "the interval the " + what + " lies in");
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
        new Table()
            .columns("figure", "Figure")
            .columns("num", "Value")
            .columns("nowrap", "Bound")
            .columns("num", "Teacher tail mass")
            .columns("wide", "Detail");
    t.row(
        "",
        "KL per token (nats)",
        num(mean(kl)),
        bound,
        tailMean,
        ci(kl, Values::num)
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
        ci(seqKl, Values::num) + "; " + quantiles(seqKl));
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
        "KL(student \u2016 teacher); " + ci(reverse, Values::num));
    intervalRow(t, "Jensen\u2013Shannon per token (nats)", seq.js());
    intervalRow(t, "Total variation per token", seq.totalVariation());
    Stats agreement = at(global, Global::agreement);
    t.row(
        "",
        "Top-1 agreement",
        pct(mean(agreement)),
        "",
        "",
        ci(agreement, Values::pct)
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
            + " sequences ("
            + minMax(first)
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
        bound,
        "",
        bounds == null ? ci(entropy, Values::num) : str(bounds.get("teacher_entropy")));
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
            + " ("
            + minMax(perSequence)
            + "); "
            + count(seq.sequencesWithoutCountedPositions())
            + " sequences without counted positions");
    t.row(
        "",
        "Sequences",
        count(seq.sequences()),
        "",
        "",
        "matched; unmatched rows: "
            + sides(
                " only", at(in, Inputs::teacherOnly), at(in, Inputs::studentOnly), Values::count));
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
            + ci(lower, Values::num));
  }

  /** {@code [lower, upper]} of the means, or one number when the bounds agree (exact input). */
  private static String interval(Interval i) {
    String lower = num(mean(at(i, Interval::lower)));
    String upper = num(mean(at(i, Interval::upper)));
    return lower.equals(upper) ? lower : "[" + lower + ", " + upper + "]";
  }
}
