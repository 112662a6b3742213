package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** The examples of one label value: KL (mean and p95 sketch) and both models' accuracy. */
final class LabelGroup {
  final Moments kl = new Moments();
  final Quantiles klQ;
  long teacherCorrect;
  long studentCorrect;

  LabelGroup(int k) {
    klQ = new Quantiles(k);
  }

  void add(double klValue, boolean teacherRight, boolean studentRight) {
    kl.add(klValue);
    klQ.add(klValue);
    teacherCorrect += teacherRight ? 1 : 0;
    studentCorrect += studentRight ? 1 : 0;
  }

  void merge(LabelGroup o) {
    kl.merge(o.kl);
    klQ.merge(o.klQ);
    teacherCorrect += o.teacherCorrect;
    studentCorrect += o.studentCorrect;
  }

  void write(DataOutput out) throws IOException {
    kl.write(out);
    klQ.write(out);
    out.writeLong(teacherCorrect);
    out.writeLong(studentCorrect);
  }

  static LabelGroup read(DataInput in, int k) throws IOException {
    LabelGroup g = new LabelGroup(k);
    g.kl.merge(Moments.read(in));
    g.klQ.merge(Quantiles.read(in, k));
    g.teacherCorrect = in.readLong();
    g.studentCorrect = in.readLong();
    return g;
  }
}
