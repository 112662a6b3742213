package io.kldrift;

import io.kldrift.job.ExitCodes;
import java.util.ArrayList;
import java.util.List;

/**
 * The one exception type kldrift raises for problems a user can fix. Its message states what is
 * wrong, where (table, column, rule, an example key) and how to fix it; its {@link #kind()} decides
 * the job's exit code.
 */
public final class DriftException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of problem, and so which exit code the job returns. */
  public enum Kind {
    /** The input tables break the input contract. */
    INVALID_INPUT(ExitCodes.INVALID_INPUT),
    /** The configuration or the command line is wrong. */
    INVALID_CONFIG(ExitCodes.USAGE),
    /** Another run of the same date published first; this run published nothing. */
    CONFLICT(ExitCodes.CONFLICT),
    /** The run cannot fit in the memory it has; known before any scan. */
    RESOURCES(ExitCodes.RESOURCES);

    private final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }

    /** The process exit code the job uses for this kind. */
    public int exitCode() {
      return exitCode;
    }
  }

  private final Kind kind;
  private final List<String> lines;

  private DriftException(Kind kind, String message) {
    this(kind, List.of(message));
  }

  private DriftException(Kind kind, List<String> lines) {
    super(String.join("\n  ", lines));
    this.kind = kind;
    this.lines = List.copyOf(lines);
  }

  /** Which kind of problem this is. */
  public Kind kind() {
    return kind;
  }

  /**
   * The message as the console shows it: one line, or for a list of problems a heading, one line
   * per problem and the fix (the message joins them with a newline and an indent).
   */
  public List<String> lines() {
    return lines;
  }

  /**
   * Input data that breaks several rules at once, so that one run names them all: {@code problem}
   * (a heading), one line per item, then how to fix them.
   */
  public static DriftException invalidInput(String problem, List<String> items, String fix) {
    List<String> all = new ArrayList<>();
    all.add(problem + ":");
    all.addAll(items);
    all.add("Fix: " + fix + ".");
    return new DriftException(Kind.INVALID_INPUT, all);
  }

  /** Input data that breaks a rule: {@code problem}, then how to fix it. */
  public static DriftException invalidInput(String problem, String fix) {
    return new DriftException(Kind.INVALID_INPUT, problem + ". Fix: " + fix + ".");
  }

  /** A publish race this run lost: {@code problem} (naming the winner), then what to do. */
  public static DriftException conflict(String problem, String fix) {
    return new DriftException(Kind.CONFLICT, problem + ". Fix: " + fix + ".");
  }

  /** A size the run's memory cannot hold: {@code problem} with the arithmetic, then the fix. */
  public static DriftException resources(String problem, String fix) {
    return new DriftException(Kind.RESOURCES, problem + ". Fix: " + fix + ".");
  }

  /**
   * {@code template} with each {@code {}} replaced by the next of {@code facts} as text: an error
   * catalog writes a message as one sentence with its facts marked, not as a chain of pieces.
   */
  public static String fill(String template, Object... facts) {
    StringBuilder b = new StringBuilder();
    int from = 0;
    for (Object fact : facts) {
      int at = template.indexOf("{}", from);
      if (at < 0) {
        throw new IllegalArgumentException(template);
      }
      b.append(template, from, at).append(fact);
      from = at + 2;
    }
    if (template.indexOf("{}", from) >= 0) {
      throw new IllegalArgumentException(template);
    }
    return b.append(template, from, template.length()).toString();
  }

  /** Configuration that cannot be used: {@code problem}, then how to fix it. */
  public static DriftException invalidConfig(String problem, String fix) {
    return new DriftException(Kind.INVALID_CONFIG, problem + ". Fix: " + fix + ".");
  }
}
