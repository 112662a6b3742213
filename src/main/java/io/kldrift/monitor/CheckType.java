package io.kldrift.monitor;

import io.kldrift.config.Choice;
import java.util.Locale;

/** {@code check.<name>.type}: what a check compares this run's figure with. */
public enum CheckType implements Choice {
  /** The figure itself against the warn and alert levels. */
  THRESHOLD,
  /** The relative change against the baseline run. */
  RELATIVE,
  /** The distance from the mean of the baseline window, in standard deviations. */
  SIGMA,
  /** Welch's test of the mean against the baseline's, graded by the relative change. */
  SIGNIFICANCE;

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
