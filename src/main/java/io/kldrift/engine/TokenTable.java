package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * KL, agreement and teacher tail mass summed per token id (the teacher's top-1): an open-addressing
 * table over primitive arrays, since every counted position updates it (a boxed map cost 3% of the
 * pass and allocated per token).
 */
final class TokenTable {
  private long[] ids = new long[1024];
  private boolean[] used = new boolean[1024];
  private long[] n = new long[1024];
  private double[] kl = new double[1024];
  private long[] agree = new long[1024];
  private double[] tail = new double[1024];
  private int size;

  /** Something that takes one token's sums, in {@link #forEach}. */
  interface Visitor {
    void visit(long id, long n, double kl, long agree, double tail);
  }

  int size() {
    return size;
  }

  void add(long id, double klValue, boolean agreed, double tailMass) {
    add(id, 1, klValue, agreed ? 1 : 0, tailMass);
  }

  void add(long id, long count, double klSum, long agreed, double tailSum) {
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
  }

  void forEach(Visitor v) {
    for (int i = 0; i < ids.length; i++) {
      if (used[i]) {
        v.visit(ids[i], n[i], kl[i], agree[i], tail[i]);
      }
    }
  }

  void merge(TokenTable o) {
    o.forEach(this::add);
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(size);
    forEach(
        (id, c, k, a, t) -> {
          try {
            out.writeLong(id);
            out.writeLong(c);
            out.writeDouble(k);
            out.writeLong(a);
            out.writeDouble(t);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  static TokenTable read(DataInput in) throws IOException {
    TokenTable t = new TokenTable();
    int count = in.readInt();
    for (int i = 0; i < count; i++) {
      t.add(in.readLong(), in.readLong(), in.readDouble(), in.readLong(), in.readDouble());
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
    int cap = oIds.length * 2;
    ids = new long[cap];
    used = new boolean[cap];
    n = new long[cap];
    kl = new double[cap];
    agree = new long[cap];
    tail = new double[cap];
    for (int j = 0; j < oIds.length; j++) {
      if (oUsed[j]) {
        int i = slot(oIds[j]);
        used[i] = true;
        ids[i] = oIds[j];
        n[i] = oN[j];
        kl[i] = oKl[j];
        agree[i] = oAgree[j];
        tail[i] = oTail[j];
      }
    }
  }
}
