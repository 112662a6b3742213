package io.kldrift.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.bench.MarkdownSections.Heading;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generator rewrites its own sections of a shared Markdown file and nothing else: sections by
 * other generators or by hand stay in place, word for word.
 */
class MarkdownSectionsTest {
  private static final List<Heading> OWNED =
      List.of(Heading.is("Data"), Heading.startsWith("Main case: "), Heading.is("Targets"));

  @TempDir Path tmp;

  @Test
  void ownedSectionsAndPreambleAreReplacedAndTheOthersKeptInPlace() {
    String file =
        "# Old title\n\nold intro\n\n"
            + "## Data\n\nold data\n\n"
            + "## By hand\n\nnotes\n\n"
            + "## Main case: 1,000,000 rows × 100 classes\n\nold table\n\n"
            + "## Other tool\n\nits figures\n";
    String generated =
        "# New title\n\nnew intro\n\n"
            + "## Data\n\nnew data\n\n"
            + "## Main case: 2,000 rows × 10 classes\n\nnew table\n";
    assertThat(MarkdownSections.merge(file, generated, true, OWNED))
        .isEqualTo(
            "# New title\n\nnew intro\n\n"
                + "## Data\n\nnew data\n\n"
                + "## By hand\n\nnotes\n\n"
                + "## Main case: 2,000 rows × 10 classes\n\nnew table\n\n"
                + "## Other tool\n\nits figures\n");
  }

  @Test
  void keptSectionsKeepTheirBlankLinesAndGeneratedOnesGetOne() {
    String file = "# T\n\n\n## By hand\n\nnotes\n\n\n## Data\n\nold\n## Other\n\nx";
    assertThat(MarkdownSections.merge(file, "## Data\n\nnew\n\n\n\n", false, OWNED))
        .isEqualTo("# T\n\n\n## By hand\n\nnotes\n\n\n## Data\n\nnew\n\n## Other\n\nx\n");
  }

