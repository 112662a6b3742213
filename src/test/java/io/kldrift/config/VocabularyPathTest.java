package io.kldrift.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code input.vocabulary} in a properties file: a relative local path names the file beside the
 * properties (as {@code input.class_names_file} does), whatever the working directory; absolute
 * paths, URIs with a scheme, and a value set outside a file stay as typed.
 */
class VocabularyPathTest {
  @TempDir Path tmp;

  private DriftConfig fromFile(String vocabulary) throws Exception {
    Path conf = Files.createDirectories(tmp.resolve("conf"));
    Path file = conf.resolve("kldrift.properties");
    Files.writeString(file, "input.vocabulary=" + vocabulary + "\n", StandardCharsets.UTF_8);
    return DriftConfig.builder().file(file).build();
  }

  @Test
  void aRelativePathResolvesAgainstThePropertiesFolder() throws Exception {
    String beside = "file:" + tmp.toAbsolutePath() + "/conf/tokenizer.json";
    DriftConfig c = fromFile("tokenizer.json");
    assertThat(c.get(DriftConfig.VOCABULARY)).isEqualTo(beside);
    // the report records the file it read, and a rollup rebuilding the configuration from that
    // text reads the same file
    assertThat(c.asText()).containsEntry("input.vocabulary", beside);
    DriftConfig.Builder again = DriftConfig.builder();
    c.asText().forEach(again::set);
    assertThat(again.build().get(DriftConfig.VOCABULARY)).isEqualTo(beside);

    assertThat(fromFile("../models/a b#1/vocab.txt").get(DriftConfig.VOCABULARY))
        .isEqualTo("file:" + tmp.toAbsolutePath() + "/models/a b#1/vocab.txt");
  }

  @Test
  void theLlmSampleNamesItsTokenizerBesideIt() {
    // read from the project folder here, but the value no longer depends on it
    DriftConfig c =
        DriftConfig.builder().file(Path.of("sample-data/llm/kldrift.properties")).build();
    assertThat(c.get(DriftConfig.VOCABULARY))
        .isEqualTo("file:" + Path.of("").toAbsolutePath() + "/sample-data/llm/tokenizer.json");
  }

  @Test
  void absoluteAndSchemePathsStayAsTyped() throws Exception {
    for (String typed :
        new String[] {
          "/models/llama/tokenizer.json",
          "hdfs://namenode:8020/models/tokenizer.json",
          "s3a://bucket/models/tokenizer.json",
          "file:/models/tokenizer.json",
          "file:///models/tokenizer.json",
          ""
        }) {
      assertThat(fromFile(typed).get(DriftConfig.VOCABULARY)).as(typed).isEqualTo(typed);
    }
  }

  @Test
  void aValueSetAfterTheFileIsTakenAsTyped() throws Exception {
    // --conf input.vocabulary=... on the command line is relative to the working directory, as
    // --teacher and --out are
    Path file = tmp.resolve("kldrift.properties");
    Files.writeString(file, "input.vocabulary=tokenizer.json\n", StandardCharsets.UTF_8);
    DriftConfig c =
        DriftConfig.builder().file(file).set("input.vocabulary", "vocab/tokens.txt").build();
    assertThat(c.get(DriftConfig.VOCABULARY)).isEqualTo("vocab/tokens.txt");
    assertThat(
            DriftConfig.builder()
                .set("input.vocabulary", "tokenizer.json")
                .build()
                .get(DriftConfig.VOCABULARY))
        .isEqualTo("tokenizer.json");
  }
}
