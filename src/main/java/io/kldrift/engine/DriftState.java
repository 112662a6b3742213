package io.kldrift.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The mergeable drift state of one run (or of several days merged): what the pass over the joined
 * rows counted and accumulated, from which the whole report is finished. It follows the analyzer
 * contract of Deequ: a zero state, an update per joined row ({@link StateUpdater}), an associative
 * {@link #merge}, and a finish ({@link Finisher}). Each run stores it in its report folder as
 * {@code drift-state.bin} (format in {@link #bytes}), so rollups merge daily states without reading
 * predictions again.
 */
public final class DriftState {
  /** "KLDS": the first four bytes of a serialized state. */
  static final int MAGIC = 0x4b4c4453;

  /**
   * Version of the binary layout. 3 added the KL of clipped cells (support violations), per part
   * and per class; a reader also reads version 2, where that KL is unknown (so rollups over the
   * days before it still merge), and refuses any other.
   */
  public static final int FORMAT_VERSION = 3;

  /** The oldest layout {@link #read} understands. */
  static final int OLDEST_READABLE_VERSION = 2;

  /** Largest number of distinct class counts with their own metric parts, per state. */
  static final int MAX_PARTS = 64;

  final StateHeader header;
  final StateSettings settings;
  final SideCounts teacher = new SideCounts();
  final SideCounts student = new SideCounts();
  final Map<Integer, Part> parts = new TreeMap<>();

  /** Sequence layout: per list length (k, or the vocabulary when dense), the metric part. */
  final Map<Integer, SeqPart> seqParts = new TreeMap<>();

  /** Matched valid pairs of class counts that found no room for a part, by class count. */
  final Map<Integer, Long> overflow = new TreeMap<>();

  DriftState(StateHeader header) {
    this.header = header;
    this.settings = header.settings();
  }

  /** The part of class count {@code classes}, created when there is room; null otherwise. */
  Part part(int classes) {
    Part p = parts.get(classes);
    if (p == null && parts.size() < MAX_PARTS) {
      p = new Part(settings, classes);
      parts.put(classes, p);
    }
    return p;
  }

  /** The sequence part of list length {@code k}, created when there is room; null otherwise. */
  SeqPart seqPart(int k) {
    SeqPart p = seqParts.get(k);
    if (p == null && seqParts.size() < MAX_PARTS) {
      p = new SeqPart(settings, k);
      seqParts.put(k, p);
    }
    return p;
  }

  /**
   * The configuration the state was computed with (its class names included), with {@code root} as
   * output.path: what a rollup finishes and checks the merged state with.
   */
  public io.kldrift.DriftConfig config(String root) {
    java.util.Map<String, String> text = new java.util.LinkedHashMap<>(header.config());
    text.put(io.kldrift.DriftConfig.OUTPUT_PATH.key(), root);
    return new StateHeader(
            text,
            header.classNames(),
            header.keyColumns(),
            header.sliceColumns(),
            header.exampleSchema(),
            header.hasLabel(),
            header.dates())
        .driftConfig();
  }

  /** Whether the inputs had a label column. */
  public boolean hasLabel() {
    return header.hasLabel();
  }

  /** The slice columns the state is grouped by. */
  public List<String> sliceColumns() {
    return header.sliceColumns();
  }

  /** The run dates whose states this one holds. */
  public List<String> dates() {
    return header.dates();
  }

  /** Adds another state of the same layout into this one (the other is left unusable). */
  public DriftState merge(DriftState o) {
    header.requireCompatible(o.header);
    teacher.merge(o.teacher);
    student.merge(o.student);
    o.parts.forEach(
        (c, p) -> {
          Part mine = part(c);
          if (mine == null) {
            overflow.merge(c, p.matched(), Long::sum);
          } else {
            mine.merge(p);
          }
        });
    o.seqParts.forEach(
        (c, p) -> {
          SeqPart mine = seqPart(c);
          if (mine == null) {
            overflow.merge(c, p.matched(), Long::sum);
          } else {
            mine.merge(p);
          }
        });
    o.overflow.forEach((c, n) -> overflow.merge(c, n, Long::sum));
    TreeSet<String> dates = new TreeSet<>(header.dates());
    dates.addAll(o.header.dates());
    return withDates(new ArrayList<>(dates));
  }

  /** This state labelled with other run dates (the header is the only thing that changes). */
  DriftState withDates(List<String> dates) {
    if (dates.equals(header.dates())) {
      return this;
    }
    DriftState d = new DriftState(header.withDates(dates));
    d.teacher.merge(teacher);
    d.student.merge(student);
    d.parts.putAll(parts);
    d.seqParts.putAll(seqParts);
    d.overflow.putAll(overflow);
    return d;
  }

  /**
   * The serialized state: {@code KLDS}, the format version, the header (configuration text, class
   * names, key and slice columns, the example schema, run dates), then both sides' row counts, the
   * parts (per class count: moments, KLL sketches in DataSketches' format, histograms, class
   * vectors, groups, confusions, worst examples), the sequence parts (per list length: token and
   * sequence figures, buckets, tokens, slices, worst sequences) and the overflow counts.
   */
  public byte[] bytes() {
    return bytes(FORMAT_VERSION);
  }

  /**
   * The state in layout {@code version}: {@link #FORMAT_VERSION}, or 2 (without the KL of clipped
   * cells) for tests that older states stay readable.
   */
  byte[] bytes(int version) {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(b);
      out.writeInt(MAGIC);
      out.writeInt(version);
      header.write(out);
      teacher.write(out);
      student.write(out);
      out.writeInt(parts.size());
      for (Part p : parts.values()) {
        p.write(out, version);
      }
      out.writeInt(seqParts.size());
      for (SeqPart p : seqParts.values()) {
        p.write(out);
      }
      out.writeInt(overflow.size());
      for (Map.Entry<Integer, Long> e : overflow.entrySet()) {
        out.writeInt(e.getKey());
        out.writeLong(e.getValue());
      }
      out.flush();
      return b.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("the drift state cannot be serialized", e);
    }
  }

  /** Reads a state written by {@link #bytes}; {@code source} names it in errors. */
  public static DriftState read(byte[] bytes, String source) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (bytes.length < 8 || in.readInt() != MAGIC) {
        throw new IOException("not a kldrift drift state");
      }
      int version = in.readInt();
      if (version < OLDEST_READABLE_VERSION || version > FORMAT_VERSION) {
        throw new IOException(
            "drift state format version "
                + version
                + ", this kldrift reads versions "
                + OLDEST_READABLE_VERSION
                + " to "
                + FORMAT_VERSION);
      }
      DriftState s = new DriftState(StateHeader.read(in));
      s.teacher.merge(SideCounts.read(in));
      s.student.merge(SideCounts.read(in));
      int parts = in.readInt();
      for (int i = 0; i < parts; i++) {
        Part p = Part.read(in, s.settings, version);
        s.parts.put(p.classes, p);
      }
      int seqParts = in.readInt();
      for (int i = 0; i < seqParts; i++) {
        SeqPart p = SeqPart.read(in, s.settings);
        s.seqParts.put(p.k, p);
      }
      int overflow = in.readInt();
      for (int i = 0; i < overflow; i++) {
        s.overflow.put(in.readInt(), in.readLong());
      }
      return s;
    } catch (IOException e) {
      throw io.kldrift.DriftException.invalidInput(
          source + " cannot be read as a drift state: " + e.getMessage(),
          "rerun the day's report with this kldrift version, or leave the day out of the rollup");
    }
  }
}
