package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Svg.CHART_WIDTH;
import static io.kldrift.report.page.Svg.label;
import static io.kldrift.report.page.Svg.line;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.str;

import io.kldrift.report.ClassShares;
import io.kldrift.report.page.Svg.Axis;
import io.kldrift.report.page.Svg.Frame;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary.ClassShare;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

/**
 * The per-class KL contributions as a bar chart around zero, the largest |contribution| first: a
 * class that adds KL to the right, one that offsets it to the left, each with its share of the KL
 * the classes add ({@link ClassShares}).
 */
final class ClassChart {
  /** At most this many classes are drawn; more would make bars too thin to read or label. */
  private static final int MAX_CLASSES = 30;

  private static final int MAX_LABEL_CHARS = 26;
  private static final int LABEL_RIGHT = 192;

  private ClassChart() {}

  /**
   * One class as the chart draws it: a per_class row, or one of the summary's top classes, which
   * lack the top-1 and support figures ({@code row} null, shown as n/a).
   */
  record ClassBar(ClassShare share, ClassRow row) {
    static ClassBar of(ClassRow r) {
      return new ClassBar(r.share(), r);
    }

    static ClassBar of(ClassShare c) {
      return new ClassBar(c, null);
    }

    double klContribution() {
      return share.klContribution();
    }

    /** A figure only a per_class row has, or null. */
    <T> T detail(Function<ClassRow, T> figure) {
      return row == null ? null : figure.apply(row);
    }
  }

  /** The bars: the per_class rows, or without them the summary's top classes (or null). */
  static List<ClassBar> bars(List<ClassRow> perClass, List<ClassShare> topClasses) {
    if (perClass.isEmpty()) {
      return Values.list(topClasses).stream().filter(Objects::nonNull).map(ClassBar::of).toList();
    }
    return perClass.stream().filter(Objects::nonNull).map(ClassBar::of).toList();
  }

  static void write(StringBuilder h, List<ClassBar> rows) {
    String title = "Per-class KL contributions";
    // An undefined contribution (summary.json's null) has no bar.
    List<ClassBar> drawn =
        new ArrayList<>(rows.stream().filter(r -> Double.isFinite(r.klContribution())).toList());
    if (!openSection(
        h, "classes", title, drawn.isEmpty(), "No per-class contributions are available.")) {
      return;
    }
    drawn.sort(Comparator.comparingDouble(r -> -Math.abs(r.klContribution())));
    // Shares are of the positive contributions' total, so none is negative (see ChangeSections).
    double added = ClassShares.added(drawn.stream().map(ClassBar::klContribution).toList());
    int total = drawn.size();
    drawn = drawn.subList(0, Math.min(MAX_CLASSES, total));
    double lo = Math.min(0, drawn.stream().mapToDouble(ClassBar::klContribution).min().orElse(0));
    double hi = Math.max(0, drawn.stream().mapToDouble(ClassBar::klContribution).max().orElse(0));
    double span = hi > lo ? hi - lo : 1;
    double rowHeight = 22;
    Frame f =
        new Frame(LABEL_RIGHT + 8, 24, CHART_WIDTH - LABEL_RIGHT - 158, rowHeight * drawn.size());
    DoubleUnaryOperator x = v -> f.left() + (v - lo) / span * f.width();
    Svg.open(h, "class-contributions", f.height() + 68, title);
    label(h, LABEL_RIGHT, 14, "end", "title", "class (index)");
    label(h, CHART_WIDTH - 8, 14, "end", "title", "nats (share of the KL added)");
    for (int i = 0; i < drawn.size(); i++) {
      bar(h, drawn.get(i), f.top() + i * rowHeight, rowHeight, x, added);
    }
    double step = Axis.niceStep(span / 5);
    for (long k = (long) Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) {
      double tx = x.applyAsDouble(k * step);
      line(h, tx, f.bottom(), tx, f.bottom() + 5, "axis");
      label(h, tx, f.bottom() + 18, "middle", "", k == 0 ? "0" : num(k * step));
    }
    double zero = x.applyAsDouble(0);
    line(h, zero, f.top() - 4, zero, f.bottom() + 4, "axis");
    label(h, f.left() + f.width() / 2, f.bottom() + 38, "middle", "title", "KL contribution, nats");
    Svg.close(h);
    String shown =
        total > MAX_CLASSES
            ? "The " + MAX_CLASSES + " of " + total + " classes with the largest |contribution|. "
            : "";
    note(
        h,
        shown
            + "Contributions sum to the mean KL. A positive one adds KL; its share is of the"
            + " positive contributions' total, "
            + num(added)
            + " nats, so those shares add up to 100%. A negative one (left of zero) means the"
            + " student on average gives that class more probability than the teacher; it offsets"
            + " the stated share of that total.");
    closeSection(h);
  }

  private static void bar(
      StringBuilder h,
      ClassBar r,
      double y,
      double rowHeight,
      DoubleUnaryOperator x,
      double added) {
    double v = r.klContribution();
    double zero = x.applyAsDouble(0);
    double end = x.applyAsDouble(v);
    String name = str(r.share().className());
    h.append(v < 0 ? "<g class=\"neg\">" : "<g class=\"pos\">");
    label(
        h,
        LABEL_RIGHT,
        y + rowHeight / 2 + 4,
        "end",
        "",
        shorten(name) + " (" + count(r.share().classIndex()) + ")");
    Svg.bar(
        h,
        Math.min(zero, end),
        y + 3,
        Math.max(Math.abs(end - zero), 1),
        rowHeight - 6,
        title(r, ClassShares.of(v, added)));
    label(
        h,
        CHART_WIDTH - 8,
        y + rowHeight / 2 + 4,
        "end",
        "",
        num(v) + " (" + ClassShares.of(v, added) + ")");
    h.append("</g>\n");
  }

  private static String title(ClassBar r, String share) {
    ClassShare c = r.share();
    return str(c.className())
        + " (class "
        + count(c.classIndex())
        + "): contribution "
        + num(c.klContribution())
        + " nats ("
        + share
        + " of the KL added by classes); mean probability teacher "
        + num(c.teacherMeanProb())
        + ", student "
        + num(c.studentMeanProb())
        + "; support violations "
        + count(r.detail(ClassRow::supportViolations))
        + "; teacher top-1 "
        + count(r.detail(ClassRow::teacherTop1Count))
        + " (mean KL "
        + num(r.detail(ClassRow::teacherTop1MeanKl))
        + ", agreement "
        + pct(r.detail(ClassRow::teacherTop1Agreement))
        + "), student top-1 "
        + count(r.detail(ClassRow::studentTop1Count));
  }

  /** Shortens a label for a chart axis; the full text stays in the bar's tooltip. */
  private static String shorten(String s) {
    if (s.codePointCount(0, s.length()) <= MAX_LABEL_CHARS) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, MAX_LABEL_CHARS - 1)) + "\u2026";
  }
}
