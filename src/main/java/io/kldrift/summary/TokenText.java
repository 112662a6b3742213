package io.kldrift.summary;

/**
 * A token as the page and the console show it: its id, and with a vocabulary its text in quotes,
 * whitespace and control characters spelled out ({@code " the"}, {@code "\n"}), so that a space or
 * a newline token is visible. Escaping for HTML is the page's own, after this.
 */
public final class TokenText {
  private TokenText() {}

  /** The text in double quotes, with \n, \t, \r, \", \\ and other control characters escaped. */
  public static String quoted(String text) {
    StringBuilder b = new StringBuilder(text.length() + 2).append('"');
    text.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                  if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                    b.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
                  } else {
                    b.appendCodePoint(c);
                  }
                }
              }
            });
    return b.append('"').toString();
  }

  /**
   * "3 \" the\"" with a vocabulary, "123456 (not in the vocabulary)" for an id outside it, the id
   * alone without one ({@code vocabularySize} null).
   */
  public static String label(long id, String text, Integer vocabularySize) {
    if (vocabularySize == null) {
      return Long.toString(id);
    }
    return text == null ? id + " (not in the vocabulary)" : id + " " + quoted(text);
  }
}
