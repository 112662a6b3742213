package io.kldrift.monitor;

import io.kldrift.DriftException;
import java.util.List;

/**
 * The monitoring history's errors, one method per error; a call site passes only the facts. The
 * checks' configuration errors are in {@link io.kldrift.config.ConfigErrors}.
 */
final class MonitorErrors {
  private MonitorErrors() {}

  /** An acceptance of a date the history has no run of ({@code recent}: the latest run dates). */
  static DriftException noRunToAccept(String runDate, String root, List<String> recent) {
    return DriftException.invalidConfig(
        "no run of " + runDate + " in the history under " + root,
        recent.isEmpty()
            ? "check --out: it holds no runs"
            : "pass the date of a run; the latest are " + String.join(", ", recent));
  }
}
