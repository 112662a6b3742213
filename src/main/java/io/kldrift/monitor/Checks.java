package io.kldrift.monitor;

import io.kldrift.DriftException;
import io.kldrift.config.BaselineMode;
import io.kldrift.config.Choice;
import io.kldrift.config.ConfigErrors;
import io.kldrift.config.DriftConfig;
import io.kldrift.config.Layout;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * The checks declared in the configuration ({@code check.<name>.<field>}) and their evaluation
 * against the current run and its history. Pure functions over {@link MetricRow}s, like Deequ's
 * anomaly strategies: no Spark here, so every rule is testable by hand.
 *
 * <p>Each check yields one outcome per scope key (one for global, one per slice value, class,
 * position bucket, teacher-entropy bucket or token): OK, WARN, ALERT, or INSUFFICIENT_DATA when the
 * sample (min_n) or the history is too small to judge; INSUFFICIENT_DATA never raises the run's
 * status.
 */
public final class Checks {
  /** Check outcomes, in increasing severity; INSUFFICIENT_DATA sorts with OK for the status. */
  public static final String OK = "OK",
      WARN = "WARN",
      ALERT = "ALERT",
      INSUFFICIENT = "INSUFFICIENT_DATA";

  private Checks() {}

  /** One declared check. */
  public record Spec(
      String name,
      CheckType type,
      String metric,
      String scope,
      String sliceColumn,
      Double warn,
      Double alert,
      Direction direction,
      long minN,
      double alpha,
      int minHistory) {}

  /** One earlier run's figures and labels. */
  public record Run(String runDate, String label, List<MetricRow> rows) {}

  /**
   * The earlier runs a check may compare with: the last {@code baseline.window} eligible runs
   * (oldest first; see {@link Baselines}) and, under {@code baseline.mode=pinned}, the pinned run
   * whatever its status (a person chose it).
   */
  public record Past(List<Run> eligible, Run pinned) {
    /** No earlier run. */
    public static final Past NONE = new Past(List.of(), null);

    /**
     * Every run of {@code runs} taken as eligible, the pinned one found among them: for callers
     * (and tests) that selected the runs themselves.
     */
    public static Past of(List<Run> runs, DriftConfig config) {
      String date = config.get(DriftConfig.BASELINE_PINNED_DATE);
      String label = config.get(DriftConfig.BASELINE_PINNED_LABEL);
      Run pinned = null;
      if (config.baselineMode() == BaselineMode.PINNED) {
        for (int i = runs.size() - 1; i >= 0 && pinned == null; i--) {
          Run run = runs.get(i);
          if ((!date.isEmpty() && run.runDate().equals(date))
              || (date.isEmpty() && !label.isEmpty() && label.equals(run.label()))) {
            pinned = run;
          }
        }
      }
      return new Past(List.copyOf(runs), pinned);
    }
  }

  /** Parses and validates every check of the configuration. */
  public static List<Spec> parse(DriftConfig config) {
    Map<String, Map<String, String>> byName = new TreeMap<>();
    config
        .checkSettings()
        .forEach(
            (k, v) -> {
              String[] parts = k.split("\\.");
              byName.computeIfAbsent(parts[1], n -> new LinkedHashMap<>()).put(parts[2], v);
            });
    List<Spec> specs = new ArrayList<>();
    byName.forEach(
        (name, f) -> {
          String enabled = f.getOrDefault("enabled", "true");
          if (!enabled.equals("true") && !enabled.equals("false")) {
            throw bad("check." + name + ".enabled", enabled, "true or false");
          }
          if (enabled.equals("true")) {
            specs.add(spec(name, f));
          }
        });
    return specs;
  }

