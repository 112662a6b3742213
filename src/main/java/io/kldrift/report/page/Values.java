package io.kldrift.report.page;

import static io.kldrift.report.page.Html.fmt;

import io.kldrift.summary.Summary;
import io.kldrift.summary.Summary.Stats;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Summary values as page text: null-safe access into the record tree, and the number formats the
 * page uses (a measurement, a count, a percentage). Any missing or non-finite value is {@link #NA},
 * never an exception: a summary read back from an older or hand-edited file may lack any part.
 */
final class Values {
  static final String NA = "n/a";

  private Values() {}

  /** {@code part} of {@code whole}, or null when the whole is missing. */
  static <T, R> R at(T whole, Function<? super T, ? extends R> part) {
    return whole == null ? null : part.apply(whole);
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }

  /** A figure that can be drawn: present and finite. */
  static boolean known(Double v) {
    return v != null && Double.isFinite(v);
  }

  static Double dbl(Object o) {
    return o instanceof Number n ? n.doubleValue() : null;
  }

  /** The summary's global KL figures. */
  static Stats klStats(Summary s) {
    return at(at(s, Summary::global), Summary.Global::kl);
  }

  static Double mean(Stats s) {
    return at(s, Stats::mean);
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

  /** A change in nats with its sign: "+0.1562 nats", "\u22120.0003 nats". */
  static String signed(double v) {
    String n = num(Math.abs(v));
    return (v < 0 ? "\u2212" : "+") + n + " nats";
  }

  /** "95% CI low – high (n = …)" of a figure, its bounds in {@code format}. */
  static String ci(Stats stats, Function<Object, String> format) {
    return "95% CI "
        + range(at(stats, Stats::ci95Low), at(stats, Stats::ci95High), format)
        + " (n = "
        + count(at(stats, Stats::n))
        + ")";
  }

  /** "95% CI low – high" of bounds given apart from their figure. */
  static String ci(Double low, Double high) {
    return "95% CI " + range(low, high, Values::num);
  }

  /** The CI's bounds alone, "low – high", for a table column. */
  static String ciRange(Stats stats) {
    return range(at(stats, Stats::ci95Low), at(stats, Stats::ci95High), Values::num);
  }

  private static String range(Object low, Object high, Function<Object, String> format) {
    return format.apply(low) + " \u2013 " + format.apply(high);
  }

  /** "> 0.01: 80.00%, > 0.1: 30.00%" for {@code share_above}. */
  static String shareAbove(Map<String, Double> shares) {
    if (shares == null || shares.isEmpty()) {
      return NA;
    }
    List<String> parts = new ArrayList<>();
    shares.forEach((level, share) -> parts.add("> " + str(level) + ": " + pct(share)));
    return String.join(", ", parts);
  }

  /** "p50 …, p95 …, p99 …, max …" of a figure. */
  static String quantiles(Stats s) {
    return "p50 "
        + num(at(s, Stats::p50))
        + ", p95 "
        + num(at(s, Stats::p95))
        + ", p99 "
        + num(at(s, Stats::p99))
        + ", max "
        + num(at(s, Stats::max));
  }

  /** "min …, max …" of a figure. */
  static String minMax(Stats s) {
    return "min " + num(at(s, Stats::min)) + ", max " + num(at(s, Stats::max));
  }

  /**
   * A figure of both sides, "teacher 1,000, student 1,001" ({@code which} "") or "teacher only 2,
   * student only 3" ({@code which} " only").
   */
  static String sides(String which, Object teacher, Object student, Function<Object, String> f) {
    return "teacher"
        + which
        + " "
        + f.apply(teacher)
        + ", student"
        + which
        + " "
        + f.apply(student);
  }
}
