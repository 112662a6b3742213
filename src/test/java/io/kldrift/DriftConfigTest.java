package io.kldrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.config.ConfigKey;
import io.kldrift.config.DriftConfig;
import io.kldrift.kernel.Divergences.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftConfigTest {
  private static final Path CONF = Path.of("conf/kldrift.properties");

  @TempDir Path tmp;

  static final String CHECKS_DOC =
      """

      # ---- check ----

      # Checks: check.<name>.<field>, any number of them; three by default (below). Fields:
      #   metric       a summary figure: global kl.mean, kl.p99, js.mean, agreement.mean, unmatched_share, ...;
      #                slice kl.mean, kl.p99, ...; class kl_contribution, student_mean_prob, ...;
      #                position, entropy and token kl.n, kl.mean, agreement.mean, teacher_tail_mass.mean; global,
      #                slice, position, entropy and token target.ln_ppl_ratio, target.delta_p_rms, ... (monitoring.md lists all)
      #   type         threshold (default) | relative (change against the baseline) | sigma (band over the
      #                last baseline.window runs) | significance (Welch test of a mean against the baseline)
      #   scope        global (default) | slice (each value of each slice column) | class (each class) |
      #                position, entropy, token (sequence layout: each position bucket, each teacher-entropy
      #                bucket, each listed teacher top-1 token)
      #   slice_column with scope=slice: only this slice column
      #   warn, alert  levels; threshold: the value; relative: the relative change (0.5 = +50%);
      #                sigma: standard deviations; significance: the relative change, when p < alpha
      #   direction    above (default) | below | both
      #   min_n        fewer examples than this give INSUFFICIENT_DATA (default 100)
      #   alpha        significance level (default 0.01)
      #   min_history  earlier runs a sigma band needs (default 3)
      #   enabled      false switches a check off (default true)
      # Example:
      # check.mean_kl.metric=kl.mean
      # check.mean_kl.warn=0.05
      # check.mean_kl.alert=0.2
      # check.mean_kl_band.metric=kl.mean
      # check.mean_kl_band.type=sigma
      # check.mean_kl_band.alert=4

      # Default checks, on unless check.<name>.enabled=false; each field can be changed: unmatched_share
      # (keys of one table missing from the other, over all rows), matched (the matched examples'
      # relative change against the baseline: -0.5 = half as many) and support_violation_kl_share (the
      # share of the mean KL from cells where the student gives 0 and the teacher does not, which
      # metrics.epsilon decides; 0 without such cells, as with logits). A night without matched
      # examples has the status INSUFFICIENT_DATA unless a check is worse.
      """;

  /**
   * The documented configuration file, rendered from the keys; conf/kldrift.properties must equal
   * it.
   */
  static String render() {
    StringBuilder b = new StringBuilder();
    b.append(
        "# kldrift configuration: every key with its default. Pass a file like this one with\n");
    b.append(
        "# --config FILE; --conf key=value and the job's options (--teacher, --out, ...) override it.\n");
    b.append(
        "# Unknown keys are rejected. Generated from DriftConfig by DriftConfigTest (-Dkldrift.regenerate=true).\n");
    String section = "";
    for (ConfigKey<?> k : DriftConfig.keys()) {
      String s = k.key().substring(0, k.key().indexOf('.'));
      if (!s.equals(section)) {
        b.append("\n# ---- ").append(s).append(" ----\n");
        section = s;
      }
      b.append("\n# ").append(k.doc()).append('\n');
      b.append(k.key()).append('=').append(k.defaultText()).append('\n');
    }
    b.append(CHECKS_DOC);
    new java.util.TreeMap<>(DriftConfig.DEFAULT_CHECKS)
        .forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return b.toString();
  }

  @Test
  void confFileDocumentsEveryKeyWithItsDefault() throws Exception {
    if (Boolean.getBoolean("kldrift.regenerate")) {
      Files.writeString(CONF, render(), StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(CONF))
        .as("conf/kldrift.properties; regenerate with -Dkldrift.regenerate=true")
        .isEqualTo(render());
    // and the file, read as configuration, gives exactly the defaults
    DriftConfig fromFile = DriftConfig.builder().file(CONF).build();
    assertThat(fromFile.asText()).isEqualTo(DriftConfig.builder().build().asText());
  }

  @Test
  void configurationPageListsEveryKey() {
    String page = Docs.read(Docs.page("configuration"));
    for (ConfigKey<?> k : DriftConfig.keys()) {
      assertThat(page).as(k.key()).contains("| `" + k.key() + "` | `" + k.defaultText() + "` |");
    }
  }

  @Test
  void unknownKeySuggestsTheClosest() {
    assertThatThrownBy(() -> DriftConfig.builder().set("input.slice_column", "x"))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("unknown configuration key 'input.slice_column'")
        .hasMessageContaining("did you mean 'input.slice_columns'");
  }

  @Test
  void aConfigurationFileCannotNameCodeToLoad(@TempDir Path dir) throws Exception {
    // Spark settings such as spark.plugins or spark.sql.extensions load classes; a kldrift
    // configuration file may not carry them (only the operator's own --conf on the command line).
    for (String key :
        List.of("spark.plugins", "spark.sql.extensions", "spark.driver.extraJavaOptions")) {
      Path f = dir.resolve(key + ".properties");
      Files.writeString(f, key + "=com.example.Evil\n", StandardCharsets.UTF_8);
      assertThatThrownBy(() -> DriftConfig.builder().file(f))
          .isInstanceOf(DriftException.class)
          .hasMessageContaining("unknown configuration key '" + key + "'");
    }
    // and a policy is one of its words, not a class name
    assertThatThrownBy(
            () -> DriftConfig.builder().set("validate.not_finite", "com.example.Repair").build())
        .hasMessageContaining("validate.not_finite")
        .hasMessageContaining("fail, quarantine");
    assertThatThrownBy(
            () -> DriftConfig.builder().set("validate.not_finite", "renormalize").build())
        .as("renormalize is for not_normalized only")
        .hasMessageContaining("is not allowed");
  }

  @Test
  void badValuesNameTheKeyAndTheRule() {
    assertThatThrownBy(() -> DriftConfig.builder().set("input.temperature", "-1").build())
        .hasMessageContaining("input.temperature = '-1' is not allowed")
        .hasMessageContaining("a positive number");
    assertThatThrownBy(() -> DriftConfig.builder().set("input.teacher.kind", "softmax").build())
        .hasMessageContaining("input.teacher.kind")
        .hasMessageContaining("probs, log_probs, logits or topk_log_probs");
  }

  @Test
  void laterSettingsWinAndClassNamesComeFromAFile() throws Exception {
    Path file = tmp.resolve("c.properties");
    Files.writeString(
        file,
        "input.slice_columns=a,b\ninput.class_names_file=names.txt\ninput.student.kind=logits\n");
    Files.writeString(tmp.resolve("names.txt"), "cat\ndog\n\n");
    DriftConfig c = DriftConfig.builder().file(file).set("input.slice_columns", "locale").build();
    assertThat(c.get(DriftConfig.SLICE_COLUMNS)).containsExactly("locale");
    assertThat(c.get(DriftConfig.CLASS_NAMES)).containsExactly("cat", "dog");
    assertThat(c.get(DriftConfig.STUDENT_KIND)).isEqualTo(Kind.LOGITS);
    assertThat(c.get(DriftConfig.KEY_COLUMNS)).isEqualTo(List.of("example_id"));
  }

  @Test
  void inputColumnAndKindSetBothSidesUnlessASideNamesItsOwn() {
    DriftConfig both =
        DriftConfig.builder()
            .set("input.column", "rawPrediction")
            .set("input.kind", "logits")
            .build();
    assertThat(both.get(DriftConfig.TEACHER_COLUMN)).isEqualTo("rawPrediction");
    assertThat(both.get(DriftConfig.STUDENT_COLUMN)).isEqualTo("rawPrediction");
    assertThat(both.get(DriftConfig.TEACHER_KIND)).isEqualTo(Kind.LOGITS);
    assertThat(both.get(DriftConfig.STUDENT_KIND)).isEqualTo(Kind.LOGITS);
    assertThat(both.asText())
        .containsEntry("input.teacher.column", "rawPrediction")
        .containsEntry("input.student.kind", "logits");

    DriftConfig own =
        DriftConfig.builder()
            .set("input.student.column", "probs")
            .set("input.student.kind", "probs")
            .set("input.column", "rawPrediction")
            .set("input.kind", "logits")
            .build();
    assertThat(own.get(DriftConfig.TEACHER_COLUMN)).isEqualTo("rawPrediction");
    assertThat(own.get(DriftConfig.STUDENT_COLUMN)).isEqualTo("probs");
    assertThat(own.get(DriftConfig.TEACHER_KIND)).isEqualTo(Kind.LOGITS);
    assertThat(own.get(DriftConfig.STUDENT_KIND)).isEqualTo(Kind.PROBS);

    // the documented file lists every key with its default: its empty sides hide nothing
    DriftConfig fromFile = DriftConfig.builder().file(CONF).set("input.kind", "log_probs").build();
    assertThat(fromFile.get(DriftConfig.TEACHER_KIND)).isEqualTo(Kind.LOG_PROBS);
    assertThat(fromFile.get(DriftConfig.STUDENT_COLUMN)).isEqualTo("probs");

    // a configuration rebuilt from its recorded text (rollups) is the same configuration
    DriftConfig.Builder again = DriftConfig.builder();
    own.asText().forEach(again::set);
    assertThat(again.build().asText()).isEqualTo(own.asText());
  }
}
