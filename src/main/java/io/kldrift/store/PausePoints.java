package io.kldrift.store;

/** The points of a report write where a crash test may stop a run, in both stores. */
final class PausePoints {
  private PausePoints() {}

  /**
   * Crash-test hook: with {@code -Dkldrift.testing.pause_at=<point>} the run stops at that point of
   * the write and waits to be killed. Points: staging-first-table, staging-complete,
   * report-moved-aside, report-published, history-moved-aside, history-published ({@link
   * ParquetReportStore}) and delta-* ({@link DeltaReportStore}). With {@code
   * -Dkldrift.testing.release_file=<file>} too, the run goes on once that file exists.
   */
  static void pauseAt(String point) {
    if (point.equals(System.getProperty("kldrift.testing.pause_at"))) {
      System.err.println("kldrift: paused at " + point);
      System.err.flush();
      String release = System.getProperty("kldrift.testing.release_file");
      while (true) {
        if (release != null && java.nio.file.Files.exists(java.nio.file.Path.of(release))) {
          return;
        }
        try {
          Thread.sleep(release == null ? 60_000 : 100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
