package io.kldrift.config;

import java.util.Set;
import java.util.function.Function;

/**
 * A configuration key whose value is one of a closed set: validated against the enum when the
 * configuration is built, read as the enum with {@link DriftConfig#choice}. Its text stays what
 * {@link DriftConfig#get} returns and what the report records.
 *
 * @param <E> the enum of the allowed values
 */
public final class ChoiceKey<E extends Enum<E> & Choice> extends ConfigKey<String> {
  private final Class<E> type;

  ChoiceKey(
      String key,
      String defaultText,
      Function<String, String> normalize,
      Class<E> type,
      Set<E> allowed,
      String rule,
      String doc) {
    super(key, defaultText, normalize, s -> allowed.contains(Choice.find(type, s)), rule, doc);
    this.type = type;
  }

  /** The value {@code text} (already validated) names. */
  E of(String text) {
    E e = Choice.find(type, text);
    if (e == null) {
      throw new IllegalStateException(key() + " = '" + text + "' was not validated");
    }
    return e;
  }
}
