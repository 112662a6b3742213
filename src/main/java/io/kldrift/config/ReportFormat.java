package io.kldrift.config;

import java.util.Locale;

/** {@code report.format}: how the report's tables and the history are stored. */
public enum ReportFormat implements Choice {
  /** A folder per run, published by renames. */
  PARQUET,
  /** A Delta table per report table, committed by a row in {@code runs/}. */
  DELTA;

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
