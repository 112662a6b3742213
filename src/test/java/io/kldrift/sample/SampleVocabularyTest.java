package io.kldrift.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.input.Vocabulary;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The made-up vocabulary the sequence generator writes beside its tables, read back by the
 * vocabulary reader. The expected texts are worked out by hand from the documented construction:
 * the common pieces first (id 3 "Ġof", 9 "Ċ", 79 "ĠcafÃ©": the UTF-8 bytes C3 A9 of é), then the
 * syllables from candidate 0, every candidate whose number is not a multiple of 3 with the space
 * marker: candidate 0 "a" is id 87, candidate 1 "Ġan" is already id 25 (skipped), candidate 2 "Ġar"
 * id 88, candidate 3 "as" id 89. The 80 rimes of the empty onset lose seven candidates to common
 * pieces (Ġan, Ġat, Ġand, er, Ġis, Ġon, Ġor), so onset "b" starts at id 87 + 73 = 160 with
 * candidate 80, "Ġba", and candidate 81 is "ban" at 161.
 */
class SampleVocabularyTest {
  @TempDir Path tmp;

  private static Vocabulary read(Path file) {
    return Vocabulary.read(file.toString(), new Configuration());
  }

  @Test
  void theGeneratorWritesAVocabularyOfItsIdsAndNamesItInItsProperties() throws Exception {
    Spec spec =
        new Spec(6, 3, 500, 8, 16, 32, 0, 0, List.of(3, 5, 11), 1.5, Shape.ARRAYS, 1, false);
    Path out = tmp.resolve("gen");
    SequenceSampleGenerator.generate(TestSpark.get(), spec, out.toString());

    Vocabulary v = read(out.resolve("tokenizer.json"));
    assertThat(v.size()).isEqualTo(500);
    assertThat(v.text(0)).isEqualTo("<|endoftext|>");
    assertThat(v.text(1)).isEqualTo(" the");
    assertThat(v.text(2)).isEqualTo(",");
    assertThat(v.text(3)).isEqualTo(" of");
    assertThat(v.text(5)).isEqualTo(" and");
    assertThat(v.text(9)).isEqualTo("\n");
    assertThat(v.text(11)).isEqualTo(" that");
    assertThat(v.text(53)).isEqualTo("\n   ");
    assertThat(v.text(71)).isEqualTo(" \"");
    assertThat(v.text(79)).isEqualTo(" caf\u00e9");
    assertThat(v.text(80)).isEqualTo(" na\u00efve");
    assertThat(v.text(86)).isEqualTo(" 2026");
    assertThat(v.text(87)).isEqualTo("a");
    assertThat(v.text(88)).isEqualTo(" ar");
    assertThat(v.text(89)).isEqualTo("as");
    assertThat(v.text(160)).isEqualTo(" ba");
    assertThat(v.text(161)).isEqualTo("ban");
    assertThat(v.text(500)).isNull();

    // every id the tables hold has a text
    for (Row r :
        TestSpark.get().read().parquet(out.resolve("teacher").toString()).collectAsList()) {
      for (Integer id : r.<Integer>getList(r.fieldIndex("token_ids"))) {
        assertThat(v.text(id)).as("token %d", id).isNotNull();
      }
    }

    // the properties name it relative to their folder, which the configuration resolves
    assertThat(Files.readAllLines(out.resolve("kldrift.properties")))
        .contains("input.vocabulary=tokenizer.json");
    DriftConfig c = DriftConfig.builder().file(out.resolve("kldrift.properties")).build();
    assertThat(c.get(DriftConfig.VOCABULARY))
        .isEqualTo("file:" + out.toAbsolutePath().resolve("tokenizer.json"));
    assertThat(Vocabulary.read(c.get(DriftConfig.VOCABULARY), new Configuration()).text(3))
        .isEqualTo(" of");
  }

  @Test
  void theSmallestVocabularyKeepsTheFirstCommonPieces() throws Exception {
    SampleVocabulary.write(tmp, 64);
    Vocabulary v = read(tmp.resolve("tokenizer.json"));
    assertThat(v.size()).isEqualTo(64);
    // ids 60..63 of the common list: "{", "}", ";", "Ġelse"
    assertThat(v.text(60)).isEqualTo("{");
    assertThat(v.text(63)).isEqualTo(" else");
  }

  @Test
  void piecesAreDistinctAndASmallerVocabularyIsThePrefixOfALargerOne() {
    List<String> large = SampleVocabulary.pieces(200_000);
    assertThat(large).hasSize(200_000);
    assertThat(new HashSet<>(large)).hasSize(200_000);
    assertThat(SampleVocabulary.pieces(32_000)).isEqualTo(large.subList(0, 32_000));
    // past the syllables, the id names the piece
    assertThat(large.get(199_999)).isEqualTo("Ġtok199999");
  }

  @Test
  void theCommittedLlmSampleIsWhatTheDocumentedCommandWrites() throws Exception {
    // jobs/generate-sample --layout sequence --sequences 100 --max-length 256 --seed 7
    // --out sample-data/llm (vocabulary 32,000 and the arrays shape by default)
    Path sample = Path.of("sample-data/llm");
    SampleVocabulary.write(tmp, Spec.VOCAB_DEFAULT);
    assertThat(Files.readAllBytes(tmp.resolve("tokenizer.json")))
        .isEqualTo(Files.readAllBytes(sample.resolve("tokenizer.json")));
    assertThat(Files.readString(sample.resolve("kldrift.properties"), StandardCharsets.UTF_8))
        .isEqualTo(SequenceSampleGenerator.properties(Shape.ARRAYS));
  }
}
