package io.kldrift.report;

import io.kldrift.input.RowRule;
import io.kldrift.summary.Change;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.CheckResult;
import io.kldrift.summary.Summary.ClassShare;
import io.kldrift.summary.Summary.Confusion;
import io.kldrift.summary.Summary.Global;
import io.kldrift.summary.Summary.Inputs;
import io.kldrift.summary.Summary.Invalid;
import io.kldrift.summary.Summary.RuleCount;
import io.kldrift.summary.Summary.RunInfo;
import io.kldrift.summary.Summary.SideRules;
import io.kldrift.summary.Summary.SliceSummary;
import io.kldrift.summary.Summary.Stats;
import io.kldrift.summary.Summary.SupportViolations;
import io.kldrift.summary.TrendPoint;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

/**
 * Renders one drift run as a single self-contained HTML5 page: status, failing checks first,
 * headline figures with 95% confidence intervals, the KL histogram, per-class contributions, the
 * trend over earlier runs, and the slice, confusion and worst-example tables.
 *
 * <p>A sequence-layout summary ({@link Summary#sequences()} set) gets the same sentence, what
 * changed (by slice value, position bucket and token), histogram overlay and trend, and its own
 * sections instead of the class ones ({@link SequenceSections}): KL per token and per sequence,
 * labelled as lower bounds for top-k input and each shown with the teacher's tail mass, JS and TV
 * as intervals, KL by position and by teacher entropy, the tokens with the most KL mass, and the
 * worst sequences.
 *
 * <p>The page is meant to be attached to an alert or opened straight from the report folder, often
 * on a machine without network access and by people who did not run the job. So it carries its own
 * CSS and inline SVG charts, has no JavaScript and loads nothing: it reads the same offline, in a
 * mail client, or printed. Class names, slice values, keys, model tags and paths come from user
 * data, so every one of them is HTML-escaped, and a Content-Security-Policy forbids scripts and
 * network loads as a second line of defence.
 *
 * <p>It reads the typed {@link Summary}, the record tree summary.json is written from, so the page
 * and the file show the same figures. Any part of it may be missing or null (a summary read back
 * from an older or hand-edited file); it is shown as {@code n/a}. Numbers use {@link Locale#ROOT}.
 */
public final class HtmlReport {
  /** At most this many classes are drawn; more would make bars too thin to read or label. */
  private static final int MAX_CLASSES = 30;

  private static final int MAX_LABEL_CHARS = 26;
  private static final int CLASS_LABEL_RIGHT = 192;
  static final int CHART_WIDTH = 1080;
  static final String NA = "n/a";
  private static final String KL_AXIS = "KL(teacher \u2016 student), nats, log scale";
  private static final List<String> OUTCOME_ORDER =
      List.of("ALERT", "WARN", "INSUFFICIENT_DATA", "OK");

  private static final String CSS =
      """
      :root{--ok:#1a7f37;--warn:#b25e00;--alert:#c62828;--unknown:#555f6d;--muted:#667085;\
      --grid:#e9ecf1;--mean:#1f5fbf;--p99:#8e44ad}
      *{box-sizing:border-box}
      body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;\
      color:#1d2939;background:#f4f5f7}
      main{max-width:1180px;margin:0 auto;padding:0 24px 48px}
      #status{color:#fff;padding:18px 24px}
      #status .inner{max-width:1132px;margin:0 auto;display:flex;flex-wrap:wrap;gap:8px 28px;\
      align-items:baseline}
      .status-ok{background:var(--ok)}.status-warn{background:var(--warn)}
      .status-alert{background:var(--alert)}.status-unknown{background:var(--unknown)}
      .status-word{font-size:34px;font-weight:800;letter-spacing:.05em}
      .status-date{font-size:20px;font-weight:600}
      .status-detail{opacity:.92}
      section{background:#fff;border:1px solid #e4e7ec;border-radius:8px;padding:16px 20px;\
      margin-top:18px}
      h2{font-size:17px;margin:0 0 10px}
      p{margin:0 0 10px}
      .note{color:var(--muted);font-style:italic}
      .wrap{overflow-x:auto}
      table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
      th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eaecf0;vertical-align:top}
      th{background:#f8f9fb;color:#475467;font-size:12px;font-weight:600}
      .num{text-align:right;white-space:nowrap}
      .figure{font-weight:600;white-space:nowrap}
      td.message,td.wide{min-width:240px;overflow-wrap:anywhere}
      .checks-table td.message{overflow-wrap:anywhere}
      .checks-table td.name{overflow-wrap:anywhere}
      .worst-examples-table{font-size:12.5px}.worst-examples-table td{white-space:nowrap}
      .outcome{font-weight:700;white-space:nowrap}
      tr.outcome-alert{background:#fdeceb}tr.outcome-alert .outcome{color:var(--alert)}
      tr.outcome-warn{background:#fff4e3}tr.outcome-warn .outcome{color:var(--warn)}
      tr.outcome-insufficient .outcome{color:var(--muted)}
      tr.outcome-ok .outcome{color:var(--ok)}
      svg{display:block;width:100%;height:auto;margin:4px 0 6px}
      svg text{font-size:11px;fill:#475467}
      svg .title{font-size:12px;fill:#1d2939}
      .bar{fill:#4a78c9}.neg .bar{fill:#d9822b}
      .grid{stroke:var(--grid)}.axis{stroke:#98a2b3}
      .trend-mean,.legend-mean{fill:none;stroke:var(--mean);stroke-width:2}
      .trend-p99,.legend-p99{fill:none;stroke:var(--p99);stroke-width:2;stroke-dasharray:7 3}
      .point-mean{fill:var(--mean)}.point-p99{fill:var(--p99)}
      .threshold-warn,.legend-warn{stroke:var(--warn);stroke-width:1.5;stroke-dasharray:4 4}
      .threshold-alert,.legend-alert{stroke:var(--alert);stroke-width:1.5;stroke-dasharray:4 4}
      details summary{cursor:pointer;color:#475467;margin:8px 0}
      """;

