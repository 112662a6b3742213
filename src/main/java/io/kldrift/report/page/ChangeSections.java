package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.esc;
import static io.kldrift.report.page.Html.fmt;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.NA;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.num;

import io.kldrift.report.ClassShares;
import io.kldrift.summary.Change;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The sections about change: the change of the mean KL against the baseline split over slice values
 * and classes (example layout) or position buckets and tokens (sequence layout), and the teacher's
 * and the student's mean probability per class.
 *
 * <p>The split is shown in nats, with one sign convention: a part that moved with the mean KL is a
 * driver and gets a share of the move (drivers add up to 100%); a part that moved against it is an
 * offset, shown as how much of the drivers' move it cancelled. No percentage is negative, so a
 * reader never has to add +71.7% and −4.5% in their head.
 */
final class ChangeSections {
  /** At most this many classes in the probability table; the largest |student − teacher| first. */
  private static final int MAX_CLASSES = 30;

  static final String CSS =
      """
      h3{font-size:14px;margin:14px 0 4px}
      .baseline-hist,.legend-baseline{fill:none;stroke:#1d2939;stroke-width:2}
      .lede{font-size:18px;font-weight:600;line-height:1.4;margin:0 0 6px}
      .attribution-table td.name{overflow-wrap:anywhere}
      td.cbar{width:180px;min-width:120px}
      .cbar-track{position:relative;display:block;height:12px;background:linear-gradient(\
      to right,transparent calc(50% - .5px),#98a2b3 calc(50% - .5px),#98a2b3 calc(50% + .5px),\
      transparent calc(50% + .5px))}
      .cbar-fill{position:absolute;top:1px;height:10px;border-radius:2px}
      .cbar-fill.up{background:#4a78c9}.cbar-fill.down{background:#d9822b}
      tr.offset td.role{color:var(--muted)}
      tr.rest td{color:var(--muted);font-style:italic}
      .pbar{display:block;height:7px;margin:2px 0;border-radius:2px}
      .pbar.teacher{background:#475467}.pbar.student{background:#d9822b}
      .key{display:inline-block;width:18px;height:8px;border-radius:2px;margin:0 4px 0 10px}
      .key.student,.key.down{background:#d9822b}.key.up{background:#4a78c9}\
      .key.teacher{background:#475467}
      """;

  private ChangeSections() {}

  /**
   * The change against the baseline and its attribution, or why there is none. The example layout
   * splits it over slice values and classes; the sequence layout ({@code s.sequences()} set) over
   * slice values, position buckets and teacher top-1 tokens, per counted position.
   */
  static void whatChanged(StringBuilder h, Summary s) {
    Change c = at(s, Summary::change);
    boolean tokens = at(s, Summary::sequences) != null;
    boolean bound = at(at(s, Summary::global), Summary.Global::bounds) != null;
    openSection(h, "change", "What changed against the baseline");
    if (c == null) {
      note(
          h,
          "No baseline: the history holds no earlier run of this dataset that baseline.mode"
              + " selects, so there is nothing to compare with yet.");
      closeSection(h);
      return;
    }
    boolean up = c.delta() >= 0;
    String move = up ? "rise" : "fall";
    h.append("<p>")
        .append(
            esc(
                (tokens ? "Mean KL per token " : "Mean KL ")
                    + num(c.baselineKlMean())
                    + " \u2192 "
                    + num(c.klMean())
                    + " nats"
                    + (bound ? " (lower bounds)" : "")
                    + " against "
                    + c.baselineRuns()
                    + ": a change of "
                    + Values.signed(c.delta())
                    + (c.ratio() == null ? "" : fmt(" (\u00d7%.2f)", c.ratio()))
                    + (c.noise() == null
                        ? ""
                        : "; the 95% confidence interval of the change is \u00b1" + num(c.noise()))
                    + (c.direction().equals("unchanged")
                        ? ". That is within the noise: the split below is mostly noise too."
                        : ".")))
        .append("</p>\n");
    note(
        h,
        "Each view splits the mean KL into parts that add up to it exactly, in this run and in"
            + " the baseline: "
            + (tokens
                ? "a slice value's, position bucket's or token's part is its share of the counted"
                    + " positions times its mean KL (n_value / n \u00d7 mean); the tokens that"
                    + " this run and every baseline run list are parts of their own, the other"
                    + " tokens one part."
                : "a slice value's part is its share of the examples times its mean KL"
                    + " (n_value / n \u00d7 mean), a class's part is its KL contribution.")
            + " So the parts' changes add up to the change of the mean KL. A driver moved with the"
            + " mean KL; its share is of the drivers' total "
            + move
            + ", and the drivers' shares add up to 100%. An offset moved the other way and"
            + " cancelled the stated share of that "
            + move
            + ".");
    legend(h);
    String n = tokens ? "Positions" : "n";
    for (Change.Attribution a : list(c.bySlice())) {
      attribution(h, a, "By " + a.dimension(), a.dimension(), n, up, false);
    }
    if (tokens) {
      attribution(
          h, c.byPosition(), "By position in the sequence", "Position bucket", n, up, false);
      attribution(h, c.byToken(), "By teacher top-1 token", "Teacher top-1 token id", n, up, false);
    } else {
      attribution(h, c.byClass(), "By class", "Class", "Teacher top-1", up, true);
    }
    closeSection(h);
  }

