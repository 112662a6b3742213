package io.kldrift.monitor;

import io.kldrift.config.DriftConfig;
import io.kldrift.summary.Summary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's place in its series of nights, added to its summary once its status is known: since when
 * that status holds ({@code status_since}, {@code status_runs}), the last OK run (for staleness
 * alerts) and which earlier runs formed the baseline and which were left out.
 */
public final class Monitoring {
  /** At most this many left-out runs are listed. */
  static final int MAX_LEFT_OUT = 20;

  private Monitoring() {}

  /** {@code summary} with its persistence, last OK run and baseline runs. */
  public static Summary of(
      Summary summary,
      History.Earlier earlier,
      Checks.Past past,
      DriftConfig config,
      Instant finished) {
    String runDate = summary.run().runDate();
    Baselines.Persistence p = Baselines.persistence(earlier.index(), runDate, summary.status());
    Summary.LastOk lastOk;
    if (Checks.OK.equals(summary.status())) {
      lastOk = new Summary.LastOk(runDate, instant(finished.toEpochMilli() / 1000.0));
    } else {
      Baselines.RunIndex ok = Baselines.lastOk(earlier.index());
      lastOk =
          ok == null
              ? null
              : new Summary.LastOk(
                  ok.runDate(), ok.finishedAt() == null ? null : instant(ok.finishedAt()));
    }
    return summary.withMonitoring(p.since(), p.runs(), lastOk, baseline(earlier, past, config));
  }

  private static Summary.BaselineInfo baseline(
      History.Earlier earlier, Checks.Past past, DriftConfig config) {
    Baselines.Selection sel = earlier.selection();
    int window = config.get(DriftConfig.BASELINE_WINDOW);
    List<String> windowRuns = sel.lastDates(window);
    List<String> runs = new ArrayList<>();
    Checks.baselineRuns(past, config).forEach(r -> runs.add(r.runDate()));
    // Runs newer than the oldest run of the window were passed over; older ones would not have
    // been in it anyway (unless the window is not full yet).
    String oldest = windowRuns.size() < window || windowRuns.isEmpty() ? "" : windowRuns.get(0);
    List<Summary.LeftOut> leftOut = new ArrayList<>();
    for (Baselines.LeftOut l : sel.leftOut()) {
      if (l.runDate().compareTo(oldest) > 0 && leftOut.size() < MAX_LEFT_OUT) {
        leftOut.add(new Summary.LeftOut(l.runDate(), l.status(), l.reason()));
      }
    }
    Baselines.Acceptance a = sel.acceptedFrom();
    return new Summary.BaselineInfo(
        config.get(DriftConfig.BASELINE_MODE),
        config.get(DriftConfig.BASELINE_EXCLUDE),
        window,
        runs,
        windowRuns,
        a == null ? null : new Summary.Accepted(a.runDate(), instant(a.acceptedAt()), a.reason()),
        leftOut);
  }

  /** Epoch seconds (with a fraction) as an ISO-8601 instant. */
  static String instant(double epochSeconds) {
    return Instant.ofEpochMilli(Math.round(epochSeconds * 1000)).toString();
  }

  /** An ISO-8601 instant as epoch seconds, or null. */
  public static Double epochSeconds(String instant) {
    if (instant == null) {
      return null;
    }
    try {
      return Instant.parse(instant).toEpochMilli() / 1000.0;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
