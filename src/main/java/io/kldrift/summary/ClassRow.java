package io.kldrift.summary;

/**
 * One row of the {@code per_class/} table: the class's KL contribution and marginals over all
 * matched examples, and its statistics among the examples whose teacher top-1 (or label) it is.
 * Counts of a group with no examples are 0 and its figures null; label fields are null without a
 * label column. {@code supportViolationKl} is the class's KL from its clipped cells (support
 * violations) over all N matched examples, a part of {@code klContribution}: null when unknown (a
 * rollup over states written before kldrift kept it).
 */
public record ClassRow(
    int classIndex,
    String className,
    double klContribution,
    Double klShare,
    double teacherMeanProb,
    double studentMeanProb,
    double marginalKlTerm,
    long supportViolations,
    Double supportViolationKl,
    long teacherTop1Count,
    Double teacherTop1MeanKl,
    Double teacherTop1P95Kl,
    Double teacherTop1Agreement,
    long studentTop1Count,
    Long labelCount,
    Double labelMeanKl,
    Double labelP95Kl,
    Double labelTeacherAccuracy,
    Double labelStudentAccuracy) {

  /** The class's share of the KL, as the summary's top classes list it. */
  public Summary.ClassShare share() {
    return new Summary.ClassShare(
        classIndex, className, klContribution, klShare, teacherMeanProb, studentMeanProb);
  }
}
