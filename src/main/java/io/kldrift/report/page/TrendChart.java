package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.esc;
import static io.kldrift.report.page.Html.fmt;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Svg.CHART_WIDTH;
import static io.kldrift.report.page.Svg.label;
import static io.kldrift.report.page.Svg.legendItem;
import static io.kldrift.report.page.Svg.line;
import static io.kldrift.report.page.Values.known;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.str;

import io.kldrift.report.page.Svg.Axis;
import io.kldrift.report.page.Svg.Frame;
import io.kldrift.summary.TrendPoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

/**
 * Mean and p99 KL over the history, one point per run, with the warn and alert levels drawn where
 * they applied: a reader sees whether tonight's figure is a jump or a slow climb.
 */
final class TrendChart {
  private TrendChart() {}

  /** The trend chart; {@code extraNote} (or null) is shown under it. */
  static void write(StringBuilder h, List<TrendPoint> history, String extraNote) {
    List<TrendPoint> runs = history.stream().filter(Objects::nonNull).toList();
    long usable = runs.stream().filter(r -> known(r.klMean()) || known(r.klP99())).count();
    if (!openSection(
        h,
        "trend",
        "Mean and p99 KL over time",
        usable < 2,
        "No trend yet: it needs at least two runs with KL figures, and the history has "
            + usable
            + ".")) {
      return;
    }
    double max = 0;
    for (TrendPoint r : runs) {
      for (Double v : Arrays.asList(r.klMean(), r.klP99(), r.warn(), r.alert())) {
        if (known(v)) {
          max = Math.max(max, v);
        }
      }
    }
    Frame f = new Frame(64, 30, CHART_WIDTH - 64 - 48, 220);
    Axis y = Axis.of(max);
    int n = runs.size();
    double step = n > 1 ? f.width() / (n - 1) : 0;
    DoubleUnaryOperator xs = i -> n > 1 ? f.left() + i * step : f.left() + f.width() / 2;
    DoubleUnaryOperator ys = v -> y.y(f, v);
    Svg.open(h, "kl-trend", f.height() + 60, "Mean and p99 KL per run");
    Svg.yGrid(h, f, y, Values::num);
    threshold(h, runs, "warn", TrendPoint::warn, xs, ys, step / 2, f);
    threshold(h, runs, "alert", TrendPoint::alert, xs, ys, step / 2, f);
    series(h, runs, TrendPoint::klP99, "trend-p99", "point-p99", "p99 KL", xs, ys);
    series(h, runs, TrendPoint::klMean, "trend-mean", "point-mean", "mean KL", xs, ys);
    line(h, f.left(), f.bottom(), f.right(), f.bottom(), "axis");
    // At most about ten date labels, counted back from the latest run so that one is always shown.
    int every = (int) Math.ceil(n / 10.0);
    for (int i = 0; i < n; i++) {
      if ((n - 1 - i) % every == 0) {
        label(h, xs.applyAsDouble(i), f.bottom() + 18, "middle", "", str(runs.get(i).runDate()));
      }
    }
    Svg.verticalLabel(h, 14, f.top() + f.height() / 2, "KL, nats");
    legend(h, f, runs);
    Svg.close(h);
    if (extraNote != null) {
      note(h, extraNote);
    }
    closeSection(h);
  }

  /** Draws one polyline per run of consecutive known values, so a missing run shows as a gap. */
  private static void series(
      StringBuilder h,
      List<TrendPoint> runs,
      Function<TrendPoint, Double> key,
      String lineClass,
      String pointClass,
      String name,
      DoubleUnaryOperator xs,
      DoubleUnaryOperator ys) {
    List<String> points = new ArrayList<>();
    for (int i = 0; i <= runs.size(); i++) {
      Double v = i < runs.size() ? key.apply(runs.get(i)) : null;
      if (known(v)) {
        points.add(Svg.point(xs.applyAsDouble(i), ys.applyAsDouble(v)));
        continue;
      }
      Svg.polyline(h, lineClass, points);
      points.clear();
    }
    for (int i = 0; i < runs.size(); i++) {
      Double v = key.apply(runs.get(i));
      if (known(v)) {
        String title = str(runs.get(i).runDate()) + ": " + name + " " + num(v);
        Svg.circle(h, pointClass, xs.applyAsDouble(i), ys.applyAsDouble(v), 3, title);
      }
    }
  }

  /**
   * Draws a threshold as horizontal segments, one per stretch of runs sharing its value, so a
   * threshold changed mid-history is drawn where it applied.
   */
  private static void threshold(
      StringBuilder h,
      List<TrendPoint> runs,
      String key,
      Function<TrendPoint, Double> level,
      DoubleUnaryOperator xs,
      DoubleUnaryOperator ys,
      double half,
      Frame f) {
    int start = 0;
    for (int i = 1; i <= runs.size(); i++) {
      Double v = level.apply(runs.get(start));
      Double next = i < runs.size() ? level.apply(runs.get(i)) : null;
      if (i < runs.size() && Objects.equals(v, next)) {
        continue;
      }
      if (known(v)) {
        double x1 = Math.max(f.left(), xs.applyAsDouble(start) - half);
        double x2 = Math.min(f.right(), xs.applyAsDouble(i - 1) + half);
        double y = ys.applyAsDouble(v);
        h.append(
            fmt(
                "<line class=\"threshold-%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
                    + "<title>%s</title></line>\n",
                key, x1, y, x2, y, esc(key + " threshold for mean KL: " + num(v))));
      }
      start = i;
    }
  }

  private static void legend(StringBuilder h, Frame f, List<TrendPoint> runs) {
    double x = f.left();
    double y = 14;
    x = legendItem(h, x, y, "legend-mean", "mean KL");
    x = legendItem(h, x, y, "legend-p99", "p99 KL");
    // Only a level that is drawn gets a legend entry.
    if (runs.stream().anyMatch(r -> known(r.warn()))) {
      x = legendItem(h, x, y, "legend-warn", "warn threshold (mean KL)");
    }
    if (runs.stream().anyMatch(r -> known(r.alert()))) {
      legendItem(h, x, y, "legend-alert", "alert threshold (mean KL)");
    }
  }
}