  /**
   * What a page is made of: the run's {@code summary} (null for none); the rows of the per_class
   * table; the rows of the worst_examples table, as column name to value maps because their key
   * columns have whatever types the user's tables have; and the {@code trend}, one point per run,
   * oldest first. Null lists are read as empty.
   */
  public record Input(
      Summary summary,
      List<ClassRow> perClass,
      List<Map<String, Object>> worstExamples,
      List<TrendPoint> trend) {
    public Input {
      perClass = perClass == null ? List.of() : perClass;
      worstExamples = worstExamples == null ? List.of() : worstExamples;
      trend = trend == null ? List.of() : trend;
    }
  }

  private HtmlReport() {}

  /** Renders the page; never fails on missing or null values. */
  public static String render(Input in) {
    Objects.requireNonNull(in, "in");
    Summary s = in.summary();
    StringBuilder h = new StringBuilder(64 * 1024);
    head(h, s);
    statusBanner(h, s);
    h.append("<main>\n");
    Summary.Sequences seq = at(s, Summary::sequences);
    Headline.write(h, s);
    checks(h, list(at(s, Summary::checks)));
    Headline.baseline(h, at(s, Summary::baseline));
    Change change = at(s, Summary::change);
    ChangeSections.whatChanged(h, s);
    List<Double> baselineShares = at(change, Change::baselineHistogramShares);
    String baselineRuns = at(change, Change::baselineRuns);
    if (seq == null) {
      headline(h, s);
      rowRules(h, at(at(s, Summary::inputs), Inputs::invalid), null);
      HistogramChart.write(
          h, at(klStats(s), Stats::histogram), "example", KL_AXIS, baselineShares, baselineRuns);
      classContributions(h, classBars(in));
      ChangeSections.probabilities(h, in.perClass());
      trend(h, in.trend(), null);
      slices(h, list(at(s, Summary::perSlice)));
      confusions(h, list(at(s, Summary::topConfusions)));
      worstExamples(h, in.worstExamples(), classNames(in.perClass()));
    } else {
      // Classes, confusions and class marginals have no meaning over a vocabulary: left out.
      SequenceSections sections = new SequenceSections(s, seq);
      sections.headline(h);
      rowRules(h, at(at(s, Summary::inputs), Inputs::invalid), seq);
      sections.buckets(h);
      sections.tokens(h);
      HistogramChart.write(
          h,
          at(klStats(s), Stats::histogram),
          "position",
          sections.histogramAxis(),
          baselineShares,
          baselineRuns);
      trend(h, in.trend(), sections.trendNote());
      sections.slices(h);
      sections.worstSequences(h, in.worstExamples());
    }
    metadata(h, s);
    h.append("</main>\n</body>\n</html>\n");
    return h.toString();
  }

  // ---- page frame ----

