package io.kldrift.metrics;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log10;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udaf;
import static org.apache.spark.sql.functions.when;

import io.kldrift.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.kernel.Divergences.Kind;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Join, per-example metrics and aggregation (DESIGN §3). One scan computes every global and
 * per-class aggregate; the per-example metrics are then kept (without the vectors) for the grouped
 * passes: slices, classes by top-1 and label, confusions and worst examples.
 */
public final class DriftAnalysis {

  /** The per-example metric columns, in output order (the fields of kldrift_metrics). */
  static final String[] SCALARS = {
    "kl",
    "reverse_kl",
    "js",
    "teacher_entropy",
    "student_entropy",
    "cross_entropy",
    "total_variation",
    "teacher_confidence",
    "student_confidence"
  };

  /** What the analysis computed: the summary sections and the report tables. */
  public record Result(
      Map<String, Object> inputs,
      Map<String, Object> global,
      List<Map<String, Object>> perSliceSummary,
      List<Map<String, Object>> topClasses,
      List<Map<String, Object>> topConfusions,
      Dataset<Row> perClass,
      Dataset<Row> perSlice,
      Dataset<Row> confusion,
      Dataset<Row> worstExamples,
      Dataset<Row> perExample) {}

  private final SparkSession spark;
  private final DriftConfig config;
  private final PredictionInputs.Checked in;
  private final List<String> keys;
  private final int accuracy;

  private DriftAnalysis(SparkSession spark, DriftConfig config, PredictionInputs.Checked in) {
    this.spark = spark;
    this.config = config;
    this.in = in;
    this.keys = config.get(DriftConfig.KEY_COLUMNS);
    this.accuracy = config.get(DriftConfig.QUANTILE_ACCURACY);
  }

  /** Runs the join, the metrics and every aggregate over checked inputs. */
  public static Result run(SparkSession spark, DriftConfig config, PredictionInputs.Checked in) {
    return new DriftAnalysis(spark, config, in).run();
  }

  /** The kldrift_metrics call for the configured kinds, temperature and epsilon. */
  public static Column metricsColumn(Column teacher, Column student, DriftConfig config) {
    return call_function(
        "kldrift_metrics",
        teacher,
        student,
        lit(config.get(DriftConfig.TEACHER_KIND).label()),
        lit(config.get(DriftConfig.STUDENT_KIND).label()),
        lit(config.get(DriftConfig.TEMPERATURE)),
        lit(config.get(DriftConfig.EPSILON)));
  }

  /** The joined examples with their keys, label, slices and every per-example metric. */
  public static Dataset<Row> perExample(PredictionInputs.Checked in, DriftConfig config) {
    Dataset<Row> joined = join(in, config);
    List<Column> keep = new ArrayList<>();
    config.get(DriftConfig.KEY_COLUMNS).forEach(k -> keep.add(col(k)));
    in.sliceColumns().forEach(s -> keep.add(col(s)));
    if (in.hasLabel()) {
      keep.add(col(PredictionInputs.LABEL).as("label"));
    }
    keep.add(
        metricsColumn(col(PredictionInputs.TEACHER), col(PredictionInputs.STUDENT), config)
            .as("m"));
    return joined.select(keep.toArray(Column[]::new)).select(col("*"), col("m.*")).drop("m");
  }

