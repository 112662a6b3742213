package io.kldrift.monitor;

import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Change;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares a run with its baseline (the runs {@code baseline.mode} selects, as the checks do) and
 * splits the change of the mean KL over classes and slice values, or in the sequence layout (a run
 * with {@code position} rows) over slice values, position buckets and teacher top-1 tokens: {@link
 * Change}. Pure functions over {@link MetricRow}s, the history's own shape, so the figures can be
 * checked by hand. With several baseline runs (baseline.mode=mean) each part's baseline is the mean
 * of its runs' parts, which keeps the parts adding up to the mean of the runs' mean KL.
 */
public final class ChangeAttribution {
  /** The history metrics the comparison reads (besides the checks' own). */
  public static final List<String> METRICS =
      List.of("kl.n", "kl.mean", "kl.std", "n", "kl_contribution", "count", "upper_edge");

  /** At most this many parts are listed per view; the others are summed into one. */
  static final int MAX_PARTS = 12;

  private ChangeAttribution() {}

  /**
   * The comparison of {@code current} with the baseline runs of {@code history} (earlier runs,
   * oldest first), or null when there is no baseline run with a mean KL or this run has none.
   */
  public static Change of(List<MetricRow> current, List<Checks.Run> history, DriftConfig config) {
    return of(current, Checks.Past.of(history, config), config);
  }

  /** The comparison of {@code current} with the baseline runs {@code past} offers. */
  public static Change of(List<MetricRow> current, Checks.Past past, DriftConfig config) {
    Double klMean = global(current, "kl.mean");
    if (klMean == null) {
      return null;
    }
    List<Checks.Run> base = new ArrayList<>();
    for (Checks.Run r : Checks.baselineRuns(past, config)) {
      if (global(r.rows(), "kl.mean") != null) {
        base.add(r);
      }
    }
    if (base.isEmpty()) {
      return null;
    }
    double baseMean = 0;
    for (Checks.Run r : base) {
      baseMean += global(r.rows(), "kl.mean") / base.size();
    }
    double delta = klMean - baseMean;
    Double noise = noise(current, base);
    boolean unchanged =
        noise != null ? Math.abs(delta) <= noise : Math.abs(delta) <= 0.01 * Math.abs(baseMean);
    String direction = unchanged ? "unchanged" : delta > 0 ? "up" : "down";
    boolean up = delta >= 0;
    List<Change.Attribution> bySlice = new ArrayList<>();
    for (String column : sliceColumns(current)) {
      bySlice.add(attribution(column, groupParts("slice", column, current, base), up, "values"));
    }
    boolean tokens = hasScope(current, "position");
    // A run stored before the history kept position buckets would make them look all new.
    boolean buckets = tokens && base.stream().allMatch(r -> hasScope(r.rows(), "position"));
    return new Change(
        Checks.describe(base),
        baseMean,
        klMean,
        delta,
        baseMean == 0 ? null : klMean / baseMean,
        noise,
        direction,
        tokens ? null : attribution("class", classParts(current, base), up, "classes"),
        bySlice,
        histogramShares(current, base),
        buckets ? attribution("position", positionParts(current, base), up, "buckets") : null,
        tokens
            ? attribution("token", tokenParts(current, base, klMean, baseMean), up, "tokens")
            : null);
  }

  private static boolean hasScope(List<MetricRow> rows, String scope) {
    return rows.stream().anyMatch(m -> m.scope().equals(scope));
  }

  /** 1.96 standard errors of the difference of the means; null without n and std on each side. */
  private static Double noise(List<MetricRow> current, List<Checks.Run> base) {
    Double n1 = global(current, "kl.n");
    Double s1 = global(current, "kl.std");
    if (n1 == null || s1 == null || n1 < 2) {
      return null;
    }
    // The baseline is a mean of R independent run means: its variance is the sum of theirs / R².
    double var = s1 * s1 / n1;
    for (Checks.Run r : base) {
      Double n = global(r.rows(), "kl.n");
      Double s = global(r.rows(), "kl.std");
      if (n == null || s == null || n < 2) {
        return null;
      }
      var += s * s / n / ((double) base.size() * base.size());
    }
    return 1.96 * Math.sqrt(var);
  }

  /** A part before attribution: what it is, its n, its share of the mean KL then and now. */
  private record Raw(String name, Integer classIndex, Long n, double baseline, double current) {}

