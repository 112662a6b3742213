package io.kldrift.engine;

import io.kldrift.kernel.Divergences;
import io.kldrift.kernel.Workspace;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Everything the report needs from the matched examples whose vectors have one class count: moments
 * and sketches of every metric, the KL histogram, support violations, accuracy, per-class vectors
 * and top-1 groups, label groups, confusions, slice groups and the worst examples. The drift state
 * holds one part per class count seen; the report reads the part of the class count the row rules
 * settle on.
 */
final class ExamplePart implements StatePart<ExamplePart> {
  /** Metrics with moments besides KL, JS and agreement (which {@link SliceGroup} holds). */
  static final int[] MOMENT_METRICS = {
    Divergences.REVERSE_KL,
    Divergences.TEACHER_ENTROPY,
    Divergences.STUDENT_ENTROPY,
    Divergences.CROSS_ENTROPY,
    Divergences.TOTAL_VARIATION,
    Divergences.TEACHER_CONFIDENCE,
    Divergences.STUDENT_CONFIDENCE
  };

  final int classes;
  final SliceGroup all;
  final Moments[] moments = new Moments[MOMENT_METRICS.length];
  final Quantiles reverseKlQ;
  final Quantiles totalVariationQ;
  final Moments t2Kl = new Moments();
  final Quantiles t2KlQ;
  long violatingExamples;
  long violationsTotal;

  /** Σ over examples of the KL terms of clipped cells (Neumaier-compensated). */
  double violationKl;

  private double violationKlComp;

  /**
   * Violating examples whose clipped cells' KL is not in {@link #violationKl}: those of states
   * written in format 2, before it was kept. While any are merged in, that KL is unknown.
   */
  long violationKlUnknown;

  long reverseViolatingExamples;
  long teacherCorrect;
  long studentCorrect;
  final ClassState perClass;
  final Map<Integer, LabelGroup> labels = new HashMap<>();
  final Confusions confusions = new Confusions();
  final List<Map<String, SliceGroup>> slices = new ArrayList<>();
  final WorstExamples worst;
  private final StateSettings s;

  ExamplePart(StateSettings s, int classes) {
    this.s = s;
    this.classes = classes;
    all = new SliceGroup(s);
    for (int i = 0; i < moments.length; i++) {
      moments[i] = new Moments();
    }
    reverseKlQ = new Quantiles(s.sketchK());
    totalVariationQ = new Quantiles(s.sketchK());
    t2KlQ = new Quantiles(s.sketchK());
    perClass = new ClassState(classes, s.groupSketchK());
    for (int i = 0; i < s.sliceCount(); i++) {
      slices.add(new HashMap<>());
    }
    worst = new WorstExamples(s.worstK());
  }

  /**
   * Adds one matched example whose metrics are in the workspace ({@link Divergences#compute} with
   * terms). {@code label} is null without a label; {@code sliceValues} has one entry per slice
   * column (null for a null value); {@code example} gives the example's JSON when it is needed.
   */
  void add(Workspace w, Integer label, String[] sliceValues, Supplier<String> example) {
    double[] o = w.out;
    double kl = o[Divergences.KL];
    double js = o[Divergences.JS];
    int t1 = (int) o[Divergences.TEACHER_TOP1];
    int s1 = (int) o[Divergences.STUDENT_TOP1];
    double agree = t1 == s1 ? 1.0 : 0.0;
    int bin = s.bin(kl);
    all.add(s, kl, js, agree, bin);
    for (int i = 0; i < MOMENT_METRICS.length; i++) {
      moments[i].add(o[MOMENT_METRICS[i]]);
    }
    reverseKlQ.add(o[Divergences.REVERSE_KL]);
    totalVariationQ.add(o[Divergences.TOTAL_VARIATION]);
    if (s.logits()) {
      double t2 = s.temperature() * s.temperature() * kl;
      t2Kl.add(t2);
      t2KlQ.add(t2);
    }
    if (o[Divergences.SUPPORT_VIOLATIONS] > 0) {
      violatingExamples++;
      violationsTotal += (long) o[Divergences.SUPPORT_VIOLATIONS];
      addViolationKl(o[Divergences.SUPPORT_VIOLATION_KL], 0);
    }
    if (o[Divergences.REVERSE_SUPPORT_VIOLATIONS] > 0) {
      reverseViolatingExamples++;
    }
    perClass.addVectors(w.terms, w.p, w.q, w.logQ);
    perClass.addTop1(t1, s1, kl);
    if (label != null) {
      boolean tRight = t1 == label;
      boolean sRight = s1 == label;
      teacherCorrect += tRight ? 1 : 0;
      studentCorrect += sRight ? 1 : 0;
      LabelGroup g = labels.get(label);
      if (g == null) {
        g = new LabelGroup(s.groupSketchK());
        labels.put(label, g);
      }
      g.add(kl, tRight, sRight);
    }
    if (t1 != s1) {
      confusions.add(t1, s1, kl);
    }
    for (int i = 0; i < sliceValues.length; i++) {
      Map<String, SliceGroup> groups = slices.get(i);
      SliceGroup g = groups.get(sliceValues[i]);
      if (g == null) {
        g = new SliceGroup(s);
        groups.put(sliceValues[i], g);
      }
      g.add(s, kl, js, agree, bin);
    }
    if (worst.admits(kl)) {
      double[] figures = new double[WorstExamples.FIELDS.length];
      figures[0] = o[Divergences.REVERSE_KL];
      figures[1] = js;
      figures[2] = o[Divergences.CROSS_ENTROPY];
      figures[3] = o[Divergences.TEACHER_ENTROPY];
      figures[4] = t1;
      figures[5] = s1;
      figures[6] = o[Divergences.TEACHER_CONFIDENCE];
      figures[7] = o[Divergences.STUDENT_CONFIDENCE];
      figures[8] = o[Divergences.SUPPORT_VIOLATIONS];
      worst.offer(new WorstExamples.Entry(kl, example.get(), label, figures));
    }
  }

