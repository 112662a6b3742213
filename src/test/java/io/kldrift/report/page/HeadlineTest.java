package io.kldrift.report.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.summary.Summary;
import io.kldrift.summary.SummaryJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The opening sentence for a fall and for an empty run, and the temperature's scope as the kernel
 * applies it: a side of kind logits is divided by T before the softmax, probabilities and
 * log-probabilities are used as given (DivergencesTest.logitsAtATemperatureEqualTheProbabilities
 * TheySoftenTo and SqlFunctionsTest.metricsStructFromLogitsAtATemperature check the kernel).
 */
class HeadlineTest {
  private static Summary summary(String json) {
    return SummaryJson.read(json.getBytes(StandardCharsets.UTF_8));
  }

  private static final String FALL =
      """
      {"schema_version": 1, "status": "OK", "global": {"kl": {"n": 100, "mean": 0.03}},
       "change": {"baseline_runs": "run 2026-11-05", "baseline_kl_mean": 0.05, "kl_mean": 0.03,
        "delta": -0.02, "ratio": 0.6, "noise": 0.004, "direction": "down",
        "by_class": {"dimension": "class", "increases": 0.001, "decreases": 0.021, "parts": [
          {"name": "cat", "class_index": 3, "n": 10, "baseline": 0.03, "current": 0.01,
           "delta": -0.02, "share": 0.952, "role": "driver"},
          {"name": "dog", "class_index": 5, "n": 10, "baseline": 0.01, "current": 0.011,
           "delta": 0.001, "share": 0.048, "role": "offset"}]},
        "by_slice": [{"dimension": "locale", "increases": 0, "decreases": 0.02, "parts": [
          {"name": "de", "n": 30, "baseline": 0.02, "current": 0.012, "delta": -0.008,
           "share": 0.4, "role": "driver"},
          {"name": "fr", "n": 70, "baseline": 0.03, "current": 0.018, "delta": -0.012,
           "share": 0.6, "role": "driver"}]}]}}
      """;

  @Test
  void aFallIsToldWithTheSameWordsTurned() {
    // 0.03 / 0.05 = 0.6: down 40%; fr carries 0.6 of the fall, cat 0.952 (alone over 3/4)
    assertThat(Headline.sentence(summary(FALL)))
        .isEqualTo(
            "Mean KL 0.03 nats, down 40% from the baseline 0.05 (run 2026-11-05); 60% of the fall"
                + " is in locale=fr; by class, class cat carries 95% of the fall.");
    String page = HtmlReport.render(new HtmlReport.Input(summary(FALL), List.of(), null, null));
    assertThat(page)
        .contains("<td class=\"role\">95% of the fall</td>")
        .contains("<td class=\"role\">offsets 5%</td>")
        .contains("<th>Share of the fall</th>");
  }

  @Test
  void aRunWithoutExamplesSaysSo() {
    assertThat(Headline.sentence(summary("{\"global\": {\"kl\": {\"n\": 0}}}")))
        .isEqualTo("No matched examples in this run, so there is no KL to report.");
    assertThat(Headline.sentence(null))
        .isEqualTo("No matched examples in this run, so there is no KL to report.");
  }

  /**
   * The note for a summary as the job writes it: inputs.temperature applies to the sides whose kind
   * is logits; the configuration has the kinds only, so the note reads the typed temperature.
   */
  private static String note(String temperature, String teacher, String student) {
    List<String> sides = new ArrayList<>();
    if (teacher.equals("logits")) {
      sides.add("\"teacher\"");
    }
    if (student.equals("logits")) {
      sides.add("\"student\"");
    }
    Summary s =
        summary(
            "{\"inputs\": {\"temperature\": {\"value\": "
                + temperature
                + ", \"applies_to\": ["
                + String.join(", ", sides)
                + "]}}, \"config\": {\"input.teacher.kind\": \""
                + teacher
                + "\", \"input.student.kind\": \""
                + student
                + "\"}, \"global\": {\"t2_kl\": {\"n\": 10, \"mean\": 0.5}}}");
    return Headline.temperatureNote(s);
  }

  @Test
  void theTemperatureSaysWhichSideItTempered() {
    assertThat(note("1.0", "logits", "logits")).isNull();
    assertThat(note("2.0", "logits", "probs"))
        .isEqualTo(
            "Temperature: input.temperature = 2 applies to the teacher's logits only"
                + " (softmax(z/2)); the student's probabilities are used as given, untempered, so"
                + " the teacher is compared at temperature 2 with the student at its own."
                + " T\u00b2\u00b7KL, the distillation-loss convention (not a divergence), has mean"
                + " 0.5 (global.t2_kl).");
    assertThat(note("4", "log_probs", "logits"))
        .startsWith(
            "Temperature: input.temperature = 4 applies to the student's logits only"
                + " (softmax(z/4)); the teacher's log-probabilities are used as given");
    assertThat(note("2.5", "logits", "logits"))
        .startsWith(
            "Temperature: input.temperature = 2.5 divides both sides' logits before the softmax"
                + " (softmax(z/2.5)): every divergence on this page is between the tempered"
                + " distributions.");
    assertThat(note("3", "probs", "log_probs"))
        .isEqualTo(
            "Temperature: input.temperature = 3 has no effect here: it applies to logits only,"
                + " and the teacher's input is probs, the student's log_probs.");
  }
}
