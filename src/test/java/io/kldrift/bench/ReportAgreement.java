package io.kldrift.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Compares a kldrift report folder with the Parquet files of the DuckDB same-report script. Reads
 * only the report's documented surface: {@code summary.json} ({@code inputs.matched}, {@code
 * inputs.teacher_only}, {@code inputs.student_only}, {@code global.kl.*}) and the {@code
 * per_class/}, {@code confusion/}, {@code worst_examples/} and {@code per_slice/} tables, looked up
 * by column name, so that an engine rewrite that keeps those names keeps the check. Both sides are
 * read with DuckDB, which reads Spark's Parquet folders as they are.
 *
 * <p>Required checks (the run fails when one does not hold): matched and unmatched counts equal,
 * mean KL and the per-class KL contributions within the relative tolerance, the top confusion
 * counts equal, the KL quantiles within the rank tolerance. The other rows are reported with the
 * same tolerances but do not fail the run: they cover fields whose names the engine may change.
 */
final class ReportAgreement {

  /** One compared figure. */
  record Check(
      String what,
      String kldrift,
      String duckdb,
      double difference,
      String measure,
      double tolerance,
      boolean required,
      boolean pass) {}

  private final Connection duck;
  private final Path report;
  private final Path duckOut;
  private final double tolerance;
  private final double rankTolerance;
  private final JsonNode summary;
  final List<Check> checks = new ArrayList<>();

  private ReportAgreement(
      Connection duck, Path report, Path duckOut, double tolerance, double rankTolerance)
      throws IOException {
    this.duck = duck;
    this.report = report;
    this.duckOut = duckOut;
    this.tolerance = tolerance;
    this.rankTolerance = rankTolerance;
    this.summary = new ObjectMapper().readTree(report.resolve("summary.json").toFile());
  }

