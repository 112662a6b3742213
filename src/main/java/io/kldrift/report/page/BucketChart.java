package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Svg.CHART_WIDTH;
import static io.kldrift.report.page.Svg.label;
import static io.kldrift.report.page.Svg.legendItem;
import static io.kldrift.report.page.Svg.line;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.known;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.str;

import io.kldrift.report.page.Svg.Axis;
import io.kldrift.report.page.Svg.Frame;
import io.kldrift.summary.Summary.Bucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * KL by position in the sequence and by teacher entropy: per bucket, the mean KL as a line over the
 * teacher's tail mass as bars (right axis), and the same figures as a table.
 */
final class BucketChart {
  /** " (lower bound)" after each KL label for top-k input, else empty. */
  private final String klSuffix;

  BucketChart(String klSuffix) {
    this.klSuffix = klSuffix;
  }

  void byPosition(StringBuilder h, List<Bucket> buckets) {
    openSection(h, "by-position", "KL by position in the sequence");
    List<Bucket> shown = present(buckets);
    chart(
        h,
        "position-buckets",
        shown,
        "position in the sequence (0 = first token)",
        "Mean KL and teacher tail mass per position bucket");
    table(h, "position-buckets-table", "Position bucket", shown);
    closeSection(h);
  }

  void byEntropy(StringBuilder h, List<Bucket> buckets, String axisTitle) {
    openSection(h, "by-entropy", "KL by teacher entropy");
    List<Bucket> shown = present(buckets);
    chart(
        h,
        "entropy-buckets",
        shown,
        axisTitle,
        "Mean KL and teacher tail mass per teacher-entropy bucket");
    table(h, "entropy-buckets-table", "Teacher-entropy bucket (nats)", shown);
    closeSection(h);
  }

  private static List<Bucket> present(List<Bucket> buckets) {
    return list(buckets).stream().filter(Objects::nonNull).toList();
  }

  private static boolean drawn(Bucket b) {
    return b.positions() > 0 && known(b.klMean());
  }

  /** Buckets without counted positions at either end are left out; one inside is a gap. */
  private void chart(
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
    Svg.open(h, id, f.height() + 96, ariaLabel);
    Svg.yGrid(h, f, y, Values::num);
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
        Svg.rect(
            h,
            "tail-bar",
            cx - w * 0.3,
            f.bottom() - bh,
            w * 0.6,
            bh,
            str(b.bucket())
                + ": teacher tail mass "
                + num(b.teacherTailMass())
                + " over "
                + count(b.positions())
                + " positions");
      }
      label(h, cx, f.bottom() + 16, "middle", "", str(b.bucket()));
      label(h, cx, f.bottom() + 30, "middle", "", count(b.positions()) + " positions");
    }
    List<String> points = new ArrayList<>();
    for (int i = 0; i <= shown.size(); i++) {
      if (i < shown.size() && drawn(shown.get(i))) {
        points.add(Svg.point(f.left() + (i + 0.5) * w, klY(f, y, shown.get(i))));
        continue;
      }
      Svg.polyline(h, "bucket-kl", points);
      points.clear();
    }
    for (int i = 0; i < shown.size(); i++) {
      Bucket b = shown.get(i);
      if (drawn(b)) {
        Svg.circle(h, "point-kl", f.left() + (i + 0.5) * w, klY(f, y, b), 4, title(b));
      }
    }
    line(h, f.left(), f.bottom(), f.right(), f.bottom(), "axis");
    label(h, f.left() + f.width() / 2, f.bottom() + 52, "middle", "title", axisTitle);
    Svg.verticalLabel(h, 14, f.top() + f.height() / 2, "mean KL, nats");
    Svg.verticalLabel(h, CHART_WIDTH - 12, f.top() + f.height() / 2, "teacher tail mass");
    double x = legendItem(h, f.left(), 14, "legend-kl", "mean KL" + klSuffix);
    legendItem(h, x, 14, "legend-tail", "teacher tail mass (right axis)");
    Svg.close(h);
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

  private String title(Bucket b) {
    return str(b.bucket())
        + ": mean KL "
        + num(b.klMean())
        + klSuffix
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

  private void table(StringBuilder h, String cls, String name, List<Bucket> buckets) {
    Table t =
        new Table()
            .columns("figure", name)
            .columns(
                "num",
                "Positions",
                "Mean KL" + klSuffix,
                "Teacher tail mass",
                "Share of KL mass",
                "Agreement");
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
}
