package io.kldrift.engine;

import static org.apache.spark.sql.functions.col;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Times the sequence layout's update alone (row rules, per-position metrics, state updates) over
 * joined rows held in memory, without the scan, the shuffle or the merge: the part of the pass's
 * final stage that is kldrift's own code. Not a test; run it on the class path of {@code
 * jobs/bench} with the data folder of {@code jobs/bench --sequences}:
 *
 * <pre>{@code
 * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
 *   $(cat target/jvm-options.txt) io.kldrift.engine.SequenceUpdateBench DATA [SEQUENCES] [ROUNDS]
 * }</pre>
 *
 * It prints the thread CPU time per round and per counted position, and the state's mean KL and
 * mean teacher NLL, so that a change to the update can be checked for both speed and values.
 */
public final class SequenceUpdateBench {
  private SequenceUpdateBench() {}

  /** Arguments: the data folder, the sequences to hold (default 2,000), the rounds (10). */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).toAbsolutePath();
    int sequences = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("kldrift-update-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    DriftConfig config =
        DriftConfig.builder()
            .file(dir.resolve("kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, dir.resolve("teacher").toString())
            .set(DriftConfig.STUDENT_PATH, dir.resolve("student").toString())
            .build();
    String key = config.get(DriftConfig.KEY_COLUMNS).get(0);
    PredictionInputs.Prepared in =
        PredictionInputs.prepare(
            spark.read().parquet(dir.resolve("teacher").toString()).where(col(key).lt(sequences)),
            spark.read().parquet(dir.resolve("student").toString()).where(col(key).lt(sequences)),
            config,
            Layout.of(config));
    Layout<?> layout = Layout.of(in.config());
    OnePass.Joined joined = OnePass.join(in, in.config(), layout);
    StateHeader header =
        StateHeader.of(
            in.config(),
            in.sliceColumns(),
            joined.exampleSchema().json(),
            in.hasLabel(),
            "2026-01-01");
    FlatMapFunction<Iterator<InternalRow>, ShippedState> update =
        layout.updater(header, in, in.config(), joined.exampleSchema());
    List<InternalRow> rows =
        joined.rows().queryExecution().toRdd().toJavaRDD().map(InternalRow::copy).collect();
    System.err.printf(Locale.ROOT, "[update-bench] %,d joined rows in memory%n", rows.size());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int r = 0; r < rounds; r++) {
      long cpu0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      DriftState state = update.call(rows.iterator()).next().state();
      long wall = System.nanoTime() - t0;
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      SequencePart p = state.parts(SequenceLayout.INSTANCE).toFinish(SequenceUpdater.TOPK_LENGTH);
      long positions = p.tokens.kl.n;
      System.err.printf(
          Locale.ROOT,
          "[update-bench] round %d: wall %.3f s, cpu %.3f s, %.1f ns/position (%,d positions),"
              + " kl mean %.15g, teacher nll %.15g, delta p %.15g%n",
          r + 1,
          wall / 1e9,
          cpu / 1e9,
          (double) cpu / positions,
          positions,
          p.tokens.kl.mean(),
          p.target.teacherNll.mean(),
          p.target.deltaP.mean());
    }
    spark.stop();
  }
}
