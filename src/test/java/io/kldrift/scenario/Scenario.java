package io.kldrift.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A monitoring scenario in the style of {@code promtool test rules}: a configuration and a script
 * of nights, each with its data event and what the job must conclude, read from a text file.
 *
 * <pre>
 * config check.mean_kl_band.type=sigma
 * # date      event             -> expected
 * 2026-11-01  clean             -> status=OK exit=0 baseline=- since=2026-11-01 runs=1
 * 2026-11-05  drift=1.5         -> status=ALERT exit=4 baseline=2026-11-04
 * accept 2026-11-05 student v2 rolled out
 * </pre>
 *
 * Events: {@code clean}; {@code drift=X} (the student loses X logits on two classes of one slice);
 * {@code missing} (neither date partition exists); {@code empty} (both exist without data files);
 * {@code student-missing} (only the teacher's partition exists); {@code dataset=NAME} (the run is
 * tagged with another run.dataset). Expectations: {@code status}, {@code exit}, {@code baseline}
 * (the dates of summary.json's {@code baseline.runs}, comma-separated, {@code -} for none), {@code
 * since} and {@code runs} ({@code status_since}, {@code status_runs}), {@code left_out} (dates of
 * {@code baseline.left_out}), {@code message} (text the failing check's message contains, with
 * {@code _} for a space).
 */
record Scenario(String name, List<String> config, List<Step> steps) {

  /** One line of the script: a night to run, or a run to accept. */
  record Step(
      int line, String date, Map<String, String> event, Map<String, String> expect, String reason) {
    boolean isAccept() {
      return reason != null;
    }
  }

  static Scenario read(Path file) throws IOException {
    List<String> config = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    int n = 0;
    for (String raw : Files.readAllLines(file)) {
      n++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("config ")) {
        config.add(line.substring("config ".length()).strip());
        continue;
      }
      if (line.startsWith("accept ")) {
        String[] parts = line.split("\\s+", 3);
        steps.add(new Step(n, parts[1], Map.of(), Map.of(), parts.length > 2 ? parts[2] : ""));
        continue;
      }
      String[] sides = line.split("->", 2);
      if (sides.length != 2) {
        throw new IllegalArgumentException(file + ":" + n + ": no '->' in: " + raw);
      }
      String[] left = sides[0].strip().split("\\s+");
      Map<String, String> event = new LinkedHashMap<>();
      for (int i = 1; i < left.length; i++) {
        String[] kv = left[i].split("=", 2);
        event.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
      Map<String, String> expect = new LinkedHashMap<>();
      for (String e : sides[1].strip().split("\\s+")) {
        String[] kv = e.split("=", 2);
        if (kv.length != 2) {
          throw new IllegalArgumentException(file + ":" + n + ": expected key=value, got " + e);
        }
        expect.put(kv[0], kv[1]);
      }
      steps.add(new Step(n, left[0], event, expect, null));
    }
    String name = file.getFileName().toString().replace(".scenario", "");
    return new Scenario(name, config, steps);
  }
}
