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
    long count;
    double klSum;
  }

  final Map<Long, Cell> cells = new HashMap<>();

  void add(int teacher, int student, double kl) {
    Cell c = cells.computeIfAbsent(key(teacher, student), x -> new Cell());
    c.count++;
    c.klSum += kl;
  }

  void merge(Confusions o) {
    o.cells.forEach(
        (k, v) -> {
          Cell c = cells.computeIfAbsent(k, x -> new Cell());
          c.count += v.count;
          c.klSum += v.klSum;
        });
  }

  /** One pair, for the report. */
  record Pair(int teacher, int student, long count, double meanKl) {}

  /** The {@code limit} most frequent pairs, most frequent first, ties by class indexes. */
  List<Pair> top(int limit) {
    List<Pair> all = new ArrayList<>();
    cells.forEach(
        (k, v) -> all.add(new Pair((int) (k >>> 32), (int) (long) k, v.count, v.klSum / v.count)));
    all.sort(
        java.util.Comparator.comparingLong((Pair p) -> -p.count())
            .thenComparingInt(Pair::teacher)
            .thenComparingInt(Pair::student));
    return all.subList(0, Math.min(limit, all.size()));
  }

  private static long key(int teacher, int student) {
    return ((long) teacher << 32) | (student & 0xffffffffL);
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(cells.size());
    for (Map.Entry<Long, Cell> e : cells.entrySet()) {
      out.writeLong(e.getKey());
      out.writeLong(e.getValue().count);
      out.writeDouble(e.getValue().klSum);
    }
  }

  static Confusions read(DataInput in) throws IOException {
    Confusions c = new Confusions();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      Cell cell = new Cell();
      long k = in.readLong();
      cell.count = in.readLong();
      cell.klSum = in.readDouble();
      c.cells.put(k, cell);
    }
    return c;
  }
}
