package io.kldrift.engine;

import io.kldrift.summary.WorstSequenceColumns;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Everything the report of the sequence layout needs from the matched sequences whose positions
 * have one list length (k, or the vocabulary when dense): per counted position (token) the KL (a
 * bound for top-k) with its sketch and histogram, the other per-position figures, KL by position
 * bucket, by teacher-entropy bucket and by the teacher's top-1 token; per sequence the mean, sum
 * and max of KL and the first position whose top-1 tokens differ; per slice value both; the worst
 * sequences; with a target column, the target figures over all positions ({@link TargetFigures})
 * and per slice value, bucket and token ({@link TargetSums}). Mergeable like {@link ExamplePart},
 * so rollups work for sequences too.
 */
final class SequencePart implements StatePart<SequencePart> {
  /** Per-position figures with moments besides KL, JS (lower bound) and agreement. */
  static final int REVERSE_KL = 0,
      JSD = 1,
      JS_HIGH = 2,
      TV_LOW = 3,
      TV_HIGH = 4,
      TEACHER_TAIL = 5,
      STUDENT_TAIL = 6,
      OVERLAP = 7,
      TEACHER_ENTROPY = 8,
      TOP1_RANK = 9,
      FIGURES = 10;

  /** Figures that also get a quantile sketch (each costs a KLL update per position). */
  static final int[] SKETCHED = {REVERSE_KL, TEACHER_TAIL};

  /** Lower edges of the position buckets after bucket 0: 0, 1–3, 4–15, 16–63, ..., 1024+. */
  static final int[] POSITION_EDGES = {1, 4, 16, 64, 256, 1024};

  static final String[] POSITION_BUCKETS = {
    "0", "1-3", "4-15", "16-63", "64-255", "256-1023", "1024+"
  };

  /** Upper edges (nats) of the teacher-entropy buckets; the last bucket is open. */
  static final double[] ENTROPY_EDGES = {0.01, 0.1, 0.5, 1, 2, 4};

  static final String[] ENTROPY_BUCKETS = {
    "<0.01", "0.01-0.1", "0.1-0.5", "0.5-1", "1-2", "2-4", ">=4"
  };

  /** The figures a worst sequence carries besides its mean KL (worst_examples/ columns). */
  static final String[] WORST_FIELDS = WorstSequenceColumns.FIGURES.toArray(String[]::new);

  /** The figures of a worst sequence written before drift state format 5 (without the tokens). */
  private static final int OLD_WORST_FIELDS = 6;

  final int k;
  final SliceGroup tokens;
  final Moments[] figures = new Moments[FIGURES];
  final Quantiles[] sketches = new Quantiles[SKETCHED.length];

  /** Counted positions whose teacher top-1 is not in the student's reported list. */
  long top1OutsideStudent;

  /** The longest list of any position, per side (top-k: k, or k+1 with the sampled token). */
  int maxTeacherK;

  int maxStudentK;
  long sequences;
  long positions;
  long maskedPositions;
  long sequencesWithoutPositions;
  long sequencesWithoutDivergence;
  final Moments seqMean = new Moments();
  final Quantiles seqMeanQ;
  final Moments seqSum = new Moments();
  final Quantiles seqSumQ;
  final Moments seqMax = new Moments();
  final Moments seqPositions = new Moments();
  final Moments firstDivergence = new Moments();
  final Bucket[] byPosition = buckets(POSITION_BUCKETS.length);
  final Bucket[] byEntropy = buckets(ENTROPY_BUCKETS.length);
  final TokenTable byToken = new TokenTable();
  final List<Map<String, Slice>> slices = new ArrayList<>();
  final WorstExamples worst;
  final TargetFigures target;
  final TargetSums byPositionTarget = new TargetSums(POSITION_BUCKETS.length);
  final TargetSums byEntropyTarget = new TargetSums(ENTROPY_BUCKETS.length);

