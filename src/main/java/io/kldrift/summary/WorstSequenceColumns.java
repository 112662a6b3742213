package io.kldrift.summary;

import java.util.ArrayList;
import java.util.List;

/**
 * The figure columns of worst_examples/ in the sequence layout, named once for the engine that
 * writes them and the page that shows them.
 */
public final class WorstSequenceColumns {
  /** The figures a worst sequence carries besides its mean KL, in the engine's order. */
  public static final List<String> FIGURES =
      List.of(
          "kl_sum",
          "kl_max",
          "positions",
          "first_divergence",
          "teacher_tail_mass",
          "agreement",
          "first_divergence_teacher_token",
          "first_divergence_student_token");

  private WorstSequenceColumns() {}

  /**
   * Whether {@code figure} holds a token id (the teacher's or student's at the first divergence).
   */
  public static boolean isToken(String figure) {
    return figure.endsWith("_token");
  }

  /** The column holding the text of the token id in {@code tokenColumn}. */
  public static String text(String tokenColumn) {
    return tokenColumn.replace("_token", "_text");
  }

  /** Every figure column of the table: the mean KL first, each token id followed by its text. */
  public static List<String> withText() {
    List<String> all = new ArrayList<>();
    all.add("kl");
    for (String f : FIGURES) {
      all.add(f);
      if (isToken(f)) {
        all.add(text(f));
      }
    }
    return List.copyOf(all);
  }
}
