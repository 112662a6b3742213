package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state parts of one layout, by list length, and the matched pairs of lengths that found no
 * room for a part (at most {@link #MAX_PARTS} parts per state, so that rows of arbitrary lengths
 * cannot grow the state without bound).
 */
final class Parts<P extends StatePart<P>> {
  /** Largest number of distinct list lengths with their own part, per state. */
  static final int MAX_PARTS = 64;

  final Layout<P> layout;
  private final StateSettings settings;
  private final Map<Integer, P> byLength = new TreeMap<>();

  /** Matched pairs of list lengths that found no room for a part, by length. */
  final Map<Integer, Long> overflow = new TreeMap<>();

  Parts(Layout<P> layout, StateSettings settings) {
    this.layout = layout;
    this.settings = settings;
  }

  /**
   * The part of list length {@code length} for one more matched pair, created when there is room;
   * null (and the pair counted as overflow) otherwise.
   */
  P forPair(int length) {
    P p = room(length);
    if (p == null) {
      overflow.merge(length, 1L, Long::sum);
    }
    return p;
  }

  /** The part of list length {@code length} to finish: the one accumulated, or a zero part. */
  P toFinish(int length) {
    P p = byLength.get(length);
    if (p == null) {
      return layout.newPart(settings, length);
    }
    p.settle();
    return p;
  }

  private P room(int length) {
    P p = byLength.get(length);
    if (p == null && byLength.size() < MAX_PARTS) {
      p = layout.newPart(settings, length);
      byLength.put(length, p);
    }
    return p;
  }

  void merge(Parts<P> o) {
    o.byLength.forEach(
        (length, p) -> {
          P mine = room(length);
          if (mine == null) {
            overflow.merge(length, p.matched(), Long::sum);
          } else {
            mine.merge(p);
          }
        });
    o.overflow.forEach((length, n) -> overflow.merge(length, n, Long::sum));
  }

  void writeParts(DataOutput out, int version) throws IOException {
    out.writeInt(byLength.size());
    for (P p : byLength.values()) {
      p.write(out, version);
    }
  }

  void readParts(DataInput in, int count, int version) throws IOException {
    for (int i = 0; i < count; i++) {
      P p = layout.readPart(in, settings, version);
      byLength.put(p.length(), p);
    }
  }

  void writeOverflow(DataOutput out) throws IOException {
    out.writeInt(overflow.size());
    for (Map.Entry<Integer, Long> e : overflow.entrySet()) {
      out.writeInt(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  void readOverflow(DataInput in) throws IOException {
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      overflow.put(in.readInt(), in.readLong());
    }
  }
}
