package io.kldrift.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which earlier runs may form a baseline, on hand-made run indexes. */
class BaselinesTest {
  private static final Set<String> ALERT_ONLY = Set.of("ALERT");

  private static Baselines.RunIndex run(String date, String status, double matched) {
    return run(date, status, matched, 100.0, null, Set.of());
  }

  private static Baselines.RunIndex run(
      String date,
      String status,
      double matched,
      Double finishedAt,
      Baselines.Acceptance accepted,
      Set<String> flagged) {
    return new Baselines.RunIndex(date, "", status, matched, finishedAt, accepted, flagged);
  }

  private static List<String> dates(List<Baselines.RunIndex> runs) {
    List<String> d = new ArrayList<>();
    runs.forEach(r -> d.add(r.runDate()));
    return d;
  }

  @Test
  void alertingAndEmptyRunsNeverTeachTheBaselineWarnRunsDoByDefault() {
    List<Baselines.RunIndex> runs =
        List.of(
            run("2026-11-01", "OK", 10),
            run("2026-11-02", "WARN", 10),
            run("2026-11-03", "ALERT", 10),
            run("2026-11-04", "INSUFFICIENT_DATA", 0));
    Baselines.Selection s = Baselines.select(runs, ALERT_ONLY);
    assertThat(dates(s.eligible())).containsExactly("2026-11-01", "2026-11-02");
    assertThat(s.leftOut())
        .containsExactly(
            new Baselines.LeftOut("2026-11-04", "INSUFFICIENT_DATA", "no matched examples"),
            new Baselines.LeftOut("2026-11-03", "ALERT", "status ALERT (baseline.exclude=alert)"));
    assertThat(dates(Baselines.select(runs, Set.of("ALERT", "WARN")).eligible()))
        .containsExactly("2026-11-01");
    // none keeps every run with data.
    assertThat(dates(Baselines.select(runs, Set.of()).eligible()))
        .containsExactly("2026-11-01", "2026-11-02", "2026-11-03");
  }

  @Test
  void anAcceptedRunStartsTheBaseline() {
    // 11-03 was accepted at t=500. 11-04 (ALERT) finished at 400, before the acceptance: its alert
    // was judged against the old level, so it is eligible. 11-05 (ALERT) finished at 600, after
    // it: a new alert against the new level, left out.
    Baselines.Acceptance a = new Baselines.Acceptance("2026-11-03", 500, "student v2");
    List<Baselines.RunIndex> runs =
        List.of(
            run("2026-11-01", "OK", 10),
            run("2026-11-02", "OK", 10),
            run("2026-11-03", "ALERT", 10, 300.0, a, Set.of()),
            run("2026-11-04", "ALERT", 10, 400.0, null, Set.of()),
            run("2026-11-05", "ALERT", 10, 600.0, null, Set.of()),
            run("2026-11-06", "OK", 10, 700.0, null, Set.of()));
    Baselines.Selection s = Baselines.select(runs, ALERT_ONLY);
    assertThat(s.acceptedFrom()).isEqualTo(a);
    assertThat(dates(s.eligible())).containsExactly("2026-11-03", "2026-11-04", "2026-11-06");
    assertThat(s.leftOut())
        .extracting(Baselines.LeftOut::runDate, Baselines.LeftOut::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "2026-11-05", "status ALERT (baseline.exclude=alert)"),
            org.assertj.core.groups.Tuple.tuple("2026-11-02", "before the accepted run 2026-11-03"),
            org.assertj.core.groups.Tuple.tuple(
                "2026-11-01", "before the accepted run 2026-11-03"));
  }

  @Test
  void aBandReadsBackUntilItHasAFullWindowOfRunsItDidNotFlag() {
    List<Baselines.RunIndex> runs = new ArrayList<>();
    for (int d = 1; d <= 9; d++) {
      Set<String> flags = d >= 6 ? Set.of("global||") : Set.of();
      runs.add(run("2026-11-0" + d, d >= 6 ? "WARN" : "OK", 10, 100.0, null, flags));
    }
    Baselines.Selection s = Baselines.select(runs, ALERT_ONLY);
    // Window 3: runs 9..6 are flagged, so 5, 4 and 3 complete it.
    assertThat(Baselines.datesToRead(s, 3))
        .containsExactly(
            "2026-11-03",
            "2026-11-04",
            "2026-11-05",
            "2026-11-06",
            "2026-11-07",
            "2026-11-08",
            "2026-11-09");
    assertThat(s.lastDates(3)).containsExactly("2026-11-07", "2026-11-08", "2026-11-09");
  }

  @Test
  void persistenceCountsTheUnbrokenRunOfTheStatus() {
    List<Baselines.RunIndex> runs =
        List.of(
            run("2026-11-01", "ALERT", 10),
            run("2026-11-02", "OK", 10),
            run("2026-11-03", "ALERT", 10),
            run("2026-11-04", "ALERT", 10));
    assertThat(Baselines.persistence(runs, "2026-11-05", "ALERT"))
        .isEqualTo(new Baselines.Persistence("2026-11-03", 3, "ALERT"));
    assertThat(Baselines.persistence(runs, "2026-11-05", "OK"))
        .isEqualTo(new Baselines.Persistence("2026-11-05", 1, "ALERT"));
    assertThat(Baselines.persistence(List.of(), "2026-11-01", "OK"))
        .isEqualTo(new Baselines.Persistence("2026-11-01", 1, null));
    assertThat(Baselines.lastOk(runs).runDate()).isEqualTo("2026-11-02");
  }
}