  private static List<Raw> classParts(List<MetricRow> current, List<Checks.Run> base) {
    Map<String, double[]> baseline = new LinkedHashMap<>();
    for (Checks.Run r : base) {
      for (MetricRow m : r.rows()) {
        if (m.scope().equals("class") && m.metric().equals("kl_contribution")) {
          baseline.computeIfAbsent(m.column(), k -> new double[1])[0] +=
              value(m.value()) / base.size();
        }
      }
    }
    List<Raw> parts = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    Map<String, Double> counts = new LinkedHashMap<>();
    for (MetricRow m : current) {
      if (m.scope().equals("class") && m.metric().equals("n")) {
        counts.put(m.column(), m.value());
      }
    }
    for (MetricRow m : current) {
      if (m.scope().equals("class") && m.metric().equals("kl_contribution")) {
        seen.add(m.column());
        Double n = counts.get(m.column());
        parts.add(
            new Raw(
                m.key(),
                Integer.valueOf(m.column()),
                n == null ? null : n.longValue(),
                at(baseline, m.column()),
                value(m.value())));
      }
    }
    // A class of the baseline that this run lacks (another class list) fell to nothing.
    for (Map.Entry<String, double[]> b : baseline.entrySet()) {
      if (!seen.contains(b.getKey())) {
        parts.add(
            new Raw("class " + b.getKey(), Integer.valueOf(b.getKey()), 0L, b.getValue()[0], 0));
      }
    }
    return parts;
  }

  private static List<String> sliceColumns(List<MetricRow> current) {
    Set<String> columns = new LinkedHashSet<>();
    for (MetricRow m : current) {
      if (m.scope().equals("slice")) {
        columns.add(m.column());
      }
    }
    return new ArrayList<>(columns);
  }

  /**
   * The parts of one grouping ({@code scope} slice with one {@code column}, or position or token
   * with any column): each value's share of the mean KL now and in the baseline.
   */
  private static List<Raw> groupParts(
      String scope, String column, List<MetricRow> current, List<Checks.Run> base) {
    Map<String, double[]> baseline = new LinkedHashMap<>();
    for (Checks.Run r : base) {
      Map<String, Double> shares = shares(scope, column, r.rows());
      shares.forEach(
          (v, share) -> baseline.computeIfAbsent(v, k -> new double[1])[0] += share / base.size());
    }
    List<Raw> parts = new ArrayList<>();
    Map<String, Double> now = shares(scope, column, current);
    Map<String, Double> ns = groupMetric(scope, column, current, "kl.n");
    for (Map.Entry<String, Double> v : now.entrySet()) {
      Double n = ns.get(v.getKey());
      parts.add(
          new Raw(
              v.getKey(),
              null,
              n == null ? null : n.longValue(),
              at(baseline, v.getKey()),
              v.getValue()));
    }
    for (Map.Entry<String, double[]> b : baseline.entrySet()) {
      if (!now.containsKey(b.getKey())) {
        parts.add(new Raw(b.getKey(), null, 0L, b.getValue()[0], 0));
      }
    }
    return parts;
  }

  /** The position buckets, without those that held no KL in this run nor in the baseline. */
  private static List<Raw> positionParts(List<MetricRow> current, List<Checks.Run> base) {
    List<Raw> parts = new ArrayList<>();
    for (Raw r : groupParts("position", null, current, base)) {
      if (r.current() != 0 || r.baseline() != 0 || (r.n() != null && r.n() > 0)) {
        parts.add(r);
      }
    }
    return parts;
  }

  /**
   * The tokens this run and every baseline run list (a summary lists only its top tokens), each a
   * part; the other tokens, whose figures some run does not have, form one part: the mean KL minus
   * the listed parts, in this run and in the baseline, so that the parts still add up.
   */
  private static List<Raw> tokenParts(
      List<MetricRow> current, List<Checks.Run> base, double klMean, double baseMean) {
    Map<String, Double> now = shares("token", null, current);
    Set<String> common = new LinkedHashSet<>(now.keySet());
    for (Checks.Run r : base) {
      common.retainAll(shares("token", null, r.rows()).keySet());
    }
    List<Raw> parts = new ArrayList<>();
    for (Raw r : groupParts("token", null, current, base)) {
      if (common.contains(r.name())) {
        parts.add(r);
      }
    }
    double listedNow = parts.stream().mapToDouble(Raw::current).sum();
    double listedBase = parts.stream().mapToDouble(Raw::baseline).sum();
    Double n = global(current, "kl.n");
    long listedN = parts.stream().mapToLong(r -> r.n() == null ? 0 : r.n()).sum();
    parts.add(
        new Raw(
            Change.UNLISTED_TOKENS,
            null,
            n == null ? null : Math.max(0, n.longValue() - listedN),
            baseMean - listedBase,
            klMean - listedNow));
    return parts;
  }

  /**
   * Each value's share of the run's mean KL: n_value / n × its mean (0 for an empty value); n the
   * run's examples (counted positions in the sequence layout).
   */
  private static Map<String, Double> shares(String scope, String column, List<MetricRow> rows) {
    Map<String, Double> ns = groupMetric(scope, column, rows, "kl.n");
    Map<String, Double> means = groupMetric(scope, column, rows, "kl.mean");
    Map<String, Double> shares = new LinkedHashMap<>();
    Double n = global(rows, "kl.n");
    ns.forEach(
        (v, nv) -> {
          Double mean = means.get(v);
          shares.put(
              v,
              n == null || n == 0 || mean == null || nv == null || nv == 0 ? 0.0 : nv / n * mean);
        });
    return shares;
  }

