package io.kldrift.job;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The one number format of the console: counts with thousands separators and a singular or plural
 * noun, measured values with six decimals, and values too small for six decimals with their
 * significant digits ({@code 1.8e-12}, not {@code 0.000000}).
 */
final class Numbers {
  /** Below this size six decimals keep fewer than four significant digits. */
  private static final double SMALL = 1e-3;

  private static final MathContext SIGNIFICANT = new MathContext(3);

  private Numbers() {}

  /** A measured value: {@code 0.055769}, {@code 0.00012}, {@code 1.8e-12}, {@code n/a}. */
  static String value(Number v) {
    if (v == null) {
      return "n/a";
    }
    double d = v.doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return Double.toString(d);
    }
    if (d == 0 || Math.abs(d) >= SMALL) {
      return String.format(Locale.ROOT, "%.6f", d);
    }
    // BigDecimal prints plain digits down to 1e-6 and scientific notation below, as a reader
    // expects.
    return new BigDecimal(d)
        .round(SIGNIFICANT)
        .stripTrailingZeros()
        .toString()
        .toLowerCase(Locale.ROOT);
  }

  /** A count: {@code 19,962}. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A count and its noun: {@code 1 sequence}, {@code 2,000 sequences}. */
  static String count(long n, String singular) {
    return count(n, singular, singular + "s");
  }

  /** A count and its noun, for nouns whose plural is not the singular and an s. */
  static String count(long n, String singular, String plural) {
    return count(n) + " " + (n == 1 ? singular : plural);
  }
}
