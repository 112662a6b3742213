package io.kldrift.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The phases of one whole-process run, read from its Spark event log (written uncompressed, {@code
 * spark.eventLog.compress=false}) and the moments the bench started and saw the end of the process:
 * JVM start (launch to the SparkContext's start), the Spark session (to the local executor's
 * registration), then one phase per step of the job, named by the job description kldrift sets on
 * its Spark jobs and SQL executions (each phase runs from the end of the one before to the end of
 * its last job, so the driver's planning before a step counts to it), the driver's work before the
 * first write (checks, page, staging), and publish, stop and exit after the last.
 */
final class EventTimeline {
  private EventTimeline() {}

  /** One phase: its name, its wall milliseconds, the Spark jobs it ran. */
  record Phase(String name, long millis, int jobs) {}

  /** What a run's event log says. */
  record Breakdown(List<Phase> phases, int jobs) {}

  /** Phase names from the job descriptions kldrift sets ({@code kldrift: <step>}). */
  static String phaseOf(String description) {
    if (description == null) {
      return "other driver work";
    }
    // Delta's own jobs carry the step's description after "Delta: " and before their own part
    // ("Delta: kldrift: write per_class (delta): Compute snapshot for version: 1"): they count to
    // the step.
    String d = description;
    while (d.startsWith("Delta: ")) {
      d = d.substring(7);
    }
    d = d.startsWith("kldrift: ") ? d.substring(9) : d;
    for (String cut : List.of(": ", " - ")) {
      if (d.contains(cut) && !d.startsWith("bench: ")) {
        d = d.substring(0, d.indexOf(cut));
      }
    }
    if (d.startsWith("read inputs")) {
      return "footers and schemas";
    }
    if (d.startsWith("join, row rules")) {
      return "the pass";
    }
    if (d.startsWith("bench: ")) {
      return d.substring(7);
    }
    if (d.startsWith("write report")) {
      return "write: files, commit, driver-written tables";
    }
    if (d.startsWith("write ")) {
      return "write: " + d.substring(6);
    }
    if (d.startsWith("collectAsList at KlDrift")) {
      return "checks, page, staging";
    }
    return d.length() > 50 ? d.substring(0, 50) : d;
  }

  private record Mark(String phase, long start, long end, boolean job) {}

  /**
   * The breakdown of the run whose event log is under {@code dir}, launched at {@code launched} and
   * seen ended at {@code ended} (epoch milliseconds).
   */
  static Breakdown read(Path dir, long launched, long ended) throws IOException {
    ObjectMapper json = new ObjectMapper();
    long appStart = -1, appEnd = -1, sessionReady = -1;
    List<Mark> marks = new ArrayList<>();
    Map<Integer, Object[]> jobs = new HashMap<>();
    Map<Long, Object[]> sql = new HashMap<>();
    for (Path f : logFiles(dir)) {
      try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          JsonNode e = json.readTree(line);
          String ev = e.path("Event").asText();
          switch (ev) {
            case "SparkListenerApplicationStart" -> appStart = e.path("Timestamp").asLong();
            case "SparkListenerApplicationEnd" -> appEnd = e.path("Timestamp").asLong();
            case "SparkListenerExecutorAdded", "SparkListenerBlockManagerAdded" ->
                sessionReady = Math.max(sessionReady, e.path("Timestamp").asLong());
            case "SparkListenerJobStart" -> {
              JsonNode d = e.path("Properties").path("spark.job.description");
              jobs.put(
                  e.path("Job ID").asInt(),
                  new Object[] {
                    phaseOf(d.isMissingNode() ? null : d.asText()),
                    e.path("Submission Time").asLong()
                  });
            }
            case "SparkListenerJobEnd" -> {
              Object[] s = jobs.remove(e.path("Job ID").asInt());
              if (s != null) {
                marks.add(
                    new Mark((String) s[0], (Long) s[1], e.path("Completion Time").asLong(), true));
              }
            }
            case "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart" ->
                sql.put(
                    e.path("executionId").asLong(),
                    new Object[] {
                      phaseOf(e.path("description").asText()), e.path("time").asLong()
                    });
            case "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd" -> {
              Object[] s = sql.remove(e.path("executionId").asLong());
              if (s != null) {
                marks.add(new Mark((String) s[0], (Long) s[1], e.path("time").asLong(), false));
              }
            }
            default -> {}
          }
        }
      }
    }
    if (appStart < 0) {
      throw new IOException("no application start in the event log under " + dir);
    }
    marks.sort(java.util.Comparator.comparingLong(Mark::start));
    Map<String, long[]> phases = new LinkedHashMap<>();
    phases.put("JVM start, launcher, options", new long[] {appStart - launched, 0});
    long ready = sessionReady > 0 ? sessionReady : appStart;
    phases.put("Spark session", new long[] {ready - appStart, 0});
    long boundary = ready;
    boolean wrote = false;
    int total = 0;
    // Consecutive marks of one phase form a segment; a segment's time runs from the previous
    // segment's end to its own last end.
    for (int i = 0; i < marks.size(); ) {
      String name = marks.get(i).phase();
      long first = marks.get(i).start();
      long end = boundary;
      int n = 0;
      for (; i < marks.size() && marks.get(i).phase().equals(name); i++) {
        end = Math.max(end, marks.get(i).end());
        n += marks.get(i).job() ? 1 : 0;
      }
      if (name.startsWith("write") && !wrote) {
        wrote = true;
        add(phases, "checks, page, staging", Math.max(0, first - boundary), 0);
        boundary = Math.max(boundary, first);
      }
      add(phases, name, Math.max(0, end - boundary), n);
      total += n;
      boundary = Math.max(boundary, end);
    }
    long stop = appEnd > 0 ? appEnd : boundary;
    add(phases, "renames, summary, session stop", Math.max(0, stop - boundary), 0);
    add(phases, "JVM exit", Math.max(0, ended - stop), 0);
    List<Phase> out = new ArrayList<>();
    phases.forEach((k, v) -> out.add(new Phase(k, v[0], (int) v[1])));
    return new Breakdown(out, total);
  }

  private static void add(Map<String, long[]> phases, String name, long millis, int jobs) {
    long[] v = phases.computeIfAbsent(name, k -> new long[2]);
    v[0] += millis;
    v[1] += jobs;
  }

  /** The event log's files (a rolling log is a folder of numbered parts), in order. */
  private static List<Path> logFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(
              p -> {
                String n = p.getFileName().toString();
                return !n.startsWith(".") && !n.startsWith("appstatus");
              })
          .sorted()
          .toList();
    }
  }
}
