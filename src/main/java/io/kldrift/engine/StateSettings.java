package io.kldrift.engine;

import io.kldrift.config.DriftConfig;
import io.kldrift.config.RowPolicy;
import io.kldrift.input.RowRule;
import io.kldrift.kernel.Divergences.Kind;
import java.io.Serializable;
import java.util.List;

/**
 * What the drift state's update needs from the configuration, in a form that ships to executors:
 * the layout, kinds, temperature, epsilon, the row-rule tolerances, the histogram and the sketch
 * sizes.
 */
record StateSettings(
    Layout<?> layout,
    Kind teacherKind,
    Kind studentKind,
    double temperature,
    double logEpsilon,
    double sumTolerance,
    double renormalizeBound,
    boolean renormalize,
    double histogramLog10Min,
    int binsPerDecade,
    int lastBin,
    double histogramMin,
    double[] levels,
    int sketchK,
    int groupSketchK,
    int worstK,
    int sliceCount,
    boolean hasLabel,
    double jsdBeta)
    implements Serializable {

  /** KLL k of the per-class and per-label sketches (their p95 only): rank error about 1.3%. */
  static final int GROUP_SKETCH_K = 200;

  static StateSettings of(DriftConfig config, int sliceCount, boolean hasLabel) {
    List<Double> levels = config.get(DriftConfig.KL_LEVELS);
    double lo = Math.log10(config.get(DriftConfig.HISTOGRAM_MIN));
    double hi = Math.log10(config.get(DriftConfig.HISTOGRAM_MAX));
    int perDecade = config.get(DriftConfig.HISTOGRAM_BINS_PER_DECADE);
    int steps = (int) Math.round((hi - lo) * perDecade);
    double tol = config.get(DriftConfig.SUM_TOLERANCE);
    return new StateSettings(
        Layout.of(config),
        config.get(DriftConfig.TEACHER_KIND),
        config.get(DriftConfig.STUDENT_KIND),
        config.get(DriftConfig.TEMPERATURE),
        Math.log(config.get(DriftConfig.EPSILON)),
        tol,
        Math.max(tol, config.get(DriftConfig.RENORMALIZE_BOUND)),
        RowRule.NOT_NORMALIZED.policy(config) == RowPolicy.RENORMALIZE,
        lo,
        perDecade,
        steps + 1,
        Math.pow(10, lo),
        levels.stream().mapToDouble(Double::doubleValue).toArray(),
        config.get(DriftConfig.SKETCH_K),
        GROUP_SKETCH_K,
        config.get(DriftConfig.TOP_WORST),
        sliceCount,
        hasLabel,
        config.get(DriftConfig.JSD_BETA));
  }

  boolean logits() {
    return teacherKind == Kind.LOGITS || studentKind == Kind.LOGITS;
  }

  /** Histogram bins: KL below the first edge in bin 0, then log-spaced bins up to the last. */
  int bins() {
    return lastBin + 1;
  }

  /** The histogram bin of one KL value (the edges of DESIGN §2, report.histogram.*). */
  int bin(double kl) {
    if (!(kl >= histogramMin)) {
      return 0;
    }
    int inside = (int) Math.floor((Math.log10(kl) - histogramLog10Min) * binsPerDecade) + 1;
    return Math.min(Math.max(inside, 1), lastBin);
  }
}