  private static Spec spec(String name, Map<String, String> f) {
    String prefix = "check." + name + ".";
    String typeText = f.getOrDefault("type", "threshold");
    CheckType type = Choice.find(CheckType.class, typeText);
    if (type == null) {
      throw bad(prefix + "type", typeText, "threshold, relative, sigma or significance");
    }
    String scope = f.getOrDefault("scope", "global");
    if (!MetricRow.CHECK_SCOPES.contains(scope)) {
      throw bad(prefix + "scope", scope, "global, slice, class, position, entropy or token");
    }
    String metric = f.get("metric");
    if (metric == null || !MetricRow.metricsOf(scope).contains(metric)) {
      throw bad(
          prefix + "metric",
          metric,
          "one of the " + scope + " metrics: " + String.join(", ", MetricRow.metricsOf(scope)));
    }
    if (type == CheckType.SIGNIFICANCE
        && !(metric.endsWith(".mean")
            && MetricRow.metricsOf(scope).contains(metric.replace(".mean", ".std")))) {
      throw bad(
          prefix + "metric",
          metric,
          "a mean with a stored n and std (kl.mean) for a significance check");
    }
    Double warn = number(f, prefix, "warn");
    Double alert = number(f, prefix, "alert");
    if (warn == null && alert == null) {
      throw ConfigErrors.checkWithoutLevels(name, prefix);
    }
    String directionText = f.getOrDefault("direction", "above");
    Direction direction = Choice.find(Direction.class, directionText);
    if (direction == null) {
      throw bad(prefix + "direction", directionText, "above, below or both");
    }
    checkOrder(prefix, warn, alert, direction);
    Double minN = number(f, prefix, "min_n");
    Double alpha = number(f, prefix, "alpha");
    Double minHistory = number(f, prefix, "min_history");
    if (alpha != null && !(alpha > 0 && alpha < 1)) {
      throw bad(prefix + "alpha", f.get("alpha"), "a number in (0, 1)");
    }
    return new Spec(
        name,
        type,
        metric,
        scope,
        f.getOrDefault("slice_column", ""),
        warn,
        alert,
        direction,
        minN == null ? 100 : minN.longValue(),
        alpha == null ? 0.01 : alpha,
        minHistory == null ? 3 : minHistory.intValue());
  }

  /**
   * A warn level that is beyond the alert level in the check's direction could never be reached
   * before the alert: almost always the two levels swapped.
   */
  private static void checkOrder(String prefix, Double warn, Double alert, Direction direction) {
    if (warn == null || alert == null) {
      return;
    }
    boolean wrong =
        switch (direction) {
          case BELOW -> warn < alert;
          case BOTH -> Math.abs(warn) > Math.abs(alert);
          case ABOVE -> warn > alert;
        };
    if (wrong) {
      String order =
          switch (direction) {
            case BELOW -> "at or above";
            case BOTH -> "at or below (in magnitude)";
            case ABOVE -> "at or below";
          };
      throw ConfigErrors.warnBeyondAlert(prefix, fmt(warn), fmt(alert), direction.label(), order);
    }
  }