  private static void head(StringBuilder h, Summary s) {
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Defence in depth: should a value ever slip past escaping, nothing may run or load.
    h.append("<meta http-equiv=\"Content-Security-Policy\"")
        .append(" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    String title = "kldrift " + str(at(s, Summary::status)) + " \u2014 " + str(runDate(s));
    h.append("<title>").append(esc(title)).append("</title>\n");
    String css =
        at(s, Summary::sequences) == null
            ? CSS + ChangeSections.CSS
            : CSS + ChangeSections.CSS + SequenceSections.CSS;
    h.append("<style>\n").append(css).append("</style>\n</head>\n<body>\n");
  }

  private static void statusBanner(StringBuilder h, Summary s) {
    String status = str(at(s, Summary::status));
    h.append(
        fmt(
            "<header id=\"status\" class=\"%s\"><div class=\"inner\">"
                + "<span class=\"status-word\">%s</span><span class=\"status-date\">%s</span>"
                + "<span class=\"status-detail\">%s</span><span class=\"status-detail\">%s</span>"
                + "</div></header>\n",
            statusClass(status),
            esc(status),
            esc(str(runDate(s)) + persistence(s)),
            esc(modelLine(s)),
            esc(checkCounts(list(at(s, Summary::checks))))));
  }

  /** ", since 2026-11-28, 3rd night" for the banner, when the summary knows it. */
  private static String persistence(Summary s) {
    String status = at(s, Summary::status);
    String phrase = at(s, Summary::statusPhrase);
    return status == null || phrase == null || phrase.equals(status)
        ? ""
        : phrase.substring(status.length());
  }

  private static String statusClass(String status) {
    return switch (status) {
      case "OK" -> "status-ok";
      case "WARN" -> "status-warn";
      case "ALERT" -> "status-alert";
      default -> "status-unknown";
    };
  }

  /** What ran, for the banner; unset tags are left out here (the run table shows them as n/a). */
  private static String modelLine(Summary s) {
    List<String> parts = new ArrayList<>();
    RunInfo run = at(s, Summary::run);
    String teacher = at(run, RunInfo::teacherModel);
    String student = at(run, RunInfo::studentModel);
    if (!str(teacher).equals(NA) || !str(student).equals(NA)) {
      parts.add("teacher " + str(teacher) + " \u2192 student " + str(student));
    }
    if (!str(at(run, RunInfo::dataset)).equals(NA)) {
      parts.add("dataset " + str(at(run, RunInfo::dataset)));
    }
    Summary.Sequences seq = at(s, Summary::sequences);
    parts.add(
        seq == null
            ? "mean KL " + num(at(klStats(s), Stats::mean)) + " nats"
            : SequenceSections.bannerFigure(s, seq));
    return String.join(" \u00b7 ", parts);
  }

  private static String checkCounts(List<CheckResult> checks) {
    if (checks.isEmpty()) {
      return "no checks configured";
    }
    List<String> parts = new ArrayList<>();
    for (String outcome : OUTCOME_ORDER) {
      long n =
          checks.stream().filter(c -> outcome.equals(str(at(c, CheckResult::outcome)))).count();
      if (n > 0) {
        parts.add(n + " " + outcome);
      }
    }
    return "checks: " + (parts.isEmpty() ? NA : String.join(", ", parts));
  }

  static void openSection(StringBuilder h, String id, String title) {
    h.append(fmt("<section id=\"%s\">\n<h2>%s</h2>\n", id, esc(title)));
  }

  static void closeSection(StringBuilder h) {
    h.append("</section>\n");
  }

  static void note(StringBuilder h, String message) {
    h.append("<p class=\"note\">").append(esc(message)).append("</p>\n");
  }

  // ---- checks ----

  private static void checks(StringBuilder h, List<CheckResult> checks) {
    openSection(h, "checks", "Checks");
    if (checks.isEmpty()) {
      note(h, "No checks are configured for this run.");
      closeSection(h);
      return;
    }
    List<CheckResult> sorted = new ArrayList<>(checks);
    // Stable sort: failing checks first, the configured order within one outcome.
    sorted.sort(Comparator.comparingInt(c -> outcomeRank(str(at(c, CheckResult::outcome)))));
    Table t =
        new Table(
            List.of(
                new Col("Outcome", "outcome"),
                new Col("Check", "name"),
                new Col("Metric", "name"),
                new Col("Scope", "name"),
                new Col("Value", "num"),
                new Col("n", "num"),
                new Col("Warn", "num"),
                new Col("Alert", "num"),
                new Col("Baseline", "num"),
                new Col("Message", "message")));
    for (CheckResult c : sorted) {
      t.row(
          outcomeClass(str(at(c, CheckResult::outcome))),
          str(at(c, CheckResult::outcome)),
          str(at(c, CheckResult::name)) + " (" + str(at(c, CheckResult::type)) + ")",
          str(at(c, CheckResult::metric)),
          scope(c),
          num(at(c, CheckResult::value)),
          count(at(c, CheckResult::n)),
          num(at(c, CheckResult::warn)),
          num(at(c, CheckResult::alert)),
          num(at(c, CheckResult::baseline)),
          str(at(c, CheckResult::message)));
    }
    t.write(h, "checks-table");
    closeSection(h);
  }

  private static int outcomeRank(String outcome) {
    int i = OUTCOME_ORDER.indexOf(outcome);
    return i < 0 ? OUTCOME_ORDER.size() : i;
  }

  private static String outcomeClass(String outcome) {
    return switch (outcome) {
      case "ALERT" -> "outcome-alert";
      case "WARN" -> "outcome-warn";
      case "INSUFFICIENT_DATA" -> "outcome-insufficient";
      case "OK" -> "outcome-ok";
      default -> "";
    };
  }

  private static String scope(CheckResult check) {
    String scope = str(at(check, CheckResult::scope));
    String column = at(check, CheckResult::scopeColumn);
    String value = at(check, CheckResult::scopeValue);
    if (column == null && value == null) {
      return scope;
    }
    return scope + " " + str(column) + "=" + str(value);
  }

  // ---- headline figures ----

  private static void headline(StringBuilder h, Summary s) {
    openSection(h, "headline", "Headline figures");
    Inputs in = at(s, Summary::inputs);
    Global global = at(s, Summary::global);
    Stats kl = at(global, Global::kl);
    Table t =
        new Table(
            List.of(
                new Col("Figure", "figure"), new Col("Value", "num"), new Col("Detail", "wide")));
    t.row(
        "",
        "Matched rows",
        count(at(in, Inputs::matched)),
        "teacher "
            + count(at(in, Inputs::teacherRows))
            + ", student "
            + count(at(in, Inputs::studentRows)));
    t.row(
        "",
        "Unmatched rows",
        count(sum(at(in, Inputs::teacherOnly), at(in, Inputs::studentOnly))),
        "teacher only "
            + count(at(in, Inputs::teacherOnly))
            + ", student only "
            + count(at(in, Inputs::studentOnly)));
    t.row("", "Mean KL (nats)", num(at(kl, Stats::mean)), ci(kl, HtmlReport::num));
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
    t.row("", "Mean Jensen\u2013Shannon (nats)", num(at(js, Stats::mean)), ci(js, HtmlReport::num));
    Stats agreement = at(global, Global::agreement);
    t.row("", "Top-1 agreement", pct(at(agreement, Stats::mean)), ci(agreement, HtmlReport::pct));
    SupportViolations violations = at(in, Inputs::supportViolations);
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
        "teacher "
            + pct(at(global, Global::teacherAccuracy))
            + ", student "
            + pct(at(global, Global::studentAccuracy)));
    t.write(h, "headline-table");
    closeSection(h);
  }

