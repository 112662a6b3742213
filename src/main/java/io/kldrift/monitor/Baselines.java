package io.kldrift.monitor;

import io.kldrift.config.DriftConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which earlier runs may form a baseline, as Deequ's {@code OnlineNormalStrategy} with {@code
 * ignoreAnomalies} keeps anomalous points out of its running mean: a run whose status is excluded
 * ({@code baseline.exclude}, ALERT by default) or that matched nothing never teaches the baseline,
 * so a persistent drift keeps alerting and an empty night cannot become "the previous run". A
 * person re-baselines after a deliberate change by accepting a run ({@code jobs/accept}): the
 * baseline then starts at that run. Pure functions over the runs' index rows.
 */
public final class Baselines {
  private Baselines() {}

  /** A person's acceptance of one run: when (epoch seconds) and why. */
  public record Acceptance(String runDate, double acceptedAt, String reason) {}

  /**
   * One earlier run as the history indexes it: its status, matched examples, when it finished
   * (epoch seconds; null for histories written before runs recorded it), its latest acceptance, and
   * the sigma bands that flagged it ({@link Checks#bandKey}: WARN or ALERT on that band).
   */
  public record RunIndex(
      String runDate,
      String label,
      String status,
      Double matched,
      Double finishedAt,
      Acceptance acceptance,
      Set<String> flaggedBands) {}

  /** A run left out of the baseline, and why. */
  public record LeftOut(String runDate, String status, String reason) {}

  /**
   * The eligible runs (oldest first), the acceptance the baseline starts at (or null) and the runs
   * left out, newest first.
   */
  public record Selection(List<RunIndex> eligible, Acceptance acceptedFrom, List<LeftOut> leftOut) {
    /** Dates of the last {@code n} eligible runs, oldest first. */
    public List<String> lastDates(int n) {
      List<String> d = new ArrayList<>();
      for (int i = Math.max(0, eligible.size() - n); i < eligible.size(); i++) {
        d.add(eligible.get(i).runDate());
      }
      return d;
    }
  }

  /**
   * The dates whose figures the checks need: the eligible runs from the newest back until {@code
   * window} of them were flagged by no sigma band, so that every band still finds a full window of
   * runs it did not flag itself, however long a drift has lasted.
   */
  public static List<String> datesToRead(Selection selection, int window) {
    List<String> dates = new ArrayList<>();
    int unflagged = 0;
    List<RunIndex> e = selection.eligible();
    for (int i = e.size() - 1; i >= 0 && unflagged < window; i--) {
      dates.add(0, e.get(i).runDate());
      if (e.get(i).flaggedBands().isEmpty()) {
        unflagged++;
      }
    }
    return dates;
  }

  /** The statuses {@code baseline.exclude} keeps out of baselines. */
  public static Set<String> excluded(DriftConfig config) {
    return switch (config.baselineExclude()) {
      case NONE -> Set.of();
      case ALERT -> Set.of(Checks.ALERT);
      case ALERT_AND_WARN -> Set.of(Checks.ALERT, Checks.WARN);
    };
  }

  /**
   * Selects the eligible runs among {@code runs} (earlier runs of the dataset, oldest first). The
   * latest accepted run starts the baseline: runs before it are left out; it is eligible, and so is
   * every later run that finished before the acceptance was recorded (its status was judged against
   * the old level). Any other run is eligible unless its status is excluded. A run that matched
   * nothing is never eligible: it has no figures to compare with.
   */
  public static Selection select(List<RunIndex> runs, Set<String> excludedStatuses) {
    Acceptance accepted = null;
    for (RunIndex r : runs) {
      if (r.acceptance() != null) {
        accepted = r.acceptance();
      }
    }
    List<RunIndex> eligible = new ArrayList<>();
    List<LeftOut> leftOut = new ArrayList<>();
    for (RunIndex r : runs) {
      String why = reasonLeftOut(r, accepted, excludedStatuses);
      if (why == null) {
        eligible.add(r);
      } else {
        leftOut.add(0, new LeftOut(r.runDate(), r.status(), why));
      }
    }
    return new Selection(List.copyOf(eligible), accepted, leftOut);
  }

  private static String reasonLeftOut(RunIndex r, Acceptance accepted, Set<String> excluded) {
    if (r.matched() == null || r.matched() == 0) {
      return "no matched examples";
    }
    if (accepted != null) {
      int order = r.runDate().compareTo(accepted.runDate());
      if (order < 0) {
        return "before the accepted run " + accepted.runDate();
      }
      boolean judgedBefore = r.finishedAt() == null || r.finishedAt() < accepted.acceptedAt();
      if (order == 0 || judgedBefore) {
        return null;
      }
    }
    if (excluded.contains(r.status())) {
      return "status "
          + r.status()
          + " (baseline.exclude="
          + String.join(
              ",", excluded.stream().sorted().map(s -> s.toLowerCase(Locale.ROOT)).toList())
          + ")";
    }
    return null;
  }

  /**
   * How long the current status has held: the date of the first run of the unbroken sequence of
   * runs with {@code status} that ends with the current run, and how many runs it has.
   */
  public record Persistence(String since, int runs, String previousStatus) {}

  /** The persistence of {@code status} for the run of {@code runDate} after {@code earlier}. */
  public static Persistence persistence(List<RunIndex> earlier, String runDate, String status) {
    String since = runDate;
    int n = 1;
    for (int i = earlier.size() - 1; i >= 0 && status.equals(earlier.get(i).status()); i--) {
      since = earlier.get(i).runDate();
      n++;
    }
    String previous = earlier.isEmpty() ? null : earlier.get(earlier.size() - 1).status();
    return new Persistence(since, n, previous);
  }

  /** The latest earlier run whose status was OK, or null. */
  public static RunIndex lastOk(List<RunIndex> earlier) {
    for (int i = earlier.size() - 1; i >= 0; i--) {
      if (Checks.OK.equals(earlier.get(i).status())) {
        return earlier.get(i);
      }
    }
    return null;
  }
}