  /** The run folder ({@code run_date=...}) under a report root written by one run. */
  static Path runFolder(Path root) throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      List<Path> runs =
          s.filter(p -> p.getFileName().toString().startsWith("run_date=")).sorted().toList();
      if (runs.size() != 1) {
        throw new IOException("expected one run_date= folder under " + root + ", found " + runs);
      }
      return runs.get(0);
    }
  }

  /**
   * Compares the report in {@code report} (a run folder) with the DuckDB results in {@code
   * duckOut}. {@code exact} names a DuckDB table with the exact per-example {@code kl} column of
   * the same data (for the quantiles' rank errors), or is null when there is none.
   */
  static ReportAgreement compare(
      Connection duck,
      Path report,
      Path duckOut,
      String exact,
      double tolerance,
      double rankTolerance)
      throws IOException, SQLException {
    ReportAgreement a = new ReportAgreement(duck, report, duckOut, tolerance, rankTolerance);
    a.counts();
    a.global(exact);
    a.perClass();
    a.confusions();
    a.worst();
    a.slices();
    return a;
  }

  /** Only the counts and the mean KL: a quick check for the scaling runs. */
  static ReportAgreement quick(
      Connection duck, Path report, Path duckOut, double tolerance, double rankTolerance)
      throws IOException, SQLException {
    ReportAgreement a = new ReportAgreement(duck, report, duckOut, tolerance, rankTolerance);
    a.counts();
    double kl = a.summary.path("global").path("kl").path("mean").asDouble(Double.NaN);
    double d = a.scalar("SELECT mean FROM " + a.duckFile("global") + " WHERE metric = 'kl'");
    a.rel("mean KL", kl, d, true);
    return a;
  }

  boolean ok() {
    return checks.stream().allMatch(c -> c.pass() || !c.required());
  }

  List<String> failures() {
    List<String> out = new ArrayList<>();
    for (Check c : checks) {
      if (c.required() && !c.pass()) {
        out.add(
            String.format(
                Locale.ROOT,
                "%s: kldrift %s, DuckDB %s (%s %.3g, tolerance %.3g)",
                c.what(),
                c.kldrift(),
                c.duckdb(),
                c.measure(),
                c.difference(),
                c.tolerance()));
      }
    }
    return out;
  }

  /** The largest difference among the required checks of one measure, or NaN if none. */
  double largest(String whatPrefix) {
    double m = Double.NaN;
    for (Check c : checks) {
      if (c.what().startsWith(whatPrefix) && !(c.difference() <= m)) {
        m = c.difference();
      }
    }
    return m;
  }

  // ------------------------------------------------------------------------------------------

  private String duckFile(String name) {
    return "read_parquet(" + Bench.sqlString(duckOut.resolve(name + ".parquet").toString()) + ")";
  }

  /** The report's table as a read_parquet call, or null when the folder has no Parquet file. */
  private String reportTable(String name) throws IOException {
    Path dir = report.resolve(name);
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> s = Files.list(dir)) {
      if (s.noneMatch(p -> p.getFileName().toString().endsWith(".parquet"))) {
        return null;
      }
    }
    return "read_parquet(" + Bench.sqlString(dir + "/*.parquet") + ")";
  }

  private Set<String> columns(String table) throws SQLException {
    Set<String> out = new LinkedHashSet<>();
    try (Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM " + table)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private double scalar(String sql) throws SQLException {
    try (Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      double v = rs.getDouble(1);
      return rs.wasNull() ? Double.NaN : v;
    }
  }

  private List<Object[]> rows(String sql) throws SQLException {
    List<Object[]> out = new ArrayList<>();
    try (Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Object[] r = new Object[n];
        for (int i = 0; i < n; i++) {
          r[i] = rs.getObject(i + 1);
        }
        out.add(r);
      }
    }
    return out;
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.12g", v);
  }

  private static double relDiff(double a, double b) {
    if (a == b) {
      return 0;
    }
    return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
  }

  private void rel(String what, double kldrift, double duckdb, boolean required) {
    double d = relDiff(kldrift, duckdb);
    checks.add(
        new Check(
            what, num(kldrift), num(duckdb), d, "relative", tolerance, required, d <= tolerance));
  }

  private void exact(String what, long kldrift, long duckdb, boolean required) {
    checks.add(
        new Check(
            what,
            String.format(Locale.ROOT, "%,d", kldrift),
            String.format(Locale.ROOT, "%,d", duckdb),
            Math.abs(kldrift - duckdb),
            "absolute",
            0,
            required,
            kldrift == duckdb));
  }

  private void counts() throws SQLException {
    JsonNode in = summary.path("inputs");
    List<Object[]> d =
        rows("SELECT matched, teacher_only, student_only FROM " + duckFile("inputs"));
    String[] names = {"matched", "teacher_only", "student_only"};
    for (int i = 0; i < names.length; i++) {
      exact(
          "rows: " + names[i],
          in.path(names[i]).asLong(-1),
          ((Number) d.get(0)[i]).longValue(),
          true);
    }
  }

  private void global(String exact) throws SQLException {
    JsonNode kl = summary.path("global").path("kl");
    Map<String, Double> d = new HashMap<>();
    List<Object[]> r =
        rows(
            "SELECT n, mean, std, max, q[1], q[2], q[3], q[4] FROM "
                + duckFile("global")
                + " WHERE metric = 'kl'");
    String[] f = {"n", "mean", "std", "max", "p50", "p90", "p95", "p99"};
    for (int i = 0; i < f.length; i++) {
      d.put(f[i], ((Number) r.get(0)[i]).doubleValue());
    }
    exact("KL n", kl.path("n").asLong(-1), d.get("n").longValue(), false);
    rel("mean KL", kl.path("mean").asDouble(Double.NaN), d.get("mean"), true);
    rel("KL std", kl.path("std").asDouble(Double.NaN), d.get("std"), false);
    rel("KL max", kl.path("max").asDouble(Double.NaN), d.get("max"), false);
    double[] qs = {0.5, 0.9, 0.95, 0.99};
    for (int i = 0; i < qs.length; i++) {
      String name = f[4 + i];
      JsonNode v = kl.path(name);
      if (v.isMissingNode() || v.isNull()) {
        continue;
      }
      double k = v.asDouble();
      double rank = Double.NaN;
      if (exact != null) {
        // Mid-rank of kldrift's value among the exact per-example KLs.
        rank =
            scalar(
                String.format(
                    Locale.ROOT,
                    "SELECT (count_if(kl < %1$.17g) + count_if(kl <= %1$.17g)) / (2.0 * count(*)) FROM %2$s",
                    k,
                    exact));
      }
      double err = Math.abs(rank - qs[i]);
      checks.add(
          new Check(
              "KL " + name + " (rank error)",
              num(k),
              num(d.get(name)) + " (exact)",
              err,
              "rank",
              rankTolerance,
              exact != null,
              exact == null || err <= rankTolerance));
    }
    // Not in the documented surface; compared when present.
    JsonNode hist = kl.path("histogram").path("counts");
    if (hist.isArray()) {
      List<Object[]> h =
          rows("SELECT bin, count FROM " + duckFile("kl_histogram") + " ORDER BY bin");
      long worst = 0;
      for (int b = 0; b < Math.max(hist.size(), h.size()); b++) {
        long a = b < hist.size() ? hist.get(b).asLong() : 0;
        long c = b < h.size() ? ((Number) h.get(b)[1]).longValue() : 0;
        worst = Math.max(worst, Math.abs(a - c));
      }
      checks.add(
          new Check(
              "KL histogram counts (largest bin difference)",
              hist.size() + " bins",
              h.size() + " bins",
              worst,
              "absolute",
              0,
              false,
              worst == 0 && hist.size() == h.size()));
    }
    JsonNode above = kl.path("share_above");
    String[][] levels = {
      {"0.01", "share_above_0_01"}, {"0.1", "share_above_0_1"}, {"1.0", "share_above_1"}
    };
    for (String[] l : levels) {
      if (above.path(l[0]).isNumber()) {
        rel(
            "KL share above " + l[0],
            above.path(l[0]).asDouble(),
            scalar("SELECT " + l[1] + " FROM " + duckFile("global_extra")),
            false);
      }
    }
    for (String m : new String[] {"teacher_accuracy", "student_accuracy", "marginal_kl"}) {
      JsonNode g = summary.path("global").path(m);
      if (g.isNumber()) {
        rel(m, g.asDouble(), scalar("SELECT " + m + " FROM " + duckFile("global_extra")), false);
      }
    }
    for (String m :
        new String[] {"reverse_kl", "js", "total_variation", "cross_entropy", "agreement"}) {
      JsonNode g = summary.path("global").path(m).path("mean");
      if (g.isNumber()) {
        double v = scalar("SELECT mean FROM " + duckFile("global") + " WHERE metric = '" + m + "'");
        rel("mean " + m, g.asDouble(), v, false);
      }
    }
  }

  private void perClass() throws IOException, SQLException {
    String k = reportTable("per_class");
    if (k == null) {
      checks.add(new Check("per-class KL contributions", "no table", "", 1, "", 0, true, false));
      return;
    }
    double meanKl = summary.path("global").path("kl").path("mean").asDouble(Double.NaN);
    long kn = (long) scalar("SELECT count(*) FROM " + k);
    long dn = (long) scalar("SELECT count(*) FROM " + duckFile("per_class"));
    exact("per-class rows", kn, dn, true);
    // Relative to the contribution, with a floor at 0.1% of the mean KL: a class whose terms
    // cancel to nearly zero has no meaningful relative error of its own.
    String sql =
        String.format(
            Locale.ROOT,
            "SELECT max(abs(k.kl_contribution - d.kl_contribution)"
                + " / greatest(abs(k.kl_contribution), abs(d.kl_contribution), %.17g)),"
                + " arg_max(k.class_index, abs(k.kl_contribution - d.kl_contribution)"
                + " / greatest(abs(k.kl_contribution), abs(d.kl_contribution), %.17g))"
                + " FROM %s k JOIN %s d ON k.class_index = d.class_index",
            1e-3 * Math.abs(meanKl),
            1e-3 * Math.abs(meanKl),
            k,
            duckFile("per_class"));
    List<Object[]> r = rows(sql);
    double worst = r.get(0)[0] == null ? Double.NaN : ((Number) r.get(0)[0]).doubleValue();
    checks.add(
        new Check(
            "per-class KL contributions (largest, at class " + r.get(0)[1] + ")",
            kn + " classes",
            dn + " classes",
            worst,
            "relative",
            tolerance,
            true,
            worst <= tolerance));
    Set<String> cols = columns(k);
    for (String c : new String[] {"teacher_mean_prob", "student_mean_prob"}) {
      if (cols.contains(c)) {
        double w =
            scalar(
                "SELECT max(abs(k."
                    + c
                    + " - d."
                    + c
                    + ") / greatest(abs(k."
                    + c
                    + "), 1e-300)) FROM "
                    + k
                    + " k JOIN "
                    + duckFile("per_class")
                    + " d USING (class_index)");
        checks.add(
            new Check(
                "per-class " + c + " (largest)",
                "",
                "",
                w,
                "relative",
                tolerance,
                false,
                w <= tolerance));
      }
    }
    for (String c : new String[] {"teacher_top1_count", "label_count"}) {
      if (cols.contains(c)) {
        double w =
            scalar(
                "SELECT max(abs(k."
                    + c
                    + " - d."
                    + c
                    + ")) FROM "
                    + k
                    + " k JOIN "
                    + duckFile("per_class")
                    + " d USING (class_index)");
        checks.add(
            new Check("per-class " + c + " (largest)", "", "", w, "absolute", 0, false, w == 0));
      }
    }
  }

  private void confusions() throws IOException, SQLException {
    String k = reportTable("confusion");
    List<Object[]> d =
        rows(
            "SELECT teacher_class_index, student_class_index, count, mean_kl FROM "
                + duckFile("confusion")
                + " ORDER BY count DESC, teacher_class_index, student_class_index");
    if (k == null) {
      checks.add(
          new Check(
              "top confusion counts",
              "no table",
              d.size() + " pairs",
              d.size(),
              "absolute",
              0,
              true,
              d.isEmpty()));
      return;
    }
    Set<String> cols = columns(k);
    String t = cols.contains("teacher_class_index") ? "teacher_class_index" : "teacher_top1";
    String s = cols.contains("student_class_index") ? "student_class_index" : "student_top1";
    String n = cols.contains("count") ? "count" : "n";
    Map<String, long[]> kc = new HashMap<>();
    Map<String, Double> km = new HashMap<>();
    for (Object[] r :
        rows(
            "SELECT "
                + t
                + ", "
                + s
                + ", \""
                + n
                + "\""
                + (cols.contains("mean_kl") ? ", mean_kl" : ", NULL")
                + " FROM "
                + k)) {
      String key = r[0] + "->" + r[1];
      kc.put(key, new long[] {((Number) r[2]).longValue()});
      km.put(key, r[3] == null ? Double.NaN : ((Number) r[3]).doubleValue());
    }
    long worst = 0;
    double worstMean = 0;
    int missing = 0;
    for (Object[] r : d) {
      String key = r[0] + "->" + r[1];
      long[] c = kc.get(key);
      if (c == null) {
        missing++;
        continue;
      }
      worst = Math.max(worst, Math.abs(c[0] - ((Number) r[2]).longValue()));
      double m = km.get(key);
      if (!Double.isNaN(m)) {
        worstMean = Math.max(worstMean, relDiff(m, ((Number) r[3]).doubleValue()));
      }
    }
    checks.add(
        new Check(
            "top " + d.size() + " confusion counts (largest difference)",
            kc.size() + " pairs in confusion/",
            d.size() + " pairs" + (missing > 0 ? ", " + missing + " not in confusion/" : ""),
            missing > 0 ? Double.POSITIVE_INFINITY : worst,
            "absolute",
            0,
            true,
            missing == 0 && worst == 0));
    checks.add(
        new Check(
            "top confusion mean KL (largest)",
            "",
            "",
            worstMean,
            "relative",
            tolerance,
            false,
            worstMean <= tolerance));
  }

  private void worst() throws IOException, SQLException {
    String k = reportTable("worst_examples");
    if (k == null) {
      return;
    }
    List<Object[]> d =
        rows(
            "SELECT example_id, kl FROM "
                + duckFile("worst_examples")
                + " ORDER BY kl DESC, example_id");
    List<Object[]> kr =
        rows("SELECT example_id, kl FROM " + k + " ORDER BY kl DESC, example_id LIMIT " + d.size());
    int sameKeys = 0;
    double worstKl = 0;
    Set<Object> keys = new LinkedHashSet<>();
    for (Object[] r : kr) {
      keys.add(r[0]);
    }
    for (int i = 0; i < d.size(); i++) {
      if (keys.contains(d.get(i)[0])) {
        sameKeys++;
      }
      if (i < kr.size()) {
        worstKl =
            Math.max(
                worstKl,
                relDiff(
                    ((Number) kr.get(i)[1]).doubleValue(), ((Number) d.get(i)[1]).doubleValue()));
      }
    }
    checks.add(
        new Check(
            "worst " + d.size() + " examples: same keys",
            sameKeys + " of " + d.size(),
            "",
            d.size() - sameKeys,
            "absolute",
            0,
            false,
            sameKeys == d.size()));
    checks.add(
        new Check(
            "worst examples: KL by rank (largest)",
            "",
            "",
            worstKl,
            "relative",
            tolerance,
            false,
            worstKl <= tolerance));
  }

  private void slices() throws IOException, SQLException {
    String k = reportTable("per_slice");
    if (k == null) {
      return;
    }
    Set<String> cols = columns(k);
    if (!cols.contains("slice_value") || !cols.contains("n") || !cols.contains("kl_mean")) {
      return;
    }
    List<Object[]> r =
        rows(
            "SELECT max(abs(k.n - d.n)), max(abs(k.kl_mean - d.kl_mean) / abs(d.kl_mean)), count(*),"
                + " (SELECT count(*) FROM "
                + duckFile("per_slice")
                + ") FROM "
                + k
                + " k JOIN "
                + duckFile("per_slice")
                + " d ON k.slice_value IS NOT DISTINCT FROM d.slice_value");
    long dn = ((Number) r.get(0)[0]).longValue();
    double dm = ((Number) r.get(0)[1]).doubleValue();
    long joined = ((Number) r.get(0)[2]).longValue();
    long duckSlices = ((Number) r.get(0)[3]).longValue();
    checks.add(
        new Check(
            "per-slice n (largest difference)",
            joined + " slices matched",
            duckSlices + " slices",
            dn,
            "absolute",
            0,
            false,
            dn == 0 && joined == duckSlices));
    checks.add(
        new Check(
            "per-slice mean KL (largest)",
            "",
            "",
            dm,
            "relative",
            tolerance,
            false,
            dm <= tolerance));
  }
}
