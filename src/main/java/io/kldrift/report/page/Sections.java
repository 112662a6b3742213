package io.kldrift.report.page;

import io.kldrift.input.RowRule;
import io.kldrift.summary.Summary;

/**
 * The sections of one input layout, which the page skeleton ({@link HtmlReport}) calls in its
 * order: the example layout shows classes, the sequence layout positions and tokens. The skeleton
 * writes everything both share (banner, sentence, checks, baseline, change, row rules, trend, run)
 * and asks the layout only for what differs; the layout is chosen once, from the summary.
 */
interface Sections {
  /** The layout's sections for a page: sequence ones when the summary has sequence figures. */
  static Sections of(HtmlReport.Input in) {
    Summary.Sequences seq = Values.at(in.summary(), Summary::sequences);
    return seq == null ? new ExampleSections(in) : new SequenceSections(in, seq);
  }

  /** Styles only this layout uses, added to the page's; empty for none. */
  String css();

  /** The KL figure the banner states, e.g. "mean KL 0.12 nats". */
  String bannerFigure();

  /** The headline figures section. */
  void figures(StringBuilder h);

  /** Whether the row-rules table lists {@code rule} when no row broke it. */
  boolean listsRule(RowRule rule);

  /** The charts of the KL's distribution, the histogram among them. */
  void distribution(StringBuilder h);

  /** What to say under the trend chart, or null. */
  String trendNote();

  /** The tables: slices, and the worst examples or sequences. */
  void tables(StringBuilder h);

  /** The layout's rows of the run table. */
  void runFields(Table t);
}
