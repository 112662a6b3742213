package io.kldrift.config;

/**
 * A value of a configuration key that takes one of a closed set of words: the enum constant knows
 * the word users write, so a call site compares constants, never text.
 */
public interface Choice {
  /** The value as written in the configuration. */
  String label();

  /** Whether {@code text} (trimmed, spaces removed where the key does so) names this value. */
  default boolean accepts(String text) {
    return label().equals(text);
  }

  /** The constant of {@code type} that {@code text} names, or null for none. */
  static <E extends Enum<E> & Choice> E find(Class<E> type, String text) {
    for (E e : type.getEnumConstants()) {
      if (e.accepts(text)) {
        return e;
      }
    }
    return null;
  }
}