  /**
   * Whether the target figures per slice, bucket and token are whole: false once a state written
   * before drift state format 5 (which kept them over all positions only) is merged in.
   */
  boolean groupTargetsKnown = true;

  /**
   * Whether {@link #tokens} holds every position added. A pass with slice columns adds each
   * position to its slice values only (two KLL updates per position fewer) and, once it ends, fills
   * the whole run's figures from the first slice column's values, which partition the positions
   * ({@link #settle}); a part read back is settled.
   */
  private boolean settled;

  /** Where {@link #addPosition} put the last position, for {@link #addTarget}. */
  private int lastPositionBucket;

  private int lastEntropyBucket;
  private int lastTokenSlot;
  private final StateSettings s;

  /** KL, agreement and teacher tail mass summed over the positions of one bucket or token. */
  static final class Bucket {
    long n;
    double kl;
    long agree;
    double tail;

    void add(double klValue, boolean agreed, double tailMass) {
      n++;
      kl += klValue;
      agree += agreed ? 1 : 0;
      tail += tailMass;
    }

    void merge(Bucket o) {
      n += o.n;
      kl += o.kl;
      agree += o.agree;
      tail += o.tail;
    }

    void write(DataOutput out) throws IOException {
      out.writeLong(n);
      out.writeDouble(kl);
      out.writeLong(agree);
      out.writeDouble(tail);
    }

    static Bucket read(DataInput in) throws IOException {
      Bucket b = new Bucket();
      b.n = in.readLong();
      b.kl = in.readDouble();
      b.agree = in.readLong();
      b.tail = in.readDouble();
      return b;
    }
  }

  /** One slice value: its tokens, the means of its sequences and its target figures. */
  static final class Slice {
    final SliceGroup tokens;
    final Moments seqMean = new Moments();
    final Quantiles seqMeanQ;
    final TargetSums target = new TargetSums(1);

    Slice(StateSettings s) {
      tokens = new SliceGroup(s);
      seqMeanQ = new Quantiles(s.groupSketchK());
    }

    void merge(Slice o) {
      tokens.merge(o.tokens);
      seqMean.merge(o.seqMean);
      seqMeanQ.merge(o.seqMeanQ);
      target.merge(o.target);
    }

    void write(DataOutput out, int version) throws IOException {
      tokens.write(out);
      seqMean.write(out);
      seqMeanQ.write(out);
      if (version >= 5) {
        target.write(out);
      }
    }

    static Slice read(DataInput in, StateSettings s, int version) throws IOException {
      Slice g = new Slice(s);
      g.tokens.merge(SliceGroup.read(in, s));
      g.seqMean.merge(Moments.read(in));
      g.seqMeanQ.merge(Quantiles.read(in, s.groupSketchK()));
      if (version >= 5) {
        g.target.read(in);
      }
      return g;
    }
  }

  SequencePart(StateSettings s, int k) {
    this.s = s;
    this.k = k;
    tokens = new SliceGroup(s);
    for (int i = 0; i < FIGURES; i++) {
      figures[i] = new Moments();
    }
    for (int i = 0; i < sketches.length; i++) {
      sketches[i] = new Quantiles(s.sketchK());
    }
    seqMeanQ = new Quantiles(s.sketchK());
    seqSumQ = new Quantiles(s.sketchK());
    for (int i = 0; i < s.sliceCount(); i++) {
      slices.add(new HashMap<>());
    }
    worst = new WorstExamples(s.worstK());
    target = new TargetFigures(s.sketchK());
  }

  private static Bucket[] buckets(int n) {
    Bucket[] b = new Bucket[n];
    for (int i = 0; i < n; i++) {
      b[i] = new Bucket();
    }
    return b;
  }

  static int positionBucket(int position) {
    int b = 0;
    while (b < POSITION_EDGES.length && position >= POSITION_EDGES[b]) {
      b++;
    }
    return b;
  }

