package io.kldrift.report.page;

import static io.kldrift.report.page.Html.esc;
import static io.kldrift.report.page.Html.fmt;

import java.util.List;
import java.util.function.Function;

/**
 * Inline SVG primitives for the page's charts: a plot frame, a round value axis, and the elements
 * drawn in it. Every text is escaped; CSS classes come from this package.
 */
final class Svg {
  /** The width of every chart, in user units; the page scales it to the window. */
  static final int CHART_WIDTH = 1080;

  private Svg() {}

  /** A plot area inside an SVG, in user units. */
  record Frame(double left, double top, double width, double height) {
    double right() {
      return left + width;
    }

    double bottom() {
      return top + height;
    }
  }

  /** A value axis from 0 to a round maximum, with round gridline steps. */
  record Axis(double max, double step) {
    static Axis of(double dataMax) {
      if (!(dataMax > 0) || Double.isInfinite(dataMax)) {
        return new Axis(1, 0.25);
      }
      double step = niceStep(dataMax / 4);
      return new Axis(Math.ceil(dataMax / step - 1e-9) * step, step);
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least {@code raw}. */
    static double niceStep(double raw) {
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      for (double m : new double[] {1, 2, 2.5, 5}) {
        if (m * magnitude >= raw) {
          return m * magnitude;
        }
      }
      return 10 * magnitude;
    }

    /** The y of {@code v} in {@code f}, clipped to the axis. */
    double y(Frame f, double v) {
      return f.bottom() - Math.max(0, Math.min(v, max)) / max * f.height();
    }
  }

  static void open(StringBuilder h, String id, double height, String label) {
    h.append(
        fmt(
            "<svg id=\"%s\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%.0f\""
                + " viewBox=\"0 0 %d %.0f\">\n",
            id, esc(label), CHART_WIDTH, height, CHART_WIDTH, height));
  }

  static void close(StringBuilder h) {
    h.append("</svg>\n");
  }

  /** Horizontal gridlines with their values on the left. */
  static void yGrid(StringBuilder h, Frame f, Axis y, Function<Object, String> format) {
    int steps = (int) Math.round(y.max() / y.step());
    for (int i = 0; i <= steps; i++) {
      double v = i * y.step();
      double py = f.bottom() - v / y.max() * f.height();
      line(h, f.left(), py, f.right(), py, "grid");
      label(h, f.left() - 6, py + 4, "end", "", format.apply(v));
    }
  }

  static void bar(StringBuilder h, double x, double y, double w, double height, String title) {
    rect(h, "bar", x, y, w, height, title);
  }

  static void rect(
      StringBuilder h, String cls, double x, double y, double w, double height, String title) {
    h.append(
        fmt(
            "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                + "<title>%s</title></rect>\n",
            cls, x, y, w, height, esc(title)));
  }

  static void line(StringBuilder h, double x1, double y1, double x2, double y2, String cls) {
    h.append(
        fmt(
            "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            cls, x1, y1, x2, y2));
  }

  /** A polyline through {@code points} ("x,y" each); nothing for fewer than two. */
  static void polyline(StringBuilder h, String cls, List<String> points) {
    if (points.size() > 1) {
      h.append(fmt("<polyline class=\"%s\" points=\"%s\"/>\n", cls, String.join(" ", points)));
    }
  }

  static String point(double x, double y) {
    return fmt("%.1f,%.1f", x, y);
  }

  /** A data point with its tooltip. */
  static void circle(StringBuilder h, String cls, double x, double y, int r, String title) {
    h.append(
        fmt(
            "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"><title>%s</title></circle>\n",
            cls, x, y, r, esc(title)));
  }

  static void label(
      StringBuilder h, double x, double y, String anchor, String cls, String content) {
    h.append(
        fmt(
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>\n",
            x, y, anchor, cls, esc(content)));
  }

  /** A y-axis title, rotated to run along the axis. */
  static void verticalLabel(StringBuilder h, double x, double y, String content) {
    h.append(
        fmt(
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"title\""
                + " transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
            x, y, x, y, esc(content)));
  }

  /** Draws one legend entry and returns where the next one starts. */
  static double legendItem(StringBuilder h, double x, double y, String cls, String name) {
    line(h, x, y - 4, x + 24, y - 4, cls);
    label(h, x + 30, y, "start", "", name);
    // About 6 units per character at the 11-unit label font.
    return x + 44 + 6 * name.length();
  }
}
