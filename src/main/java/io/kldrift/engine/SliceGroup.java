package io.kldrift.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The state of one slice value (and of the whole run): KL with its sketch, histogram and
 * share-above counts, JS with its sketch, and agreement.
 */
final class SliceGroup {
  final Moments kl = new Moments();
  final Quantiles klQ;
  final Moments js = new Moments();
  final Quantiles jsQ;
  final Moments agreement = new Moments();
  final long[] histogram;
  final long[] above;

  SliceGroup(StateSettings s) {
    this(s.sketchK(), s.bins(), s.levels().length);
  }

  private SliceGroup(int k, int bins, int levels) {
    klQ = new Quantiles(k);
    jsQ = new Quantiles(k);
    histogram = new long[bins];
    above = new long[levels];
  }

  void add(StateSettings s, double klValue, double jsValue, double agree) {
    add(s, klValue, jsValue, agree, s.bin(klValue));
  }

  /** Like {@link #add(StateSettings, double, double, double)} with the histogram bin known. */
  void add(StateSettings s, double klValue, double jsValue, double agree, int bin) {
    kl.add(klValue);
    klQ.add(klValue);
    js.add(jsValue);
    jsQ.add(jsValue);
    agreement.add(agree);
    histogram[bin]++;
    double[] levels = s.levels();
    for (int i = 0; i < levels.length; i++) {
      if (klValue > levels[i]) {
        above[i]++;
      }
    }
  }

  void merge(SliceGroup o) {
    kl.merge(o.kl);
    klQ.merge(o.klQ);
    js.merge(o.js);
    jsQ.merge(o.jsQ);
    agreement.merge(o.agreement);
    for (int i = 0; i < histogram.length; i++) {
      histogram[i] += o.histogram[i];
    }
    for (int i = 0; i < above.length; i++) {
      above[i] += o.above[i];
    }
  }

  void write(DataOutput out) throws IOException {
    kl.write(out);
    klQ.write(out);
    js.write(out);
    jsQ.write(out);
    agreement.write(out);
    Codec.writeLongs(out, histogram);
    Codec.writeLongs(out, above);
  }

  static SliceGroup read(DataInput in, StateSettings s) throws IOException {
    SliceGroup g = new SliceGroup(s);
    g.kl.merge(Moments.read(in));
    g.klQ.merge(Quantiles.read(in, s.sketchK()));
    g.js.merge(Moments.read(in));
    g.jsQ.merge(Quantiles.read(in, s.sketchK()));
    g.agreement.merge(Moments.read(in));
    Codec.addLongs(in, g.histogram);
    Codec.addLongs(in, g.above);
    return g;
  }
}
