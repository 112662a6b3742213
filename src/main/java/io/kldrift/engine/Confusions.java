package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts and KL sums of every (teacher top-1, student top-1) pair that disagrees. At most one entry
 * per pair seen, so its size is bounded by min(rows, C²).
 */
final class Confusions {
  /** A pair's count and KL sum. */
  static final class Cell {
    final int teacher;
    final int student;
    long count;
    double klSum;

    Cell(int teacher, int student) {
      this.teacher = teacher;
      this.student = student;
    }
  }

  /**
   * Cells by a bijective mix of the packed pair: Long's own hash (high XOR low) would put every
   * pair with the same teacher XOR student into one bucket.
   */
  final Map<Long, Cell> cells = new HashMap<>();

  void add(int teacher, int student, double kl) {
    Cell c = cell(teacher, student);
    c.count++;
    c.klSum += kl;
  }

  private Cell cell(int teacher, int student) {
    Long k = key(teacher, student);
    Cell c = cells.get(k);
    if (c == null) {
      c = new Cell(teacher, student);
      cells.put(k, c);
    }
    return c;
  }

  void merge(Confusions o) {
    for (Cell v : o.cells.values()) {
      Cell c = cell(v.teacher, v.student);
      c.count += v.count;
      c.klSum += v.klSum;
    }
  }

  /** One pair, for the report. */
  record Pair(int teacher, int student, long count, double meanKl) {}

  /** The {@code limit} most frequent pairs, most frequent first, ties by class indexes. */
  List<Pair> top(int limit) {
    List<Pair> all = new ArrayList<>();
    for (Cell c : cells.values()) {
      all.add(new Pair(c.teacher, c.student, c.count, c.klSum / c.count));
    }
    all.sort(
        java.util.Comparator.comparingLong((Pair p) -> -p.count())
            .thenComparingInt(Pair::teacher)
            .thenComparingInt(Pair::student));
    return all.subList(0, Math.min(limit, all.size()));
  }

  /** The splitmix64 finalizer of the packed pair: bijective, so distinct pairs never collide. */
  private static long key(int teacher, int student) {
    long x = ((long) teacher << 32) | (student & 0xffffffffL);
    x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
    x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
    return x ^ (x >>> 31);
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(cells.size());
    for (Cell c : cells.values()) {
      out.writeInt(c.teacher);
      out.writeInt(c.student);
      out.writeLong(c.count);
      out.writeDouble(c.klSum);
    }
  }

  static Confusions read(DataInput in) throws IOException {
    Confusions c = new Confusions();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      Cell cell = c.cell(in.readInt(), in.readInt());
      cell.count += in.readLong();
      cell.klSum += in.readDouble();
    }
    return c;
  }
}
