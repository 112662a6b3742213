package io.kldrift.config;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One typed configuration option: its key, default, parser, validation rule and help text. Every
 * key kldrift understands is a constant of {@link DriftConfig}; the README table and {@code
 * conf/kldrift.properties} are checked against that list by a test.
 *
 * @param <T> the parsed type
 */
public class ConfigKey<T> {
  private final String key;
  private final String defaultText;
  private final Function<String, T> parser;
  private final Predicate<T> valid;
  private final String rule;
  private final String doc;

  ConfigKey(
      String key,
      String defaultText,
      Function<String, T> parser,
      Predicate<T> valid,
      String rule,
      String doc) {
    this.key = key;
    this.defaultText = defaultText;
    this.parser = parser;
    this.valid = valid;
    this.rule = rule;
    this.doc = doc;
  }

  /** The key as written in the configuration file and in {@code --conf key=value}. */
  public String key() {
    return key;
  }

  /** The default, as text (empty when the option is unset by default). */
  public String defaultText() {
    return defaultText;
  }

  /** One-line help text. */
  public String doc() {
    return doc;
  }

  /** Parses and validates {@code text}, or throws an error naming the key and the rule. */
  T parse(String text) {
    T value;
    try {
      value = parser.apply(text.trim());
    } catch (RuntimeException e) {
      throw ConfigErrors.unparsable(key, text, e.getMessage(), rule);
    }
    if (!valid.test(value)) {
      throw ConfigErrors.notAllowed(key, text, rule);
    }
    return value;
  }
}
