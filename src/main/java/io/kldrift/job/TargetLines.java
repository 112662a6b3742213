package io.kldrift.job;

import io.kldrift.summary.Summary;
import java.util.Locale;

/**
 * The console lines about the token that actually came next (global.target): both perplexities,
 * ln(PPL ratio) and delta p (the change in the probability given to the target), with the positions
 * left out because a side did not list the target.
 */
final class TargetLines {
  private TargetLines() {}

  /** The lines, or "" when the run has no target column. */
  static String of(Summary.Target t) {
    if (t == null) {
      return "";
    }
    if (t.n() == null) {
      return "next token  n/a (" + t.note() + ")\n";
    }
    if (t.n() == 0) {
      return String.format(
          Locale.ROOT,
          "next token  n/a (no counted position with the target known on both sides; missing:"
              + " teacher %,d, student %,d)%n",
          t.teacherTargetMissing(),
          t.studentTargetMissing());
    }
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "perplexity  teacher %s  student %s  ln(PPL ratio) %s (95%% CI %s .. %s) over %s%n",
            Numbers.value(t.teacherPpl()),
            Numbers.value(t.studentPpl()),
            Numbers.value(t.lnPplRatio()),
            Numbers.value(t.lnPplRatioCi95Low()),
            Numbers.value(t.lnPplRatioCi95High()),
            Numbers.count(
                t.n(),
                "token with the target known on both sides",
                "tokens with the target known on both sides")));
    Summary.Stats dp = t.deltaP();
    s.append(
        String.format(
            Locale.ROOT,
            "delta p     mean %s (95%% CI %s .. %s)  RMS %s  p01 %s  p50 %s  p99 %s"
                + " (p_student - p_teacher of the target)%n",
            Numbers.value(t.deltaPMean()),
            Numbers.value(t.deltaPCi95Low()),
            Numbers.value(t.deltaPCi95High()),
            Numbers.value(t.deltaPRms()),
            Numbers.value(dp.p01()),
            Numbers.value(dp.p50()),
            Numbers.value(dp.p99())));
    s.append(
        String.format(
            Locale.ROOT,
            "accuracy    teacher %.2f%%  student %.2f%% (top-1 is the target); target not listed:"
                + " teacher %,d, student %,d positions (left out)%n",
            100 * t.teacherAccuracy(),
            100 * t.studentAccuracy(),
            t.teacherTargetMissing(),
            t.studentTargetMissing()));
    return s.toString();
  }
}
