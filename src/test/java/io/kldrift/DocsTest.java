package io.kldrift;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.job.AcceptJob;
import io.kldrift.job.DriftJob;
import io.kldrift.job.GenerateSample;
import io.kldrift.job.RollupJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The README and the reference pages hold together: every relative link points at a file that
 * exists and, with a fragment, at a heading of it; the README links every page and every job's
 * {@code --help} names existing pages (all of them between the jobs); the tables that mirror the
 * tests and the code list what they run. None of these start Spark.
 */
class DocsTest {
  private static final Pattern LINK = Pattern.compile("\\[([^\\]]*)\\]\\(([^)\\s]+)\\)");

  /** A file's text with fenced code blocks and inline code spans blanked out. */
  private static String prose(String markdown) {
    StringBuilder out = new StringBuilder();
    boolean fenced = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        out.append('\n');
        continue;
      }
      out.append(fenced ? "" : line).append('\n');
    }
    return out.toString().replaceAll("``.*?``", "").replaceAll("`[^`]*`", "");
  }

  /** The anchors GitHub gives the headings of a Markdown file. */
  static Set<String> anchors(String markdown) {
    Set<String> out = new TreeSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String line : markdown.split("\n")) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced && line.matches("#{1,6} .*")) {
        String slug =
            line.replaceFirst("#+ ", "")
                .strip()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N} _-]", "")
                .replace(' ', '-');
        int n = seen.merge(slug, 1, Integer::sum);
        out.add(n == 1 ? slug : slug + "-" + (n - 1));
      }
    }
    return out;
  }

  @Test
  void anchorsAreGitHubs() {
    assertThat(anchors("# Metrics (natural log, nats)\n## `jobs/rollup`: a week\n## A\n## A\n"))
        .containsExactlyInAnyOrder("metrics-natural-log-nats", "jobsrollup-a-week", "a", "a-1");
  }

  @Test
  void everyRelativeLinkPointsAtAFileAndHeadingThatExist() {
    List<String> broken = new ArrayList<>();
    int links = 0;
    for (Path file : Docs.all()) {
      Matcher m = LINK.matcher(prose(Docs.read(file)));
      while (m.find()) {
        String target = m.group(2);
        if (target.matches("[a-z]+:.*")) {
          continue;
        }
        links++;
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        Path to = path.isEmpty() ? file : file.resolveSibling(path).normalize();
        if (!Files.exists(to)) {
          broken.add(file + ": " + target + " (no file " + to + ")");
        } else if (hash >= 0 && !anchors(Docs.read(to)).contains(target.substring(hash + 1))) {
          broken.add(file + ": " + target + " (no such heading in " + to + ")");
        }
      }
    }
    assertThat(broken).isEmpty();
    assertThat(links).isGreaterThan(50);
  }

  @Test
  void theReadmeLinksEveryPageAndEveryPageLinksTheReadme() {
    String readme = Docs.read(Docs.README);
    for (Path page : Docs.all().subList(1, Docs.all().size())) {
      assertThat(readme).as(page.toString()).contains("(" + page.toString().replace('\\', '/'));
      assertThat(Docs.read(page)).as(page.toString()).contains("](../../../README.md)");
    }
    assertThat(Docs.all()).hasSizeGreaterThan(8);
  }

  @Test
  void theJobsHelpNamesThePagesThatExist() {
    Set<String> named = new TreeSet<>();
    for (Object job :
        List.of(new DriftJob(), new RollupJob(), new AcceptJob(), new GenerateSample())) {
      String help = new CommandLine(job).getUsageMessage(CommandLine.Help.Ansi.OFF);
      int at = help.indexOf("src/site/markdown/");
      assertThat(at).as(help).isNotNegative();
      Matcher m = Pattern.compile("\\b([a-z][a-z-]*)\\.md\\b").matcher(help.substring(at));
      while (m.find()) {
        assertThat(Docs.page(m.group(1))).as(help).exists();
        named.add(m.group(1) + ".md");
      }
    }
    Set<String> pages = new TreeSet<>();
    Docs.all().subList(1, Docs.all().size()).forEach(p -> pages.add(p.getFileName().toString()));
    assertThat(named).isEqualTo(pages);
  }

  @Test
  void theScenariosTableNamesEveryScenarioThatScenarioTestRuns() throws IOException {
    String page = Docs.read(Docs.page("monitoring"));
    String table = page.substring(page.indexOf("## Scenarios the monitor is tested on"));
    Set<String> listed = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\| `([a-z-]+)` \\|").matcher(table);
    while (m.find()) {
      listed.add(m.group(1));
    }
    Set<String> files = new TreeSet<>();
    try (Stream<Path> all = Files.list(Path.of("src/test/resources/scenarios"))) {
      all.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".scenario"))
          .forEach(n -> files.add(n.substring(0, n.length() - ".scenario".length())));
    }
    assertThat(files).isNotEmpty();
    assertThat(listed).isEqualTo(files);
  }

  @Test
  void theExitCodesPageHasTheCodesOfDriftReportsHelp() {
    Set<Integer> help = new TreeSet<>();
    new CommandLine(new DriftJob())
        .getCommandSpec()
        .usageMessage()
        .exitCodeList()
        .keySet()
        .forEach(k -> help.add(Integer.parseInt(k.strip())));
    Set<Integer> page = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\| (\\d+) \\|").matcher(Docs.read(Docs.page("exit-codes")));
    while (m.find()) {
      page.add(Integer.parseInt(m.group(1)));
    }
    assertThat(help).hasSizeGreaterThan(5);
    assertThat(page).isEqualTo(help);
  }
}
