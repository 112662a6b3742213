package io.kldrift.engine;

import io.kldrift.DriftException;
import io.kldrift.config.DriftConfig;
import java.util.List;
import java.util.Locale;

/**
 * The engine's errors, one method per error: sweeps without logits, states that cannot be read or
 * merged, and class counts beyond a task's memory; a call site passes only the facts.
 */
final class EngineErrors {
  private EngineErrors() {}

  /** A temperature sweep while neither side holds logits. */
  static DriftException sweepWithoutLogits() {
    return DriftException.invalidConfig(
        "a temperature sweep needs logits, but both input.teacher.kind and input.student.kind are not logits",
        "set input.teacher.kind=logits and/or input.student.kind=logits");
  }

  /** A temperature sweep with no temperature. */
  static DriftException noTemperatures() {
    return DriftException.invalidConfig(
        "no temperatures given", "pass one or more positive temperatures");
  }

  /** A sweep temperature that is not a positive finite number. */
  static DriftException temperatureNotPositive(double t) {
    return DriftException.invalidConfig(
        "temperature " + t + " is not positive", "pass positive temperatures");
  }

  /** Drift-state bytes from {@code source} that do not parse ({@code reason}: why). */
  static DriftException unreadableState(String source, String reason) {
    return DriftException.invalidInput(
        source + " cannot be read as a drift state: " + reason,
        "rerun the day's report with this kldrift version, or leave the day out of the rollup");
  }

  /** Two states ({@code theirs}, {@code ours}: their dates) computed in different layouts. */
  static DriftException layoutsDiffer(
      List<String> theirs, List<String> ours, Layout<?> theirLayout, Layout<?> ourLayout) {
    return DriftException.invalidInput(
        "the drift states of "
            + theirs
            + " and "
            + ours
            + " were computed in different layouts ("
            + DriftConfig.INPUT_LAYOUT.key()
            + " '"
            + theirLayout
            + "' vs '"
            + ourLayout
            + "') and cannot be merged",
        "roll up only days computed with the same settings, or rerun those days with one configuration");
  }

  /** Two states computed with different values ({@code theirs}, {@code ours}) of key {@code k}. */
  static DriftException settingsDiffer(
      List<String> theirDates, List<String> ourDates, String k, String theirs, String ours) {
    return DriftException.invalidInput(
        "the drift states of "
            + theirDates
            + " and "
            + ourDates
            + " were computed with different "
            + k
            + " ('"
            + theirs
            + "' vs '"
            + ours
            + "') and cannot be merged",
        "roll up only days computed with the same settings, or rerun those days with one configuration");
  }

  /** Two states whose class names or label column differ. */
  static DriftException classesDiffer(List<String> theirDates, List<String> ourDates) {
    return DriftException.invalidInput(
        "the drift states of "
            + theirDates
            + " and "
            + ourDates
            + " differ in their class names or label column and cannot be merged",
        "roll up only days computed with the same input.class_names and label column");
  }

  /** Vectors of more lengths than the state keeps apart, so the class count is unknown. */
  static DriftException tooManyLengths() {
    return DriftException.invalidInput(
        "the vectors have more than "
            + Parts.MAX_PARTS
            + " different lengths, too many to tell the class count while reading",
        "list the classes in input.class_names so that rows of any other length break rule"
            + " wrong_length");
  }

  /** Per-position vectors of more lengths than the state keeps apart: the vocabulary is unknown. */
  static DriftException tooManyVectorLengths() {
    return DriftException.invalidInput(
        "the per-position vectors have more than "
            + Parts.MAX_PARTS
            + " different lengths, too many to tell the vocabulary size while reading",
        "write every position's vector over the same vocabulary");
  }

  /**
   * A class count whose working set ({@code need} bytes, {@code perClass} doubles per class)
   * exceeds a task's memory ({@code perTask} bytes, found out as {@code how}).
   */
  static DriftException classesExceedTask(
      long classes, long need, int perClass, long perTask, String how) {
    return DriftException.resources(
        String.format(
            Locale.ROOT,
            "%,d classes need at least %.2f GB per task (%d doubles per class: one row of each"
                + " table in the Parquet batch, the kernel's working vectors, the per-class sums"
                + " and their serialized copies: 8 B x %d x %,d), and each task has %.2f GB (%s)",
            classes,
            need / 1e9,
            perClass,
            perClass,
            classes,
            perTask / 1e9,
            how),
        "give each task more memory (locally KLDRIFT_DRIVER_MEMORY; on a cluster"
            + " spark.executor.memory, or fewer spark.executor.cores per executor), or compare"
            + " fewer classes (for a vocabulary, the top-k log-probabilities of the sequence"
            + " layout)");
  }
}
