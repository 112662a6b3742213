package io.kldrift.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The mergeable drift state of one run (or of several days merged): what the pass over the joined
 * rows counted and accumulated, from which the whole report is finished. It follows the analyzer
 * contract of Deequ: a zero state, an update per joined row ({@link Updater}), an associative
 * {@link #merge}, and a finish ({@link Finisher}). Each run stores it in its report folder as
 * {@code drift-state.bin} (format in {@link #bytes}), so rollups merge daily states without reading
 * predictions again.
 */
public final class DriftState {
  /** "KLDS": the first four bytes of a serialized state. */
  static final int MAGIC = 0x4b4c4453;

  /**
   * Version of the binary layout. 3 added the KL of clipped cells (support violations), per part
   * and per class; 4 the target figures of the sequence layout (perplexity, Δp); 5 the target
   * figures per slice value, bucket and token. A reader also reads versions 2 to 4, where those
   * figures are unknown (so rollups over the days before them still merge), and refuses any other.
   */
  public static final int FORMAT_VERSION = 5;

  /** The oldest layout {@link #read} understands. */
  static final int OLDEST_READABLE_VERSION = 2;

  final StateHeader header;
  final StateSettings settings;
  final SideCounts teacher = new SideCounts();
  final SideCounts student = new SideCounts();

  /** The parts of the state's layout, by list length, with the overflow counts. */
  final Parts<?> parts;

  DriftState(StateHeader header) {
    this(header, newParts(header.settings().layout(), header.settings()));
  }

  private DriftState(StateHeader header, Parts<?> parts) {
    this.header = header;
    this.settings = header.settings();
    this.parts = parts;
  }

  private static <P extends StatePart<P>> Parts<P> newParts(Layout<P> layout, StateSettings s) {
    return new Parts<>(layout, s);
  }

  /** The parts, typed for {@code layout}, which must be the state's own. */
  <P extends StatePart<P>> Parts<P> parts(Layout<P> layout) {
    if (parts.layout != layout) {
      throw new IllegalStateException(
          "a state of the " + parts.layout + " layout read as " + layout);
    }
    @SuppressWarnings("unchecked")
    Parts<P> typed = (Parts<P>) parts;
    return typed;
  }

  /**
   * The configuration the state was computed with (its class names included), with {@code root} as
   * output.path: what a rollup finishes and checks the merged state with.
   */
  public io.kldrift.config.DriftConfig config(String root) {
    java.util.Map<String, String> text = new java.util.LinkedHashMap<>(header.config());
    text.put(io.kldrift.config.DriftConfig.OUTPUT_PATH.key(), root);
    return StateHeader.driftConfig(text, header.classNames());
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
    mergeParts(parts, o);
    TreeSet<String> dates = new TreeSet<>(header.dates());
    dates.addAll(o.header.dates());
    return withDates(new ArrayList<>(dates));
  }

  private static <P extends StatePart<P>> void mergeParts(Parts<P> mine, DriftState o) {
    mine.merge(o.parts(mine.layout));
  }

  /** This state labelled with other run dates (the header is the only thing that changes). */
  DriftState withDates(List<String> dates) {
    if (dates.equals(header.dates())) {
      return this;
    }
    DriftState d = new DriftState(header.withDates(dates), parts);
    d.teacher.merge(teacher);
    d.student.merge(student);
    return d;
  }

  /**
   * The serialized state: {@code KLDS}, the format version, the header (configuration text, class
   * names, key and slice columns, the example schema, run dates), then both sides' row counts, the
   * parts of each layout in {@link Layout#FORMAT_ORDER}, each as a count and the parts (only the
   * state's own layout has any): the example parts (per class count: moments, KLL sketches in
   * DataSketches' format, histograms, class vectors, groups, confusions, worst examples), the
   * sequence parts (per list length: token and sequence figures, buckets, tokens, slices, worst
   * sequences); then the overflow counts.
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
      for (Layout<?> layout : Layout.FORMAT_ORDER) {
        if (layout == parts.layout) {
          parts.writeParts(out, version);
        } else {
          out.writeInt(0);
        }
      }
      parts.writeOverflow(out);
      out.flush();
      return b.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("the drift state cannot be serialized", e);
    }
  }

  /** Reads a state written by {@link #bytes}; {@code source} names it in errors. */
  public static DriftState read(byte[] bytes, String source) {
    return read(bytes, source, null);
  }

  /**
   * Reads a state whose header may be {@code known}'s (but for the dates): then its settings are
   * taken as they are instead of parsed again from the configuration text.
   */
  static DriftState read(byte[] bytes, String source, StateHeader known) {
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
      DriftState s = new DriftState(StateHeader.read(in, known));
      s.teacher.merge(SideCounts.read(in));
      s.student.merge(SideCounts.read(in));
      for (Layout<?> layout : Layout.FORMAT_ORDER) {
        int count = in.readInt();
        if (count > 0 && layout != s.parts.layout) {
          throw new IOException(
              "it holds parts of the "
                  + layout
                  + " layout, but its configuration names the "
                  + s.parts.layout
                  + " layout");
        }
        s.parts.readParts(in, count, version);
      }
      s.parts.readOverflow(in);
      return s;
    } catch (IOException e) {
      throw EngineErrors.unreadableState(source, e.getMessage());
    }
  }
}