  static int entropyBucket(double h) {
    int b = 0;
    while (b < ENTROPY_EDGES.length && !(h < ENTROPY_EDGES[b])) {
      b++;
    }
    return b;
  }

  /** The slice groups of the current sequence's values, created when new. */
  Slice[] slicesOf(String[] values) {
    Slice[] out = new Slice[values.length];
    for (int i = 0; i < values.length; i++) {
      Map<String, Slice> m = slices.get(i);
      Slice g = m.get(values[i]);
      if (g == null) {
        g = new Slice(s);
        m.put(values[i], g);
      }
      out[i] = g;
    }
    return out;
  }

  /**
   * Adds one counted position: {@code f} holds the per-position figures by the indexes above (NaN
   * where unknown), {@code js} the JS lower bound (or exact value).
   */
  void addPosition(
      int position,
      double kl,
      double js,
      boolean agreed,
      long teacherTop1,
      double[] f,
      Slice[] sliceGroups) {
    if (settled) {
      throw new IllegalStateException("a settled part takes no more positions");
    }
    int bin = s.bin(kl);
    double agree = agreed ? 1.0 : 0.0;
    if (sliceGroups.length == 0) {
      tokens.add(s, kl, js, agree, bin);
    }
    for (int i = 0; i < FIGURES; i++) {
      if (!Double.isNaN(f[i])) {
        figures[i].add(f[i]);
      }
    }
    for (int i = 0; i < SKETCHED.length; i++) {
      double x = f[SKETCHED[i]];
      if (!Double.isNaN(x)) {
        sketches[i].add(x);
      }
    }
    double tail = Double.isNaN(f[TEACHER_TAIL]) ? 0 : f[TEACHER_TAIL];
    lastPositionBucket = positionBucket(position);
    byPosition[lastPositionBucket].add(kl, agreed, tail);
    lastEntropyBucket = -1;
    if (!Double.isNaN(f[TEACHER_ENTROPY])) {
      lastEntropyBucket = entropyBucket(f[TEACHER_ENTROPY]);
      byEntropy[lastEntropyBucket].add(kl, agreed, tail);
    }
    lastTokenSlot = byToken.add(teacherTop1, kl, agreed, tail);
    for (Slice g : sliceGroups) {
      g.tokens.add(s, kl, js, agree, bin);
    }
  }

  /**
   * Adds the target figures of the position {@link #addPosition} added last, over all positions and
   * in its slice values, buckets and token: the log-probabilities of the target (NaN when missing
   * on that side) and whether each model's top-1 is the target.
   */
  void addTarget(
      double teacherLp, double studentLp, boolean tHit, boolean sHit, Slice[] sliceGroups) {
    target.add(teacherLp, studentLp, tHit, sHit);
    // NaN when the target is missing on a side: the groups then count it as missing only
    double dp = Math.exp(studentLp) - Math.exp(teacherLp);
    byPositionTarget.add(lastPositionBucket, teacherLp, studentLp, dp, tHit, sHit);
    if (lastEntropyBucket >= 0) {
      byEntropyTarget.add(lastEntropyBucket, teacherLp, studentLp, dp, tHit, sHit);
    }
    byToken.addTarget(lastTokenSlot, teacherLp, studentLp, dp, tHit, sHit);
    for (Slice g : sliceGroups) {
      g.target.add(0, teacherLp, studentLp, dp, tHit, sHit);
    }
  }

