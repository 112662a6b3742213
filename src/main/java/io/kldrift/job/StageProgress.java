package io.kldrift.job;

import io.kldrift.console.Progress;
import io.kldrift.console.Verbosity;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;

/**
 * Progress of long runs, one entry per Spark stage named by the step it belongs to (the job
 * description kldrift sets, never Spark's call site), with tasks done / total, elapsed time and,
 * when the stage reads input, the rows read so far, from a listener on the driver. On a terminal
 * the running stages share one line that updates in place and each finished stage leaves one line;
 * elsewhere (scheduler logs, CI) plain lines every {@code interval} and one when a stage ends, so a
 * log shows the run moving.
 */
final class StageProgress extends SparkListener implements AutoCloseable {
  /** What {@link #attach} returns: closing it stops the progress output. */
  interface Handle extends AutoCloseable {
    @Override
    void close();
  }

  /** Seconds between plain progress lines when standard error is not a terminal. */
  static final long INTERVAL_SECONDS = 10;

  private static final int NAME_LENGTH = 60;

  private static final long REDRAW_NANOS = 200_000_000L;

  /** One running stage; counters are updated from the listener thread only. */
  private static final class Stage {
    final StageInfo info;
    final String name;
    final long started = System.nanoTime();
    volatile int done;
    volatile long rows;

    Stage(StageInfo info, String name) {
      this.info = info;
      this.name = name;
    }
  }

  private final PrintStream out;
  private final boolean terminal;
  private final Map<Integer, Stage> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker;
  private SparkContext context;
  private long lastDraw;

  StageProgress(PrintStream out, boolean terminal, long intervalMillis) {
    this.out = out;
    this.terminal = terminal;
    if (terminal) {
      this.ticker = null;
    } else {
      this.ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "kldrift-progress");
                t.setDaemon(true);
                return t;
              });
      ticker.scheduleAtFixedRate(
          this::printRunning, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Listens to the session's stages and prints to standard error, unless progress is off ({@code
   * --quiet}); close the result when the run ends.
   */
  static Handle attach(SparkSession spark, Verbosity verbosity) {
    if (verbosity.quiet()) {
      return () -> {};
    }
    // System.console() is null unless both standard input and output are a terminal: a job under a
    // scheduler gets plain lines, an interactive run the updating line.
    boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    StageProgress p = new StageProgress(System.err, terminal, INTERVAL_SECONDS * 1000);
    return p.on(spark.sparkContext())::close;
  }

  StageProgress on(SparkContext sc) {
    this.context = sc;
    sc.addSparkListener(this);
    return this;
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    StageInfo s = event.stageInfo();
    String description =
        event.properties() == null ? null : event.properties().getProperty("spark.job.description");
    // The step's description (KlDrift sets one per step, and per table it writes) is in the
    // user's words; Spark's name of a stage is a call site ("parquet at
    // PredictionInputs.java:568").
    String name = description != null ? description.replaceFirst("^kldrift: ", "") : "spark";
    if (name.length() > NAME_LENGTH) {
      name = name.substring(0, NAME_LENGTH - 3) + "...";
    }
    running.put(s.stageId(), new Stage(s, name));
    redraw(false);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    Stage s = running.get(event.stageId());
    if (s == null) {
      return;
    }
    if (event.taskInfo() != null && event.taskInfo().successful()) {
      s.done++;
    }
    if (event.taskMetrics() != null) {
      s.rows += event.taskMetrics().inputMetrics().recordsRead();
    }
    redraw(false);
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    Stage s = running.remove(event.stageInfo().stageId());
    if (s == null) {
      return;
    }
    boolean failed = event.stageInfo().failureReason().isDefined();
    String line = describe(s, failed ? "failed after" : "done in");
    synchronized (this) {
      out.print(
          terminal ? "\r\u001b[2K" + Progress.stamp(line) + "\n" : Progress.stamp(line) + "\n");
      out.flush();
    }
    redraw(true);
  }

  private void printRunning() {
    List<Stage> now = new ArrayList<>(running.values());
    now.sort((a, b) -> Integer.compare(a.info.stageId(), b.info.stageId()));
    synchronized (this) {
      for (Stage s : now) {
        out.println(Progress.stamp(describe(s, "running")));
      }
      out.flush();
    }
  }

  private synchronized void redraw(boolean force) {
    if (!terminal) {
      return;
    }
    long t = System.nanoTime();
    if (!force && t - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = t;
    List<Stage> now = new ArrayList<>(running.values());
    now.sort((a, b) -> Integer.compare(a.info.stageId(), b.info.stageId()));
    StringBuilder line = new StringBuilder("\r\u001b[2K");
    for (Stage s : now) {
      line.append(line.length() > 5 ? " | " : "").append(describe(s, "running"));
    }
    out.print(line);
    out.flush();
  }

  private static String describe(Stage s, String state) {
    return String.format(
            Locale.ROOT,
            "%s: %d/%d %s, %s %.1f s",
            s.name,
            s.done,
            s.info.numTasks(),
            s.info.numTasks() == 1 ? "task" : "tasks",
            state,
            (System.nanoTime() - s.started) / 1e9)
        + (s.rows > 0 ? ", " + Numbers.count(s.rows, "row") + " read" : "");
  }

  /** Stops listening; a terminal's updating line is cleared. */
  @Override
  public void close() {
    if (context != null) {
      context.removeSparkListener(this);
    }
    if (ticker != null) {
      ticker.shutdownNow();
    }
    if (terminal) {
      synchronized (this) {
        out.print("\r\u001b[2K");
        out.flush();
      }
    }
  }
}
