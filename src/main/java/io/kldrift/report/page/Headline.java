package io.kldrift.report.page;

import static io.kldrift.report.page.Html.closeSection;
import static io.kldrift.report.page.Html.esc;
import static io.kldrift.report.page.Html.fmt;
import static io.kldrift.report.page.Html.note;
import static io.kldrift.report.page.Html.openSection;
import static io.kldrift.report.page.Values.at;
import static io.kldrift.report.page.Values.count;
import static io.kldrift.report.page.Values.list;
import static io.kldrift.report.page.Values.num;
import static io.kldrift.report.page.Values.signed;

import io.kldrift.report.ClassShares;
import io.kldrift.summary.Change;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The page's first lines: one sentence computed from the summary that says what happened (the mean
 * KL, how it moved against the baseline and where the move is), and, when a temperature other than
 * 1 is set, what it applied to. A reader who stops there knows whether to read on.
 */
final class Headline {
  /** The classes named in the sentence: the fewest largest drivers that carry this much. */
  private static final double NAMED_CLASSES_SHARE = 0.75;

  private static final int MAX_NAMED_CLASSES = 3;

  private Headline() {}

  /** The section with the sentence and the temperature's scope. */
  static void write(StringBuilder h, Summary s) {
    openSection(h, "summary-sentence", "In one sentence");
    h.append("<p class=\"lede\">").append(esc(sentence(s))).append("</p>\n");
    String t = temperatureNote(s);
    if (t != null) {
      note(h, t);
    }
    closeSection(h);
  }

  /**
   * The sentence, e.g. "Mean KL 0.212, up 3.8× from the baseline 0.0558 (run 2026-11-01); ..."; in
   * the sequence layout "Mean KL per token 0.0312 nats (lower bound), up 2.1× ...", naming the
   * position bucket and the teacher top-1 tokens of the move where the example layout names
   * classes.
   */
  static String sentence(Summary s) {
    Summary.Global g = at(s, Summary::global);
    Summary.Stats kl = at(g, Summary.Global::kl);
    Double mean = at(kl, Summary.Stats::mean);
    boolean tokens = at(s, Summary::sequences) != null;
    if (mean == null || !Double.isFinite(mean)) {
      return tokens
          ? "No counted positions in this run, so there is no KL to report."
          : "No matched examples in this run, so there is no KL to report.";
    }
    Change c = at(s, Summary::change);
    String start =
        (tokens ? "Mean KL per token " : "Mean KL ")
            + num(mean)
            + " nats"
            + (at(g, Summary.Global::bounds) == null ? "" : " (lower bound)");
    if (c == null) {
      return start
          + " over "
          + count(kl.n())
          + (tokens ? " counted positions" : " examples")
          + "; the history has no eligible baseline run to compare with"
          + baselineMode(s)
          + ".";
    }
    String base = " the baseline " + num(c.baselineKlMean()) + " (" + c.baselineRuns() + ")";
    switch (c.direction()) {
      case "unchanged":
        return start
            + ", about the same as"
            + base
            + ": a change of "
            + signed(c.delta())
            + (c.noise() == null
                ? ", under 1% of it."
                : ", within the noise (\u00b1" + num(c.noise()) + " at 95% confidence).");
      case "up":
      case "down":
        boolean up = c.direction().equals("up");
        String move = up ? "rise" : "fall";
        StringBuilder b = new StringBuilder(start).append(", ").append(factor(c)).append(" from");
        b.append(base);
        String where = where(c, move);
        if (where != null) {
          b.append("; ").append(where);
        }
        if (tokens) {
          String position = position(c, move);
          String named = named(c.byToken(), "teacher top-1 token", "teacher top-1 tokens", move);
          if (position != null) {
            b.append("; ").append(position);
          }
          if (named != null) {
            b.append("; ").append(named);
          }
        } else {
          String classes = named(c.byClass(), "class", "classes", move);
          if (classes != null) {
            b.append(where == null ? "; " : "; by class, ").append(classes);
          }
        }
        return b.append('.').toString();
      default:
        return start + ".";
    }
  }