  /**
   * Adds one matched sequence after its positions: {@code counted} positions (of {@code length})
   * with KL summing to {@code sum}; {@code first} is the first counted position whose top-1 tokens
   * differ, or -1, and {@code firstTokens} the teacher's and the student's top-1 ids there.
   */
  void addSequence(
      int length,
      int counted,
      double sum,
      double max,
      int first,
      long[] firstTokens,
      double tailSum,
      long agreed,
      Slice[] sliceGroups,
      Supplier<String> example) {
    sequences++;
    positions += length;
    maskedPositions += length - counted;
    if (counted == 0) {
      sequencesWithoutPositions++;
      return;
    }
    double mean = sum / counted;
    seqMean.add(mean);
    seqMeanQ.add(mean);
    seqSum.add(sum);
    seqSumQ.add(sum);
    seqMax.add(max);
    seqPositions.add(counted);
    if (first < 0) {
      sequencesWithoutDivergence++;
    } else {
      firstDivergence.add(first);
    }
    for (Slice g : sliceGroups) {
      g.seqMean.add(mean);
      g.seqMeanQ.add(mean);
    }
    if (worst.admits(mean)) {
      double[] fig = {
        sum,
        max,
        counted,
        first,
        tailSum / counted,
        (double) agreed / counted,
        first < 0 ? -1 : firstTokens[0],
        first < 0 ? -1 : firstTokens[1]
      };
      worst.offer(new WorstExamples.Entry(mean, example.get(), null, fig));
    }
  }

  @Override
  public int length() {
    return k;
  }

  @Override
  public long matched() {
    return sequences;
  }

  @Override
  public void settle() {
    if (!settled && !slices.isEmpty()) {
      for (Slice g : slices.get(0).values()) {
        tokens.merge(g.tokens);
      }
    }
    settled = true;
  }

  @Override
  public void merge(SequencePart o) {
    settle();
    o.settle();
    tokens.merge(o.tokens);
    for (int i = 0; i < FIGURES; i++) {
      figures[i].merge(o.figures[i]);
    }
    for (int i = 0; i < sketches.length; i++) {
      sketches[i].merge(o.sketches[i]);
    }
    top1OutsideStudent += o.top1OutsideStudent;
    maxTeacherK = Math.max(maxTeacherK, o.maxTeacherK);
    maxStudentK = Math.max(maxStudentK, o.maxStudentK);
    sequences += o.sequences;
    positions += o.positions;
    maskedPositions += o.maskedPositions;
    sequencesWithoutPositions += o.sequencesWithoutPositions;
    sequencesWithoutDivergence += o.sequencesWithoutDivergence;
    seqMean.merge(o.seqMean);
    seqMeanQ.merge(o.seqMeanQ);
    seqSum.merge(o.seqSum);
    seqSumQ.merge(o.seqSumQ);
    seqMax.merge(o.seqMax);
    seqPositions.merge(o.seqPositions);
    firstDivergence.merge(o.firstDivergence);
    for (int i = 0; i < byPosition.length; i++) {
      byPosition[i].merge(o.byPosition[i]);
    }
    for (int i = 0; i < byEntropy.length; i++) {
      byEntropy[i].merge(o.byEntropy[i]);
    }
    byToken.merge(o.byToken);
    for (int i = 0; i < slices.size(); i++) {
      Map<String, Slice> mine = slices.get(i);
      o.slices.get(i).forEach((v, g) -> mine.computeIfAbsent(v, x -> new Slice(s)).merge(g));
    }
    worst.merge(o.worst);
    target.merge(o.target);
    byPositionTarget.merge(o.byPositionTarget);
    byEntropyTarget.merge(o.byEntropyTarget);
    groupTargetsKnown &= o.groupTargetsKnown;
  }

