package io.kldrift.config;

import java.util.Locale;

/** {@code input.format}: what the teacher and student paths name. */
public enum InputFormat implements Choice {
  /** Parquet files, directories or globs. */
  PARQUET,
  /** Catalog table names. */
  TABLE,
  /** Paths of Delta tables. */
  DELTA;

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