  @Override
  public int length() {
    return classes;
  }

  @Override
  public long matched() {
    return all.kl.n;
  }

  private void addViolationKl(double x, double comp) {
    double t = violationKl + x;
    violationKlComp +=
        (Math.abs(violationKl) >= Math.abs(x) ? (violationKl - t) + x : (x - t) + violationKl)
            + comp;
    violationKl = t;
  }

  /**
   * Σ over examples of the KL terms of their clipped cells; null when states without that sum
   * (format 2) with violations were merged in.
   */
  Double violationKlSum() {
    return violationKlUnknown > 0 ? null : violationKl + violationKlComp;
  }

  @Override
  public void merge(ExamplePart o) {
    all.merge(o.all);
    for (int i = 0; i < moments.length; i++) {
      moments[i].merge(o.moments[i]);
    }
    reverseKlQ.merge(o.reverseKlQ);
    totalVariationQ.merge(o.totalVariationQ);
    t2Kl.merge(o.t2Kl);
    t2KlQ.merge(o.t2KlQ);
    violatingExamples += o.violatingExamples;
    violationsTotal += o.violationsTotal;
    addViolationKl(o.violationKl, o.violationKlComp);
    violationKlUnknown += o.violationKlUnknown;
    reverseViolatingExamples += o.reverseViolatingExamples;
    teacherCorrect += o.teacherCorrect;
    studentCorrect += o.studentCorrect;
    perClass.merge(o.perClass);
    o.labels.forEach(
        (l, g) -> labels.computeIfAbsent(l, x -> new LabelGroup(s.groupSketchK())).merge(g));
    confusions.merge(o.confusions);
    for (int i = 0; i < slices.size(); i++) {
      Map<String, SliceGroup> mine = slices.get(i);
      o.slices.get(i).forEach((v, g) -> mine.computeIfAbsent(v, x -> new SliceGroup(s)).merge(g));
    }
    worst.merge(o.worst);
  }

  @Override
  public void write(DataOutput out, int version) throws IOException {
    out.writeInt(classes);
    all.write(out);
    for (Moments m : moments) {
      m.write(out);
    }
    reverseKlQ.write(out);
    totalVariationQ.write(out);
    t2Kl.write(out);
    t2KlQ.write(out);
    out.writeLong(violatingExamples);
    out.writeLong(violationsTotal);
    if (version >= 3) {
      out.writeDouble(violationKl);
      out.writeDouble(violationKlComp);
      out.writeLong(violationKlUnknown);
    }
    out.writeLong(reverseViolatingExamples);
    out.writeLong(teacherCorrect);
    out.writeLong(studentCorrect);
    perClass.write(out, version);
    out.writeInt(labels.size());
    for (Map.Entry<Integer, LabelGroup> e : labels.entrySet()) {
      out.writeInt(e.getKey());
      e.getValue().write(out);
    }
    confusions.write(out);
    for (Map<String, SliceGroup> m : slices) {
      out.writeInt(m.size());
      for (Map.Entry<String, SliceGroup> e : m.entrySet()) {
        Codec.writeString(out, e.getKey());
        e.getValue().write(out);
      }
    }
    worst.write(out);
  }

  /**
   * Reads a part written in drift state format {@code version}. A format 2 part has no KL of
   * clipped cells: its violating examples count as {@link #violationKlUnknown}.
   */
  static ExamplePart read(DataInput in, StateSettings s, int version) throws IOException {
    ExamplePart p = new ExamplePart(s, in.readInt());
    p.all.merge(SliceGroup.read(in, s));
    for (Moments m : p.moments) {
      m.merge(Moments.read(in));
    }
    p.reverseKlQ.merge(Quantiles.read(in, s.sketchK()));
    p.totalVariationQ.merge(Quantiles.read(in, s.sketchK()));
    p.t2Kl.merge(Moments.read(in));
    p.t2KlQ.merge(Quantiles.read(in, s.sketchK()));
    p.violatingExamples = in.readLong();
    p.violationsTotal = in.readLong();
    if (version >= 3) {
      p.violationKl = in.readDouble();
      p.violationKlComp = in.readDouble();
      p.violationKlUnknown = in.readLong();
    } else {
      p.violationKlUnknown = p.violatingExamples;
    }
    p.reverseViolatingExamples = in.readLong();
    p.teacherCorrect = in.readLong();
    p.studentCorrect = in.readLong();
    p.perClass.merge(ClassState.read(in, s.groupSketchK(), version));
    int labels = in.readInt();
    for (int i = 0; i < labels; i++) {
      p.labels.put(in.readInt(), LabelGroup.read(in, s.groupSketchK()));
    }
    p.confusions.merge(Confusions.read(in));
    for (Map<String, SliceGroup> m : p.slices) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        m.put(Codec.readString(in), SliceGroup.read(in, s));
      }
    }
    p.worst.merge(WorstExamples.read(in, s.worstK()));
    return p;
  }
}