  /** "up 3.8×" for large rises, else "up 12%" / "down 40%"; "up from 0" for a zero baseline. */
  private static String factor(Change c) {
    boolean up = c.delta() > 0;
    if (c.ratio() == null) {
      return up ? "up" : "down";
    }
    double r = c.ratio();
    if (up && r >= 1.5) {
      return fmt("up %.1f\u00d7", r);
    }
    return fmt("%s %.0f%%", up ? "up" : "down", 100 * Math.abs(r - 1));
  }

  /** The slice value with the largest share of the move, over every slice column. */
  private static String where(Change c, String move) {
    Change.Part best = null;
    String column = null;
    for (Change.Attribution a : list(c.bySlice())) {
      for (Change.Part p : list(a.parts())) {
        if (p.role().equals("driver") && (best == null || p.share() > best.share())) {
          best = p;
          column = a.dimension();
        }
      }
    }
    if (best == null) {
      return null;
    }
    String pct = ClassShares.percent(best.share());
    String place = column + "=" + best.name();
    return best.share() >= 0.5
        ? pct + " of the " + move + " is in " + place
        : "the largest part of the " + move + ", " + pct + ", is in " + place;
  }

  /** The position bucket with the largest share of the move ("62% of the rise is at ..."). */
  private static String position(Change c, String move) {
    Change.Part best = largestDriver(c.byPosition());
    if (best == null) {
      return null;
    }
    String pct = ClassShares.percent(best.share());
    String place = (best.name().equals("0") ? "position " : "positions ") + best.name();
    return best.share() >= 0.5
        ? pct + " of the " + move + " is at " + place
        : "the largest part by position, " + pct + ", is at " + place;
  }

  private static Change.Part largestDriver(Change.Attribution a) {
    Change.Part best = null;
    for (Change.Part p : list(a == null ? null : a.parts())) {
      if (p.role().equals("driver") && (best == null || p.share() > best.share())) {
        best = p;
      }
    }
    return best;
  }

  /**
   * The fewest largest drivers of a view (classes, or tokens) that carry three quarters of the move
   * (at most three), e.g. "classes cat and dog carry 80% of the rise"; the tokens no run lists all
   * of are not one token and are not named.
   */
  private static String named(Change.Attribution a, String singular, String plural, String move) {
    if (a == null) {
      return null;
    }
    List<Change.Part> drivers = new ArrayList<>();
    for (Change.Part p : list(a.parts())) {
      if (p.role().equals("driver") && !p.name().equals(Change.UNLISTED_TOKENS)) {
        drivers.add(p);
      }
    }
    drivers.sort(Comparator.comparingDouble(p -> -p.share()));
    List<String> names = new ArrayList<>();
    double share = 0;
    for (Change.Part p : drivers) {
      if (names.size() == MAX_NAMED_CLASSES || share >= NAMED_CLASSES_SHARE) {
        break;
      }
      names.add(p.name());
      share += p.share();
    }
    if (names.isEmpty()) {
      return null;
    }
    String list =
        names.size() == 1
            ? singular + " " + names.get(0) + " carries "
            : plural
                + " "
                + String.join(", ", names.subList(0, names.size() - 1))
                + " and "
                + names.get(names.size() - 1)
                + " carry ";
    return list + ClassShares.percent(share) + " of the " + move;
  }

