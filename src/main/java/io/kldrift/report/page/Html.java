package io.kldrift.report.page;

import java.util.Locale;

/**
 * The page's HTML primitives: escaping, {@link Locale#ROOT} formatting, and the section frame every
 * section is written in. Values from user data only ever reach the page through {@link #esc}.
 */
final class Html {
  private Html() {}

  /** Escapes text for HTML element content and double- or single-quoted attribute values. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }

  /** Formats with {@link Locale#ROOT}, so a page never depends on the machine's locale. */
  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  static void openSection(StringBuilder h, String id, String title) {
    h.append(fmt("<section id=\"%s\">\n<h2>%s</h2>\n", id, esc(title)));
  }

  static void closeSection(StringBuilder h) {
    h.append("</section>\n");
  }

  static void note(StringBuilder h, String message) {
    h.append("<p class=\"note\">").append(esc(message)).append("</p>\n");
  }

  /**
   * Opens a section and returns true; when {@code empty}, writes the section with only {@code
   * emptyNote} and returns false, for a section with nothing to show.
   */
  static boolean openSection(
      StringBuilder h, String id, String title, boolean empty, String emptyNote) {
    openSection(h, id, title);
    if (empty) {
      note(h, emptyNote);
      closeSection(h);
    }
    return !empty;
  }
}
