package io.kldrift.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.store.ReportStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to a subset of the sample tables, cases drawn from fixed seeds, each run through
 * {@link DriftJob#run} (main's path from exception to exit code): every run ends with exit 0, 2, 3
 * or 4; a failure prints exactly one kldrift error line on standard error (and an indented line per
 * rule when a table breaks several) and no trace; the report root holds only whole reports (the
 * previous one untouched, nothing staged left behind). The tally by exit code, damage kind and
 * message goes to {@code target/mutation-summary.txt}, each case with what it printed to {@code
 * target/mutation-cases.txt}.
 */
class BadInputMutationTest {
  /**
   * Cases tried: 120 by default (about a minute; each damage kind comes up some 15 times); {@code
   * -Dkldrift.mutation.cases=640} runs all 640 fixed-seed cases (seeds 1300..1939), any N the first
   * N.
   */
  private static final int CASES = Integer.getInteger("kldrift.mutation.cases", 120);

  /** First seed; case i uses seed FIRST_SEED + i. */
  private static final long FIRST_SEED = Long.getLong("kldrift.mutation.seed", 1300L);

  private static final String BASE_DATE = "2026-11-01", RUN_DATE = "2026-11-02";

  private static final Set<Integer> DOCUMENTED =
      Set.of(ExitCodes.OK, ExitCodes.USAGE, ExitCodes.INVALID_INPUT, ExitCodes.ALERT);

  private final SparkSession spark = TestSpark.get();

  @TempDir Path tmp;

  /** One drawn case: its seed, damage, input paths, folder, and how it is run. */
  record Drawn(
      long seed,
      Mutations.Case c,
      String teacher,
      String student,
      Path dir,
      boolean previous,
      List<String> extra) {}

  /** Exit code and the two console streams of one run. */
  record Outcome(int code, String err, String out) {}

  @Test
  void randomDamageEndsWithADocumentedCodeOneLineAndWholeReports() throws Exception {
    Mutations.Tables base = Mutations.sample(spark, 60);
    Path good = tmp.resolve("good");
    String goodTeacher = Mutations.write(spark, base.teacher(), good.resolve("teacher"));
    String goodStudent = Mutations.write(spark, base.student(), good.resolve("student"));
    Path baseline = tmp.resolve("baseline");
    Outcome first =
        run(goodTeacher, goodStudent, baseline, BASE_DATE, List.of("--config", config()));
    assertThat(first.code()).as(first.err()).isIn(ExitCodes.OK, ExitCodes.ALERT);
    Map<String, String> baselineFiles = Fixtures.snapshot(baseline, true);
    Set<String> reportEntries = entries(baseline.resolve("run_date=" + BASE_DATE));

    Tally tally = new Tally();
    List<String> problems = new ArrayList<>();
    List<String> cases = new ArrayList<>();
    // Every case is drawn first, so that the damaged tables are written in a few Spark jobs.
    List<Drawn> drawn = new ArrayList<>();
    List<Mutations.Pending> pending = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      long seed = FIRST_SEED + i;
      Random r = new Random(seed);
      Path dir = tmp.resolve("case-" + i);
      Mutations.Case c = Mutations.damage(r, base);
      String t = goodTeacher, s = goodStudent;
      if (c.teacherDamaged()) {
        t = dir.resolve("teacher").toString();
        pending.add(new Mutations.Pending(c.teacher(), Path.of(t), new Random(seed * 31 + 1)));
      }
      if (c.studentDamaged()) {
        s = dir.resolve("student").toString();
        pending.add(new Mutations.Pending(c.student(), Path.of(s), new Random(seed * 31 + 2)));
      }
      List<String> extra = new ArrayList<>();
      if (r.nextInt(5) > 0) {
        extra.addAll(List.of("--config", config()));
      }
      extra.addAll(c.conf());
      drawn.add(new Drawn(seed, c, t, s, dir, r.nextInt(3) > 0, extra));
    }
    long w0 = System.nanoTime();
    Mutations.writeAll(spark, pending, tmp.resolve("scratch"));
    tally.written(System.nanoTime() - w0);

    for (Drawn d : drawn) {
      Path out = d.dir().resolve("out");
      if (d.previous()) {
        Fixtures.copyTree(baseline, out);
      }
      long t1 = System.nanoTime();
      Outcome o = run(d.teacher(), d.student(), out, RUN_DATE, d.extra());
      tally.time(o.code(), System.nanoTime() - t1);
      String what = "seed " + d.seed() + " (" + d.c().description() + ")";
      List<String> wrong = check(o, out, d.previous(), baselineFiles, reportEntries);
      wrong.forEach(x -> problems.add(what + ": " + x));
      tally.add(d.c().kinds(), o, wrong.isEmpty());
      cases.add(
          String.format(
              Locale.ROOT,
              "seed %d exit %d: %s%n    %s",
              d.seed(),
              o.code(),
              d.c().description(),
              o.err().isBlank() ? "(nothing on stderr)" : o.err().strip().replace("\n", "\n    ")));
      deleteTree(d.dir());
    }
    String figure = tally.figure(CASES, FIRST_SEED);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "mutation-summary.txt"), figure, StandardCharsets.UTF_8);
    Files.write(Path.of("target", "mutation-cases.txt"), cases, StandardCharsets.UTF_8);
    System.out.println(figure);
    assertThat(problems).as(figure).isEmpty();
  }

  /** What is wrong with one case's outcome: its code, its console lines, its report root. */
  private static List<String> check(
      Outcome o,
      Path out,
      boolean previous,
      Map<String, String> baselineFiles,
      Set<String> reportEntries)
      throws Exception {
    List<String> wrong = new ArrayList<>();
    if (!DOCUMENTED.contains(o.code())) {
      wrong.add("exit " + o.code() + ", stderr: " + o.err().strip());
    }
    if (o.err().contains("\tat ") || o.err().contains("Caused by:")) {
      wrong.add("a stack trace on stderr: " + o.err().strip());
    }
    // Warnings (an empty folder read as an empty table, say) are single lines of their own.
    List<String> lines =
        o.err().lines().filter(l -> !l.isBlank() && !l.startsWith("kldrift: warning: ")).toList();
    boolean written = o.code() == ExitCodes.OK || o.code() == ExitCodes.ALERT;
    // A table that breaks several rules gets one indented line per rule after the error line.
    if (written
        ? !lines.isEmpty()
        : lines.isEmpty()
            || !lines.get(0).startsWith("kldrift: error: ")
            || lines.stream().skip(1).anyMatch(l -> !l.startsWith("  "))) {
      wrong.add(
          (written ? "stderr of a written report: " : "stderr is not one kldrift error line: ")
              + o.err().strip());
    }
    List<String> outLines = o.out().lines().toList();
    if (outLines.isEmpty() || !outLines.get(outLines.size() - 1).startsWith("status: ")) {
      wrong.add("stdout does not end with the status line: " + o.out().strip());
    }
    Map<String, String> now = Files.exists(out) ? Fixtures.snapshot(out, true) : Map.of();
    if (!written) {
      Map<String, String> expected = previous ? baselineFiles : Map.of();
      if (!now.equals(expected)) {
        wrong.add("a failed run changed the report root: " + diff(expected, now));
      }
      return wrong;
    }
    Map<String, String> kept = new TreeMap<>(now);
    kept.keySet().removeIf(k -> k.startsWith("run_date=" + RUN_DATE) || isNewHistory(k));
    Map<String, String> expected = previous ? baselineFiles : Map.of();
    Map<String, String> expectedKept = new TreeMap<>(expected);
    // A new root gets the marker (and, locally, its checksum file).
    expectedKept.keySet().removeIf(k -> k.contains(ReportStore.MARKER));
    kept.keySet().removeIf(k -> k.contains(ReportStore.MARKER));
    if (!kept.equals(expectedKept)) {
      wrong.add("besides the new report the root changed: " + diff(expectedKept, kept));
    }
    Path report = out.resolve("run_date=" + RUN_DATE);
    if (!Files.isDirectory(report)) {
      wrong.add("exit " + o.code() + " but no report folder");
      return wrong;
    }
    Set<String> entries = entries(report);
    Set<String> missing = new TreeSet<>(reportEntries);
    missing.removeAll(entries);
    missing.removeAll(Set.of("quarantine", "per_example"));
    if (!missing.isEmpty()) {
      wrong.add("the report lacks " + missing);
    }
    try (Stream<Path> tables = Files.list(report)) {
      for (Path d : tables.filter(Files::isDirectory).toList()) {
        if (!d.getFileName().toString().equals("quarantine")
            && !Files.exists(d.resolve("_SUCCESS"))) {
          wrong.add("table " + d.getFileName() + " has no _SUCCESS");
        }
      }
    }
    JsonNode s = Fixtures.summary(report.toString());
    String status = s.get("status").asText();
    if ((o.code() == ExitCodes.ALERT) != status.equals("ALERT")) {
      wrong.add("exit " + o.code() + " with status " + status);
    }
    if (!Files.isDirectory(out.resolve("history").resolve("run_date=" + RUN_DATE))) {
      wrong.add("no history for the new run");
    }
    return wrong;
  }

  private static boolean isNewHistory(String path) {
    return path.startsWith("history/run_date=" + RUN_DATE);
  }

  private static String diff(Map<String, String> expected, Map<String, String> now) {
    Set<String> added = new TreeSet<>(now.keySet());
    added.removeAll(expected.keySet());
    Set<String> gone = new TreeSet<>(expected.keySet());
    gone.removeAll(now.keySet());
    Set<String> changed = new TreeSet<>();
    expected.forEach(
        (k, v) -> {
          if (now.containsKey(k) && !now.get(k).equals(v)) {
            changed.add(k);
          }
        });
    return "added " + added + ", removed " + gone + ", changed " + changed;
  }

  private static Set<String> entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
    }
  }

  private static String config() {
    return Path.of("sample-data", "kldrift.properties").toAbsolutePath().toString();
  }

  /** One job run in this JVM, as main runs it, with both console streams captured. */
  private static Outcome run(
      String teacher, String student, Path out, String date, List<String> extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--teacher",
                teacher,
                "--student",
                student,
                "--out",
                out.toString(),
                "--run-date",
                date,
                "--quiet"));
    args.addAll(extra);
    PrintStream err = System.err;
    PrintStream stdout = System.out;
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      code = DriftJob.run(args.toArray(String[]::new));
    } finally {
      System.setErr(err);
      System.setOut(stdout);
    }
    return new Outcome(
        code, e.toString(StandardCharsets.UTF_8), o.toString(StandardCharsets.UTF_8));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Outcomes by exit code, by damage kind, and the distinct one-line messages. */
  static final class Tally {
    private final Map<Integer, Integer> byCode = new TreeMap<>();
    private final Map<String, Map<Integer, Integer>> byKind = new TreeMap<>();
    private final Map<String, Integer> messages = new TreeMap<>();
    private int cases, wrong;
    private long writeNanos, runNanos, slowestNanos;

    private final Map<Integer, Long> runNanosByCode = new TreeMap<>();

    void written(long nanos) {
      writeNanos = nanos;
    }

    void time(int code, long run) {
      runNanosByCode.merge(code, run, Long::sum);
      runNanos += run;
      slowestNanos = Math.max(slowestNanos, run);
    }

    void add(List<String> kinds, Outcome o, boolean ok) {
      cases++;
      if (!ok) {
        wrong++;
      }
      byCode.merge(o.code(), 1, Integer::sum);
      for (String k : new TreeSet<>(kinds)) {
        byKind.computeIfAbsent(k, x -> new TreeMap<>()).merge(o.code(), 1, Integer::sum);
      }
      o.err()
          .lines()
          .filter(l -> !l.isBlank())
          .forEach(l -> messages.merge(Mutations.shape(l), 1, Integer::sum));
    }

    String figure(int planned, long firstSeed) {
      StringBuilder b = new StringBuilder();
      b.append(
          String.format(
              Locale.ROOT,
              "cases %d (seeds %d..%d), failing an assertion: %d%n",
              cases,
              firstSeed,
              firstSeed + planned - 1,
              wrong));
      b.append(
          String.format(
              Locale.ROOT,
              "time: inputs written %.0f s, jobs run %.0f s (mean %.2f s, slowest %.1f s)%n",
              writeNanos / 1e9,
              runNanos / 1e9,
              runNanos / 1e9 / Math.max(1, cases),
              slowestNanos / 1e9));
      b.append("by exit code (cases, mean seconds of the job):");
      byCode.forEach(
          (c, n) ->
              b.append(
                  String.format(
                      Locale.ROOT, "  %d: %d (%.2f s)", c, n, runNanosByCode.get(c) / 1e9 / n)));
      b.append(System.lineSeparator());
      b.append("by damage kind (a case may combine several; exit code: cases):")
          .append(System.lineSeparator());
      byKind.forEach(
          (k, m) -> {
            b.append(String.format(Locale.ROOT, "  %-16s", k));
            m.forEach((c, n) -> b.append(String.format(Locale.ROOT, "  %d: %d", c, n)));
            b.append(System.lineSeparator());
          });
      b.append("distinct messages (numbers, paths and keys replaced by placeholders; count):")
          .append(System.lineSeparator());
      messages.forEach((m, n) -> b.append(String.format(Locale.ROOT, "  %4d  %s%n", n, m)));
      return b.toString();
    }
  }
}
