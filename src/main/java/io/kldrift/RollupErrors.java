package io.kldrift;

import java.time.LocalDate;

/**
 * The rollup's errors, one method per error: the message names the days and the report root, and
 * the fix says which days to give; a call site passes only the facts.
 */
final class RollupErrors {
  private RollupErrors() {}

  /** A rollup whose last day comes before its first. */
  static DriftException toBeforeFrom(LocalDate from, LocalDate to) {
    return DriftException.invalidConfig(
        "--to " + to + " is before --from " + from, "give the first day, then the last");
  }

  /** A rollup over days of which none has a drift state under {@code root}. */
  static DriftException noStates(String root, LocalDate from, LocalDate to) {
    return DriftException.invalidInput(
        DriftException.fill(
            "no drift state under {} for any day from {} to {} (expected {}/run_date=YYYY-MM-DD/{})",
            root,
            from,
            to,
            root,
            KlDrift.STATE_FILE),
        "run the daily reports first, or choose days that have reports");
  }
}
