package io.kldrift.config;

import java.util.Locale;

/** {@code baseline.mode}: which earlier runs a baseline is made of. */
public enum BaselineMode implements Choice {
  /** The previous eligible run. */
  PREVIOUS,
  /** The run named by baseline.pinned_run_date or baseline.pinned_label. */
  PINNED,
  /** The mean of the last baseline.window eligible runs. */
  MEAN;

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
