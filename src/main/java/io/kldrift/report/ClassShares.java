package io.kldrift.report;

import java.util.Locale;

/**
 * Per-class KL contributions stated as shares of the KL the classes add (the total of the positive
 * contributions), the way both the page and the console say them: the adding classes' shares sum to
 * 100%, and a negative contribution "offsets" part of that total. Shares of the mean KL itself can
 * exceed 100% and mix signs (71.7%, -4.5%), which readers misread.
 */
public final class ClassShares {
  private ClassShares() {}

  /** The KL the classes add: the sum of the finite positive contributions. */
  public static double added(Iterable<Double> contributions) {
    double sum = 0;
    for (Double v : contributions) {
      if (v != null && Double.isFinite(v) && v > 0) {
        sum += v;
      }
    }
    return sum;
  }

  /** {@code contribution}'s share of {@code added}: "51%", "offsets 4%", "<1%", or "n/a". */
  public static String of(double contribution, double added) {
    if (!(added > 0) || !Double.isFinite(contribution)) {
      return "n/a";
    }
    String p = percent(Math.abs(contribution) / added);
    return contribution < 0 ? "offsets " + p : p;
  }

  /** A share in whole percent, "<1%" for a positive share that would round to 0%. */
  public static String percent(double share) {
    return share > 0 && share < 0.005 ? "<1%" : String.format(Locale.ROOT, "%.0f%%", 100 * share);
  }
}
