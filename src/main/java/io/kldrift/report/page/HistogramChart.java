package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.fmt;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Svg.CHART_WIDTH;
import static io.kldrift.report.page.Svg.bar;
import static io.kldrift.report.page.Svg.label;
import static io.kldrift.report.page.Svg.legendItem;
import static io.kldrift.report.page.Svg.line;
import static io.kldrift.report.page.Svg.verticalLabel;
import static io.kldrift.report.page.Svg.yGrid;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;

import io.kldrift.report.page.Svg.Axis;
import io.kldrift.report.page.Svg.Frame;
import io.kldrift.summary.Change;
import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.Histogram;
import java.util.ArrayList;
import java.util.List;

/**
 * The KL histogram on its log-spaced bins, with the baseline's histogram drawn over it as a step
 * line when the summary has one on the same bins. The baseline is scaled to this run's number of
 * examples (its share of examples per bin × this run's count), so the two shapes compare even when
 * the runs differ in size.
 */
final class HistogramChart {
  private HistogramChart() {}

  /**
   * The run's KL histogram, with the baseline's over it when the summary has one; {@code unit} is
   * what one count is (an example, or a position), {@code axisTitle} names the KL it bins.
   */
  static void write(StringBuilder h, Summary s, String unit, String axisTitle) {
    Change change = at(s, Summary::change);
    write(
        h,
        at(Values.klStats(s), Summary.Stats::histogram),
        unit,
        axisTitle,
        at(change, Change::baselineHistogramShares),
        at(change, Change::baselineRuns));
  }

  /**
   * {@code unit} is what one count is (an example, or a position), {@code axisTitle} names the KL
   * it bins; {@code baselineShares} (or null) is the baseline's share of examples per bin, and
   * {@code baselineName} says which run(s) it is.
   */
  static void write(
      StringBuilder h,
      Histogram hist,
      String unit,
      String axisTitle,
      List<Double> baselineShares,
      String baselineName) {
    openSection(h, "histogram", "Per-" + unit + " KL (log-spaced bins)");
    List<Long> counts = list(at(hist, Histogram::counts));
    List<Double> edges = list(at(hist, Histogram::edges));
    double total = 0;
    for (Long c : counts) {
      total += value(c);
    }
    List<Double> base =
        baselineShares != null && baselineShares.size() == counts.size() ? baselineShares : null;
    double[] expected = new double[counts.size()];
    for (int b = 0; b < counts.size() && base != null; b++) {
      expected[b] = value(base.get(b)) * total;
    }
    int first = 0;
    while (first < counts.size() && value(counts.get(first)) <= 0 && expected[first] <= 0) {
      first++;
    }
    int last = counts.size() - 1;
    while (last >= first && value(counts.get(last)) <= 0 && expected[last] <= 0) {
      last--;
    }
    if (first > last || total == 0) {
      note(h, "No histogram: no " + unit + "s were counted.");
      closeSection(h);
      return;
    }
    double max = 0;
    for (int b = 0; b < counts.size(); b++) {
      max = Math.max(max, Math.max(value(counts.get(b)), expected[b]));
    }
    // Empty bins at both ends are left out: the configured range spans 8 decades, the data rarely.
    Frame f = new Frame(64, base == null ? 16 : 30, CHART_WIDTH - 84, 220);
    Axis y = Axis.of(max);
    Svg.open(h, "kl-histogram", f.height() + f.top() + 50, "Histogram of per-" + unit + " KL");
    yGrid(h, f, y, Values::count);
    int bins = last - first + 1;
    double w = f.width() / bins;
    List<String> step = new ArrayList<>();
    for (int b = first; b <= last; b++) {
      double c = value(counts.get(b));
      double bh = c / y.max() * f.height();
      double x = f.left() + (b - first) * w;
      String title =
          binLabel(b, edges, counts.size())
              + ": "
              + count(c)
              + " "
              + unit
              + "s ("
              + pct(c / total)
              + ")"
              + (base == null ? "" : "; baseline " + pct(value(base.get(b))));
      if (c > 0) {
        bar(h, x + 1, f.bottom() - bh, Math.max(w - 2, 1), bh, title);
      }
      double by = f.bottom() - expected[b] / y.max() * f.height();
      step.add(fmt("%.1f,%.1f %.1f,%.1f", x, by, x + w, by));
      if (b < last && b < edges.size() && isDecade(value(edges.get(b)))) {
        double tx = x + w;
        line(h, tx, f.bottom(), tx, f.bottom() + 5, "axis");
        label(h, tx, f.bottom() + 18, "middle", "", decade(value(edges.get(b))));
      }
    }
    if (base != null) {
      h.append(fmt("<polyline class=\"baseline-hist\" points=\"%s\">", String.join(" ", step)))
          .append("<title>")
          .append(Html.esc("baseline (" + baselineName + "), scaled to this run's count"))
          .append("</title></polyline>\n");
      double lx = legendSwatch(h, f.left(), 14);
      legendItem(
          h,
          lx,
          14,
          "legend-baseline",
          "baseline (" + baselineName + "), scaled to this run's count");
    }
    line(h, f.left(), f.bottom(), f.right(), f.bottom(), "axis");
    label(h, f.left() + f.width() / 2, f.bottom() + 40, "middle", "title", axisTitle);
    verticalLabel(h, 14, f.top() + f.height() / 2, unit + "s");
    h.append("</svg>\n");
    note(
        h,
        "Bars span log-spaced bins; empty bins at both ends are not drawn. Hover a bar for its"
            + " range."
            + (base == null
                ? ""
                : " The line is the baseline's histogram with the same number of " + unit + "s."));
    closeSection(h);
  }

  /** The legend entry for the bars; returns where the next entry starts. */
  private static double legendSwatch(StringBuilder h, double x, double y) {
    h.append(
        fmt(
            "<rect class=\"bar legend-bar\" x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"9\"/>\n",
            x, y - 9));
    label(h, x + 30, y, "start", "", "this run");
    return x + 44 + 6 * "this run".length();
  }

  private static String binLabel(int bin, List<Double> edges, int bins) {
    if (edges.size() != bins - 1) {
      return "bin " + bin;
    }
    if (bin == 0) {
      return "KL < " + num(edges.get(0));
    }
    if (bin == edges.size()) {
      return "KL \u2265 " + num(edges.get(bin - 1));
    }
    return num(edges.get(bin - 1)) + " \u2264 KL < " + num(edges.get(bin));
  }

  /** A power of ten as an axis label: plain near 1, 1e-6 style further out. */
  private static String decade(double edge) {
    long exponent = Math.round(Math.log10(edge));
    return Math.abs(exponent) <= 3 ? num(edge) : "1e" + exponent;
  }

  private static boolean isDecade(double edge) {
    if (!(edge > 0) || Double.isInfinite(edge)) {
      return false;
    }
    double e = Math.log10(edge);
    return Math.abs(e - Math.rint(e)) < 1e-9;
  }

  private static double value(Object o) {
    Double d = Values.dbl(o);
    return d == null || d.isNaN() ? 0 : d;
  }
}
