package io.kldrift.engine;

import io.kldrift.summary.Summary;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The figures about the token that actually came next (the target), over the counted positions
 * whose target log-probability is known on both sides: each model's negative log-likelihood, the
 * paired difference behind ln(PPL_s/PPL_t), Δp = p_s(target) − p_t(target) with its sketch, each
 * model's top-1 hits; and the positions whose target was missing on each side. A state written
 * before kldrift kept them reads as unknown, and a merge with an unknown part stays unknown, so a
 * rollup never reports a partial figure as the whole.
 */
final class TargetFigures {
  final Moments teacherNll = new Moments();
  final Moments studentNll = new Moments();
  final Moments nllDifference = new Moments();
  final Moments deltaP = new Moments();
  final Quantiles deltaPQ;
  long teacherHits;
  long studentHits;
  long teacherMissing;
  long studentMissing;
  boolean known = true;

  TargetFigures(int sketchK) {
    deltaPQ = new Quantiles(sketchK);
  }

  /**
   * Adds one counted position: the log-probabilities of the target (NaN when missing on that side)
   * and whether each model's top-1 is the target.
   */
  void add(double teacherLp, double studentLp, boolean teacherHit, boolean studentHit) {
    boolean t = !Double.isNaN(teacherLp);
    boolean s = !Double.isNaN(studentLp);
    if (!t) {
      teacherMissing++;
    }
    if (!s) {
      studentMissing++;
    }
    if (!t || !s) {
      return;
    }
    teacherNll.add(-teacherLp);
    studentNll.add(-studentLp);
    nllDifference.add(teacherLp - studentLp);
    double dp = Math.exp(studentLp) - Math.exp(teacherLp);
    deltaP.add(dp);
    deltaPQ.add(dp);
    teacherHits += teacherHit ? 1 : 0;
    studentHits += studentHit ? 1 : 0;
  }

  void merge(TargetFigures o) {
    known &= o.known;
    teacherNll.merge(o.teacherNll);
    studentNll.merge(o.studentNll);
    nllDifference.merge(o.nllDifference);
    deltaP.merge(o.deltaP);
    deltaPQ.merge(o.deltaPQ);
    teacherHits += o.teacherHits;
    studentHits += o.studentHits;
    teacherMissing += o.teacherMissing;
    studentMissing += o.studentMissing;
  }

  void write(DataOutput out) throws IOException {
    out.writeBoolean(known);
    teacherNll.write(out);
    studentNll.write(out);
    nllDifference.write(out);
    deltaP.write(out);
    deltaPQ.write(out);
    out.writeLong(teacherHits);
    out.writeLong(studentHits);
    out.writeLong(teacherMissing);
    out.writeLong(studentMissing);
  }

  static TargetFigures read(DataInput in, int sketchK) throws IOException {
    TargetFigures f = new TargetFigures(sketchK);
    f.known = in.readBoolean();
    f.teacherNll.merge(Moments.read(in));
    f.studentNll.merge(Moments.read(in));
    f.nllDifference.merge(Moments.read(in));
    f.deltaP.merge(Moments.read(in));
    f.deltaPQ.merge(Quantiles.read(in, sketchK));
    f.teacherHits = in.readLong();
    f.studentHits = in.readLong();
    f.teacherMissing = in.readLong();
    f.studentMissing = in.readLong();
    return f;
  }

  /** global.target: the figures, or nulls with a note when a merged state did not keep them. */
  Summary.Target summary() {
    if (!known) {
      return new Summary.Target(
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          "unknown: a state merged here was written before kldrift kept the target figures"
              + " (drift state format < 4)");
    }
    long n = teacherNll.n;
    Summary.Stats diff = Finisher.stats(nllDifference, null);
    Summary.Stats dp = Finisher.withTails(Finisher.stats(deltaP, deltaPQ), deltaPQ, null, null);
    Double tMean = teacherNll.mean();
    Double sMean = studentNll.mean();
    Double rms = null;
    if (n > 0) {
      double sd = dp.std() == null ? 0 : dp.std();
      rms = Math.sqrt(dp.mean() * dp.mean() + sd * sd * (n - 1) / n);
    }
    return new Summary.Target(
        n,
        tMean,
        sMean,
        tMean == null ? null : Math.exp(tMean),
        sMean == null ? null : Math.exp(sMean),
        diff.mean(),
        diff.ci95Low(),
        diff.ci95High(),
        dp.mean(),
        dp.ci95Low(),
        dp.ci95High(),
        rms,
        dp,
        Finisher.ratio(teacherHits, n),
        Finisher.ratio(studentHits, n),
        teacherMissing,
        studentMissing,
        null);
  }

  /** The figures of a state written before format 4: unknown, whatever is merged into them. */
  static TargetFigures unknown(int sketchK) {
    TargetFigures f = new TargetFigures(sketchK);
    f.known = false;
    return f;
  }
}
