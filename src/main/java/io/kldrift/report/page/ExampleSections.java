package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.ci;
import static io.kldrift.report.page.Values.ciRange;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.dbl;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.mean;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.pct;
import static io.kldrift.report.page.Values.shareAbove;
import static io.kldrift.report.page.Values.sides;
import static io.kldrift.report.page.Values.str;

import io.kldrift.input.RowRule;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.Confusion;
import io.kldrift.summary.Summary.Global;
import io.kldrift.summary.Summary.Inputs;
import io.kldrift.summary.Summary.SliceSummary;
import io.kldrift.summary.Summary.Stats;
import io.kldrift.summary.Summary.SupportViolations;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The sections of a page for class vectors (the example layout): headline figures per example,
 * per-class contributions and mean probabilities, slices, the most frequent top-1 disagreements and
 * the worst examples with their classes named.
 */
final class ExampleSections implements Sections {
  private static final String KL_AXIS = "KL(teacher \u2016 student), nats, log scale";

  /** The class columns of worst_examples/, shown with their class names. */
  private static final Set<String> CLASS_COLUMNS = Set.of("label", "teacher_top1", "student_top1");

  private final HtmlReport.Input in;
  private final Summary summary;

  ExampleSections(HtmlReport.Input in) {
    this.in = in;
    this.summary = in.summary();
  }

  @Override
  public String css() {
    return "";
  }

  @Override
  public String bannerFigure() {
    return "mean KL " + num(mean(Values.klStats(summary))) + " nats";
  }

  @Override
  public boolean listsRule(RowRule rule) {
    return rule.appliesTo(false, false);
  }

  @Override
  public void distribution(StringBuilder h) {
    HistogramChart.write(h, summary, "example", KL_AXIS);
    ClassChart.write(h, ClassChart.bars(in.perClass(), at(summary, Summary::topDriftedClasses)));
    ChangeSections.probabilities(h, in.perClass());
  }

  @Override
  public String trendNote() {
    return null;
  }

  @Override
  public void tables(StringBuilder h) {
    slices(h, list(at(summary, Summary::perSlice)));
    confusions(h, list(at(summary, Summary::topConfusions)));
    WorstRows.examples(h, in.worstExamples(), classNames(in.perClass()), CLASS_COLUMNS);
  }

  @Override
  public void runFields(Table t) {
    t.row("", "classes", count(at(at(summary, Summary::inputs), Inputs::numClasses)));
  }

