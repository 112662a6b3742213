package io.kldrift.summary;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * This run against its baseline ({@code baseline.mode}): the mean KL of both, and the change split
 * over classes and over the values of each slice column. The split is exact because the mean KL is
 * a sum of parts in each view: the classes' {@code kl_contribution}s, or n_value / n × the mean KL
 * of each value of one slice column. So each part's change (this run's part minus the baseline's)
 * adds up to the change of the mean KL.
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
 * @param byClass the change per class
 * @param bySlice the change per value, one attribution per slice column
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
    Attribution byClass,
    List<Attribution> bySlice,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Double> baselineHistogramShares) {

  /** Change at or below which a part is neither a driver nor an offset: rounding noise. */
  public static final double NEGLIGIBLE = 1e-12;

  /**
   * The change of the mean KL split over the parts of one view ({@code dimension}: {@code class},
   * or a slice column). {@code increases} is the sum of the parts that rose, {@code decreases} the
   * sum of the falls as a positive number: increases − decreases is the change of the mean KL.
   * {@code parts} are the largest changes, largest first; {@code rest} sums the others (null when
   * none are left out).
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
   * is its examples in this run; for a class its teacher top-1 count; {@code classIndex} is null
   * for slices and for {@code rest}.
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