  private static void legend(StringBuilder h) {
    h.append("<p class=\"note\">")
        .append("<span class=\"key up\"></span>part of the mean KL rose")
        .append("<span class=\"key down\"></span>part fell (bars from the middle line, to scale")
        .append(" within a table)</p>\n");
  }

  private static void attribution(
      StringBuilder h,
      Change.Attribution a,
      String title,
      String nameHeader,
      String nHeader,
      boolean up,
      boolean classes) {
    if (a == null || list(a.parts()).isEmpty()) {
      return;
    }
    String move = up ? "rise" : "fall";
    double drivers = up ? a.increases() : a.decreases();
    double offsets = up ? a.decreases() : a.increases();
    h.append("<h3>").append(esc(title)).append("</h3>\n");
    h.append("<p class=\"note\">")
        .append(
            esc(
                "Drivers "
                    + Values.signed(up ? drivers : -drivers)
                    + ", offsets "
                    + Values.signed(up ? -offsets : offsets)
                    + ", net "
                    + Values.signed(a.increases() - a.decreases())
                    + "."))
        .append("</p>\n");
    List<Change.Part> rows = new ArrayList<>(list(a.parts()));
    double scale = 0;
    for (Change.Part p : rows) {
      scale = Math.max(scale, Math.abs(p.delta()));
    }
    if (a.rest() != null) {
      scale = Math.max(scale, Math.abs(a.rest().delta()));
    }
    h.append("<div class=\"wrap\"><table class=\"attribution-table\" data-dimension=\"")
        .append(esc(a.dimension()))
        .append("\">\n<thead><tr>");
    List<String> headers =
        List.of(
            nameHeader,
            nHeader,
            "Part of mean KL: baseline",
            "This run",
            "Change (nats)",
            "",
            "Share of the " + move);
    for (int i = 0; i < headers.size(); i++) {
      // the second to fifth columns are numbers, right-aligned like their cells
      h.append(i >= 1 && i <= 4 ? "<th class=\"num\">" : "<th>")
          .append(esc(headers.get(i)))
          .append("</th>");
    }
    h.append("</tr></thead>\n<tbody>\n");
    for (Change.Part p : rows) {
      row(h, p, classes, scale, move, false);
    }
    if (a.rest() != null) {
      row(h, a.rest(), classes, scale, move, true);
    }
    h.append("</tbody></table></div>\n");
  }

  private static void row(
      StringBuilder h, Change.Part p, boolean classes, double scale, String move, boolean rest) {
    String cls = rest ? "rest" : p.role();
    h.append("<tr class=\"").append(cls).append("\">");
    String name =
        classes && p.classIndex() != null ? p.name() + " (" + p.classIndex() + ")" : p.name();
    cell(h, "name", name);
    cell(h, "num", p.n() == null ? "" : count(p.n()));
    cell(h, "num", num(p.baseline()));
    cell(h, "num", num(p.current()));
    cell(h, "num", signedNumber(p.delta()));
    double width = scale > 0 ? 50 * Math.abs(p.delta()) / scale : 0;
    double left = p.delta() >= 0 ? 50 : 50 - width;
    h.append(
        fmt(
            "<td class=\"cbar\"><span class=\"cbar-track\"><span class=\"cbar-fill %s\""
                + " style=\"left:%.2f%%;width:%.2f%%\"></span></span></td>",
            p.delta() >= 0 ? "up" : "down", left, width));
    cell(h, "role", share(p, move));
    h.append("</tr>\n");
  }