  private static Double number(Map<String, String> f, String prefix, String field) {
    String v = f.get(field);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw bad(prefix + field, v, "a number");
    }
  }

  private static DriftException bad(String key, String value, String rule) {
    return ConfigErrors.notAllowed(key, value, rule);
  }

  /**
   * Evaluates every check. {@code history} holds earlier runs of the same dataset, oldest first,
   * never the current run date. The results come worst first (ALERT, WARN, INSUFFICIENT_DATA, OK),
   * in the declared order within one outcome, as summary.json and the report list them.
   */
  public static List<Summary.CheckResult> evaluate(
      List<Spec> specs, List<MetricRow> current, List<Run> history, DriftConfig config) {
    return evaluate(specs, current, Past.of(history, config), config, null);
  }

  /**
   * Evaluates every check against the eligible earlier runs of {@code past}. {@code noData}, when
   * not null, says what was missing on a night without matched examples (which table, which path);
   * the {@code matched} check's message names it.
   */
  public static List<Summary.CheckResult> evaluate(
      List<Spec> specs, List<MetricRow> current, Past past, DriftConfig config, String noData) {
    List<Summary.CheckResult> results = new ArrayList<>();
    for (Spec s : specs) {
      for (MetricRow row : current) {
        if (row.scope().equals(s.scope())
            && row.metric().equals(s.metric())
            && (s.sliceColumn().isEmpty()
                || !s.scope().equals("slice")
                || s.sliceColumn().equals(row.column()))) {
          Summary.CheckResult r = evaluate(s, row, current, past, config);
          if (noData != null && s.metric().equals("matched") && !r.outcome().equals(OK)) {
            r = withMessage(r, r.message() + "; " + noData);
          }
          results.add(r);
        }
      }
    }
    // List.sort is stable: the declared order survives within one outcome.
    results.sort(Comparator.comparingInt(c -> severity(c.outcome())));
    return results;
  }

  private static int severity(String outcome) {
    switch (outcome) {
      case ALERT:
        return 0;
      case WARN:
        return 1;
      case INSUFFICIENT:
        return 2;
      default:
        return 3;
    }
  }

  /**
   * The run's status: the worst outcome (ALERT over WARN over OK), or INSUFFICIENT_DATA when no
   * example was matched and no check is worse than OK: an empty night is not an error, and not OK
   * either.
   */
  public static String status(List<Summary.CheckResult> results, long matched) {
    String status = status(results);
    return matched == 0 && status.equals(OK) ? INSUFFICIENT : status;
  }

  /** The worst outcome: ALERT over WARN over OK; INSUFFICIENT_DATA does not count. */
  public static String status(List<Summary.CheckResult> results) {
    String status = OK;
    for (Summary.CheckResult r : results) {
      String o = r.outcome();
      if (ALERT.equals(o)) {
        return ALERT;
      }
      if (WARN.equals(o)) {
        status = WARN;
      }
    }
    return status;
  }

  private static Summary.CheckResult withMessage(Summary.CheckResult r, String message) {
    return new Summary.CheckResult(
        r.name(),
        r.type(),
        r.metric(),
        r.scope(),
        r.scopeColumn(),
        r.scopeValue(),
        r.value(),
        r.n(),
        r.warn(),
        r.alert(),
        r.direction(),
        r.baseline(),
        r.baselineRuns(),
        r.statistic(),
        r.pValue(),
        r.outcome(),
        message);
  }

  private static Summary.CheckResult evaluate(
      Spec s, MetricRow row, List<MetricRow> current, Past past, DriftConfig config) {
    List<Run> history = past.eligible();
    long n = sampleSize(row, current);
    Draft r = new Draft(s, row, n);
    // The matched count is its own sample size: a drop to nothing is the finding, not too small
    // a sample to judge.
    if (n < s.minN() && !s.metric().equals("matched")) {
      return outcome(r, INSUFFICIENT, "n = " + n + " is below min_n = " + s.minN());
    }
    if (row.value() == null) {
      return outcome(r, INSUFFICIENT, s.metric() + " is undefined for this run");
    }
    double v = row.value();
    switch (s.type()) {
      case THRESHOLD:
        return graded(r, s, v, named(s.metric(), config) + " = " + fmt(v));
      case RELATIVE:
        {
          Baseline b = baseline(s.metric(), row, past, config);
          if (b == null) {
            return outcome(
                r,
                INSUFFICIENT,
                "no baseline run (" + config.baselineMode().label() + ") in the history");
          }
          r.baseline = b.value();
          r.baselineRuns = b.runs();
          if (b.value() == 0) {
            return outcome(
                r, INSUFFICIENT, "the baseline value is 0; a relative change is undefined");
          }
          double rel = (v - b.value()) / Math.abs(b.value());
          r.statistic = rel;
          return graded(
              r,
              s,
              rel,
              String.format(
                  Locale.ROOT,
                  "%s changed by %+.1f%% against %s (%s -> %s)",
                  named(s.metric(), config),
                  100 * rel,
                  b.runs(),
                  fmt(b.value()),
                  fmt(v)));
        }
      case SIGMA:
        {
          List<Double> values = new ArrayList<>();
          List<String> dates = new ArrayList<>();
          int window = config.get(DriftConfig.BASELINE_WINDOW);
          int flagged = 0;
          MetricRow own = new MetricRow(History.CHECK_SCOPE, s.name(), bandKey(row), "", null);
          for (int i = history.size() - 1; i >= 0 && values.size() < window; i--) {
            Double x = find(history.get(i).rows(), row, s.metric());
            Double earlier = find(history.get(i).rows(), own, History.CHECK_OUTCOME);
            if (earlier != null && earlier >= 1) {
              flagged++;
            } else if (x != null) {
              values.add(0, x);
              dates.add(0, history.get(i).runDate());
            }
          }
          if (values.size() < s.minHistory()) {
            return outcome(
                r,
                INSUFFICIENT,
                values.size()
                    + " eligible earlier runs; a sigma band needs min_history = "
                    + s.minHistory());
          }
          double[] stats = Anomaly.meanStd(values);
          double sigma = Anomaly.effectiveSigma(stats[0], stats[1]);
          double z = (v - stats[0]) / sigma;
          r.baseline = stats[0];
          r.baselineRuns = dates.get(0) + ".." + dates.get(dates.size() - 1);
          r.statistic = z;
          String sigmaNote =
              sigma > stats[1]
                  ? "sigma floored at "
                      + fmt(sigma)
                      + ", 1% of the mean; the runs' own "
                      + fmt(stats[1])
                  : "sigma " + fmt(sigma);
          return graded(
              r,
              s,
              z,
              String.format(
                  Locale.ROOT,
                  "%s = %s is %.1f sigma from the mean %s of %d runs (%s%s)",
                  named(s.metric(), config),
                  fmt(v),
                  z,
                  fmt(stats[0]),
                  values.size(),
                  sigmaNote,
                  flagged == 0
                      ? ""
                      : flagged == 1
                          ? "; 1 run this band flagged is left out of it"
                          : "; " + flagged + " runs this band flagged are left out of it"));
        }
      case SIGNIFICANCE:
        {
          String base = s.metric().substring(0, s.metric().length() - ".mean".length());
          Baseline b = baselineStats(base, row, past, config);
          Double std = find(current, row, base + ".std");
          if (b == null || std == null) {
            return outcome(r, INSUFFICIENT, "no baseline run with n, mean and std in the history");
          }
          r.baseline = b.value();
          r.baselineRuns = b.runs();
          double p = Anomaly.welchPValue(v, std, (double) n, b.value(), b.std(), b.n());
          double rel =
              b.value() == 0 ? Double.POSITIVE_INFINITY : (v - b.value()) / Math.abs(b.value());
          r.pValue = p;
          r.statistic = rel;
          String msg =
              String.format(
                  Locale.ROOT,
                  "%s %s -> %s (%+.1f%%), Welch p = %.2g against %s",
                  named(s.metric(), config),
                  fmt(b.value()),
                  fmt(v),
                  100 * rel,
                  p,
                  b.runs());
          if (p >= s.alpha()) {
            return outcome(r, OK, msg + "; not significant at alpha = " + s.alpha());
          }
          return graded(r, s, rel, msg);
        }
      default:
        throw new AssertionError(s.type());
    }
  }

  /**
   * The metric's name in a message, with "(lower bound)" for the figures that top-k inputs give
   * only as lower bounds (the sequence layout with kind topk_log_probs).
   */
  static String named(String metric, DriftConfig config) {
    boolean topK =
        config.layout() == Layout.SEQUENCE
            && config.get(DriftConfig.TEACHER_KIND)
                == io.kldrift.kernel.Divergences.Kind.TOPK_LOG_PROBS;
    int dot = metric.indexOf('.');
    String base = dot < 0 ? metric : metric.substring(0, dot);
    boolean bound =
        List.of("kl", "reverse_kl", "js", "total_variation", "teacher_entropy", "sequence_kl")
            .contains(base);
    return topK && bound && !metric.endsWith(".n") ? metric + " (lower bound)" : metric;
  }

  private static Summary.CheckResult graded(Draft r, Spec s, double x, String message) {
    if (s.alert() != null && exceeds(x, s.alert(), s.direction())) {
      return outcome(r, ALERT, message + " beyond the alert level " + fmt(s.alert()));
    }
    if (s.warn() != null && exceeds(x, s.warn(), s.direction())) {
      return outcome(r, WARN, message + " beyond the warn level " + fmt(s.warn()));
    }
    return outcome(r, OK, message);
  }

  private static boolean exceeds(double x, double level, Direction direction) {
    return switch (direction) {
      case BELOW -> x < level;
      case BOTH -> Math.abs(x) > Math.abs(level);
      case ABOVE -> x > level;
    };
  }

  private static Summary.CheckResult outcome(Draft r, String outcome, String message) {
    return r.finish(outcome, message);
  }

  /**
   * A result while its check is judged: the figures a check type adds (baseline, its runs, the
   * statistic, the p-value) are set as they are computed, and stay null where a type has none.
   */
  private static final class Draft {
    private final Spec spec;
    private final MetricRow row;
    private final long n;
    private Double baseline;
    private String baselineRuns;
    private Double statistic;
    private Double pValue;

    Draft(Spec spec, MetricRow row, long n) {
      this.spec = spec;
      this.row = row;
      this.n = n;
    }

    Summary.CheckResult finish(String outcome, String message) {
      boolean global = spec.scope().equals("global");
      return new Summary.CheckResult(
          spec.name(),
          spec.type().label(),
          spec.metric(),
          spec.scope(),
          global ? null : row.column(),
          global ? null : row.key(),
          finite(row.value()),
          n,
          finite(spec.warn()),
          finite(spec.alert()),
          spec.direction().label(),
          finite(baseline),
          baselineRuns,
          finite(statistic),
          finite(pValue),
          outcome,
          message);
    }

    /**
     * summary.json has no spelling for NaN or infinity (a change from a zero baseline, a level set
     * to Infinity), so a result holds null there, as the file will.
     */
    private static Double finite(Double v) {
      return v == null || !Double.isFinite(v) ? null : v;
    }
  }

  private static long sampleSize(MetricRow row, List<MetricRow> current) {
    String nMetric =
        row.scope().equals("class")
            ? "n"
            : row.metric().startsWith("target.") ? "target.n" : "kl.n";
    Double n = find(current, row, nMetric);
    return n == null ? 0 : n.longValue();
  }

  /** Identifies one scope key of a check in the history: scope, column and value. */
  public static String bandKey(MetricRow row) {
    return row.scope() + "|" + row.column() + "|" + row.key();
  }

  /** One history row per check result: its outcome as a number (see {@link History}). */
  public static List<MetricRow> outcomeRows(List<Summary.CheckResult> results) {
    List<MetricRow> rows = new ArrayList<>();
    for (Summary.CheckResult c : results) {
      double code =
          switch (c.outcome()) {
            case ALERT -> 2;
            case WARN -> 1;
            case OK -> 0;
            default -> -1;
          };
      MetricRow like =
          new MetricRow(
              c.scope(),
              c.scopeColumn() == null ? "" : c.scopeColumn(),
              c.scopeValue() == null ? "" : c.scopeValue(),
              "",
              null);
      rows.add(
          new MetricRow(History.CHECK_SCOPE, c.name(), bandKey(like), History.CHECK_OUTCOME, code));
    }
    return rows;
  }

  static Double find(List<MetricRow> rows, MetricRow like, String metric) {
    for (MetricRow r : rows) {
      if (r.scope().equals(like.scope())
          && r.column().equals(like.column())
          && r.key().equals(like.key())
          && r.metric().equals(metric)) {
        return r.value();
      }
    }
    return null;
  }

  /** A baseline: value (a mean for significance), its std and n when known, and which runs. */
  record Baseline(double value, double std, double n, String runs) {}

  /**
   * The runs the baseline is made of under baseline.mode, oldest first; empty for none: the pinned
   * run, or the last eligible run, or the last baseline.window eligible runs.
   */
  static List<Run> baselineRuns(Past past, DriftConfig config) {
    List<Run> history = past.eligible();
    return switch (config.baselineMode()) {
      case PINNED -> past.pinned() == null ? List.of() : List.of(past.pinned());
      case MEAN -> {
        int w = config.get(DriftConfig.BASELINE_WINDOW);
        yield history.subList(Math.max(0, history.size() - w), history.size());
      }
      case PREVIOUS -> history.isEmpty() ? List.of() : List.of(history.get(history.size() - 1));
    };
  }

  private static Baseline baseline(String metric, MetricRow row, Past past, DriftConfig config) {
    List<Double> values = new ArrayList<>();
    List<Run> runs = baselineRuns(past, config);
    for (Run run : runs) {
      Double x = find(run.rows(), row, metric);
      if (x != null) {
        values.add(x);
      }
    }
    if (values.isEmpty()) {
      return null;
    }
    return new Baseline(Anomaly.meanStd(values)[0], Double.NaN, values.size(), describe(runs));
  }

  private static Baseline baselineStats(String base, MetricRow row, Past past, DriftConfig config) {
    List<double[]> states = new ArrayList<>();
    List<Run> runs = baselineRuns(past, config);
    for (Run run : runs) {
      Double n = find(run.rows(), row, base + ".n");
      Double mean = find(run.rows(), row, base + ".mean");
      Double std = find(run.rows(), row, base + ".std");
      if (n != null && mean != null && std != null && n > 1) {
        states.add(new double[] {n, mean, std});
      }
    }
    if (states.isEmpty()) {
      return null;
    }
    double[] pooled = Anomaly.pool(states);
    return new Baseline(pooled[1], pooled[2], pooled[0], describe(runs));
  }

  static String describe(List<Run> runs) {
    if (runs.size() == 1) {
      return "run " + runs.get(0).runDate();
    }
    return "the mean of "
        + runs.size()
        + " runs "
        + runs.get(0).runDate()
        + ".."
        + runs.get(runs.size() - 1).runDate();
  }

  private static String fmt(Object v) {
    if (v instanceof Double d) {
      return String.format(Locale.ROOT, "%.6g", d);
    }
    return String.valueOf(v);
  }

  /** Pure statistics over history values. */
  static final class Anomaly {
    private Anomaly() {}

    /** Mean and sample standard deviation (0 for a single value). */
    static double[] meanStd(List<Double> xs) {
      double mean = 0;
      for (double x : xs) {
        mean += x;
      }
      mean /= xs.size();
      double ss = 0;
      for (double x : xs) {
        ss += (x - mean) * (x - mean);
      }
      return new double[] {mean, xs.size() > 1 ? Math.sqrt(ss / (xs.size() - 1)) : 0};
    }

    /**
     * The sigma a band uses: the history's own, but never below 1% of the mean's magnitude, so a
     * history of near-identical runs does not turn rounding noise into alarms.
     */
    static double effectiveSigma(double mean, double std) {
      return Math.max(std, Math.max(0.01 * Math.abs(mean), 1e-12));
    }

    /** Merges (n, mean, std) states into one, exactly as if the samples had been pooled. */
    static double[] pool(List<double[]> states) {
      double n = 0, mean = 0, m2 = 0;
      for (double[] s : states) {
        double nb = s[0], meanb = s[1], m2b = s[2] * s[2] * (s[0] - 1);
        double total = n + nb;
        double delta = meanb - mean;
        mean += delta * nb / total;
        m2 += m2b + delta * delta * n * nb / total;
        n = total;
      }
      return new double[] {n, mean, n > 1 ? Math.sqrt(m2 / (n - 1)) : 0};
    }

    /** Two-sided p-value of Welch's t-test for a difference of two means. */
    static double welchPValue(double m1, double s1, double n1, double m0, double s0, double n0) {
      double v1 = s1 * s1 / n1, v0 = s0 * s0 / n0;
      double se = Math.sqrt(v1 + v0);
      if (se == 0) {
        return m1 == m0 ? 1.0 : 0.0;
      }
      double t = (m1 - m0) / se;
      double df = (v1 + v0) * (v1 + v0) / (v1 * v1 / (n1 - 1) + v0 * v0 / (n0 - 1));
      return 2 * new TDistribution(null, df).cumulativeProbability(-Math.abs(t));
    }
  }
}
