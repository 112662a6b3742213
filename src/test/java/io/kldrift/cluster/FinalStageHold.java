package io.kldrift.cluster;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.StageInfo;

/**
 * A Spark plugin for ClusterIT ({@code spark.plugins}): each task of the first attempt of a final
 * stage of {@code treeReduce} (the fold of the one pass) waits {@link #HOLD_MS} before it runs, so
 * that an executor can be killed while that stage runs and the map stage it reads must be
 * re-executed. Only the driver sees what kind of stage a task belongs to, so the executors ask it.
 */
public final class FinalStageHold implements SparkPlugin {
  /** How long each held task waits. */
  static final long HOLD_MS = 6000;

  @Override
  public DriverPlugin driverPlugin() {
    return new Driver();
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new Executor();
  }

  /** Records the submitted stages and answers, per "stage.attempt", how long its tasks wait. */
  private static final class Driver implements DriverPlugin {
    private final Map<String, Long> holds = new HashMap<>();

    @Override
    public Map<String, String> init(SparkContext sc, PluginContext ctx) {
      sc.addSparkListener(
          new SparkListener() {
            @Override
            public void onStageSubmitted(SparkListenerStageSubmitted e) {
              StageInfo s = e.stageInfo();
              boolean finalFold =
                  s.name().startsWith("treeReduce")
                      && s.shuffleDepId().isEmpty()
                      && s.attemptNumber() == 0;
              synchronized (holds) {
                holds.put(s.stageId() + "." + s.attemptNumber(), finalFold ? HOLD_MS : 0L);
                holds.notifyAll();
              }
            }
          });
      return Map.of();
    }

    @Override
    public Object receive(Object stageAttempt) throws InterruptedException {
      long deadline = System.nanoTime() + 30_000_000_000L;
      synchronized (holds) {
        // the listener bus delivers the stage's submission asynchronously
        while (!holds.containsKey(stageAttempt) && System.nanoTime() < deadline) {
          holds.wait(100);
        }
        return holds.getOrDefault(stageAttempt, 0L);
      }
    }
  }

  /** Asks the driver at each task's start and waits as long as it says. */
  private static final class Executor implements ExecutorPlugin {
    private PluginContext ctx;

    @Override
    public void init(PluginContext ctx, Map<String, String> extraConf) {
      this.ctx = ctx;
    }

    @Override
    public void onTaskStart() {
      TaskContext t = TaskContext.get();
      try {
        long hold = (Long) ctx.ask(t.stageId() + "." + t.stageAttemptNumber());
        if (hold > 0) {
          Thread.sleep(hold);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        throw new IllegalStateException("asking the driver whether to hold the task failed", e);
      }
    }
  }
}
