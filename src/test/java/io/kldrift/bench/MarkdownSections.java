package io.kldrift.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a generator's sections into a Markdown file that other generators and people also write to
 * (BENCHMARKS.md): the sections the generator owns are replaced, every other section stays where it
 * is, word for word. A section is a level-2 heading ({@code ## }, outside fenced code) and
 * everything up to the next one; the preamble is the text before the first.
 *
 * <p>A generator owns the sections it generates (by their exact heading) and those whose heading
 * matches one of its {@link Heading}s, which is how a section is recognized when its heading
 * carries figures that change between runs ("Main case: 2,000 rows × 10 classes"), and how a
 * section the generator did not write this time (a mode not run) is removed rather than left stale.
 * An owned section new to the file goes right after the generator's section that precedes it in the
 * generated text; the generator's first section goes before its others in the file, or at the end
 * of a file that has none of them.
 */
final class MarkdownSections {
  private MarkdownSections() {}

  /**
   * A level-2 heading's text (without {@code ## }), matched whole or, when it carries figures, by
   * its start.
   */
  record Heading(String text, boolean prefix) {
    static Heading is(String text) {
      return new Heading(text, false);
    }

    static Heading startsWith(String prefix) {
      return new Heading(prefix, true);
    }

    boolean matches(String heading) {
      return prefix ? heading.startsWith(text) : heading.equals(text);
    }
  }

  private record Section(String heading, String text) {}

  private record Doc(String preamble, List<Section> sections) {}

  /**
   * Writes {@code generated} into {@code file} as {@link #merge} does; a file that does not exist
   * yet gets {@code generated} as it is.
   */
  static void write(Path file, String generated, boolean ownsPreamble, List<Heading> owned)
      throws IOException {
    String text =
        Files.exists(file)
            ? merge(Files.readString(file, StandardCharsets.UTF_8), generated, ownsPreamble, owned)
            : generated;
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  /**
   * {@code existing} with the generator's sections replaced by those of {@code generated}, and its
   * preamble too when {@code ownsPreamble}. The sections kept are kept byte for byte (but for blank
   * lines at the end of the file); a generated one is set off from its neighbours by one blank
   * line, and the text ends in one newline.
   *
   * @throws IllegalArgumentException if {@code generated} has a preamble the generator does not
   *     own, or two sections for one owned heading
   */
  static String merge(
      String existing, String generated, boolean ownsPreamble, List<Heading> owned) {
    Doc old = parse(existing);
    Doc gen = parse(generated);
    if (!ownsPreamble && !gen.preamble().isBlank()) {
      throw new IllegalArgumentException(
          "the generated text starts with text before its first '## ' heading, but the generator"
              + " does not own the file's preamble: "
              + gen.preamble().strip().lines().findFirst().orElse(""));
    }
    List<Heading> genKeys = new ArrayList<>();
    for (Section g : gen.sections()) {
      Heading key = key(g.heading(), owned, List.of(g));
      if (genKeys.contains(key)) {
        throw new IllegalArgumentException(
            "two generated sections fall under the heading '" + key.text() + "'");
      }
      genKeys.add(key);
    }

    List<Section> out = new ArrayList<>();
    List<Heading> outKeys = new ArrayList<>();
    Set<Heading> handled = new HashSet<>();
    for (Section s : old.sections()) {
      Heading key = key(s.heading(), owned, gen.sections());
      if (key == null) {
        out.add(s);
        outKeys.add(null);
      } else if (handled.add(key) && genKeys.contains(key)) {
        out.add(gen.sections().get(genKeys.indexOf(key)));
        outKeys.add(key);
      }
    }
    for (int i = 0; i < genKeys.size(); i++) {
      Heading key = genKeys.get(i);
      if (outKeys.contains(key)) {
        continue;
      }
      int at;
      if (i > 0) {
        at = outKeys.indexOf(genKeys.get(i - 1)) + 1;
      } else {
        at = out.size();
        for (int j = 0; j < outKeys.size(); j++) {
          if (outKeys.get(j) != null) {
            at = j;
            break;
          }
        }
      }
      out.add(at, gen.sections().get(i));
      outKeys.add(at, key);
    }

    List<String> chunks = new ArrayList<>();
    String preamble = ownsPreamble ? trimmed(gen.preamble()) : old.preamble();
    if (!preamble.isBlank()) {
      chunks.add(preamble);
    }
    out.forEach(s -> chunks.add(gen.sections().contains(s) ? trimmed(s.text()) : s.text()));
    StringBuilder sb = new StringBuilder();
    for (String c : chunks) {
      while (sb.length() > 0 && !endsWithBlankLine(sb)) {
        sb.append('\n');
      }
      sb.append(c);
    }
    return trimmed(sb.toString());
  }

  private static boolean endsWithBlankLine(StringBuilder sb) {
    int n = sb.length();
    return n >= 2 && sb.charAt(n - 1) == '\n' && sb.charAt(n - 2) == '\n';
  }

  /** {@code text} ending in exactly one newline. */
  private static String trimmed(String text) {
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '\n') {
      end--;
    }
    return end == 0 ? "" : text.substring(0, end) + "\n";
  }

  /**
   * The owned heading {@code heading} falls under: the first of {@code owned} it matches, else
   * itself if one of {@code generated} has exactly that heading; null for a section owned by
   * someone else.
   */
  private static Heading key(String heading, List<Heading> owned, List<Section> generated) {
    for (Heading h : owned) {
      if (h.matches(heading)) {
        return h;
      }
    }
    for (Section g : generated) {
      if (g.heading().equals(heading)) {
        return Heading.is(heading);
      }
    }
    return null;
  }

  /** Splits at level-2 headings; lines inside fenced code blocks never start a section. */
  private static Doc parse(String text) {
    List<Integer> starts = new ArrayList<>();
    List<String> headings = new ArrayList<>();
    String fence = null;
    int pos = 0;
    while (pos < text.length()) {
      int nl = text.indexOf('\n', pos);
      int next = nl < 0 ? text.length() : nl + 1;
      String line = text.substring(pos, nl < 0 ? text.length() : nl);
      String marker = fenceMarker(line);
      if (fence == null && marker != null) {
        fence = marker;
      } else if (fence != null) {
        if (marker != null
            && marker.charAt(0) == fence.charAt(0)
            && marker.length() >= fence.length()
            && line.strip().length() == marker.length()) {
          fence = null;
        }
      } else if (line.startsWith("## ")) {
        starts.add(pos);
        headings.add(line.substring(3).strip());
      }
      pos = next;
    }
    List<Section> sections = new ArrayList<>();
    for (int i = 0; i < starts.size(); i++) {
      int end = i + 1 < starts.size() ? starts.get(i + 1) : text.length();
      sections.add(new Section(headings.get(i), text.substring(starts.get(i), end)));
    }
    return new Doc(text.substring(0, starts.isEmpty() ? text.length() : starts.get(0)), sections);
  }

  /** The run of backticks or tildes (three or more) that opens or closes a fence, or null. */
  private static String fenceMarker(String line) {
    int i = 0;
    while (i < 3 && i < line.length() && line.charAt(i) == ' ') {
      i++;
    }
    if (i >= line.length() || (line.charAt(i) != '`' && line.charAt(i) != '~')) {
      return null;
    }
    char c = line.charAt(i);
    int j = i;
    while (j < line.length() && line.charAt(j) == c) {
      j++;
    }
    return j - i >= 3 ? line.substring(i, j) : null;
  }
}