  /**
   * Writes the part; its layout is the same in drift state formats 2 and 3, 4 adds the target
   * figures at the end, and 5 the target sums of each slice value (after its other figures), of
   * each token (after its sums) and of the buckets (at the end).
   */
  @Override
  public void write(DataOutput out, int version) throws IOException {
    settle();
    out.writeInt(k);
    tokens.write(out);
    for (Moments m : figures) {
      m.write(out);
    }
    for (Quantiles q : sketches) {
      q.write(out);
    }
    out.writeLong(top1OutsideStudent);
    out.writeInt(maxTeacherK);
    out.writeInt(maxStudentK);
    out.writeLong(sequences);
    out.writeLong(positions);
    out.writeLong(maskedPositions);
    out.writeLong(sequencesWithoutPositions);
    out.writeLong(sequencesWithoutDivergence);
    seqMean.write(out);
    seqMeanQ.write(out);
    seqSum.write(out);
    seqSumQ.write(out);
    seqMax.write(out);
    seqPositions.write(out);
    firstDivergence.write(out);
    for (Bucket b : byPosition) {
      b.write(out);
    }
    for (Bucket b : byEntropy) {
      b.write(out);
    }
    byToken.write(out, version);
    for (Map<String, Slice> m : slices) {
      out.writeInt(m.size());
      for (Map.Entry<String, Slice> e : m.entrySet()) {
        Codec.writeString(out, e.getKey());
        e.getValue().write(out, version);
      }
    }
    if (version >= 5) {
      worst.write(out);
    } else {
      // before format 5 a worst sequence had no tokens at its first divergence
      WorstExamples old = new WorstExamples(s.worstK());
      for (WorstExamples.Entry e : worst.sorted()) {
        double[] f = java.util.Arrays.copyOf(e.figures(), OLD_WORST_FIELDS);
        old.offer(new WorstExamples.Entry(e.kl(), e.json(), e.label(), f));
      }
      old.write(out);
    }
    if (version >= 4) {
      target.write(out);
    }
    if (version >= 5) {
      out.writeBoolean(groupTargetsKnown);
      byPositionTarget.write(out);
      byEntropyTarget.write(out);
    }
  }

  static SequencePart read(DataInput in, StateSettings s, int version) throws IOException {
    SequencePart p = new SequencePart(s, in.readInt());
    p.settled = true;
    p.tokens.merge(SliceGroup.read(in, s));
    for (Moments m : p.figures) {
      m.merge(Moments.read(in));
    }
    for (Quantiles q : p.sketches) {
      q.merge(Quantiles.read(in, s.sketchK()));
    }
    p.top1OutsideStudent = in.readLong();
    p.maxTeacherK = in.readInt();
    p.maxStudentK = in.readInt();
    p.sequences = in.readLong();
    p.positions = in.readLong();
    p.maskedPositions = in.readLong();
    p.sequencesWithoutPositions = in.readLong();
    p.sequencesWithoutDivergence = in.readLong();
    p.seqMean.merge(Moments.read(in));
    p.seqMeanQ.merge(Quantiles.read(in, s.sketchK()));
    p.seqSum.merge(Moments.read(in));
    p.seqSumQ.merge(Quantiles.read(in, s.sketchK()));
    p.seqMax.merge(Moments.read(in));
    p.seqPositions.merge(Moments.read(in));
    p.firstDivergence.merge(Moments.read(in));
    for (Bucket b : p.byPosition) {
      b.merge(Bucket.read(in));
    }
    for (Bucket b : p.byEntropy) {
      b.merge(Bucket.read(in));
    }
    p.byToken.merge(TokenTable.read(in, version));
    for (Map<String, Slice> m : p.slices) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        m.put(Codec.readString(in), Slice.read(in, s, version));
      }
    }
    WorstExamples worst = WorstExamples.read(in, s.worstK());
    for (WorstExamples.Entry e : worst.sorted()) {
      double[] f = e.figures();
      if (f.length == OLD_WORST_FIELDS) {
        // written before format 5: the tokens at the first divergence are unknown (null)
        f = java.util.Arrays.copyOf(f, WORST_FIELDS.length);
        java.util.Arrays.fill(f, OLD_WORST_FIELDS, f.length, -1);
      }
      p.worst.offer(new WorstExamples.Entry(e.kl(), e.json(), e.label(), f));
    }
    p.target.merge(
        version >= 4 ? TargetFigures.read(in, s.sketchK()) : TargetFigures.unknown(s.sketchK()));
    p.groupTargetsKnown = version >= 5 && in.readBoolean();
    if (version >= 5) {
      p.byPositionTarget.read(in);
      p.byEntropyTarget.read(in);
    }
    return p;
  }
}
