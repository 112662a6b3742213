package io.kldrift.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.kernel.Divergences;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The finish of the drift state: the typed summary sections and the report tables. Runs on the
 * driver over the merged state only; the tables are small local Datasets (no Spark job reads
 * prediction data again).
 */
public abstract class Finisher {
  static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99};

  /** z for a two-sided 95% normal interval; the CI of the mean uses the normal approximation. */
  static final double Z95 = 1.959963984540054;

  /**
   * What a finished state gives the report: the summary sections, the tables, the names of the
   * tables the layout writes (per-example ones included when they will be written), and the extent
   * of the matched data for the console ("3 classes", "120 counted positions").
   */
  public record Finished(
      Summary.Inputs inputs,
      Summary.Global global,
      List<Summary.SliceSummary> slices,
      List<Summary.ClassShare> topClasses,
      List<Summary.Confusion> topConfusions,
      List<ClassRow> classRows,
      Dataset<Row> perClass,
      Dataset<Row> perSliceTable,
      Dataset<Row> confusion,
      Dataset<Row> worstExamples,
      PredictionInputs.Checked checked,
      Summary.Sequences sequences,
      Dataset<Row> perToken,
      List<String> tables,
      String extent) {}

  final SparkSession spark;
  final DriftConfig config;
  final DriftState state;
  final StateSettings s;

  Finisher(SparkSession spark, DriftConfig config, DriftState state) {
    this.spark = spark;
    this.config = config;
    this.state = state;
    this.s = state.settings;
  }

  /** Finishes the state's part that the checked inputs' row rules settle on. */
  abstract Finished run(PredictionInputs.Checked checked);

  /**
   * Judges the row rules from the state's counts (throwing the first failure whose policy is fail)
   * and finishes the state of the class count they settle on.
   */
  public static Finished finish(
      SparkSession spark, DriftConfig config, DriftState state, PredictionInputs.Prepared in) {
    PredictionInputs.Checked checked = in.judge(groups(state.teacher), groups(state.student));
    return state.settings.layout().finisher(spark, config, state).run(checked);
  }

  /**
   * The per-example (or per-sequence) Dataset of the finished state's layout, lazy; null when the
   * layout writes none with this configuration.
   */
  public static Dataset<Row> perExample(DriftState state, Finished f, DriftConfig config) {
    return state.settings.layout().perExample(f.checked(), config);
  }

  /** Whether the checked inputs hold tables (not so for a rollup's counts-only judge). */
  static boolean hasTables(PredictionInputs.Checked in) {
    return in.teacher() != null && in.student() != null;
  }

  /** Judges the row rules from the state's counts, for callers that need only the verdict. */
  public static PredictionInputs.Checked judge(DriftState state, PredictionInputs.Prepared in) {
    return in.judge(groups(state.teacher), groups(state.student));
  }

  /** The pass's counts of one side as the row-rule groups {@link PredictionInputs} judges. */
  static List<PredictionInputs.Group> groups(SideCounts c) {
    List<PredictionInputs.Group> g = new ArrayList<>();
    long[] f = c.fixed;
    if (f[SideCounts.NULL_KEY] > 0) {
      g.add(new PredictionInputs.Group(true, false, 0, -1, 0, f[SideCounts.NULL_KEY], null));
    }
    if (f[SideCounts.DUPLICATE] > 0) {
      g.add(
          new PredictionInputs.Group(
              false,
              true,
              0,
              -1,
              c.duplicateKeys(),
              f[SideCounts.DUPLICATE],
              c.fixedExample[SideCounts.DUPLICATE]));
    }
    fixedRule(g, c, SideCounts.NULL_VECTOR, -1, -1);
    fixedRule(g, c, SideCounts.EMPTY, io.kldrift.kernel.Divergences.EMPTY, 0);
    c.lengths.forEach(
        (len, b) -> {
          for (int code = 0; code < SideCounts.CODES; code++) {
            if (b.codes[code] > 0) {
              g.add(
                  new PredictionInputs.Group(
                      false, false, code, len, b.codes[code], b.codes[code], b.examples[code]));
            }
          }
        });
    return g;
  }

  Summary.Inputs inputs(
      PredictionInputs.Checked in,
      long matched,
      Summary.SupportViolations violations,
      Long labelsOutsideClasses) {
    PredictionInputs.SideValidation t = in.teacherValidation();
    PredictionInputs.SideValidation st = in.studentValidation();
    return new Summary.Inputs(
        in.teacherRows(),
        in.studentRows(),
        matched,
        in.teacherRows() - t.quarantined() - matched,
        in.studentRows() - st.quarantined() - matched,
        in.numClasses(),
        t.quarantined(),
        st.quarantined(),
        t.renormalized(),
        st.renormalized(),
        new Summary.Invalid(
            t.asSummary(config),
            st.asSummary(config),
            config.get(DriftConfig.MAX_QUARANTINED_SHARE),
            config.get(DriftConfig.SUM_TOLERANCE),
            config.get(DriftConfig.RENORMALIZE_BOUND)),
        violations,
        labelsOutsideClasses,
        temperature(config));
  }

  static Summary.Temperature temperature(DriftConfig config) {
    List<String> sides = new ArrayList<>();
    if (config.get(DriftConfig.TEACHER_KIND) == Divergences.Kind.LOGITS) {
      sides.add("teacher");
    }
    if (config.get(DriftConfig.STUDENT_KIND) == Divergences.Kind.LOGITS) {
      sides.add("student");
    }
    return new Summary.Temperature(config.get(DriftConfig.TEMPERATURE), List.copyOf(sides));
  }

  /** The group of a rule counted without a check code (null or empty list), when it has rows. */
  private static void fixedRule(
      List<PredictionInputs.Group> g, SideCounts c, int fixed, int rule, int length) {
    if (c.fixed[fixed] > 0) {
      g.add(
          new PredictionInputs.Group(
              false, false, rule, length, 0, c.fixed[fixed], c.fixedExample[fixed]));
    }
  }

  /** The values of one slice column's groups, null first. */
  static <G> List<Map.Entry<String, G>> sortedValues(Map<String, G> groups) {
    List<Map.Entry<String, G>> values = new ArrayList<>(groups.entrySet());
    values.sort(Map.Entry.comparingByKey(Comparator.nullsFirst(Comparator.<String>naturalOrder())));
    return values;
  }

  Summary.Stats klStats(SliceGroup g) {
    Map<String, Double> above = new LinkedHashMap<>();
    double[] levels = s.levels();
    for (int i = 0; i < levels.length; i++) {
      above.put(String.valueOf(levels[i]), ratio(g.above[i], g.kl.n));
    }
    List<Long> counts = new ArrayList<>();
    for (long c : g.histogram) {
      counts.add(c);
    }
    List<Double> edges = new ArrayList<>();
    for (int i = 0; i < s.lastBin(); i++) {
      edges.add(Math.pow(10, s.histogramLog10Min() + (double) i / s.binsPerDecade()));
    }
    return withTails(
        stats(g.kl, g.klQ),
        g.klQ,
        above,
        new Summary.Histogram(edges, counts, Summary.Histogram.NOTE));
  }

  /**
   * {@code b} with the tail quantiles of {@code q} (0.1%, 1%, 5%, 10%, 99.9%), and the shares above
   * the levels and the histogram (KL only; else null).
   */
  static Summary.Stats withTails(
      Summary.Stats b, Quantiles q, Map<String, Double> above, Summary.Histogram histogram) {
    return new Summary.Stats(
        b.n(),
        b.mean(),
        b.std(),
        b.ci95Low(),
        b.ci95High(),
        b.min(),
        q.quantile(0.001),
        q.quantile(0.01),
        q.quantile(0.05),
        q.quantile(0.10),
        b.p50(),
        b.p90(),
        b.p95(),
        b.p99(),
        q.quantile(0.999),
        b.max(),
        above,
        histogram);
  }

  static Summary.Stats stats(Moments m, Quantiles q) {
    Double mean = m.mean();
    Double std = m.std();
    Double lo = null;
    Double hi = null;
    if (mean != null && std != null) {
      double half = Z95 * std / Math.sqrt((double) m.n);
      lo = mean - half;
      hi = mean + half;
    }
    Double[] qs = new Double[QUANTILES.length];
    for (int i = 0; i < qs.length; i++) {
      qs[i] = q == null ? null : q.quantile(QUANTILES[i]);
    }
    return new Summary.Stats(
        m.n,
        mean,
        std,
        lo,
        hi,
        m.minOrNull(),
        qs[0],
        qs[1],
        qs[2],
        qs[3],
        m.maxOrNull(),
        null,
        null);
  }

  static Double ratio(long count, long n) {
    return n == 0 ? null : (double) count / n;
  }

  /**
   * worst_examples/: keys and slices (as read), label (when {@code withLabel} and the inputs have
   * one), KL and the other figures, worst first.
   */
  Dataset<Row> worst(WorstExamples heap, String[] fields, boolean withLabel) {
    StructType local = new StructType().add("__kd_example", DataTypes.StringType, true);
    local = local.add("label", DataTypes.IntegerType, true).add("kl", DataTypes.DoubleType, false);
    for (String f : fields) {
      local = local.add(f, fieldType(f), f.equals("first_divergence"));
    }
    List<Row> rows = new ArrayList<>();
    for (WorstExamples.Entry e : heap.sorted()) {
      Object[] v = new Object[3 + fields.length];
      v[0] = e.json();
      v[1] = e.label();
      v[2] = e.kl();
      for (int i = 0; i < fields.length; i++) {
        double x = e.figures()[i];
        boolean none = fields[i].equals("first_divergence") && x < 0;
        v[3 + i] =
            none ? null : fieldType(fields[i]) == DataTypes.IntegerType ? (Object) (int) x : x;
      }
      rows.add(RowFactory.create(v));
    }
    StructType example = (StructType) DataType.fromJson(state.header.exampleSchema());
    Dataset<Row> d = spark.createDataFrame(rows, local);
    List<Column> cols = new ArrayList<>();
    for (String f : example.fieldNames()) {
      cols.add(col("__kd_e").getField(f).as(f));
    }
    if (withLabel && s.hasLabel()) {
      cols.add(col("label"));
    }
    cols.add(col("kl"));
    for (String f : fields) {
      cols.add(col(f));
    }
    return d.withColumn("__kd_e", from_json(col("__kd_example"), example))
        .select(cols.toArray(Column[]::new));
  }

  private static DataType fieldType(String f) {
    return f.endsWith("top1")
            || f.equals("support_violations")
            || f.equals("positions")
            || f.equals("first_divergence")
        ? DataTypes.IntegerType
        : DataTypes.DoubleType;
  }
}
