package io.kldrift.config;

import io.kldrift.DriftException;
import java.nio.file.Path;

/**
 * Every configuration error, one method per error: the message names the key and the value, and the
 * fix says what to write instead; a call site passes only the facts.
 */
public final class ConfigErrors {
  private ConfigErrors() {}

  /** A key's text that its parser rejects ({@code reason}: the parser's message). */
  public static DriftException unparsable(String key, String text, String reason, String rule) {
    return DriftException.invalidConfig(
        "configuration key " + key + " = '" + text + "' cannot be parsed (" + reason + ")",
        "use " + rule);
  }

  /** A key's value outside what the key allows ({@code rule}: what it allows). */
  public static DriftException notAllowed(String key, String text, String rule) {
    return DriftException.invalidConfig(
        "configuration key " + key + " = '" + text + "' is not allowed", "use " + rule);
  }

  /** A key kldrift does not know ({@code closest}: the nearest key that exists). */
  public static DriftException unknownKey(String key, String closest) {
    return DriftException.invalidConfig(
        "unknown configuration key '" + key + "'",
        "did you mean '" + closest + "'? Every key is listed in conf/kldrift.properties");
  }

  /** A {@code check.<name>.<field>} with a field checks do not have. */
  public static DriftException unknownCheckField(
      String key, String name, String field, String closest, Iterable<String> fields) {
    return DriftException.invalidConfig(
        "unknown check field '" + field + "' in '" + key + "'",
        "did you mean 'check."
            + name
            + "."
            + closest
            + "'? A check has the fields "
            + String.join(", ", fields));
  }

  /** The --config file cannot be read. */
  public static DriftException unreadableFile(Path file, String reason) {
    return DriftException.invalidConfig(
        "cannot read configuration file " + file + ": " + reason,
        "pass an existing, readable file to --config");
  }

  /** Both ways of naming classes are set. */
  public static DriftException twoClassNameSources() {
    return DriftException.invalidConfig(
        "both input.class_names and input.class_names_file are set", "set only one of them");
  }

  /** input.class_names_file cannot be read. */
  public static DriftException unreadableClassNames(Path file, String reason) {
    return DriftException.invalidConfig(
        "cannot read class names file " + file + ": " + reason,
        "point input.class_names_file at a file with one class name per line");
  }

  /**
   * A temperature other than 1 while neither side holds logits ({@code temperature}, {@code
   * teacherKind}, {@code studentKind}: as configured).
   */
  public static DriftException temperatureWithoutLogits(
      String temperature, String teacherKind, String studentKind) {
    return DriftException.invalidConfig(
        "input.temperature = "
            + temperature
            + " applies only to logits, and neither input.teacher.kind ("
            + teacherKind
            + ") nor input.student.kind ("
            + studentKind
            + ") is logits",
        "set input.teacher.kind=logits and/or input.student.kind=logits for the side(s) that"
            + " hold logits, or remove input.temperature");
  }

  /** A check without levels. */
  public static DriftException checkWithoutLevels(String name, String prefix) {
    return DriftException.invalidConfig(
        "check '" + name + "' has neither warn nor alert",
        "set " + prefix + "warn and/or " + prefix + "alert");
  }

  /**
   * A check whose warn level lies beyond its alert level in its direction ({@code order}: where the
   * warn level belongs, e.g. "at or below").
   */
  public static DriftException warnBeyondAlert(
      String prefix, String warn, String alert, String direction, String order) {
    return DriftException.invalidConfig(
        prefix
            + "warn = "
            + warn
            + " is beyond "
            + prefix
            + "alert = "
            + alert
            + " for direction "
            + direction,
        "set the warn level " + order + " the alert level, or swap the two");
  }
}
