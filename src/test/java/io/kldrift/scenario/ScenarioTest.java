package io.kldrift.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.job.AcceptJob;
import io.kldrift.job.DriftJob;
import io.kldrift.sample.SampleGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every scenario of {@code src/test/resources/scenarios/} night by night through the real job
 * in process, on generated data with a different seed per night (real nights differ by sampling
 * noise), laid out as {@code jobs/nightly} reads it ({@code <logs>/{teacher,student}/dt=DATE/}),
 * and compares each night's status, exit code, baseline runs and persistence with the script. Like
 * {@code promtool test rules}, a failure lists every night that differs, not only the first.
 */
class ScenarioTest {
  private final SparkSession spark = TestSpark.get();

  /** Examples per night: enough that a clean night's mean KL varies by a few percent. */
  private static final long ROWS = 1500;

  @TempDir Path tmp;

  static Stream<Path> scenarios() throws IOException {
    Path dir = Path.of("src/test/resources/scenarios");
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".scenario")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void scenario(Path file) throws Exception {
    Scenario sc = Scenario.read(file);
    Path conf = tmp.resolve("nightly.properties");
    Files.writeString(conf, String.join("\n", sc.config()) + "\n");
    Path logs = tmp.resolve("logs");
    Files.createDirectories(logs.resolve("teacher"));
    Files.createDirectories(logs.resolve("student"));
    String root = tmp.resolve("reports").toString();
    List<String> differences = new ArrayList<>();
    List<String> trace = new ArrayList<>();
    Map<String, Double> finished = new java.util.HashMap<>();
    for (Scenario.Step step : sc.steps()) {
      if (step.isAccept()) {
        int code =
            AcceptJob.run("--out", root, "--run-date", step.date(), "--reason", step.reason());
        if (code != 0) {
          differences.add(file + ":" + step.line() + ": accept " + step.date() + " exit " + code);
        }
        trace.add("accept " + step.date());
        continue;
      }
      prepare(sc.name(), logs, step);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--teacher",
                  logs.resolve("teacher/dt=" + step.date()).toString(),
                  "--student",
                  logs.resolve("student/dt=" + step.date()).toString(),
                  "--config",
                  conf.toString(),
                  "--out",
                  root,
                  "--run-date",
                  step.date(),
                  "--quiet",
                  "--conf",
                  "report.prometheus=true"));
      if (step.event().containsKey("dataset")) {
        args.addAll(List.of("--conf", "run.dataset=" + step.event().get("dataset")));
      }
      int code = DriftJob.run(args.toArray(String[]::new));
      String folder = root + "/run_date=" + step.date();
      JsonNode s = Fixtures.summary(folder);
      Map<String, String> actual = actual(s, code);
      differences.addAll(staleness(file, step, folder, s, finished));
      trace.add(step.date() + " " + step.event() + " -> " + actual);
      step.expect()
          .forEach(
              (k, want) -> {
                String got =
                    k.equals("message") ? failingMessages(s) : actual.getOrDefault(k, "(none)");
                boolean ok =
                    k.equals("message") ? got.contains(want.replace('_', ' ')) : got.equals(want);
                if (!ok) {
                  differences.add(
                      String.format(
                          Locale.ROOT,
                          "%s:%d: %s %s: expected %s=%s, got %s",
                          file.getFileName(),
                          step.line(),
                          step.date(),
                          step.event().keySet(),
                          k,
                          want,
                          got));
                }
              });
    }
    assertThat(differences)
        .as("nights that differ from the script; every night:%n  %s", String.join("\n  ", trace))
        .isEmpty();
  }

  /** Writes the night's partitions as the event says. */
  private void prepare(String scenario, Path logs, Scenario.Step step) throws IOException {
    Map<String, String> e = step.event();
    Path teacher = logs.resolve("teacher/dt=" + step.date());
    Path student = logs.resolve("student/dt=" + step.date());
    delete(teacher);
    delete(student);
    if (e.containsKey("missing")) {
      return;
    }
    if (e.containsKey("empty")) {
      Files.createDirectories(teacher);
      Files.createDirectories(student);
      return;
    }
    double drift = Double.parseDouble(e.getOrDefault("drift", "0"));
    long seed = (scenario + "/" + step.date() + "/" + e.getOrDefault("dataset", "")).hashCode();
    Path gen = tmp.resolve("gen-" + step.date() + "-" + Math.abs(seed));
    SampleGenerator.generate(
        spark,
        new SampleGenerator.Spec(ROWS, 10, seed, false, List.of(3, 5), drift, 0.001, 1),
        gen.toString());
    Files.move(gen.resolve("teacher"), teacher);
    if (!e.containsKey("student-missing")) {
      Files.move(gen.resolve("student"), student);
    }
  }

  /**
   * metrics.prom's timestamps: an OK run is its own last OK run; otherwise the last OK run is the
   * one summary.json names, with the finishing time that run's own metrics.prom gave.
   */
  private static List<String> staleness(
      Path file, Scenario.Step step, String folder, JsonNode s, Map<String, Double> finished)
      throws IOException {
    String prom = Files.readString(Path.of(folder, "metrics.prom"));
    double run = gauge(prom, "kldrift_run_timestamp_seconds");
    double lastOk = gauge(prom, "kldrift_last_ok_timestamp_seconds");
    String okDate = s.path("last_ok").path("run_date").asText("");
    String where = file.getFileName() + ":" + step.line() + ": " + step.date() + " metrics.prom: ";
    List<String> diffs = new ArrayList<>();
    if (Math.abs(run - System.currentTimeMillis() / 1000.0) > 600) {
      diffs.add(where + "run timestamp " + run + " is not now");
    }
    if (s.get("status").asText().equals("OK")) {
      finished.put(step.date(), run);
      if (Math.abs(lastOk - run) > 0.01 || !okDate.equals(step.date())) {
        diffs.add(where + "an OK run's last OK " + lastOk + " / " + okDate + " is not itself");
      }
    } else if (okDate.isEmpty()) {
      if (lastOk != 0) {
        diffs.add(where + "last OK " + lastOk + " without an OK run");
      }
    } else if (finished.get(okDate) == null || Math.abs(finished.get(okDate) - lastOk) > 0.01) {
      diffs.add(where + "last OK " + lastOk + " is not when " + okDate + " finished");
    }
    return diffs;
  }

  private static double gauge(String prom, String name) {
    for (String line : prom.split("\n")) {
      if (line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + " in metrics.prom:\n" + prom);
  }

  private static void delete(Path p) throws IOException {
    if (Files.exists(p)) {
      try (Stream<Path> all = Files.walk(p)) {
        for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  private static Map<String, String> actual(JsonNode s, int code) {
    JsonNode b = s.path("baseline");
    return Map.of(
        "status",
        s.get("status").asText(),
        "exit",
        String.valueOf(code),
        "baseline",
        dates(b.path("runs")),
        "left_out",
        dates(b.path("left_out")),
        "since",
        s.path("status_since").asText("(none)"),
        "runs",
        s.path("status_runs").asText("(none)"),
        "last_ok",
        s.path("last_ok").path("run_date").asText("-"),
        "kl",
        String.format(Locale.ROOT, "%.4f", s.path("global").path("kl").path("mean").asDouble()));
  }

  private static String dates(JsonNode list) {
    List<String> d = new ArrayList<>();
    list.forEach(x -> d.add(x.isTextual() ? x.asText() : x.path("run_date").asText()));
    return d.isEmpty() ? "-" : String.join(",", d);
  }

  private static String failingMessages(JsonNode s) {
    List<String> m = new ArrayList<>();
    for (JsonNode c : s.get("checks")) {
      if (!c.get("outcome").asText().equals("OK")) {
        m.add(c.get("name").asText() + ": " + c.get("message").asText());
      }
    }
    return String.join(" | ", m);
  }
}
