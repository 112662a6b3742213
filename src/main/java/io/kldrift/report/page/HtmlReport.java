package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.esc;
import static io.kldrift.report.page.Html.fmt;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.NA;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.str;

import com.fasterxml.jackson.core.type.TypeReference;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.RunInfo;
import io.kldrift.summary.SummaryJson;
import io.kldrift.summary.TrendPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Renders one drift run as a single self-contained HTML5 page: status, failing checks first,
 * headline figures with 95% confidence intervals, the KL histogram, the trend over earlier runs,
 * and the layout's own sections ({@link Sections}): per-class contributions, slices, confusions and
 * worst examples for class vectors; KL per token and per sequence, by position and by teacher
 * entropy, the tokens with the most KL mass and the worst sequences for token sequences.
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
 * from an older or hand-edited file); it is shown as {@code n/a}. Numbers use {@code Locale.ROOT}.
 */
public final class HtmlReport {
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

  /** A record's fields as summary.json names them, in its order. */
  private static final TypeReference<LinkedHashMap<String, Object>> FIELDS =
      new TypeReference<>() {};

  private HtmlReport() {}

  /** Renders the page; never fails on missing or null values. */
  public static String render(Input in) {
    Objects.requireNonNull(in, "in");
    Summary s = in.summary();
    Sections layout = Sections.of(in);
    StringBuilder h = new StringBuilder(64 * 1024);
    head(h, s, layout);
    statusBanner(h, s, layout);
    h.append("<main>\n");
    Headline.write(h, s);
    Checks.write(h, list(at(s, Summary::checks)));
    Headline.baseline(h, at(s, Summary::baseline));
    ChangeSections.whatChanged(h, s);
    layout.figures(h);
    RowRules.write(h, at(at(s, Summary::inputs), Summary.Inputs::invalid), layout);
    layout.distribution(h);
    TrendChart.write(h, in.trend(), layout.trendNote());
    layout.tables(h);
    metadata(h, s, layout);
    h.append("</main>\n</body>\n</html>\n");
    return h.toString();
  }

  // ---- page frame ----

  private static void head(StringBuilder h, Summary s, Sections layout) {
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Defence in depth: should a value ever slip past escaping, nothing may run or load.
    h.append("<meta http-equiv=\"Content-Security-Policy\"")
        .append(" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    String title = "kldrift " + str(at(s, Summary::status)) + " \u2014 " + str(runDate(s));
    h.append("<title>").append(esc(title)).append("</title>\n");
    h.append("<style>\n")
        .append(CSS)
        .append(ChangeSections.CSS)
        .append(layout.css())
        .append("</style>\n</head>\n<body>\n");
  }

  private static void statusBanner(StringBuilder h, Summary s, Sections layout) {
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
            esc(modelLine(s, layout)),
            esc(Checks.counts(list(at(s, Summary::checks))))));
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
  private static String modelLine(Summary s, Sections layout) {
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
    parts.add(layout.bannerFigure());
    return String.join(" \u00b7 ", parts);
  }

  private static String runDate(Summary s) {
    return at(at(s, Summary::run), RunInfo::runDate);
  }

  // ---- run ----

  private static void metadata(StringBuilder h, Summary s, Sections layout) {
    openSection(h, "run", "Run");
    Table t = new Table().columns("figure", "Field").columns("", "Value");
    t.row("", "schema_version", str(at(s, Summary::schemaVersion)));
    RunInfo run = at(s, Summary::run);
    if (run != null) {
      // summary.json's names and order, so the table reads like the file.
      Map<String, Object> fields = SummaryJson.mapper().convertValue(run, FIELDS);
      fields.forEach((name, value) -> t.row("", name, str(value)));
    }
    layout.runFields(t);
    t.write(h, "run-table");
    Map<String, String> config = at(s, Summary::config);
    if (config != null && !config.isEmpty()) {
      h.append("<details><summary>Configuration</summary>\n");
      Table ct = new Table().columns("figure", "Key").columns("", "Value");
      config.forEach((k, v) -> ct.row("", str(k), str(v)));
      ct.write(h, "config-table");
      h.append("</details>\n");
    }
    closeSection(h);
  }
}