  /** "62% of the rise", "offsets 3%", or "no change": never a negative percentage. */
  static String share(Change.Part p, String move) {
    return switch (p.role()) {
      case "driver" -> ClassShares.percent(p.share()) + " of the " + move;
      case "offset" -> "offsets " + ClassShares.percent(p.share());
      default -> "no change";
    };
  }

  private static String signedNumber(double v) {
    if (Math.abs(v) <= Change.NEGLIGIBLE) {
      return "0";
    }
    return (v < 0 ? "\u2212" : "+") + num(Math.abs(v));
  }

  private static void cell(StringBuilder h, String cls, String text) {
    h.append("<td class=\"").append(cls).append("\">").append(esc(text)).append("</td>");
  }

  /** Teacher vs student mean probability per class, with their difference. */
  static void probabilities(StringBuilder h, List<ClassRow> perClass) {
    openSection(h, "class-probabilities", "Mean class probability: teacher vs student");
    List<ClassRow> rows = new ArrayList<>(perClass.stream().filter(Objects::nonNull).toList());
    if (rows.isEmpty()) {
      note(h, "No per-class rows are available.");
      closeSection(h);
      return;
    }
    int total = rows.size();
    if (total > MAX_CLASSES) {
      rows.sort(
          Comparator.comparingDouble(
              (ClassRow r) -> -Math.abs(r.studentMeanProb() - r.teacherMeanProb())));
      rows = new ArrayList<>(rows.subList(0, MAX_CLASSES));
    }
    rows.sort(Comparator.comparingInt(ClassRow::classIndex));
    double max = 0;
    for (ClassRow r : rows) {
      max = Math.max(max, Math.max(value(r.teacherMeanProb()), value(r.studentMeanProb())));
    }
    h.append("<p class=\"note\"><span class=\"key teacher\"></span>teacher")
        .append("<span class=\"key student\"></span>student (bars to scale, largest = ")
        .append(esc(num(max)))
        .append(")</p>\n");
    h.append("<div class=\"wrap\"><table class=\"probabilities-table\">\n<thead><tr>")
        .append("<th>Class</th><th class=\"num\">Teacher mean P</th>")
        .append("<th class=\"num\">Student mean Q</th><th class=\"num\">Q \u2212 P</th>")
        .append("<th class=\"num\">Q / P</th><th>Teacher vs student</th></tr></thead>\n<tbody>\n");
    for (ClassRow r : rows) {
      double p = r.teacherMeanProb();
      double q = r.studentMeanProb();
      h.append("<tr>");
      cell(h, "name", r.className() + " (" + r.classIndex() + ")");
      cell(h, "num", num(p));
      cell(h, "num", num(q));
      cell(h, "num", signedNumber(q - p));
      cell(h, "num", p > 0 ? fmt("%.3f", q / p) : NA);
      h.append(
          fmt(
              "<td class=\"cbar\"><span class=\"pbar teacher\" style=\"width:%.2f%%\"></span>"
                  + "<span class=\"pbar student\" style=\"width:%.2f%%\"></span></td>",
              max > 0 ? 100 * value(p) / max : 0, max > 0 ? 100 * value(q) / max : 0));
      h.append("</tr>\n");
    }
    h.append("</tbody></table></div>\n");
    note(
        h,
        (total > MAX_CLASSES
                ? "The "
                    + MAX_CLASSES
                    + " of "
                    + total
                    + " classes whose mean probability moved most. "
                : "")
            + "Means over the matched examples (per_class/ teacher_mean_prob, student_mean_prob)."
            + " A class the student under-predicts (Q below P) adds to the KL where the teacher"
            + " gives it mass.");
    closeSection(h);
  }

  private static double value(double v) {
    return Double.isFinite(v) ? v : 0;
  }
}