  // ---- row rules ----

  /**
   * The row-rule counts of both sides, listing the rules of the page's layout only ({@link
   * RowRule#appliesTo}), and any other rule that rows broke.
   */
  private static void rowRules(StringBuilder h, Invalid invalid, Summary.Sequences seq) {
    openSection(h, "row-rules", "Input row rules");
    SideRules teacher = at(invalid, Invalid::teacher);
    SideRules student = at(invalid, Invalid::student);
    if (teacher == null || student == null) {
      note(h, "No row-rule counts in this summary.");
      closeSection(h);
      return;
    }
    note(
        h,
        "Teacher: "
            + count(teacher.quarantined())
            + " rows quarantined, "
            + count(teacher.renormalized())
            + " renormalized; student: "
            + count(student.quarantined())
            + " rows quarantined, "
            + count(student.renormalized())
            + " renormalized (at most "
            + pct(invalid.maxQuarantinedShare())
            + " of a table may be quarantined). A row is counted once, under the first rule it breaks;"
            + " quarantined rows are in quarantine/teacher/ and quarantine/student/.");
    Table t =
        new Table(
            List.of(
                new Col("Rule", "figure"),
                new Col("Policy", ""),
                new Col("Teacher rows", "num"),
                new Col("Student rows", "num"),
                new Col("Example key", "wide")));
    Map<String, RuleCount> studentRules = student.rules() == null ? Map.of() : student.rules();
    if (teacher.rules() != null) {
      for (Map.Entry<String, RuleCount> rule : teacher.rules().entrySet()) {
        RuleCount tr = rule.getValue();
        RuleCount sr = studentRules.get(rule.getKey());
        String tKey = at(tr, RuleCount::exampleKey);
        String sKey = at(sr, RuleCount::exampleKey);
        String example =
            tKey != null ? "teacher " + str(tKey) : sKey != null ? "student " + str(sKey) : "";
        Long tRows = at(tr, RuleCount::rows);
        Long sRows = at(sr, RuleCount::rows);
        boolean broken = (tRows != null && tRows > 0) || (sRows != null && sRows > 0);
        RowRule known = RowRule.byLabel(rule.getKey());
        if (!broken
            && known != null
            && !known.appliesTo(seq != null, seq != null && !"exact".equals(seq.mode()))) {
          continue;
        }
        t.row(
            broken ? "outcome-warn" : "",
            str(rule.getKey()),
            str(at(tr, RuleCount::policy)),
            count(tRows),
            count(sRows),
            str(example));
      }
    }
    t.write(h, "row-rules-table");
    closeSection(h);
  }

  static String ci(Stats stats, Function<Object, String> format) {
    return "95% CI "
        + format.apply(at(stats, Stats::ci95Low))
        + " \u2013 "
        + format.apply(at(stats, Stats::ci95High))
        + " (n = "
        + count(at(stats, Stats::n))
        + ")";
  }

  static String shareAbove(Map<String, Double> shares) {
    if (shares == null || shares.isEmpty()) {
      return NA;
    }
    List<String> parts = new ArrayList<>();
    shares.forEach((level, share) -> parts.add("> " + str(level) + ": " + pct(share)));
    return String.join(", ", parts);
  }

  private static Long sum(Object a, Object b) {
    Double x = dbl(a);
    Double y = dbl(b);
    return x == null || y == null ? null : Math.round(x + y);
  }

  // ---- per-class contributions ----

