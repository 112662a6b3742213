package io.kldrift.config;

import java.util.Locale;

/** {@code validate.<rule>}: what a row rule does with the rows that break it. */
public enum RowPolicy implements Choice {
  /** The run fails, naming the rule and an example key. */
  FAIL,
  /** The rows are set aside in {@code quarantine/} and counted. */
  QUARANTINE,
  /** Only validate.not_normalized: the vector is divided by its sum, within a bound. */
  RENORMALIZE;

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