  @Test
  void aPreambleNotOwnedIsKept() {
    String file = "# Title\n\nintro\n\n## Data\n\nold\n";
    assertThat(MarkdownSections.merge(file, "## Data\n\nnew\n", false, OWNED))
        .isEqualTo("# Title\n\nintro\n\n## Data\n\nnew\n");
    assertThatThrownBy(
            () -> MarkdownSections.merge(file, "# Mine\n\n## Data\n\nnew\n", false, OWNED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("# Mine");
  }

  @Test
  void twoGeneratedSectionsUnderOneOwnedHeadingAreRefused() {
    String generated =
        "## Main case: 1 rows × 2 classes\n\na\n\n## Main case: 3 rows × 4 classes\n\nb\n";
    assertThatThrownBy(() -> MarkdownSections.merge("", generated, false, OWNED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Main case: '");
  }

  @Test
  void newOwnedSectionsFollowTheirPredecessorOrGoToTheEnd() {
    String file = "# T\n\n## Data\n\nold\n\n## By hand\n\nnotes\n";
    String generated =
        "# T\n\n## Data\n\nnew\n\n## Main case: 5 rows × 2 classes\n\nm\n\n## Targets\n\nt\n";
    assertThat(MarkdownSections.merge(file, generated, true, OWNED))
        .isEqualTo(
            "# T\n\n## Data\n\nnew\n\n## Main case: 5 rows × 2 classes\n\nm\n\n## Targets\n\nt\n\n"
                + "## By hand\n\nnotes\n");
    // Nothing of the generator's in the file yet: its sections are appended, in its order.
    assertThat(MarkdownSections.merge("# T\n\n## By hand\n\nnotes\n", generated, true, OWNED))
        .isEqualTo(
            "# T\n\n## By hand\n\nnotes\n\n"
                + "## Data\n\nnew\n\n## Main case: 5 rows × 2 classes\n\nm\n\n## Targets\n\nt\n");
    // The generator's first section is new: it goes before the generator's sections in the file.
    assertThat(
            MarkdownSections.merge(
                "# T\n\n## By hand\n\nnotes\n\n## Targets\n\nold\n", generated, true, OWNED))
        .isEqualTo(
            "# T\n\n## By hand\n\nnotes\n\n"
                + "## Data\n\nnew\n\n## Main case: 5 rows × 2 classes\n\nm\n\n## Targets\n\nt\n");
  }

  @Test
  void ownedSectionsThisRunDidNotWriteAreRemoved() {
    String file =
        "# T\n\n## Data\n\nold\n\n## Main case: 9 rows × 9 classes\n\nold\n\n## By hand\n\nnotes\n";
    assertThat(MarkdownSections.merge(file, "# T\n\n## Data\n\nnew\n", true, OWNED))
        .isEqualTo("# T\n\n## Data\n\nnew\n\n## By hand\n\nnotes\n");
  }

  @Test
  void aGeneratedHeadingNotListedOwnsItsExactHeadingOnly() {
    String file =
        "## Layout\n\nold\n\n## Layout: where the time goes (by hand)\n\nnotes\n\n## Layouts\n\nx\n";
    assertThat(MarkdownSections.merge(file, "## Layout\n\nnew\n", false, List.of()))
        .isEqualTo(
            "## Layout\n\nnew\n\n## Layout: where the time goes (by hand)\n\nnotes\n\n"
                + "## Layouts\n\nx\n");
  }

  @Test
  void headingLinesInsideFencedCodeDoNotStartSections() {
    String file =
        "# T\n\n## By hand\n\n```sql\n## Data\n-- not a heading\n```\n\n"
            + "~~~\n## Targets\n~~~\n\n"
            + "````\n```\n## Data\n```\n````\n\n"
            + "## Data\n\nold\n";
    String generated = "# T\n\n## Data\n\nnew\n\n```\n## Targets\n```\n";
    assertThat(MarkdownSections.merge(file, generated, true, OWNED))
        .isEqualTo(
            "# T\n\n## By hand\n\n```sql\n## Data\n-- not a heading\n```\n\n"
                + "~~~\n## Targets\n~~~\n\n"
                + "````\n```\n## Data\n```\n````\n\n"
                + "## Data\n\nnew\n\n```\n## Targets\n```\n");
  }

  @Test
  void deeperHeadingsBelongToTheirSection() {
    String file = "## Data\n\nold\n\n### Part\n\nold part\n\n## By hand\n\nnotes\n";
    assertThat(MarkdownSections.merge(file, "## Data\n\nnew\n", false, OWNED))
        .isEqualTo("## Data\n\nnew\n\n## By hand\n\nnotes\n");
  }

  @Test
  void duplicatesOfAnOwnedSectionAreDroppedAndMergingTwiceChangesNothing() {
    String file = "## Data\n\na\n\n## By hand\n\nnotes\n\n## Data\n\nb\n";
    String once = MarkdownSections.merge(file, "## Data\n\nnew\n", false, OWNED);
    assertThat(once).isEqualTo("## Data\n\nnew\n\n## By hand\n\nnotes\n");
    assertThat(MarkdownSections.merge(once, "## Data\n\nnew\n", false, OWNED)).isEqualTo(once);
  }

  @Test
  void benchOwnsItsSectionsAndNotTheHandWrittenOrSequenceOnes() {
    String file =
        "# kldrift benchmark\n\nold preamble\n\n```\njobs/bench --scaling\n```\n\n"
            + "## Machine and settings\n\nold\n\n"
            + "## Data\n\nold\n\n"
            + "## Main case: 1,000,000 rows × 100 classes\n\nold\n\n"
            + "## Agreement: DuckDB's same report (e) against kldrift's (f)\n\nold\n\n"
            + "## The DuckDB scripts\n\n```sql\n## inside the script\n```\n\n"
            + "## Scaling: whole processes over rows and classes\n\nold\n\n"
            + "## Targets\n\nold\n\n"
            + "## Where the time goes (written by hand, not generated; same machine, same day)\n\n"
            + "hand 1\n\n"
            + "## Wide case: 8,000 rows × 32,000 classes\n\nold\n\n"
            + "## Sequence layout\n\nsequences\n\n"
            + "## Sequence layout: where the time goes (written by hand, not generated)\n\n"
            + "hand 2\n\n"
            + "## Reliability: generated bad input\n\nhand 3\n";
    String generated =
        "# kldrift benchmark\n\nnew preamble\n\n```\njobs/bench --rows 2000\n```\n\n"
            + "## Machine and settings\n\nnew\n\n"
            + "## Data\n\nnew\n\n"
            + "## Main case: 2,000 rows × 10 classes\n\nnew\n\n"
            + "## Agreement: DuckDB's same report (e) against kldrift's (f)\n\nnew\n\n"
            + "## The DuckDB scripts\n\nnew\n\n"
            + "## Targets\n\nnew\n\n"
            + "## Wide case: 80 rows × 320 classes\n\nnew\n";
    assertThat(MarkdownSections.merge(file, generated, true, Bench.SECTIONS))
        .isEqualTo(
            "# kldrift benchmark\n\nnew preamble\n\n```\njobs/bench --rows 2000\n```\n\n"
                + "## Machine and settings\n\nnew\n\n"
                + "## Data\n\nnew\n\n"
                + "## Main case: 2,000 rows × 10 classes\n\nnew\n\n"
                + "## Agreement: DuckDB's same report (e) against kldrift's (f)\n\nnew\n\n"
                + "## The DuckDB scripts\n\nnew\n\n"
                + "## Targets\n\nnew\n\n"
                + "## Where the time goes (written by hand, not generated; same machine, same day)\n\n"
                + "hand 1\n\n"
                + "## Wide case: 80 rows × 320 classes\n\nnew\n\n"
                + "## Sequence layout\n\nsequences\n\n"
                + "## Sequence layout: where the time goes (written by hand, not generated)\n\n"
                + "hand 2\n\n"
                + "## Reliability: generated bad input\n\nhand 3\n");
  }

  @Test
  void writeCreatesAMissingFileWithTheGeneratedTextAndMergesAnExistingOne() throws Exception {
    Path file = tmp.resolve("sub/B.md");
    String generated = "# T\n\n## Data\n\nnew\n\n";
    MarkdownSections.write(file, generated, true, OWNED);
    assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(generated);
    Files.writeString(
        file, "# T\n\n## By hand\n\nnotes\n\n## Data\n\nold\n", StandardCharsets.UTF_8);
    MarkdownSections.write(file, generated, true, OWNED);
    assertThat(Files.readString(file, StandardCharsets.UTF_8))
        .isEqualTo("# T\n\n## By hand\n\nnotes\n\n## Data\n\nnew\n");
  }
}