  /** One metric of a grouping by value, in the rows' order; {@code column} null for any column. */
  private static Map<String, Double> groupMetric(
      String scope, String column, List<MetricRow> rows, String metric) {
    Map<String, Double> byValue = new LinkedHashMap<>();
    for (MetricRow m : rows) {
      if (m.scope().equals(scope)
          && (column == null || m.column().equals(column))
          && m.metric().equals(metric)) {
        byValue.put(m.key(), m.value());
      }
    }
    return byValue;
  }

  /**
   * The attribution of one view: parts sorted by |change|, the largest {@link #MAX_PARTS} listed
   * and the rest summed. {@code up}: the mean KL rose (or stayed), so rising parts are drivers.
   */
  private static Change.Attribution attribution(
      String dimension, List<Raw> raw, boolean up, String plural) {
    double increases = 0;
    double decreases = 0;
    for (Raw r : raw) {
      double d = r.current() - r.baseline();
      if (d > 0) {
        increases += d;
      } else {
        decreases -= d;
      }
    }
    double drivers = up ? increases : decreases;
    List<Raw> sorted = new ArrayList<>(raw);
    sorted.sort(
        Comparator.comparingDouble((Raw r) -> -Math.abs(r.current() - r.baseline()))
            .thenComparing(Raw::name));
    List<Change.Part> parts = new ArrayList<>();
    for (Raw r : sorted.subList(0, Math.min(MAX_PARTS, sorted.size()))) {
      parts.add(part(r, drivers, up));
    }
    Change.Part rest = null;
    if (sorted.size() > MAX_PARTS) {
      List<Raw> others = sorted.subList(MAX_PARTS, sorted.size());
      double b = others.stream().mapToDouble(Raw::baseline).sum();
      double c = others.stream().mapToDouble(Raw::current).sum();
      rest = part(new Raw(others.size() + " other " + plural, null, null, b, c), drivers, up);
    }
    return new Change.Attribution(dimension, increases, decreases, parts, rest);
  }

  private static Change.Part part(Raw r, double drivers, boolean up) {
    double d = r.current() - r.baseline();
    String role = Math.abs(d) <= Change.NEGLIGIBLE ? "none" : (d > 0) == up ? "driver" : "offset";
    return new Change.Part(
        r.name(),
        r.classIndex(),
        r.n(),
        r.baseline(),
        r.current(),
        d,
        drivers > 0 ? Math.abs(d) / drivers : 0,
        role);
  }

  /**
   * The baseline's histogram as shares of its examples, averaged over its runs; null when a run has
   * no histogram rows (written before they were stored) or bins other than this run's.
   */
  private static List<Double> histogramShares(List<MetricRow> current, List<Checks.Run> base) {
    List<Double> edges = histogram(current, "upper_edge");
    if (edges.isEmpty()) {
      return null;
    }
    double[] shares = new double[edges.size()];
    for (Checks.Run r : base) {
      List<Double> counts = histogram(r.rows(), "count");
      if (!sameEdges(edges, histogram(r.rows(), "upper_edge")) || counts.size() != edges.size()) {
        return null;
      }
      double total = counts.stream().mapToDouble(ChangeAttribution::value).sum();
      if (total == 0) {
        return null;
      }
      for (int i = 0; i < shares.length; i++) {
        shares[i] += value(counts.get(i)) / total / base.size();
      }
    }
    List<Double> out = new ArrayList<>();
    for (double s : shares) {
      out.add(s);
    }
    return out;
  }

  /** One histogram metric of a run by bin index; empty when the run has no histogram rows. */
  private static List<Double> histogram(List<MetricRow> rows, String metric) {
    Map<Integer, Double> byBin = new java.util.TreeMap<>();
    for (MetricRow m : rows) {
      if (m.scope().equals("histogram") && m.metric().equals(metric)) {
        byBin.put(Integer.valueOf(m.key()), m.value());
      }
    }
    List<Double> out = new ArrayList<>();
    int i = 0;
    for (Map.Entry<Integer, Double> e : byBin.entrySet()) {
      if (e.getKey() != i++) {
        return List.of();
      }
      out.add(e.getValue());
    }
    return out;
  }

  private static boolean sameEdges(List<Double> a, List<Double> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Double x = a.get(i);
      Double y = b.get(i);
      if (x == null || y == null) {
        if (x != null || y != null) {
          return false;
        }
      } else if (Math.abs(x - y) > 1e-9 * Math.max(Math.abs(x), Math.abs(y))) {
        return false;
      }
    }
    return true;
  }

  private static Double global(List<MetricRow> rows, String metric) {
    for (MetricRow m : rows) {
      if (m.scope().equals("global") && m.metric().equals(metric)) {
        return m.value();
      }
    }
    return null;
  }

  private static double at(Map<String, double[]> sums, String key) {
    double[] v = sums.get(key);
    return v == null ? 0 : v[0];
  }

  private static double value(Double v) {
    return v == null ? 0 : v;
  }
}
