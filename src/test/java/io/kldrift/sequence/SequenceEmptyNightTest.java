package io.kldrift.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kldrift.Fixtures;
import io.kldrift.TestSpark;
import io.kldrift.job.DriftJob;
import io.kldrift.job.ExitCodes;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An empty night of LLM logs (folders that hold only {@code _SUCCESS}) is a report like an empty
 * night of examples: with nothing before it, INSUFFICIENT_DATA and exit 0; after a night that
 * matched sequences, an ALERT on {@code matched} (exit 4) that says there was no data. Each input
 * shape is tried, since the empty tables take the shape the configuration names.
 */
class SequenceEmptyNightTest {
  static {
    TestSpark.get();
  }

  @TempDir Path tmp;

  private int run(Path gen, String teacher, String student, String out, String date) {
    return DriftJob.run(
        "--teacher",
        teacher,
        "--student",
        student,
        "--config",
        gen.resolve("kldrift.properties").toString(),
        "--out",
        out,
        "--run-date",
        date,
        "--quiet");
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void anEmptyNightIsInsufficientDataFirstAndAnAlertAfterData(Shape shape) throws Exception {
    Path gen = tmp.resolve("gen");
    SequenceSampleGenerator.generate(
        TestSpark.get(),
        new Spec(30, 3, 300, 6, 8, 24, 0, 0, List.of(3), 1.0, shape, 1, false),
        gen.toString());
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(empty.resolve("_SUCCESS"), "");
    String e = empty.toString();

    String first = tmp.resolve("first").toString();
    assertThat(run(gen, e, e, first, "2026-12-01")).isEqualTo(ExitCodes.OK);
    JsonNode alone = Fixtures.summary(first + "/run_date=2026-12-01");
    assertThat(alone.get("inputs").get("teacher_rows").asLong()).isZero();
    assertThat(alone.get("status").asText()).isEqualTo("INSUFFICIENT_DATA");

    String root = tmp.resolve("root").toString();
    int night1 =
        run(
            gen,
            gen.resolve("teacher").toString(),
            gen.resolve("student").toString(),
            root,
            "2026-12-01");
    assertThat(night1).isNotEqualTo(ExitCodes.INVALID_INPUT).isNotEqualTo(1);
    assertThat(
            Fixtures.summary(root + "/run_date=2026-12-01").get("inputs").get("matched").asLong())
        .isEqualTo(30);
    assertThat(run(gen, e, e, root, "2026-12-02")).isEqualTo(ExitCodes.ALERT);
    JsonNode s = Fixtures.summary(root + "/run_date=2026-12-02");
    assertThat(s.get("inputs").get("matched").asLong()).isZero();
    assertThat(s.get("status").asText()).isEqualTo("ALERT");
    JsonNode matched = null;
    for (JsonNode c : s.get("checks")) {
      if (c.get("name").asText().equals("matched")) {
        matched = c;
      }
    }
    assertThat(matched).isNotNull();
    assertThat(matched.get("outcome").asText()).isEqualTo("ALERT");
  }
}
