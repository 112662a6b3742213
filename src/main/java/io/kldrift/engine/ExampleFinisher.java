package io.kldrift.engine;

import static io.kldrift.engine.Finisher.ratio;
import static io.kldrift.engine.Finisher.stats;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.summary.ClassRow;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The finish of an example-layout state: the part of the class count the row rules settle on
 * becomes {@code global} (with the KL decomposition and accuracy), the per-class rows and shares,
 * the confusions, the slices and the tables {@code per_class/}, {@code per_slice/}, {@code
 * confusion/}, {@code worst_examples/} and, when configured, {@code per_example/}.
 */
final class ExampleFinisher extends Finisher {
  ExampleFinisher(SparkSession spark, DriftConfig config, DriftState state) {
    super(spark, config, state);
  }

  @Override
  Finisher.Finished run(PredictionInputs.Checked in) {
    int classes = in.numClasses();
    Parts<ExamplePart> parts = state.parts(ExampleLayout.INSTANCE);
    if (parts.overflow.containsKey(classes)) {
      throw EngineErrors.tooManyLengths();
    }
    ExamplePart p = parts.toFinish(Math.max(classes, 0));
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
        top.add(r.share());
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
      for (Map.Entry<String, SliceGroup> v : Finisher.sortedValues(p.slices.get(i))) {
        sketches.add(v.getValue().klQ.bytes());
      }
    }
    return new Finisher.Finished(
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
        null,
        tables(in),
        in.numClasses() + " classes");
  }

  /**
   * The tables written: the class tables, and per_example/ when asked for and the inputs at hand.
   */
  private List<String> tables(PredictionInputs.Checked in) {
    List<String> tables =
        new ArrayList<>(List.of("per_class", "per_slice", "confusion", "worst_examples"));
    if (Finisher.hasTables(in) && config.get(DriftConfig.WRITE_PER_EXAMPLE)) {
      tables.add("per_example");
    }
    return tables;
  }

  /**
   * Class c's KL from its clipped cells over N: 0 without violations, null without matched examples
   * or when states without that KL (format 2) with violations were merged in.
   */
  private static Double classViolationKl(ExamplePart p, int c, long matched) {
    if (matched == 0) {
      return null;
    }
    if (p.perClass.violations[c] == 0) {
      return 0.0;
    }
    return p.violationKlUnknown > 0 ? null : p.perClass.violationKlSum(c) / matched;
  }

  private Summary.Inputs inputs(PredictionInputs.Checked in, ExamplePart p, long matched) {
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

  private Summary.Global global(ExamplePart p, long n, Double marginal) {
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
  private static Double violationKlShare(ExamplePart p, Double mean) {
    Double mass = p.violationKlSum();
    if (mean == null || mass == null) {
      return null;
    }
    if (p.violatingExamples == 0) {
      return 0.0;
    }
    return mean > 0 ? mass / (mean * p.matched()) : null;
  }

  private List<Summary.SliceSummary> slices(ExamplePart p) {
    List<Summary.SliceSummary> out = new ArrayList<>();
    List<String> columns = state.header.sliceColumns();
    for (int i = 0; i < columns.size(); i++) {
      for (Map.Entry<String, SliceGroup> v : Finisher.sortedValues(p.slices.get(i))) {
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
}