  /**
   * One class as the chart draws it: from a per_class row, or from the summary's top classes, which
   * lack the top-1 and support figures (null, shown as n/a).
   */
  private record ClassBar(
      int classIndex,
      String className,
      double klContribution,
      Double klShare,
      double teacherMeanProb,
      double studentMeanProb,
      Long supportViolations,
      Long teacherTop1Count,
      Double teacherTop1MeanKl,
      Double teacherTop1Agreement,
      Long studentTop1Count) {
    static ClassBar of(ClassRow r) {
      return new ClassBar(
          r.classIndex(),
          r.className(),
          r.klContribution(),
          r.klShare(),
          r.teacherMeanProb(),
          r.studentMeanProb(),
          r.supportViolations(),
          r.teacherTop1Count(),
          r.teacherTop1MeanKl(),
          r.teacherTop1Agreement(),
          r.studentTop1Count());
    }

    static ClassBar of(ClassShare c) {
      return new ClassBar(
          c.classIndex(),
          c.className(),
          c.klContribution(),
          c.klShare(),
          c.teacherMeanProb(),
          c.studentMeanProb(),
          null,
          null,
          null,
          null,
          null);
    }
  }

  private static List<ClassBar> classBars(Input in) {
    // Without the per_class table the summary's top classes are all there is to draw.
    if (in.perClass().isEmpty()) {
      List<ClassShare> top = list(at(in.summary(), Summary::topDriftedClasses));
      return top.stream().filter(Objects::nonNull).map(ClassBar::of).toList();
    }
    return in.perClass().stream().filter(Objects::nonNull).map(ClassBar::of).toList();
  }

