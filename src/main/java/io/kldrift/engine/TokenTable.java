package io.kldrift.engine;

import io.kldrift.summary.Summary;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * KL, agreement and teacher tail mass summed per token id (the teacher's top-1), and the target
 * figures' sums of the same positions: an open-addressing table over primitive arrays, since every
 * counted position updates it (a boxed map cost 3% of the pass and allocated per token).
 */
final class TokenTable {
  private long[] ids;
  private boolean[] used;
  private long[] n;
  private double[] kl;
  private long[] agree;
  private double[] tail;
  private TargetSums target;
  private int size;

  /** Whether a target was added (only then are the target sums written). */
  private boolean targets;

  TokenTable() {
    this(1024);
  }

  /** A table with room for {@code tokens} ids before it grows (a power of two, at least 2×). */
  private TokenTable(int tokens) {
    allocate(
        Math.max(1024, Integer.highestOneBit(Math.min(Math.max(1, tokens), 1 << 28) * 2 - 1) << 1));
  }

  private void allocate(int cap) {
    ids = new long[cap];
    used = new boolean[cap];
    n = new long[cap];
    kl = new double[cap];
    agree = new long[cap];
    tail = new double[cap];
    target = new TargetSums(cap);
  }

  /** Something that takes one token's sums, in {@link #forEach}. */
  interface Visitor {
    void visit(long id, long n, double kl, long agree, double tail);
  }

  int size() {
    return size;
  }

  /** Adds one position; returns the token's slot, valid until the next add. */
  int add(long id, double klValue, boolean agreed, double tailMass) {
    return add(id, 1, klValue, agreed ? 1 : 0, tailMass);
  }

  /** Adds the target figures of the position last added to {@code slot}. */
  void addTarget(
      int slot, double teacherLp, double studentLp, double dp, boolean tHit, boolean sHit) {
    targets = true;
    target.add(slot, teacherLp, studentLp, dp, tHit, sHit);
  }

  /** The target figures of the token in {@code slot}, as {@link #forEach} gives it. */
  Summary.TargetGroup target(int slot) {
    return target.figures(slot);
  }

  int add(long id, long count, double klSum, long agreed, double tailSum) {
    int i = slot(id);
    if (!used[i]) {
      used[i] = true;
      ids[i] = id;
      if (++size * 2 > ids.length) {
        grow();
        i = slot(id);
      }
    }
    n[i] += count;
    kl[i] += klSum;
    agree[i] += agreed;
    tail[i] += tailSum;
    return i;
  }

  void forEach(Visitor v) {
    for (int i = 0; i < ids.length; i++) {
      if (used[i]) {
        v.visit(ids[i], n[i], kl[i], agree[i], tail[i]);
      }
    }
  }

  /** Each token's slot, for {@link #target(int)} next to {@link #forEach}'s sums. */
  int slotOf(long id) {
    return slot(id);
  }

  void merge(TokenTable o) {
    targets |= o.targets;
    for (int j = 0; j < o.ids.length; j++) {
      if (o.used[j]) {
        int i = add(o.ids[j], o.n[j], o.kl[j], o.agree[j], o.tail[j]);
        if (o.targets) {
          target.add(i, o.target, j);
        }
      }
    }
  }

  /**
   * Writes the table: per token its id and sums; from drift state format 5 a flag saying whether
   * the target sums follow each token.
   */
  void write(DataOutput out, int version) throws IOException {
    out.writeInt(size);
    boolean withTargets = version >= 5 && targets;
    if (version >= 5) {
      out.writeBoolean(withTargets);
    }
    for (int i = 0; i < ids.length; i++) {
      if (used[i]) {
        out.writeLong(ids[i]);
        out.writeLong(n[i]);
        out.writeDouble(kl[i]);
        out.writeLong(agree[i]);
        out.writeDouble(tail[i]);
        if (withTargets) {
          target.write(i, out);
        }
      }
    }
  }

  static TokenTable read(DataInput in, int version) throws IOException {
    int count = in.readInt();
    TokenTable t = new TokenTable(count);
    t.targets = version >= 5 && in.readBoolean();
    for (int i = 0; i < count; i++) {
      int slot =
          t.add(in.readLong(), in.readLong(), in.readDouble(), in.readLong(), in.readDouble());
      if (t.targets) {
        t.target.read(slot, in);
      }
    }
    return t;
  }

  private int slot(long id) {
    int mask = ids.length - 1;
    int i = (int) (mix(id) & mask);
    while (used[i] && ids[i] != id) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private static long mix(long x) {
    x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
    return x ^ (x >>> 33);
  }

  private void grow() {
    long[] oIds = ids;
    boolean[] oUsed = used;
    long[] oN = n;
    double[] oKl = kl;
    long[] oAgree = agree;
    double[] oTail = tail;
    TargetSums oTarget = target;
    allocate(oIds.length * 2);
    for (int j = 0; j < oIds.length; j++) {
      if (oUsed[j]) {
        int i = slot(oIds[j]);
        used[i] = true;
        ids[i] = oIds[j];
        n[i] = oN[j];
        kl[i] = oKl[j];
        agree[i] = oAgree[j];
        tail[i] = oTail[j];
        target.add(i, oTarget, j);
      }
    }
  }
}
