package io.kldrift.summary;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * This run against its baseline ({@code baseline.mode}): the mean KL of both, and the change split
 * over classes (example layout) or position buckets and teacher top-1 tokens (sequence layout), and
 * over the values of each slice column. The split is exact because the mean KL is a sum of parts in
 * each view: the classes' {@code kl_contribution}s, or n_value / n × the mean KL of each slice
 * value, position bucket or token (n counts examples, or counted positions in the sequence layout,
 * where the mean KL is token-weighted). So each part's change (this run's part minus the
 * baseline's) adds up to the change of the mean KL.
 *
 * @param baselineRuns which run(s) the baseline is, as the checks name them ("run 2026-11-01")
 * @param baselineKlMean the baseline's mean KL (the mean over its runs in baseline.mode=mean)
 * @param klMean this run's mean KL
 * @param delta {@code klMean - baselineKlMean}, nats
 * @param ratio {@code klMean / baselineKlMean}, null when the baseline is 0
 * @param noise half-width of the 95% confidence interval of {@code delta} (1.96 × its standard
 *     error from both sides' n and std), null when a side lacks them
 * @param direction {@code up}, {@code down}, or {@code unchanged} when |delta| is within {@code
 *     noise} (or below 1% of the baseline when the noise is unknown)
 * @param byClass the change per class (example layout; null in the sequence layout)
 * @param bySlice the change per value, one attribution per slice column
 * @param byPosition the change per position bucket (sequence layout; null otherwise, and when a
 *     baseline run was stored before the history kept position buckets)
 * @param byToken the change per teacher top-1 token id (sequence layout; null otherwise): the
 *     tokens the summaries of this run and of every baseline run list ({@code
 *     sequences.top_tokens}) are parts of their own, the other tokens one part, so the parts still
 *     add up
 * @param baselineHistogramShares the baseline's KL histogram as shares of its examples, on the bins
 *     of {@code global.kl.histogram}; null when the history has none on the same bins
 */
public record Change(
    String baselineRuns,
    double baselineKlMean,
    double klMean,
    double delta,
    Double ratio,
    Double noise,
    String direction,
    @JsonInclude(JsonInclude.Include.NON_NULL) Attribution byClass,
    List<Attribution> bySlice,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Double> baselineHistogramShares,
    @JsonInclude(JsonInclude.Include.NON_NULL) Attribution byPosition,
    @JsonInclude(JsonInclude.Include.NON_NULL) Attribution byToken) {

  /** Change at or below which a part is neither a driver nor an offset: rounding noise. */
  public static final double NEGLIGIBLE = 1e-12;

  /** The {@code by_token} part that holds the tokens not listed by this run and every baseline. */
  public static final String UNLISTED_TOKENS = "unlisted tokens";

  /**
   * The change of the mean KL split over the parts of one view ({@code dimension}: {@code class},
   * {@code position}, {@code token}, or a slice column). {@code increases} is the sum of the parts
   * that rose, {@code decreases} the sum of the falls as a positive number: increases − decreases
   * is the change of the mean KL. {@code parts} are the largest changes, largest first; {@code
   * rest} sums the others (null when none are left out).
   */
  public record Attribution(
      String dimension,
      double increases,
      double decreases,
      List<Part> parts,
      @JsonInclude(JsonInclude.Include.NON_NULL) Part rest) {}

  /**
   * One part's share of the mean KL in the baseline and now, and its change. {@code role} is {@code
   * driver} when the part moved with the mean KL (rose while it rose, fell while it fell), {@code
   * offset} when it moved against it, {@code none} when it did not move. {@code share} is |delta|
   * over the sum of the drivers' changes (the increases when the mean KL rose): drivers' shares add
   * up to 100%, and an offset's share is how much of that it cancelled. For a slice value {@code n}
   * is its examples in this run (counted positions in the sequence layout, as for a position bucket
   * or a token); for a class its teacher top-1 count; {@code classIndex} is null but for classes.
   */
  public record Part(
      String name,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer classIndex,
      Long n,
      double baseline,
      double current,
      double delta,
      double share,
      String role) {}
}
