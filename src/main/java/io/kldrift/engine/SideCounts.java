package io.kldrift.engine;

import io.kldrift.kernel.Divergences;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The row rules of one table as counted by the pass: rows per rule that does not depend on the
 * class count (null key, duplicate key, null or empty vector), and per vector length the rows by
 * kernel check code ({@link Divergences#check}). Which length is the class count, and so which rows
 * break rule wrong_length, is decided when the state is finished. Each count keeps the smallest
 * example key (JSON), so the example does not depend on partitioning.
 */
final class SideCounts {
  /** Length-independent rules, in judging order. */
  static final int NULL_KEY = 0, DUPLICATE = 1, NULL_VECTOR = 2, EMPTY = 3, FIXED_RULES = 4;

  /**
   * Sequence layout codes after the kernel's: lists that do not line up, and token ids that differ
   * from the teacher's.
   */
  static final int MISALIGNED = io.kldrift.input.PredictionInputs.MISALIGNED,
      TOKEN_MISMATCH = io.kldrift.input.PredictionInputs.TOKEN_MISMATCH;

  /** Check codes kept per length: the kernel's, OK .. NOT_NORMALIZED_BEYOND_BOUND, then ours. */
  static final int CODES = TOKEN_MISMATCH + 1;

  long rows;
  final long[] fixed = new long[FIXED_RULES];
  final String[] fixedExample = new String[FIXED_RULES];

  /** Duplicate rows by the number of copies of their key (rows / copies = keys). */
  final Map<Long, Long> duplicateCopies = new TreeMap<>();

  /** Per vector length: rows by check code and the smallest example per code. */
  final Map<Integer, ByLength> lengths = new TreeMap<>();

  /** Rows of one vector length. */
  static final class ByLength {
    final long[] codes = new long[CODES];
    final String[] examples = new String[CODES];

    long rows() {
      long n = 0;
      for (long c : codes) {
        n += c;
      }
      return n;
    }
  }

  void fixedRule(int rule, String example) {
    fixed[rule]++;
    fixedExample[rule] = smaller(fixedExample[rule], example);
  }

  void duplicate(long copies, String example) {
    fixedRule(DUPLICATE, example);
    duplicateCopies.merge(copies, 1L, Long::sum);
  }

  private int lastLength = -1;
  private ByLength last;

  /** The counts of one vector length (the last one asked for is kept at hand: rows repeat it). */
  ByLength length(int length) {
    if (length != lastLength) {
      last = lengths.computeIfAbsent(length, l -> new ByLength());
      lastLength = length;
    }
    return last;
  }

  /** Distinct keys that occur more than once. */
  long duplicateKeys() {
    long keys = 0;
    for (Map.Entry<Long, Long> e : duplicateCopies.entrySet()) {
      keys += e.getValue() / e.getKey();
    }
    return keys;
  }

  static String smaller(String a, String b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.compareTo(b) <= 0 ? a : b;
  }

  void merge(SideCounts o) {
    rows += o.rows;
    for (int i = 0; i < FIXED_RULES; i++) {
      fixed[i] += o.fixed[i];
      fixedExample[i] = smaller(fixedExample[i], o.fixedExample[i]);
    }
    o.duplicateCopies.forEach((k, v) -> duplicateCopies.merge(k, v, Long::sum));
    o.lengths.forEach(
        (len, b) -> {
          ByLength mine = length(len);
          for (int c = 0; c < CODES; c++) {
            mine.codes[c] += b.codes[c];
            mine.examples[c] = smaller(mine.examples[c], b.examples[c]);
          }
        });
  }

  void write(DataOutput out) throws IOException {
    out.writeLong(rows);
    Codec.writeLongs(out, fixed);
    for (String s : fixedExample) {
      Codec.writeString(out, s);
    }
    out.writeInt(duplicateCopies.size());
    for (Map.Entry<Long, Long> e : duplicateCopies.entrySet()) {
      out.writeLong(e.getKey());
      out.writeLong(e.getValue());
    }
    out.writeInt(lengths.size());
    for (Map.Entry<Integer, ByLength> e : lengths.entrySet()) {
      out.writeInt(e.getKey());
      Codec.writeLongs(out, e.getValue().codes);
      for (String s : e.getValue().examples) {
        Codec.writeString(out, s);
      }
    }
  }

  static SideCounts read(DataInput in) throws IOException {
    SideCounts s = new SideCounts();
    s.rows = in.readLong();
    Codec.addLongs(in, s.fixed);
    for (int i = 0; i < FIXED_RULES; i++) {
      s.fixedExample[i] = Codec.readString(in);
    }
    int d = in.readInt();
    for (int i = 0; i < d; i++) {
      s.duplicateCopies.put(in.readLong(), in.readLong());
    }
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      ByLength b = s.length(in.readInt());
      Codec.addLongs(in, b.codes);
      for (int c = 0; c < CODES; c++) {
        b.examples[c] = Codec.readString(in);
      }
    }
    return s;
  }
}