  private static void classContributions(StringBuilder h, List<ClassBar> rows) {
    openSection(h, "classes", "Per-class KL contributions");
    // An undefined contribution (summary.json's null) has no bar.
    List<ClassBar> drawn =
        new ArrayList<>(rows.stream().filter(r -> Double.isFinite(r.klContribution())).toList());
    if (drawn.isEmpty()) {
      note(h, "No per-class contributions are available.");
      closeSection(h);
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
        new Frame(
            CLASS_LABEL_RIGHT + 8,
            24,
            CHART_WIDTH - CLASS_LABEL_RIGHT - 158,
            rowHeight * drawn.size());
    DoubleUnaryOperator x = v -> f.left + (v - lo) / span * f.width;
    svgOpen(h, "class-contributions", f.height + 68, "Per-class KL contributions");
    label(h, CLASS_LABEL_RIGHT, 14, "end", "title", "class (index)");
    label(h, CHART_WIDTH - 8, 14, "end", "title", "nats (share of the KL added)");
    for (int i = 0; i < drawn.size(); i++) {
      classBar(h, drawn.get(i), f.top + i * rowHeight, rowHeight, x, added);
    }
    double step = Axis.niceStep(span / 5);
    for (long k = (long) Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) {
      double tx = x.applyAsDouble(k * step);
      line(h, tx, f.bottom(), tx, f.bottom() + 5, "axis");
      label(h, tx, f.bottom() + 18, "middle", "", k == 0 ? "0" : num(k * step));
    }
    double zero = x.applyAsDouble(0);
    line(h, zero, f.top - 4, zero, f.bottom() + 4, "axis");
    label(h, f.left + f.width / 2, f.bottom() + 38, "middle", "title", "KL contribution, nats");
    h.append("</svg>\n");
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

  private static void classBar(
      StringBuilder h,
      ClassBar r,
      double y,
      double rowHeight,
      DoubleUnaryOperator x,
      double added) {
    double v = r.klContribution();
    double zero = x.applyAsDouble(0);
    double end = x.applyAsDouble(v);
    String name = str(r.className());
    h.append(v < 0 ? "<g class=\"neg\">" : "<g class=\"pos\">");
    label(
        h,
        CLASS_LABEL_RIGHT,
        y + rowHeight / 2 + 4,
        "end",
        "",
        shorten(name) + " (" + count(r.classIndex()) + ")");
    bar(
        h,
        Math.min(zero, end),
        y + 3,
        Math.max(Math.abs(end - zero), 1),
        rowHeight - 6,
        classTitle(r, ClassShares.of(v, added)));
    label(
        h,
        CHART_WIDTH - 8,
        y + rowHeight / 2 + 4,
        "end",
        "",
        num(v) + " (" + ClassShares.of(v, added) + ")");
    h.append("</g>\n");
  }

  private static String classTitle(ClassBar r, String share) {
    return str(r.className())
        + " (class "
        + count(r.classIndex())
        + "): contribution "
        + num(r.klContribution())
        + " nats ("
        + share
        + " of the KL added by classes); mean probability teacher "
        + num(r.teacherMeanProb())
        + ", student "
        + num(r.studentMeanProb())
        + "; support violations "
        + count(r.supportViolations())
        + "; teacher top-1 "
        + count(r.teacherTop1Count())
        + " (mean KL "
        + num(r.teacherTop1MeanKl())
        + ", agreement "
        + pct(r.teacherTop1Agreement())
        + "), student top-1 "
        + count(r.studentTop1Count());
  }

  // ---- trend ----

  /** The trend chart; {@code extraNote} (or null) is shown under it. */
  private static void trend(StringBuilder h, List<TrendPoint> history, String extraNote) {
    openSection(h, "trend", "Mean and p99 KL over time");
    List<TrendPoint> runs = history.stream().filter(Objects::nonNull).toList();
    long usable = runs.stream().filter(r -> known(r.klMean()) || known(r.klP99())).count();
    if (usable < 2) {
      note(
          h,
          "No trend yet: it needs at least two runs with KL figures, and the history has "
              + usable
              + ".");
      closeSection(h);
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
    double step = n > 1 ? f.width / (n - 1) : 0;
    DoubleUnaryOperator xs = i -> n > 1 ? f.left + i * step : f.left + f.width / 2;
    DoubleUnaryOperator ys = v -> f.bottom() - Math.max(0, Math.min(v, y.max)) / y.max * f.height;
    svgOpen(h, "kl-trend", f.height + 60, "Mean and p99 KL per run");
    yGrid(h, f, y, HtmlReport::num);
    threshold(h, runs, "warn", TrendPoint::warn, xs, ys, step / 2, f);
    threshold(h, runs, "alert", TrendPoint::alert, xs, ys, step / 2, f);
    series(h, runs, TrendPoint::klP99, "trend-p99", "point-p99", "p99 KL", xs, ys);
    series(h, runs, TrendPoint::klMean, "trend-mean", "point-mean", "mean KL", xs, ys);
    line(h, f.left, f.bottom(), f.right(), f.bottom(), "axis");
    // At most about ten date labels, counted back from the latest run so that one is always shown.
    int every = (int) Math.ceil(n / 10.0);
    for (int i = 0; i < n; i++) {
      if ((n - 1 - i) % every == 0) {
        label(h, xs.applyAsDouble(i), f.bottom() + 18, "middle", "", str(runs.get(i).runDate()));
      }
    }
    verticalLabel(h, 14, f.top + f.height / 2, "KL, nats");
    legend(h, f, runs);
    h.append("</svg>\n");
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
        points.add(fmt("%.1f,%.1f", xs.applyAsDouble(i), ys.applyAsDouble(v)));
        continue;
      }
      if (points.size() > 1) {
        h.append(
            fmt("<polyline class=\"%s\" points=\"%s\"/>\n", lineClass, String.join(" ", points)));
      }
      points.clear();
    }
    for (int i = 0; i < runs.size(); i++) {
      Double v = key.apply(runs.get(i));
      if (known(v)) {
        String title = str(runs.get(i).runDate()) + ": " + name + " " + num(v);
        h.append(
            fmt(
                "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>%s</title></circle>\n",
                pointClass, xs.applyAsDouble(i), ys.applyAsDouble(v), esc(title)));
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
        double x1 = Math.max(f.left, xs.applyAsDouble(start) - half);
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
    double x = f.left;
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

  /** Draws one legend entry and returns where the next one starts. */
  static double legendItem(StringBuilder h, double x, double y, String cls, String name) {
    line(h, x, y - 4, x + 24, y - 4, cls);
    label(h, x + 30, y, "start", "", name);
    // About 6 units per character at the 11-unit label font.
    return x + 44 + 6 * name.length();
  }

  // ---- tables ----

  private static void slices(StringBuilder h, List<SliceSummary> slices) {
    openSection(h, "slices", "Per slice");
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
                new Col("n", "num"),
                new Col("Mean KL", "num"),
                new Col("95% CI", "num"),
                new Col("p50", "num"),
                new Col("p95", "num"),
                new Col("p99", "num"),
                new Col("max", "num"),
                new Col("Mean JS", "num"),
                new Col("Agreement", "num")));
    for (SliceSummary sl : slices) {
      Stats kl = at(sl, SliceSummary::kl);
      t.row(
          "",
          str(at(sl, SliceSummary::column)),
          str(at(sl, SliceSummary::value)),
          count(at(kl, Stats::n)),
          num(at(kl, Stats::mean)),
          num(at(kl, Stats::ci95Low)) + " \u2013 " + num(at(kl, Stats::ci95High)),
          num(at(kl, Stats::p50)),
          num(at(kl, Stats::p95)),
          num(at(kl, Stats::p99)),
          num(at(kl, Stats::max)),
          num(at(at(sl, SliceSummary::js), Stats::mean)),
          pct(at(at(sl, SliceSummary::agreement), Stats::mean)));
    }
    t.write(h, "slices-table");
    closeSection(h);
  }

  private static void confusions(StringBuilder h, List<Confusion> confusions) {
    openSection(h, "confusions", "Most frequent top-1 disagreements");
    if (confusions.isEmpty()) {
      note(h, "No disagreements were recorded.");
      closeSection(h);
      return;
    }
    Table t =
        new Table(
            List.of(
                new Col("Teacher top-1", ""),
                new Col("Student top-1", ""),
                new Col("Examples", "num"),
                new Col("Mean KL", "num")));
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

  private static String classLabel(Object name, Object index) {
    return str(name) + " (" + count(index) + ")";
  }

  /** The class columns of worst_examples/, shown with their class names. */
  private static final Set<String> CLASS_COLUMNS = Set.of("label", "teacher_top1", "student_top1");

  private static Map<Integer, String> classNames(List<ClassRow> rows) {
    Map<Integer, String> names = new java.util.HashMap<>();
    rows.stream().filter(Objects::nonNull).forEach(r -> names.put(r.classIndex(), r.className()));
    return names;
  }

  /** A class index as "name (index)" when the name is known; other values as they are. */
  private static String cell(String column, Object v, Map<Integer, String> names) {
    if (CLASS_COLUMNS.contains(column)
        && v instanceof Number n
        && names.containsKey(n.intValue())) {
      return classLabel(names.get(n.intValue()), n.intValue());
    }
    return str(v);
  }

  private static void worstExamples(
      StringBuilder h, List<Map<String, Object>> rows, Map<Integer, String> names) {
    openSection(h, "worst-examples", "Highest-KL examples");
    if (rows.isEmpty()) {
      note(h, "No examples were given.");
      closeSection(h);
      return;
    }
    List<Map<String, Object>> present = rows.stream().filter(Objects::nonNull).toList();
    // Rows may differ in their columns; the union keeps first-seen order.
    Set<String> keys = new LinkedHashSet<>();
    present.forEach(r -> keys.addAll(r.keySet()));
    List<Col> cols = new ArrayList<>();
    keys.forEach(
        k ->
            cols.add(
                new Col(
                    k,
                    isNumeric(present, k) && !(CLASS_COLUMNS.contains(k) && !names.isEmpty())
                        ? "num"
                        : "")));
    Table t = new Table(cols).breakHeadersAtUnderscores();
    for (Map<String, Object> r : present) {
      List<String> cells = new ArrayList<>();
      keys.forEach(k -> cells.add(cell(k, r.get(k), names)));
      t.row("", cells.toArray(String[]::new));
    }
    t.write(h, "worst-examples-table");
    closeSection(h);
  }

  static boolean isNumeric(List<Map<String, Object>> rows, String key) {
    List<Object> values = rows.stream().map(r -> r.get(key)).filter(Objects::nonNull).toList();
    return !values.isEmpty() && values.stream().allMatch(v -> v instanceof Number);
  }

  private static void metadata(StringBuilder h, Summary s) {
    openSection(h, "run", "Run");
    Table t = new Table(List.of(new Col("Field", "figure"), new Col("Value", "")));
    t.row("", "schema_version", str(at(s, Summary::schemaVersion)));
    RunInfo run = at(s, Summary::run);
    if (run != null) {
      // summary.json's names and order, so the table reads like the file.
      t.row("", "run_date", str(run.runDate()));
      t.row("", "started_at", str(run.startedAt()));
      t.row("", "duration_seconds", str(run.durationSeconds()));
      t.row("", "kldrift_version", str(run.kldriftVersion()));
      t.row("", "spark_version", str(run.sparkVersion()));
      t.row("", "spark_master", str(run.sparkMaster()));
      t.row("", "teacher_path", str(run.teacherPath()));
      t.row("", "student_path", str(run.studentPath()));
      t.row("", "teacher_model", str(run.teacherModel()));
      t.row("", "student_model", str(run.studentModel()));
      t.row("", "dataset", str(run.dataset()));
      t.row("", "label", str(run.label()));
    }
    Summary.Sequences seq = at(s, Summary::sequences);
    if (seq == null) {
      t.row("", "classes", count(at(at(s, Summary::inputs), Inputs::numClasses)));
    } else {
      t.row("", "layout", "sequence");
      t.row("", "sequences.mode", str(seq.mode()));
      t.row("", "sequences.teacher_k", count(seq.teacherK()));
      t.row("", "sequences.student_k", count(seq.studentK()));
    }
    t.write(h, "run-table");
    Map<String, String> config = at(s, Summary::config);
    if (config != null && !config.isEmpty()) {
      h.append("<details><summary>Configuration</summary>\n");
      Table ct = new Table(List.of(new Col("Key", "figure"), new Col("Value", "")));
      config.forEach((k, v) -> ct.row("", str(k), str(v)));
      ct.write(h, "config-table");
      h.append("</details>\n");
    }
    closeSection(h);
  }

  /** A column: its header and a CSS class from this file (never from data). */
  record Col(String header, String cssClass) {}

  /** Table rows as plain text: every cell is escaped when written, so callers cannot forget. */
  static final class Table {
    private final List<Col> cols;
    private final List<String> rowClasses = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();
    private boolean breakHeaders;

    Table(List<Col> cols) {
      this.cols = cols;
    }

    /**
     * Lets the headers wrap after underscores (column names such as teacher_confidence), so a table
     * of many narrow columns fits the page instead of scrolling sideways.
     */
    Table breakHeadersAtUnderscores() {
      breakHeaders = true;
      return this;
    }

    void row(String rowClass, String... cells) {
      rowClasses.add(rowClass);
      rows.add(cells);
    }

    void write(StringBuilder h, String cls) {
      h.append(fmt("<div class=\"wrap\"><table class=\"%s\">\n<thead><tr>", cls));
      for (Col c : cols) {
        String header = esc(c.header());
        h.append(
            fmt(
                "<th%s>%s</th>",
                classAttr(c.cssClass()), breakHeaders ? header.replace("_", "_<wbr>") : header));
      }
      h.append("</tr></thead>\n<tbody>\n");
      for (int i = 0; i < rows.size(); i++) {
        h.append(fmt("<tr%s>", classAttr(rowClasses.get(i))));
        String[] cells = rows.get(i);
        for (int j = 0; j < cols.size(); j++) {
          String cell = j < cells.length ? cells[j] : NA;
          h.append(fmt("<td%s>%s</td>", classAttr(cols.get(j).cssClass()), esc(cell)));
        }
        h.append("</tr>\n");
      }
      h.append("</tbody></table></div>\n");
    }

    private static String classAttr(String cls) {
      return cls.isEmpty() ? "" : " class=\"" + cls + "\"";
    }
  }

  // ---- SVG primitives ----

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
  }

  static void svgOpen(StringBuilder h, String id, double height, String label) {
    h.append(
        fmt(
            "<svg id=\"%s\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%.0f\""
                + " viewBox=\"0 0 %d %.0f\">\n",
            id, esc(label), CHART_WIDTH, height, CHART_WIDTH, height));
  }

  static void yGrid(StringBuilder h, Frame f, Axis y, Function<Object, String> format) {
    int steps = (int) Math.round(y.max / y.step);
    for (int i = 0; i <= steps; i++) {
      double v = i * y.step;
      double py = f.bottom() - v / y.max * f.height;
      line(h, f.left, py, f.right(), py, "grid");
      label(h, f.left - 6, py + 4, "end", "", format.apply(v));
    }
  }

  static void bar(StringBuilder h, double x, double y, double w, double height, String title) {
    h.append(
        fmt(
            "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                + "<title>%s</title></rect>\n",
            x, y, w, height, esc(title)));
  }

  static void line(StringBuilder h, double x1, double y1, double x2, double y2, String cls) {
    h.append(
        fmt(
            "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            cls, x1, y1, x2, y2));
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

  /** Formats with {@link Locale#ROOT}, so a page never depends on the machine's locale. */
  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  // ---- values ----

  /** Escapes text for HTML element content and double- or single-quoted attribute values. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }

  /** {@code part} of {@code whole}, or null when the whole is missing. */
  static <T, R> R at(T whole, Function<? super T, ? extends R> part) {
    return whole == null ? null : part.apply(whole);
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static Stats klStats(Summary s) {
    return at(at(s, Summary::global), Global::kl);
  }

  private static String runDate(Summary s) {
    return at(at(s, Summary::run), RunInfo::runDate);
  }

  /** A figure that can be drawn: present and finite. */
  static boolean known(Double v) {
    return v != null && Double.isFinite(v);
  }

  static Double dbl(Object o) {
    return o instanceof Number n ? n.doubleValue() : null;
  }

  /** Any value as display text: null and blank become n/a, numbers are formatted. */
  static String str(Object o) {
    if (o == null) {
      return NA;
    }
    if (o instanceof Number n) {
      return isIntegral(n) ? n.toString() : num(n);
    }
    if (o instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(e -> parts.add(str(e)));
      return "[" + String.join(", ", parts) + "]";
    }
    String s = o.toString();
    return s.isBlank() ? NA : s;
  }

  private static boolean isIntegral(Number n) {
    return n instanceof Integer
        || n instanceof Long
        || n instanceof Short
        || n instanceof Byte
        || n instanceof BigInteger;
  }

  /** A measurement: four significant digits, scientific notation for very small or large values. */
  static String num(Object o) {
    Double d = dbl(o);
    if (d == null || d.isNaN()) {
      return NA;
    }
    double v = d;
    if (Double.isInfinite(v)) {
      return v > 0 ? "\u221e" : "\u2212\u221e";
    }
    double a = Math.abs(v);
    if (v == 0 || (a >= 1 && a < 1e15 && v == Math.rint(v))) {
      return Long.toString((long) v);
    }
    if (a >= 1e-4 && a < 1e3) {
      return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
    if (a >= 1e3 && a < 1e15) {
      return fmt("%.1f", v);
    }
    return fmt("%.3e", v);
  }

  /** A count with thousands separators. */
  static String count(Object o) {
    Double d = dbl(o);
    if (d == null || d.isNaN() || Double.isInfinite(d) || d != Math.rint(d)) {
      return num(o);
    }
    return fmt("%,d", d.longValue());
  }

  /** A fraction shown as a percentage. */
  static String pct(Object o) {
    Double d = dbl(o);
    if (d == null || d.isNaN() || Double.isInfinite(d)) {
      return NA;
    }
    return fmt("%.2f%%", d * 100);
  }

  /** Shortens a label for a chart axis; the full text stays in the bar's tooltip. */
  private static String shorten(String s) {
    if (s.codePointCount(0, s.length()) <= MAX_LABEL_CHARS) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, MAX_LABEL_CHARS - 1)) + "\u2026";
  }
}
