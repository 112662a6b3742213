package io.kldrift.engine;

import io.kldrift.config.DriftConfig;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a drift state was computed with and over: the configuration (as text, checks included), the
 * class names, key and slice columns, the Spark schema (JSON) of the key and slice columns that
 * worst examples carry, whether a label was present, and the run dates merged into it. It also
 * carries the typed {@link StateSettings} the update, merge and finish use, parsed once: from the
 * configuration on the driver, or from the text when a stored state is read.
 */
record StateHeader(
    Map<String, String> config,
    List<String> classNames,
    List<String> keyColumns,
    List<String> sliceColumns,
    String exampleSchema,
    boolean hasLabel,
    List<String> dates,
    StateSettings settings)
    implements java.io.Serializable {

  /** Settings that must agree for two states to merge. */
  private static final List<String> MUST_AGREE =
      List.of(
          DriftConfig.TEACHER_KIND.key(),
          DriftConfig.STUDENT_KIND.key(),
          DriftConfig.TEMPERATURE.key(),
          DriftConfig.EPSILON.key(),
          DriftConfig.KEY_COLUMNS.key(),
          DriftConfig.SLICE_COLUMNS.key(),
          DriftConfig.KL_LEVELS.key(),
          DriftConfig.HISTOGRAM_MIN.key(),
          DriftConfig.HISTOGRAM_MAX.key(),
          DriftConfig.HISTOGRAM_BINS_PER_DECADE.key(),
          DriftConfig.SKETCH_K.key());

  static StateHeader of(
      DriftConfig config,
      List<String> sliceColumns,
      String exampleSchema,
      boolean hasLabel,
      String runDate) {
    return new StateHeader(
        new LinkedHashMap<>(config.asText()),
        config.get(DriftConfig.CLASS_NAMES),
        config.get(DriftConfig.KEY_COLUMNS),
        sliceColumns,
        exampleSchema,
        hasLabel,
        List.of(runDate),
        StateSettings.of(config, sliceColumns.size(), hasLabel));
  }

  /** The configuration rebuilt from stored text, with the stored class names. */
  static DriftConfig driftConfig(Map<String, String> config, List<String> classNames) {
    DriftConfig.Builder b = DriftConfig.builder();
    config.forEach(
        (k, v) -> {
          if (!k.equals(DriftConfig.CLASS_NAMES.key())
              && !k.equals(DriftConfig.CLASS_NAMES_FILE.key())) {
            b.set(k, v);
          }
        });
    return b.classNames(classNames).build();
  }

  StateHeader withDates(List<String> newDates) {
    return new StateHeader(
        config, classNames, keyColumns, sliceColumns, exampleSchema, hasLabel, newDates, settings);
  }

  void requireCompatible(StateHeader o) {
    if (settings.layout() != o.settings.layout()) {
      throw EngineErrors.layoutsDiffer(o.dates, dates, o.settings.layout(), settings.layout());
    }
    for (String k : MUST_AGREE) {
      String a = config.get(k);
      String b = o.config.get(k);
      if (a == null ? b != null : !a.equals(b)) {
        throw EngineErrors.settingsDiffer(o.dates, dates, k, b, a);
      }
    }
    if (!classNames.equals(o.classNames) || hasLabel != o.hasLabel) {
      throw EngineErrors.classesDiffer(o.dates, dates);
    }
  }

  void write(DataOutput out) throws IOException {
    out.writeInt(config.size());
    for (Map.Entry<String, String> e : config.entrySet()) {
      Codec.writeString(out, e.getKey());
      Codec.writeString(out, e.getValue());
    }
    writeList(out, classNames);
    writeList(out, keyColumns);
    writeList(out, sliceColumns);
    Codec.writeString(out, exampleSchema);
    out.writeBoolean(hasLabel);
    writeList(out, dates);
  }

  /**
   * Reads a header; its settings are {@code known}'s when the configuration, class names, slice
   * columns and label agree with it (a partition's state of this run), else parsed from the text.
   */
  static StateHeader read(DataInput in, StateHeader known) throws IOException {
    int n = in.readInt();
    Map<String, String> config = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      config.put(Codec.readString(in), Codec.readString(in));
    }
    List<String> classNames = readList(in);
    List<String> keyColumns = readList(in);
    List<String> sliceColumns = readList(in);
    String exampleSchema = Codec.readString(in);
    boolean hasLabel = in.readBoolean();
    List<String> dates = readList(in);
    StateSettings settings =
        known != null
                && known.config.equals(config)
                && known.classNames.equals(classNames)
                && known.sliceColumns.equals(sliceColumns)
                && known.hasLabel == hasLabel
            ? known.settings
            : StateSettings.of(driftConfig(config, classNames), sliceColumns.size(), hasLabel);
    return new StateHeader(
        config, classNames, keyColumns, sliceColumns, exampleSchema, hasLabel, dates, settings);
  }

  private static void writeList(DataOutput out, List<String> l) throws IOException {
    out.writeInt(l.size());
    for (String s : l) {
      Codec.writeString(out, s);
    }
  }

  private static List<String> readList(DataInput in) throws IOException {
    int n = in.readInt();
    List<String> l = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      l.add(Codec.readString(in));
    }
    return List.copyOf(l);
  }
}
