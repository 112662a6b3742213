package io.kldrift.console;

/**
 * How much a run says on the console: whether progress lines are off ({@code --quiet}) and whether
 * an error's full trace is printed too ({@code --verbose}). A job builds one from its options and
 * hands it to the run; warnings print either way.
 *
 * @param quiet no progress lines on standard error
 * @param verbose print the full trace of an error on the console as well as in its log file
 */
public record Verbosity(boolean quiet, boolean verbose) {
  /** Progress lines on, traces only in the log file. */
  public static final Verbosity NORMAL = new Verbosity(false, false);

  /** No progress lines, traces only in the log file. */
  public static final Verbosity QUIET = new Verbosity(true, false);

  /** This verbosity with progress lines off. */
  public Verbosity quieted() {
    return new Verbosity(true, verbose);
  }
}
