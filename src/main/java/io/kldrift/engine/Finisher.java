package io.kldrift.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;

import io.kldrift.DriftConfig;
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
public final class Finisher {
  static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99};

  /** z for a two-sided 95% normal interval; the CI of the mean uses the normal approximation. */
  static final double Z95 = 1.959963984540054;

  /** What a finished state gives the report. */
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
      Dataset<Row> perToken) {}

  final SparkSession spark;
  final DriftConfig config;
  final DriftState state;
  final StateSettings s;

  private Finisher(SparkSession spark, DriftConfig config, DriftState state) {
    this.spark = spark;
    this.config = config;
    this.state = state;
    this.s = state.settings;
  }

  /**
   * Judges the row rules from the state's counts (throwing the first failure whose policy is fail)
   * and finishes the state of the class count they settle on.
   */
  public static Finished finish(
      SparkSession spark, DriftConfig config, DriftState state, PredictionInputs.Prepared in) {
    PredictionInputs.Checked checked = in.judge(groups(state.teacher), groups(state.student));
    if (in.sequence()) {
      return new SequenceFinisher(new Finisher(spark, config, state)).run(checked);
    }
    return new Finisher(spark, config, state).run(checked);
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
    if (f[SideCounts.NULL_VECTOR] > 0) {
      g.add(
          new PredictionInputs.Group(
              false,
              false,
              -1,
              -1,
              0,
              f[SideCounts.NULL_VECTOR],
              c.fixedExample[SideCounts.NULL_VECTOR]));
    }
    if (f[SideCounts.EMPTY] > 0) {
      g.add(
          new PredictionInputs.Group(
              false,
              false,
              io.kldrift.kernel.Divergences.EMPTY,
              0,
              0,
              f[SideCounts.EMPTY],
              c.fixedExample[SideCounts.EMPTY]));
    }
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

  private Finished run(PredictionInputs.Checked in) {
    int classes = in.numClasses();
    if (state.overflow.containsKey(classes)) {
      throw io.kldrift.DriftException.invalidInput(
          "the vectors have more than "
              + DriftState.MAX_PARTS
              + " different lengths, too many to tell the class count while reading",
          "list the classes in input.class_names so that rows of any other length break rule"
              + " wrong_length");
    }
    Part p = state.parts.get(classes);
    if (p == null) {
      p = new Part(s, Math.max(classes, 0));
    }
    long matched = p.matched();
    Summary.Inputs inputs = inputs(in, p, matched);
    List<String> names = classNames(p.classes);
    double[] contrib = new double[p.classes];
    double[] meanP = new double[p.classes];
    double[] meanQ = new double[p.classes];
    double[] marginalTerm = new double[p.classes];
    double marginal = 0;
    if (matched > 0) {
      double logEps = s.logEpsilon();
      for (int c = 0; c < p.classes; c++) {
        contrib[c] = p.perClass.klSum(c) / matched;
        meanP[c] = p.perClass.teacherProb[c] / matched;
        meanQ[c] = p.perClass.studentProb[c] / matched;
        if (meanP[c] > 0) {
          double lq = meanQ[c] > 0 ? Math.log(meanQ[c]) : logEps;
          marginalTerm[c] = meanP[c] * (Math.log(meanP[c]) - lq);
          marginal += marginalTerm[c];
        }
      }
    }
    Summary.Global global = global(p, matched, matched > 0 ? marginal : null);
    double added = 0;
    for (double v : contrib) {
      if (Double.isFinite(v) && v > 0) {
        added += v;
      }
    }
    List<ClassRow> rows = new ArrayList<>();
    for (int c = 0; c < p.classes; c++) {
      ClassState cs = p.perClass;
      long top1 = cs.top1Count[c];
      LabelGroup l = p.labels.get(c);
      rows.add(
          new ClassRow(
              c,
              names.get(c),
              contrib[c],
              share(contrib[c], added),
              meanP[c],
              meanQ[c],
              marginalTerm[c],
              cs.violations[c],
              classViolationKl(p, c, matched),
              top1,
              top1 == 0 ? null : cs.top1Kl[c].mean(),
              top1 == 0 ? null : cs.top1Sketch[c].quantile(0.95),
              top1 == 0 ? null : (double) cs.top1Agree[c] / top1,
              cs.studentTop1Count[c],
              l == null ? (s.hasLabel() ? 0L : null) : (Long) l.kl.n,
              l == null ? null : l.kl.mean(),
              l == null ? null : l.klQ.quantile(0.95),
              l == null ? null : (double) l.teacherCorrect / l.kl.n,
              l == null ? null : (double) l.studentCorrect / l.kl.n));
    }
    List<Summary.ClassShare> top = new ArrayList<>();
    if (matched > 0) {
      List<ClassRow> order = new ArrayList<>(rows);
      order.sort(Comparator.comparingDouble((ClassRow r) -> -r.klContribution()));
      for (ClassRow r :
          order.subList(0, Math.min(config.get(DriftConfig.TOP_CLASSES), order.size()))) {
        top.add(
            new Summary.ClassShare(
                r.classIndex(),
                r.className(),
                r.klContribution(),
                r.klShare(),
                r.teacherMeanProb(),
                r.studentMeanProb()));
      }
    }
    List<Summary.Confusion> confusions = new ArrayList<>();
    for (Confusions.Pair c : p.confusions.top(config.get(DriftConfig.TOP_CONFUSIONS))) {
      confusions.add(
          new Summary.Confusion(
              c.teacher(),
              names.get(c.teacher()),
              c.student(),
              names.get(c.student()),
              c.count(),
              c.meanKl()));
    }
    List<Summary.SliceSummary> slices = slices(p);
    List<byte[]> sketches = new ArrayList<>();
    for (int i = 0; i < state.header.sliceColumns().size(); i++) {
      for (Map.Entry<String, SliceGroup> v : sortedValues(p, i)) {
        sketches.add(v.getValue().klQ.bytes());
      }
    }
    return new Finished(
        inputs,
        global,
        slices,
        top,
        confusions.subList(0, Math.min(10, confusions.size())),
        rows,
        Tables.perClass(spark, rows),
        Tables.perSlice(spark, slices, sketches),
        Tables.confusion(spark, confusions),
        worst(p.worst, WorstExamples.FIELDS, true),
        in,
        null,
        null);
  }

  /**
   * Class c's KL from its clipped cells over N: 0 without violations, null without matched examples
   * or when states without that KL (format 2) with violations were merged in.
   */
  private static Double classViolationKl(Part p, int c, long matched) {
    if (matched == 0) {
      return null;
    }
    if (p.perClass.violations[c] == 0) {
      return 0.0;
    }
    return p.violationKlUnknown > 0 ? null : p.perClass.violationKlSum(c) / matched;
  }

  Summary.Inputs inputs(PredictionInputs.Checked in, Part p, long matched) {
    Long outside = null;
    if (in.hasLabel()) {
      long n = 0;
      for (Map.Entry<Integer, LabelGroup> e : p.labels.entrySet()) {
        if (e.getKey() < 0 || e.getKey() >= in.numClasses()) {
          n += e.getValue().kl.n;
        }
      }
      outside = n;
    }
    return inputs(
        in,
        matched,
        new Summary.SupportViolations(
            p.violatingExamples,
            p.violationsTotal,
            p.reverseViolatingExamples,
            config.get(DriftConfig.EPSILON)),
        outside);
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

  private Summary.Global global(Part p, long n, Double marginal) {
    Summary.Stats kl = klStats(p.all);
    Summary.Stats ce = stats(p.moments[3], null);
    Summary.Stats h = stats(p.moments[1], null);
    Summary.KlDecomposition dec =
        ce.mean() == null || h.mean() == null
            ? null
            : new Summary.KlDecomposition(ce.mean(), h.mean(), ce.mean() - h.mean(), kl.mean());
    boolean label = s.hasLabel();
    return new Summary.Global(
        kl,
        stats(p.moments[0], p.reverseKlQ),
        stats(p.all.js, p.all.jsQ),
        h,
        stats(p.moments[2], null),
        ce,
        stats(p.moments[4], p.totalVariationQ),
        stats(p.moments[5], null),
        stats(p.moments[6], null),
        stats(p.all.agreement, null),
        s.logits() ? stats(p.t2Kl, p.t2KlQ) : null,
        dec,
        label ? ratio(p.teacherCorrect, n) : null,
        label ? ratio(p.studentCorrect, n) : null,
        marginal,
        violationKlShare(p, kl.mean()),
        p.violationKlSum() == null || kl.mean() == null ? null : kl.mean() - p.violationKlSum() / n,
        Quantiles.rankError(s.sketchK()),
        null,
        null);
  }

  /**
   * The share of the mean KL from clipped cells: 0 without violations (whatever the mean), null
   * when it is unknown or the mean is not positive.
   */
  private static Double violationKlShare(Part p, Double mean) {
    Double mass = p.violationKlSum();
    if (mean == null || mass == null) {
      return null;
    }
    if (p.violatingExamples == 0) {
      return 0.0;
    }
    return mean > 0 ? mass / (mean * p.matched()) : null;
  }

  private List<Summary.SliceSummary> slices(Part p) {
    List<Summary.SliceSummary> out = new ArrayList<>();
    List<String> columns = state.header.sliceColumns();
    for (int i = 0; i < columns.size(); i++) {
      for (Map.Entry<String, SliceGroup> v : sortedValues(p, i)) {
        SliceGroup g = v.getValue();
        out.add(
            new Summary.SliceSummary(
                columns.get(i),
                v.getKey(),
                klStats(g),
                stats(g.js, g.jsQ),
                stats(g.agreement, null),
                null));
      }
    }
    return out;
  }

  /** The groups of slice column {@code i}, by value, null first. */
  private static List<Map.Entry<String, SliceGroup>> sortedValues(Part p, int i) {
    List<Map.Entry<String, SliceGroup>> values = new ArrayList<>(p.slices.get(i).entrySet());
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
    Summary.Stats b = stats(g.kl, g.klQ);
    return new Summary.Stats(
        b.n(),
        b.mean(),
        b.std(),
        b.ci95Low(),
        b.ci95High(),
        b.min(),
        b.p50(),
        b.p90(),
        b.p95(),
        b.p99(),
        b.max(),
        above,
        new Summary.Histogram(edges, counts, Summary.Histogram.NOTE));
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
   * A class's share of the KL the classes add (the sum of the positive contributions), the one
   * definition the page and the console use too: adding classes' shares sum to 1, an offsetting
   * class's share is negative (the part of that total it takes back).
   */
  private static Double share(double contribution, double added) {
    return added > 0 && Double.isFinite(contribution) ? contribution / added : null;
  }

  private List<String> classNames(int classes) {
    List<String> configured = state.header.classNames();
    List<String> names = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      names.add(configured.size() == classes ? configured.get(c) : "class_" + c);
    }
    return names;
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
