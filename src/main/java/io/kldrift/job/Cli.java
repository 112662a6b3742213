package io.kldrift.job;

import io.kldrift.console.Progress;
import io.kldrift.console.Verbosity;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command-line grammar every job shares: one help layout (usage, description, options,
 * environment variables, exit codes, notes), a malformed command line as one line naming the option
 * and the form it takes (exit 2), and anything the job throws through {@link Failures}.
 */
final class Cli {
  /** What the local launcher (jobs/_launcher.sh) reads, for the jobs it starts. */
  static final Map<String, String> LAUNCHER_ENVIRONMENT = launcherEnvironment(true);

  /** The launcher's variables for a job that always runs on the embedded Spark runtime. */
  static final Map<String, String> EMBEDDED_ENVIRONMENT = launcherEnvironment(false);

  private static final String ENVIRONMENT_HEADING = "kldriftEnvironmentHeading";

  private static final String ENVIRONMENT = "kldriftEnvironment";

  private Cli() {}

  private static Map<String, String> launcherEnvironment(boolean submit) {
    Map<String, String> env = new LinkedHashMap<>();
    if (submit) {
      env.put(
          "SPARK_HOME",
          "A Spark installation: its bin/spark-submit runs the job (else spark-submit on the PATH,"
              + " else the embedded Spark runtime).");
      env.put(
          "KLDRIFT_EMBEDDED", "1: use the embedded Spark runtime even when spark-submit is found.");
      env.put("KLDRIFT_SUBMIT_OPTS", "Options spark-submit gets before the jar.");
    }
    env.put(
        "KLDRIFT_DRIVER_MEMORY",
        "Heap of the local JVM, which in local mode runs the executors too (default: 4g).");
    env.put("KLDRIFT_JAVA_OPTS", "More options for the local JVM.");
    env.put(
        "KLDRIFT_NO_CDS",
        "1: no start-up archive (target/kldrift-cds.jsa, written by the first run after a build).");
    env.put("SPARK_LOCAL_IP", "Address a local run binds to (default: 127.0.0.1).");
    return env;
  }

  /**
   * Says that the JVM writes the launcher's start-up archive when it exits, if it does (the
   * launcher sets the property on the first run after a build): a job calls this just before its
   * final lines, so that the wait after the status line is announced and the status stays last.
   */
  static void startupArchiveNotice() {
    String archive = System.getProperty("kldrift.startup_archive");
    if (archive != null) {
      System.err.println(
          "[kldrift] first run after a build: after the status line the JVM writes the start-up"
              + " archive "
              + archive
              + " (once, ~30 s) ...");
    }
  }

  /** A job's {@code main}: one-line errors on standard error, then exits with the run's code. */
  static void launch(java.util.function.ToIntFunction<String[]> run, String[] args) {
    StandardError.install();
    System.exit(run.applyAsInt(args));
  }

  /** Runs {@code job} with the shared grammar and returns its exit code. */
  static int run(Object job, Map<String, String> environment, String... args) {
    CommandLine cl = commandLine(job, environment);
    return cl.execute(args);
  }

  /** The job's command line with the shared help layout and error handling. */
  static CommandLine commandLine(Object job, Map<String, String> environment) {
    CommandLine cl = new CommandLine(job);
    cl.setExecutionStrategy(
        parsed -> Progress.during(verbosity(job), () -> new CommandLine.RunLast().execute(parsed)));
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> Failures.report(e, verbosity(job)));
    cl.setParameterExceptionHandler(Cli::badCommandLine);
    UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
    usage
        .autoWidth(true)
        .synopsisHeading("Usage: ")
        .descriptionHeading("%n")
        .optionListHeading("%nOptions:%n")
        .exitCodeListHeading("%nExit codes:%n")
        .footerHeading("%n");
    cl.getHelpSectionMap()
        .put(ENVIRONMENT_HEADING, help -> help.createHeading("%nEnvironment variables:%n"));
    cl.getHelpSectionMap().put(ENVIRONMENT, help -> help.createTextTable(environment).toString());
    List<String> keys = new ArrayList<>(cl.getHelpSectionKeys());
    int at = keys.indexOf(UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING);
    keys.add(at, ENVIRONMENT);
    keys.add(at, ENVIRONMENT_HEADING);
    cl.setHelpSectionKeys(keys);
    return cl;
  }

  /** The job's verbosity once its options are parsed. */
  private static Verbosity verbosity(Object job) {
    return job instanceof Job j ? j.verbosity() : Verbosity.NORMAL;
  }

  /** A malformed command line: one line naming the option and its form, exit 2. */
  private static int badCommandLine(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("kldrift: error: " + problem(e) + "; see " + cmd.getCommandName() + " --help");
    err.flush();
    return ExitCodes.USAGE;
  }

  static String problem(ParameterException e) {
    if (e instanceof UnmatchedArgumentException u) {
      String what = u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0);
      List<String> close = u.getSuggestions();
      return (what.startsWith("-") ? "unknown option '" : "unexpected argument '")
          + what
          + "'"
          + (close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close) + "?)");
    }
    if (e instanceof MissingParameterException m) {
      List<OptionSpec> options =
          m.getMissing().stream()
              .filter(OptionSpec.class::isInstance)
              .map(OptionSpec.class::cast)
              .toList();
      if (!options.isEmpty()
          && String.valueOf(m.getMessage()).startsWith("Missing required option")) {
        return "missing " + options.stream().map(Cli::form).collect(Collectors.joining(" and "));
      }
      if (options.size() == 1) {
        return options.get(0).longestName() + " needs a value: " + form(options.get(0));
      }
    }
    if (e.getArgSpec() instanceof OptionSpec o && e.getValue() != null) {
      return o.longestName()
          + " '"
          + e.getValue()
          + "' is not valid: expected "
          + form(o)
          + kind(o.type());
    }
    // A job's own check (GenerateSample's --layout) already says what is wrong and what to use.
    return String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** How an option is written: {@code --conf KEY=VALUE}, {@code --quiet}. */
  static String form(OptionSpec o) {
    return o.arity().max() > 0 ? o.longestName() + " " + o.paramLabel() : o.longestName();
  }

  private static String kind(Class<?> type) {
    if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
      return " (a whole number)";
    }
    if (type == double.class || type == Double.class) {
      return " (a number)";
    }
    return "";
  }
}
