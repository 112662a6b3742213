package io.kldrift;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The documentation the tests run: the README (the entry) and the reference pages under {@code
 * src/site/markdown/}. Tests read the file where a text is, so that an example moved between pages
 * is still run, and a page that loses its example fails the test that needed it.
 */
public final class Docs {
  private Docs() {}

  /** The entry page. */
  public static final Path README = Path.of("README.md");

  /** The folder of the reference pages (Maven's site convention). */
  public static final Path SITE = Path.of("src", "site", "markdown");

  /** The files whose SQL statements ReadmeSqlTest and ConnectIT run. */
  public static final List<Path> SQL_PAGES =
      List.of(README, page("sql-and-notebooks"), page("sequence-layout"));

  /** A reference page by its name without {@code .md}, e.g. {@code page("configuration")}. */
  public static Path page(String name) {
    return SITE.resolve(name + ".md");
  }

  /** The README and every reference page, in file name order after the README. */
  public static List<Path> all() {
    List<Path> out = new ArrayList<>(List.of(README));
    try (Stream<Path> pages = Files.list(SITE)) {
      pages.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The text of one file. */
  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The contents of the fenced code blocks whose info string is {@code language} (e.g. {@code
   * bash}, {@code sql delta}), in order, from the given files in order.
   */
  public static List<String> blocks(String language, Path... files) {
    Pattern fence =
        Pattern.compile("```" + Pattern.quote(language) + "\\n(.*?)```", Pattern.DOTALL);
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      Matcher m = fence.matcher(read(f));
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /**
   * One SQL statement of a page's ```sql blocks and the value its trailing comment promises: a
   * number in {@code expected}, or in {@code text} {@code NULL} or a quoted string's content.
   */
  public record Sql(String sql, Double expected, String text) {}

  /**
   * Every SQL statement of the ```sql blocks of {@link #SQL_PAGES}, comments removed; a trailing
   * {@code -- number}, {@code -- NULL} or {@code -- 'string'} comment is the value the statement's
   * first cell must have (both null when there is none). Blocks marked {@code ```sql delta} need a
   * Delta report and are not among them.
   */
  public static List<Sql> sql() {
    List<Sql> out = new ArrayList<>();
    Pattern value = Pattern.compile("\\A;\\s*--\\s*(-?[0-9][0-9.eE+-]*)\\s*$", Pattern.MULTILINE);
    Pattern text = Pattern.compile("\\A;\\s*--\\s*(NULL|'[^']*')\\s*$", Pattern.MULTILINE);
    for (String block : blocks("sql", SQL_PAGES.toArray(Path[]::new))) {
      for (String statement : block.split(";")) {
        String sql = statement.replaceAll("(?m)^\\s*--.*$", "").trim();
        if (sql.isEmpty()) {
          continue;
        }
        int next = block.indexOf(statement) + statement.length();
        Matcher m = value.matcher(block.substring(next));
        Matcher t = text.matcher(block.substring(next));
        out.add(
            new Sql(
                sql,
                m.find() ? Double.parseDouble(m.group(1)) : null,
                t.find() ? t.group(1).replace("'", "") : null));
      }
    }
    return out;
  }
}
