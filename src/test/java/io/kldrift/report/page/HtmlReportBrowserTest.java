package io.kldrift.report.page;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kldrift.Chromium;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the page in a real headless Chromium: the string checks of {@link HtmlReportTest} cannot
 * tell whether a browser parses the markup into the intended DOM or renders it at all.
 */
class HtmlReportBrowserTest {
  @TempDir Path tmp;
  private Path page;
  private Path sequencePage;

  @BeforeEach
  void writePage() throws IOException {
    assumeTrue(Chromium.available(), Chromium.MISSING);
    page = tmp.resolve("report.html");
    Files.writeString(page, HtmlReport.render(HtmlReportTest.sampleInput()), UTF_8);
    sequencePage = tmp.resolve("sequence-report.html");
    Files.writeString(
        sequencePage, HtmlReport.render(HtmlReportSequenceTest.sequenceInput()), UTF_8);
  }

  @Test
  void browserBuildsTheIntendedDom() throws Exception {
    Chromium.Result r = Chromium.run(tmp, "dom", "--dump-dom", page.toUri().toString());

    assertThat(r.stdout()).contains("id=\"status\"", ">ALERT<", "2026-11-29");
    assertThat(r.stdout())
        .contains(
            "<svg id=\"kl-histogram\"", "<svg id=\"class-contributions\"", "<svg id=\"kl-trend\"");
    assertThat(r.stdout())
        .contains("<polyline class=\"trend-mean\"", "<line class=\"threshold-alert\"");
    assertThat(count(r.stdout(), "<rect class=\"bar\"")).isEqualTo(4 + 3);
    // The hostile names survive as text; neither became an element.
    assertThat(r.stdout()).contains(HtmlReportTest.EVIL_CLASS_ESCAPED);
    assertThat(r.stdout().toLowerCase(Locale.ROOT)).doesNotContain("<img", "<script");
    r.assertNoScriptErrors();
  }

  @Test
  void browserRendersAScreenshot() throws Exception {
    Path png = tmp.resolve("report.png");

    Chromium.Result r =
        Chromium.run(
            tmp,
            "screenshot",
            "--screenshot=" + png,
            "--window-size=1280,2400",
            page.toUri().toString());

    assertThat(png).exists();
    // A blank page at this size gives a PNG of about 14 kB; text and charts take far more.
    assertThat(Files.size(png)).isGreaterThan(50_000);
    r.assertNoScriptErrors();
  }

  @Test
  void browserBuildsTheSequencePage() throws Exception {
    Chromium.Result r = Chromium.run(tmp, "seq-dom", "--dump-dom", sequencePage.toUri().toString());

    String dom = r.stdout();
    assertThat(dom)
        .contains(
            "<svg id=\"position-buckets\"",
            "<svg id=\"entropy-buckets\"",
            "<svg id=\"kl-histogram\"",
            "<svg id=\"kl-trend\"");
    // Four non-empty position buckets and five teacher-entropy ones, each a point over a bar.
    assertThat(count(dom, "<circle class=\"point-kl\"")).isEqualTo(4 + 5);
    assertThat(count(dom, "<rect class=\"tail-bar\"")).isEqualTo(4 + 5);
    assertThat(dom)
        .contains(
            "<span class=\"value\">0.06134</span><span class=\"unit\">nats</span>"
                + "<span class=\"bound\"")
        .contains("<div class=\"tail\">teacher tail mass 0.1675</div>");
    assertThat(dom).doesNotContain("id=\"class-contributions\"", "id=\"confusions\"");
    // The hostile slice value stays text (a serialized DOM leaves a quote in text unescaped).
    assertThat(dom).contains("&gt;&lt;img src=x onerror=alert(1)&gt;");
    assertThat(dom.toLowerCase(Locale.ROOT)).doesNotContain("<img", "<script");
    r.assertNoScriptErrors();
  }

  @Test
  void browserFindsTheNextTokenSection() throws Exception {
    Chromium.Result r =
        Chromium.run(tmp, "next-dom", "--dump-dom", sequencePage.toUri().toString());

    String dom = r.stdout();
    String section = HtmlReportSequenceTest.element(dom, "section", "next-token");
    assertThat(section).contains("<h2>Next token</h2>", "8.166 \u2192 9.025");
    List<List<String>> groups = HtmlReportNextTokenTest.rows(section, "next-token-groups");
    assertThat(groups).hasSize(4);
    assertThat(groups.get(0)).startsWith("segment", "chat", "5,800");
    assertThat(dom.toLowerCase(Locale.ROOT)).doesNotContain("<img", "<script");
    r.assertNoScriptErrors();
  }

  @Test
  void browserRendersTheSequencePage() throws Exception {
    Path png = tmp.resolve("sequence-report.png");

    Chromium.Result r =
        Chromium.run(
            tmp,
            "seq-screenshot",
            "--screenshot=" + png,
            "--window-size=1280,2400",
            sequencePage.toUri().toString());

    assertThat(png).exists();
    assertThat(Files.size(png)).isGreaterThan(50_000);
    r.assertNoScriptErrors();
  }

  @Test
  void bothPagesFitA1280PixelWindow() throws Exception {
    for (Path p : List.of(page, sequencePage)) {
      Chromium.Layout layout = Chromium.layout(tmp, "layout-" + p.getFileName(), p, 1280);

      assertThat(layout.scrollWidth()).as("%s: document width", p).isLessThanOrEqualTo(1280);
      assertThat(layout.overflowing()).as("%s: parts that scroll sideways", p).isEmpty();
    }
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