  @Override
  public void figures(StringBuilder h) {
    openSection(h, "headline", "Headline figures");
    Inputs inputs = at(summary, Summary::inputs);
    Global global = at(summary, Summary::global);
    Stats kl = at(global, Global::kl);
    Table t =
        new Table().columns("figure", "Figure").columns("num", "Value").columns("wide", "Detail");
    t.row(
        "",
        "Matched rows",
        count(at(inputs, Inputs::matched)),
        sides("", at(inputs, Inputs::teacherRows), at(inputs, Inputs::studentRows), Values::count));
    Long teacherOnly = at(inputs, Inputs::teacherOnly);
    Long studentOnly = at(inputs, Inputs::studentOnly);
    t.row(
        "",
        "Unmatched rows",
        count(sum(teacherOnly, studentOnly)),
        sides(" only", teacherOnly, studentOnly, Values::count));
    t.row("", "Mean KL (nats)", num(mean(kl)), ci(kl, Values::num));
    t.row(
        "",
        "KL quantiles",
        num(at(kl, Stats::p99)) + " (p99)",
        "p50 "
            + num(at(kl, Stats::p50))
            + ", p95 "
            + num(at(kl, Stats::p95))
            + ", max "
            + num(at(kl, Stats::max)));
    t.row("", "Share above KL level", "", shareAbove(at(kl, Stats::shareAbove)));
    Stats js = at(global, Global::js);
    t.row("", "Mean Jensen\u2013Shannon (nats)", num(mean(js)), ci(js, Values::num));
    Stats agreement = at(global, Global::agreement);
    t.row("", "Top-1 agreement", pct(mean(agreement)), ci(agreement, Values::pct));
    SupportViolations violations = at(inputs, Inputs::supportViolations);
    t.row(
        "",
        "Support violations",
        count(at(violations, SupportViolations::examples)) + " examples",
        "total "
            + count(at(violations, SupportViolations::total))
            + " (example, class) pairs where the student gives zero probability and the teacher"
            + " does not; clipped to epsilon "
            + num(at(violations, SupportViolations::epsilon))
            + "; reverse violations (the teacher gives zero, the student does not) in "
            + count(at(violations, SupportViolations::reverseExamples))
            + " examples");
    Double without = at(global, Global::klWithoutViolations);
    t.row(
        "",
        "Mean KL from clipped cells",
        pct(at(global, Global::supportViolationKlShare)),
        without == null
            ? "unknown: no matched examples, or a rollup over states written before kldrift kept"
                + " it"
            : "the share of the mean KL that the support violations' cells carry (the epsilon"
                + " decides it); without them the mean KL is "
                + num(without)
                + " nats");
    t.row(
        "",
        "Marginal KL (nats)",
        num(at(global, Global::marginalKl)),
        "KL between the mean teacher and mean student distributions (class prior shift)");
    t.row(
        "",
        "Label accuracy",
        "",
        sides(
            "",
            at(global, Global::teacherAccuracy),
            at(global, Global::studentAccuracy),
            Values::pct));
    t.write(h, "headline-table");
    closeSection(h);
  }

  private static Long sum(Object a, Object b) {
    Double x = dbl(a);
    Double y = dbl(b);
    return x == null || y == null ? null : Math.round(x + y);
  }

  private static void slices(StringBuilder h, List<SliceSummary> slices) {
    Table t = Table.openSlices(h, slices.isEmpty());
    if (t == null) {
      return;
    }
    t.columns("num", "n", "Mean KL", "95% CI", "p50", "p95", "p99", "max", "Mean JS", "Agreement");
    for (SliceSummary sl : slices) {
      Stats kl = at(sl, SliceSummary::kl);
      t.row(
          "",
          str(at(sl, SliceSummary::column)),
          str(at(sl, SliceSummary::value)),
          count(at(kl, Stats::n)),
          num(mean(kl)),
          ciRange(kl),
          num(at(kl, Stats::p50)),
          num(at(kl, Stats::p95)),
          num(at(kl, Stats::p99)),
          num(at(kl, Stats::max)),
          num(mean(at(sl, SliceSummary::js))),
          pct(mean(at(sl, SliceSummary::agreement))));
    }
    t.write(h, "slices-table");
    closeSection(h);
  }

  private static void confusions(StringBuilder h, List<Confusion> confusions) {
    if (!openSection(
        h,
        "confusions",
        "Most frequent top-1 disagreements",
        confusions.isEmpty(),
        "No disagreements were recorded.")) {
      return;
    }
    Table t =
        new Table()
            .columns("", "Teacher top-1", "Student top-1")
            .columns("num", "Examples", "Mean KL");
    for (Confusion c : confusions) {
      t.row(
          "",
          classLabel(at(c, Confusion::teacherClassName), at(c, Confusion::teacherClassIndex)),
          classLabel(at(c, Confusion::studentClassName), at(c, Confusion::studentClassIndex)),
          count(at(c, Confusion::count)),
          num(at(c, Confusion::meanKl)));
    }
    t.write(h, "confusions-table");
    closeSection(h);
  }

  /** "name (index)". */
  static String classLabel(Object name, Object index) {
    return str(name) + " (" + count(index) + ")";
  }

  private static Map<Integer, String> classNames(List<ClassRow> rows) {
    Map<Integer, String> names = new HashMap<>();
    rows.stream().filter(Objects::nonNull).forEach(r -> names.put(r.classIndex(), r.className()));
    return names;
  }
}