  /** Mean KL, T²·KL and agreement per temperature, all temperatures in one aggregation. */
  public static Dataset<Row> temperatureSweep(
      PredictionInputs.Checked in, DriftConfig config, double... temperatures) {
    if (config.get(DriftConfig.TEACHER_KIND) != Kind.LOGITS
        && config.get(DriftConfig.STUDENT_KIND) != Kind.LOGITS) {
      throw io.kldrift.DriftException.invalidConfig(
          "a temperature sweep needs logits, but both input.teacher.kind and input.student.kind are not logits",
          "set input.teacher.kind=logits and/or input.student.kind=logits");
    }
    if (temperatures.length == 0) {
      throw io.kldrift.DriftException.invalidConfig(
          "no temperatures given", "pass one or more positive temperatures");
    }
    Dataset<Row> joined = join(in, config);
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < temperatures.length; i++) {
      double t = temperatures[i];
      if (!(t > 0) || Double.isInfinite(t)) {
        throw io.kldrift.DriftException.invalidConfig(
            "temperature " + t + " is not positive", "pass positive temperatures");
      }
      Column m =
          call_function(
              "kldrift_metrics",
              col(PredictionInputs.TEACHER),
              col(PredictionInputs.STUDENT),
              lit(config.get(DriftConfig.TEACHER_KIND).label()),
              lit(config.get(DriftConfig.STUDENT_KIND).label()),
              lit(t),
              lit(config.get(DriftConfig.EPSILON)));
      aggs.add(
          org.apache
              .spark
              .sql
              .functions
              .struct(
                  lit(t).as("temperature"),
                  count(lit(1)).as("n"),
                  avg(m.getField("kl")).as("mean_kl"),
                  avg(m.getField("t2_kl")).as("mean_t2_kl"),
                  avg(m.getField("js")).as("mean_js"),
                  avg(m.getField("agree").cast(DataTypes.DoubleType)).as("agreement"))
              .as("t" + i));
    }
    Dataset<Row> wide =
        joined.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
    Column[] cols = new Column[temperatures.length];
    for (int i = 0; i < cols.length; i++) {
      cols[i] = col("t" + i);
    }
    return wide.select(
            org.apache
                .spark
                .sql
                .functions
                .explode(org.apache.spark.sql.functions.array(cols))
                .as("s"))
        .select("s.*");
  }

  private static Dataset<Row> join(PredictionInputs.Checked in, DriftConfig config) {
    return in.teacher()
        .join(
            in.student(),
            scala.jdk.javaapi.CollectionConverters.asScala(config.get(DriftConfig.KEY_COLUMNS))
                .toSeq(),
            "inner");
  }

  private boolean logits() {
    return config.get(DriftConfig.TEACHER_KIND) == Kind.LOGITS
        || config.get(DriftConfig.STUDENT_KIND) == Kind.LOGITS;
  }

  private Result run() {
    Dataset<Row> joined = join(in, config);

    // Scan 1: the per-class sums over the joined vectors, one vector-valued aggregate.
    ClassSums classSums =
        new ClassSums(
            config.get(DriftConfig.TEACHER_KIND),
            config.get(DriftConfig.STUDENT_KIND),
            config.get(DriftConfig.TEMPERATURE),
            config.get(DriftConfig.EPSILON));
    Column sums =
        udaf(classSums, ClassSums.inputEncoder())
            .apply(
                col(PredictionInputs.TEACHER).cast("array<double>"),
                col(PredictionInputs.STUDENT).cast("array<double>"));
    spark.sparkContext().setJobDescription("kldrift: join and per-class sums");
    Row cs = joined.agg(sums.as("class_sums")).first().getStruct(0);

    // Scan 2: the per-example metrics, without the vectors, kept for every other aggregate.
    Dataset<Row> withMetrics =
        joined.withColumn(
            "m",
            metricsColumn(col(PredictionInputs.TEACHER), col(PredictionInputs.STUDENT), config));
    List<Column> keep = new ArrayList<>();
    keys.forEach(k -> keep.add(col(k)));
    in.sliceColumns().forEach(s -> keep.add(col(s)));
    keep.addAll(List.of(flatMetrics(col("m"))));
    keep.add(col("m.agree").as("agree"));
    keep.add(histogramBin(col("m.kl")).as("kl_bin"));
    Dataset<Row> perExample =
        withMetrics.select(keep.toArray(Column[]::new)).persist(StorageLevel.MEMORY_AND_DISK());
    spark.sparkContext().setJobDescription("kldrift: join and per-example metrics");
    perExample.count();

    spark.sparkContext().setJobDescription("kldrift: global aggregates");
    Map<String, Object> g = aggregate(perExample, true);
    long matched = (Long) g.get("kl__n");
    Map<String, Object> inputs = new LinkedHashMap<>();
    inputs.put("teacher_rows", in.teacherRows());
    inputs.put("student_rows", in.studentRows());
    inputs.put("matched", matched);
    // A quarantined row is not joined: the only-counts are of the rows that passed the row rules.
    inputs.put("teacher_only", in.teacherRows() - in.teacherValidation().quarantined() - matched);
    inputs.put("student_only", in.studentRows() - in.studentValidation().quarantined() - matched);
    inputs.put("num_classes", in.numClasses());
    inputs.put("teacher_quarantined", in.teacherValidation().quarantined());
    inputs.put("student_quarantined", in.studentValidation().quarantined());
    inputs.put("teacher_renormalized", in.teacherValidation().renormalized());
    inputs.put("student_renormalized", in.studentValidation().renormalized());
    Map<String, Object> invalid = new LinkedHashMap<>();
    invalid.put("teacher", in.teacherValidation().asSummary(config));
    invalid.put("student", in.studentValidation().asSummary(config));
    invalid.put("max_quarantined_share", config.get(DriftConfig.MAX_QUARANTINED_SHARE));
    invalid.put("sum_tolerance", config.get(DriftConfig.SUM_TOLERANCE));
    invalid.put("renormalize_bound", config.get(DriftConfig.RENORMALIZE_BOUND));
    inputs.put("invalid", invalid);
    Map<String, Object> violations = new LinkedHashMap<>();
    violations.put("examples", g.get("violating_examples"));
    violations.put("total", g.get("violations_total") == null ? 0L : g.get("violations_total"));
    violations.put("reverse_examples", g.get("reverse_violating_examples"));
    violations.put("epsilon", config.get(DriftConfig.EPSILON));
    inputs.put("support_violations", violations);

    Map<String, Object> global = readScalarSummaries(g, true);

    List<String> names = classNames();
    Dataset<Row> perClass = perClassTable(cs, matched, names, global, perExample);
    List<Map<String, Object>> topClasses = topClasses(cs, matched, names, global);
    Dataset<Row> confusion = confusionTable(perExample, names);
    List<Map<String, Object>> topConfusions = new ArrayList<>();
    for (Row r : confusion.limit(10).collectAsList()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String f : r.schema().fieldNames()) {
        m.put(f, r.get(r.fieldIndex(f)));
      }
      topConfusions.add(m);
    }

    List<Map<String, Object>> sliceSummaries = new ArrayList<>();
    Dataset<Row> perSlice = perSliceTable(perExample, sliceSummaries);

    List<Column> worstCols = new ArrayList<>();
    keys.forEach(k -> worstCols.add(col(k)));
    in.sliceColumns().forEach(s -> worstCols.add(col(s)));
    if (in.hasLabel()) {
      worstCols.add(col("label"));
    }
    for (String s :
        new String[] {
          "kl",
          "reverse_kl",
          "js",
          "cross_entropy",
          "teacher_entropy",
          "teacher_top1",
          "student_top1",
          "teacher_confidence",
          "student_confidence",
          "support_violations"
        }) {
      worstCols.add(col(s));
    }
    // Computed once: the page and the Parquet table both read these rows.
    spark.sparkContext().setJobDescription("kldrift: worst examples");
    Dataset<Row> top =
        perExample
            .orderBy(desc("kl"))
            .limit(config.get(DriftConfig.TOP_WORST))
            .select(worstCols.toArray(Column[]::new));
    Dataset<Row> worst = spark.createDataFrame(top.collectAsList(), top.schema());
    return new Result(
        inputs,
        global,
        sliceSummaries,
        topClasses,
        topConfusions,
        perClass,
        perSlice,
        confusion,
        worst,
        perExample);
  }

  /**
   * The struct fields of kldrift_metrics as top-level columns, with agreement as 0/1 and the label.
   */
  private Column[] flatMetrics(Column m) {
    List<Column> cols = new ArrayList<>();
    for (String s : SCALARS) {
      cols.add(m.getField(s).as(s));
    }
    cols.add(m.getField("agree").cast(DataTypes.DoubleType).as("agreement"));
    cols.add(m.getField("teacher_top1").as("teacher_top1"));
    cols.add(m.getField("student_top1").as("student_top1"));
    cols.add(m.getField("support_violations").as("support_violations"));
    cols.add(m.getField("reverse_support_violations").as("reverse_support_violations"));
    cols.add(m.getField("t2_kl").as("t2_kl"));
    if (in.hasLabel()) {
      cols.add(col(PredictionInputs.LABEL).as("label"));
    }
    return cols.toArray(Column[]::new);
  }

  /**
   * The metrics summarized globally (all of them) or per slice (KL, JS, agreement: what the
   * per-slice table and checks read).
   */
  private List<String> summarized(boolean global) {
    List<String> l = new ArrayList<>(global ? List.of(SCALARS) : List.of("kl", "js"));
    l.add("agreement");
    if (logits() && global) {
      l.add("t2_kl");
    }
    return l;
  }

  /**
   * Metrics with quantiles: the divergences. Each quantile sketch costs about as much as the kernel
   * itself, so entropies, confidences and agreement get moments, min and max only.
   */
  private static final List<String> QUANTILED =
      List.of("kl", "reverse_kl", "js", "total_variation", "t2_kl");

  /**
   * The global (or, with {@code by}, per-group) summaries over the cached per-example metrics, as
   * field name to value. Two queries: the moments, counts and histogram are declarative aggregates
   * that Spark compiles; the quantile sketches are not, and mixed in they would make Spark
   * interpret every aggregate of the query.
   */
  private Map<String, Object> aggregate(Dataset<Row> perExample, boolean global) {
    List<Map<String, Object>> one = aggregateBy(perExample, global, null);
    return one.get(0);
  }

  private List<Map<String, Object>> aggregateBy(
      Dataset<Row> perExample, boolean global, Column group) {
    List<Column> plain = new ArrayList<>();
    List<Column> sketches = new ArrayList<>();
    for (Column c : scalarAggregates(global)) {
      (c.toString().contains("percentile_approx") ? sketches : plain).add(c);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, Map<String, Object>> byGroup = new LinkedHashMap<>();
    for (List<Column> part : List.of(plain, sketches)) {
      Dataset<Row> d =
          group == null
              ? perExample.agg(part.get(0), part.subList(1, part.size()).toArray(Column[]::new))
              : perExample
                  .groupBy(group.as("__group"))
                  .agg(part.get(0), part.subList(1, part.size()).toArray(Column[]::new));
      for (Row r : d.collectAsList()) {
        int gi = group == null ? -1 : r.fieldIndex("__group");
        String key = group == null ? "" : r.isNullAt(gi) ? "\u0000null" : "v" + r.get(gi);
        Map<String, Object> m = byGroup.computeIfAbsent(key, k -> new LinkedHashMap<>());
        for (String f : r.schema().fieldNames()) {
          m.put(f, r.get(r.fieldIndex(f)));
        }
      }
    }
    out.addAll(byGroup.values());
    return out;
  }

  /** The scalar aggregates shared by the global pass and the per-slice passes. */
  private List<Column> scalarAggregates(boolean global) {
    List<Column> aggs = new ArrayList<>();
    for (String s : summarized(global)) {
      aggs.addAll(Stats.columns(s, col(s), accuracy, QUANTILED.contains(s)));
    }
    List<Double> levels = config.get(DriftConfig.KL_LEVELS);
    for (int i = 0; i < levels.size(); i++) {
      aggs.add(avg(when(col("kl").gt(levels.get(i)), 1.0).otherwise(0.0)).as("kl_above__" + i));
    }
    for (int b = 0; b < histogramEdges().size() + 1; b++) {
      aggs.add(count_if(col("kl_bin").equalTo(b)).as("kl_hist__" + b));
    }
    if (global) {
      aggs.add(count_if(col("support_violations").gt(0)).as("violating_examples"));
      aggs.add(sum("support_violations").as("violations_total"));
      aggs.add(count_if(col("reverse_support_violations").gt(0)).as("reverse_violating_examples"));
      if (in.hasLabel()) {
        aggs.add(
            avg(when(col("teacher_top1").equalTo(col("label")), 1.0).otherwise(0.0))
                .as("teacher_accuracy"));
        aggs.add(
            avg(when(col("student_top1").equalTo(col("label")), 1.0).otherwise(0.0))
                .as("student_accuracy"));
      }
    }
    return aggs;
  }

  private Map<String, Object> readScalarSummaries(Map<String, Object> r, boolean global) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String s : summarized(global)) {
      out.put(s, Stats.read(r, s));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> kl = (Map<String, Object>) out.get("kl");
    Map<String, Object> above = new LinkedHashMap<>();
    List<Double> levels = config.get(DriftConfig.KL_LEVELS);
    for (int i = 0; i < levels.size(); i++) {
      above.put(String.valueOf(levels.get(i)), Stats.num(r, "kl_above__" + i));
    }
    kl.put("share_above", above);
    List<Long> counts = new ArrayList<>();
    for (int b = 0; b < histogramEdges().size() + 1; b++) {
      counts.add((Long) r.get("kl_hist__" + b));
    }
    Map<String, Object> hist = new LinkedHashMap<>();
    hist.put("edges", histogramEdges());
    hist.put("counts", counts);
    hist.put(
        "note",
        "bin 0 holds KL below edges[0] (including 0); bin i holds [edges[i-1], edges[i]); the last bin holds KL at or above the last edge");
    kl.put("histogram", hist);
    if (global) {
      Double ce = meanOf(out, "cross_entropy");
      Double h = meanOf(out, "teacher_entropy");
      if (ce != null && h != null) {
        Map<String, Object> dec = new LinkedHashMap<>();
        dec.put("cross_entropy_mean", ce);
        dec.put("teacher_entropy_mean", h);
        dec.put("difference", ce - h);
        dec.put("kl_mean", kl.get("mean"));
        out.put("kl_decomposition", dec);
      }
      if (in.hasLabel()) {
        out.put("teacher_accuracy", Stats.num(r, "teacher_accuracy"));
        out.put("student_accuracy", Stats.num(r, "student_accuracy"));
      }
    }
    return out;
  }

  private static Double meanOf(Map<String, Object> m, String metric) {
    @SuppressWarnings("unchecked")
    Map<String, Object> s = (Map<String, Object>) m.get(metric);
    return (Double) s.get("mean");
  }

  /** Log-spaced edges from report.histogram.min to report.histogram.max. */
  List<Double> histogramEdges() {
    double lo = Math.log10(config.get(DriftConfig.HISTOGRAM_MIN));
    double hi = Math.log10(config.get(DriftConfig.HISTOGRAM_MAX));
    int perDecade = config.get(DriftConfig.HISTOGRAM_BINS_PER_DECADE);
    int steps = (int) Math.round((hi - lo) * perDecade);
    List<Double> edges = new ArrayList<>();
    for (int i = 0; i <= steps; i++) {
      edges.add(Math.pow(10, lo + (double) i / perDecade));
    }
    return edges;
  }

  private Column histogramBin(Column kl) {
    List<Double> edges = histogramEdges();
    double lo = Math.log10(edges.get(0));
    int perDecade = config.get(DriftConfig.HISTOGRAM_BINS_PER_DECADE);
    int last = edges.size();
    Column inside =
        floor(log10(kl).minus(lo).multiply(perDecade)).plus(1).cast(DataTypes.IntegerType);
    return when(kl.lt(edges.get(0)), 0).otherwise(least(greatest(inside, lit(1)), lit(last)));
  }

  private List<String> classNames() {
    List<String> configured = config.get(DriftConfig.CLASS_NAMES);
    List<String> names = new ArrayList<>();
    for (int c = 0; c < in.numClasses(); c++) {
      names.add(configured.isEmpty() ? "class_" + c : configured.get(c));
    }
    return names;
  }

  private static double[] klContributions(Row cs, long matched) {
    List<Object> terms = cs.getList(cs.fieldIndex("klTerms"));
    List<Object> comp = cs.getList(cs.fieldIndex("klCompensation"));
    double[] out = new double[terms.size()];
    for (int c = 0; c < out.length; c++) {
      out[c] =
          (((Number) terms.get(c)).doubleValue() + ((Number) comp.get(c)).doubleValue()) / matched;
    }
    return out;
  }

  private static double[] means(Row cs, String field, long matched) {
    List<Object> v = cs.getList(cs.fieldIndex(field));
    double[] out = new double[v.size()];
    for (int c = 0; c < out.length; c++) {
      out[c] = ((Number) v.get(c)).doubleValue() / matched;
    }
    return out;
  }

  private Dataset<Row> perClassTable(
      Row cs,
      long matched,
      List<String> names,
      Map<String, Object> global,
      Dataset<Row> perExample) {
    int n = in.numClasses();
    boolean empty = matched == 0;
    double[] contrib = empty ? new double[n] : klContributions(cs, matched);
    double[] meanP = empty ? new double[n] : means(cs, "teacherProb", matched);
    double[] meanQ = empty ? new double[n] : means(cs, "studentProb", matched);
    List<Object> viol = empty ? null : cs.getList(cs.fieldIndex("violations"));

    // Marginal KL: KL(mean P || mean Q), a shift in the predicted class prior.
    double logEps = Math.log(config.get(DriftConfig.EPSILON));
    double marginal = 0;
    double[] marginalTerm = new double[n];
    for (int c = 0; c < n; c++) {
      if (meanP[c] > 0) {
        double lq = meanQ[c] > 0 ? Math.log(meanQ[c]) : logEps;
        marginalTerm[c] = meanP[c] * (Math.log(meanP[c]) - lq);
        marginal += marginalTerm[c];
      }
    }
    global.put("marginal_kl", empty ? null : marginal);

    spark.sparkContext().setJobDescription("kldrift: per-class statistics by teacher top-1");
    Map<Integer, Row> byTop1 =
        byClass(
            perExample
                .groupBy(col("teacher_top1").as("c"))
                .agg(
                    count(lit(1)).as("n"), avg("kl").as("mean_kl"),
                    percentile_approx(col("kl"), lit(0.95), lit(accuracy)).as("p95_kl"),
                        avg("agreement").as("agreement")));
    Map<Integer, Row> studentTop1 =
        byClass(perExample.groupBy(col("student_top1").as("c")).agg(count(lit(1)).as("n")));
    Map<Integer, Row> byLabel = new LinkedHashMap<>();
    if (in.hasLabel()) {
      spark.sparkContext().setJobDescription("kldrift: per-class statistics by label");
      byLabel =
          byClass(
              perExample
                  .where(col("label").isNotNull())
                  .groupBy(col("label").as("c"))
                  .agg(
                      count(lit(1)).as("n"),
                      avg("kl").as("mean_kl"),
                      percentile_approx(col("kl"), lit(0.95), lit(accuracy)).as("p95_kl"),
                      avg(when(col("teacher_top1").equalTo(col("label")), 1.0).otherwise(0.0))
                          .as("teacher_accuracy"),
                      avg(when(col("student_top1").equalTo(col("label")), 1.0).otherwise(0.0))
                          .as("student_accuracy")));
    }
    Double meanKl = (Double) ((Map<?, ?>) global.get("kl")).get("mean");
    List<Row> rows = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      Row t = byTop1.get(c);
      Row l = byLabel.get(c);
      Row s = studentTop1.get(c);
      rows.add(
          RowFactory.create(
              c,
              names.get(c),
              contrib[c],
              meanKl == null || meanKl == 0 ? null : contrib[c] / meanKl,
              meanP[c],
              meanQ[c],
              marginalTerm[c],
              viol == null ? 0L : ((Number) viol.get(c)).longValue(),
              t == null ? 0L : t.getLong(1),
              t == null ? null : t.getDouble(2),
              t == null ? null : t.getDouble(3),
              t == null ? null : t.getDouble(4),
              s == null ? 0L : s.getLong(1),
              l == null ? (in.hasLabel() ? 0L : null) : (Long) l.getLong(1),
              l == null ? null : l.getDouble(2),
              l == null ? null : l.getDouble(3),
              l == null ? null : l.getDouble(4),
              l == null ? null : l.getDouble(5)));
    }
    StructType schema =
        new StructType()
            .add("class_index", DataTypes.IntegerType, false)
            .add("class_name", DataTypes.StringType, false)
            .add("kl_contribution", DataTypes.DoubleType, false)
            .add("kl_share", DataTypes.DoubleType, true)
            .add("teacher_mean_prob", DataTypes.DoubleType, false)
            .add("student_mean_prob", DataTypes.DoubleType, false)
            .add("marginal_kl_term", DataTypes.DoubleType, false)
            .add("support_violations", DataTypes.LongType, false)
            .add("teacher_top1_count", DataTypes.LongType, false)
            .add("teacher_top1_mean_kl", DataTypes.DoubleType, true)
            .add("teacher_top1_p95_kl", DataTypes.DoubleType, true)
            .add("teacher_top1_agreement", DataTypes.DoubleType, true)
            .add("student_top1_count", DataTypes.LongType, false)
            .add("label_count", DataTypes.LongType, true)
            .add("label_mean_kl", DataTypes.DoubleType, true)
            .add("label_p95_kl", DataTypes.DoubleType, true)
            .add("label_teacher_accuracy", DataTypes.DoubleType, true)
            .add("label_student_accuracy", DataTypes.DoubleType, true);
    return spark.createDataFrame(rows, schema);
  }

  private static Map<Integer, Row> byClass(Dataset<Row> grouped) {
    Map<Integer, Row> m = new LinkedHashMap<>();
    for (Row r : grouped.collectAsList()) {
      if (!r.isNullAt(0)) {
        m.put(r.getInt(0), r);
      }
    }
    return m;
  }

  private List<Map<String, Object>> topClasses(
      Row cs, long matched, List<String> names, Map<String, Object> global) {
    if (matched == 0) {
      return List.of();
    }
    double[] contrib = klContributions(cs, matched);
    double[] meanP = means(cs, "teacherProb", matched);
    double[] meanQ = means(cs, "studentProb", matched);
    Double meanKl = (Double) ((Map<?, ?>) global.get("kl")).get("mean");
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < contrib.length; c++) {
      order.add(c);
    }
    order.sort(Comparator.comparingDouble((Integer c) -> -contrib[c]));
    List<Map<String, Object>> top = new ArrayList<>();
    for (int i = 0; i < Math.min(config.get(DriftConfig.TOP_CLASSES), order.size()); i++) {
      int c = order.get(i);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("class_index", c);
      m.put("class_name", names.get(c));
      m.put("kl_contribution", contrib[c]);
      m.put("kl_share", meanKl == null || meanKl == 0 ? null : contrib[c] / meanKl);
      m.put("teacher_mean_prob", meanP[c]);
      m.put("student_mean_prob", meanQ[c]);
      top.add(m);
    }
    return top;
  }

  private Dataset<Row> confusionTable(Dataset<Row> perExample, List<String> names) {
    spark.sparkContext().setJobDescription("kldrift: top-1 confusions");
    List<Row> pairs =
        perExample
            .where(col("teacher_top1").notEqual(col("student_top1")))
            .groupBy("teacher_top1", "student_top1")
            .agg(count(lit(1)).as("n"), avg("kl").as("mean_kl"))
            .orderBy(desc("n"), col("teacher_top1"), col("student_top1"))
            .limit(config.get(DriftConfig.TOP_CONFUSIONS))
            .collectAsList();
    List<Row> rows = new ArrayList<>();
    for (Row r : pairs) {
      int t = r.getInt(0);
      int s = r.getInt(1);
      rows.add(RowFactory.create(t, names.get(t), s, names.get(s), r.getLong(2), r.getDouble(3)));
    }
    StructType schema =
        new StructType()
            .add("teacher_class_index", DataTypes.IntegerType, false)
            .add("teacher_class_name", DataTypes.StringType, false)
            .add("student_class_index", DataTypes.IntegerType, false)
            .add("student_class_name", DataTypes.StringType, false)
            .add("count", DataTypes.LongType, false)
            .add("mean_kl", DataTypes.DoubleType, false);
    return spark.createDataFrame(rows, schema);
  }

  private Dataset<Row> perSliceTable(Dataset<Row> perExample, List<Map<String, Object>> summaries) {
    List<Row> rows = new ArrayList<>();
    for (String slice : in.sliceColumns()) {
      spark.sparkContext().setJobDescription("kldrift: aggregates per " + slice);
      List<Map<String, Object>> grouped =
          aggregateBy(perExample, false, col(slice).cast(DataTypes.StringType));
      grouped.sort(
          java.util.Comparator.comparing(
              g -> (String) g.get("__group"),
              java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())));
      for (Map<String, Object> g : grouped) {
        String value = (String) g.get("__group");
        Map<String, Object> metrics = readScalarSummaries(g, false);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("column", slice);
        m.put("value", value);
        m.putAll(metrics);
        summaries.add(m);
        Map<?, ?> kl = (Map<?, ?>) metrics.get("kl");
        Map<?, ?> js = (Map<?, ?>) metrics.get("js");
        Map<?, ?> ag = (Map<?, ?>) metrics.get("agreement");
        rows.add(
            RowFactory.create(
                slice,
                value,
                kl.get("n"),
                kl.get("mean"),
                kl.get("std"),
                kl.get("ci95_low"),
                kl.get("ci95_high"),
                kl.get("min"),
                kl.get("p50"),
                kl.get("p90"),
                kl.get("p95"),
                kl.get("p99"),
                kl.get("max"),
                js.get("mean"),
                js.get("p95"),
                ag.get("mean")));
      }
    }
    StructType schema =
        new StructType()
            .add("slice_column", DataTypes.StringType, false)
            .add("slice_value", DataTypes.StringType, true)
            .add("n", DataTypes.LongType, false);
    for (String f :
        new String[] {
          "kl_mean",
          "kl_std",
          "kl_ci95_low",
          "kl_ci95_high",
          "kl_min",
          "kl_p50",
          "kl_p90",
          "kl_p95",
          "kl_p99",
          "kl_max",
          "js_mean",
          "js_p95",
          "agreement"
        }) {
      schema = schema.add(f, DataTypes.DoubleType, true);
    }
    return spark.createDataFrame(rows, schema);
  }
}
