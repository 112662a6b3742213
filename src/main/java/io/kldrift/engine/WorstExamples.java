package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The K examples with the highest KL: a bounded heap whose order is KL, then the example's key (as
 * JSON), so that the kept set does not depend on how the rows were partitioned.
 */
final class WorstExamples {
  /**
   * One example: its KL, the JSON of its key and slice columns, its label and the other figures of
   * {@link #FIELDS}.
   */
  record Entry(double kl, String json, Integer label, double[] figures) {}

  /** The figures an entry carries besides KL, in this order (worst_examples/ columns). */
  static final String[] FIELDS = {
    "reverse_kl",
    "js",
    "cross_entropy",
    "teacher_entropy",
    "teacher_top1",
    "student_top1",
    "teacher_confidence",
    "student_confidence",
    "support_violations"
  };

  /** Best first: higher KL, then the smaller key. */
  static final Comparator<Entry> ORDER =
      Comparator.comparingDouble(Entry::kl).reversed().thenComparing(Entry::json);

  private final int k;
  private final PriorityQueue<Entry> heap;

  WorstExamples(int k) {
    this.k = k;
    this.heap = new PriorityQueue<>(Math.max(1, k), ORDER.reversed());
  }

  /** Whether an example with this KL could enter (its key is needed only then). */
  boolean admits(double kl) {
    return k > 0 && (heap.size() < k || kl >= heap.peek().kl());
  }

  void offer(Entry e) {
    if (k == 0) {
      return;
    }
    if (heap.size() < k) {
      heap.add(e);
    } else if (ORDER.compare(e, heap.peek()) < 0) {
      heap.poll();
      heap.add(e);
    }
  }

  void merge(WorstExamples o) {
    o.heap.forEach(this::offer);
  }

  /** The kept examples, worst first. */
  List<Entry> sorted() {
    List<Entry> l = new ArrayList<>(heap);
    l.sort(ORDER);
    return l;
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(heap.size());
    for (Entry e : heap) {
      out.writeDouble(e.kl());
      Codec.writeString(out, e.json());
      out.writeBoolean(e.label() != null);
      if (e.label() != null) {
        out.writeInt(e.label());
      }
      Codec.writeDoubles(out, e.figures());
    }
  }

  static WorstExamples read(DataInput in, int k) throws IOException {
    WorstExamples w = new WorstExamples(k);
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      double kl = in.readDouble();
      String json = Codec.readString(in);
      Integer label = in.readBoolean() ? in.readInt() : null;
      w.offer(new Entry(kl, json, label, Codec.readDoubles(in)));
    }
    return w;
  }
}
