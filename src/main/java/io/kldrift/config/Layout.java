package io.kldrift.config;

import java.util.Locale;

/** {@code input.layout}: how the input tables hold their distributions. */
public enum Layout implements Choice {
  /** One row per example with one distribution vector. */
  EXAMPLE,
  /** One row per sequence (LLMs) with one distribution per position, or one row per token. */
  SEQUENCE;

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