  /**
   * Which earlier runs the comparisons used, the accepted run the baseline starts at, and the
   * recent runs left out and why: a reader can tell why yesterday's alert did not become today's
   * normal.
   */
  static void baseline(StringBuilder h, Summary.BaselineInfo b) {
    if (b == null || b.runs() == null || b.windowRuns() == null || b.leftOut() == null) {
      return;
    }
    openSection(h, "baseline", "Baseline runs");
    StringBuilder p = new StringBuilder();
    p.append(
        b.runs().isEmpty()
            ? "No eligible earlier run to compare with (baseline.mode=" + b.mode() + ")."
            : "Compared with "
                + runs(b.runs())
                + " (baseline.mode="
                + b.mode()
                + "); sigma bands use "
                + (b.windowRuns().isEmpty() ? "no run" : runs(b.windowRuns()))
                + " (up to the last "
                + b.window()
                + " eligible).");
    if (b.acceptedFrom() != null) {
      Summary.Accepted a = b.acceptedFrom();
      p.append(" The baseline starts at run ")
          .append(a.runDate())
          .append(", accepted at ")
          .append(a.acceptedAt())
          .append(
              a.reason() == null || a.reason().isEmpty() ? "" : ": \u201c" + a.reason() + "\u201d")
          .append('.');
    }
    if (!b.leftOut().isEmpty()) {
      List<String> parts = new ArrayList<>();
      b.leftOut().forEach(l -> parts.add(l.runDate() + ": " + l.reason()));
      p.append(" Left out: ").append(String.join("; ", parts)).append('.');
    }
    h.append("<p>").append(esc(p.toString())).append("</p>\n");
    closeSection(h);
  }

  private static String runs(List<String> dates) {
    if (dates.size() == 1) {
      return "run " + dates.get(0);
    }
    return dates.size() + " runs " + dates.get(0) + ".." + dates.get(dates.size() - 1);
  }

  private static String baselineMode(Summary s) {
    Map<String, String> config = at(s, Summary::config);
    String mode = config == null ? null : config.get("baseline.mode");
    return mode == null ? "" : " (baseline.mode=" + mode + ")";
  }

  private static String kindWords(String kind) {
    return switch (kind) {
      case "probs" -> "probabilities";
      case "log_probs" -> "log-probabilities";
      case "topk_log_probs" -> "top-k log-probabilities";
      default -> kind;
    };
  }

  /**
   * What {@code input.temperature} applied to, when it is not 1: the kernel divides the logits of a
   * side whose kind is logits by T before the log-softmax ({@code inputs.temperature.applies_to})
   * and uses probabilities and log-probabilities as given; T²·KL is reported whenever a side is
   * logits. Null when T is 1 or the summary does not say. The other side's kind, named in the
   * sentence, is read from the configuration.
   */
  static String temperatureNote(Summary s) {
    Summary.Temperature temperature = at(at(s, Summary::inputs), Summary.Inputs::temperature);
    if (temperature == null || temperature.value() == 1.0) {
      return null;
    }
    double t = temperature.value();
    Map<String, String> config = at(s, Summary::config);
    Map<String, String> kinds = config == null ? Map.of() : config;
    String teacher = kinds.getOrDefault("input.teacher.kind", "probs");
    String student = kinds.getOrDefault("input.student.kind", "probs");
    boolean tl = list(temperature.appliesTo()).contains("teacher");
    boolean sl = list(temperature.appliesTo()).contains("student");
    String tt = num(t);
    String head = "Temperature: input.temperature = " + tt;
    if (!tl && !sl) {
      return head
          + " has no effect here: it applies to logits only, and the teacher's input is "
          + teacher
          + ", the student's "
          + student
          + ".";
    }
    String scope;
    if (tl && sl) {
      scope =
          " divides both sides' logits before the softmax (softmax(z/"
              + tt
              + ")): every divergence on this page is between the tempered distributions.";
    } else {
      String logits = tl ? "teacher" : "student";
      String other = tl ? "student" : "teacher";
      scope =
          " applies to the "
              + logits
              + "'s logits only (softmax(z/"
              + tt
              + ")); the "
              + other
              + "'s "
              + kindWords(tl ? student : teacher)
              + " are used as given, untempered, so the "
              + logits
              + " is compared at temperature "
              + tt
              + " with the "
              + other
              + " at its own.";
    }
    Double t2 = at(at(at(s, Summary::global), Summary.Global::t2Kl), Summary.Stats::mean);
    return head
        + scope
        + " T\u00b2\u00b7KL, the distillation-loss convention (not a divergence), has mean "
        + num(t2)
        + " (global.t2_kl).";
  }
}
