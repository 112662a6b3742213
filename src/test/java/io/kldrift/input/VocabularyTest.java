package io.kldrift.input;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.DriftException;
import io.kldrift.summary.TokenText;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vocabulary reader on small files written here: a byte-level BPE tokenizer.json (GPT-2's
 * markers), a WordPiece one, a SentencePiece (Unigram, Metaspace) one and a plain text file; the
 * expected texts worked out by hand from GPT-2's bytes_to_unicode table (printable bytes stand for
 * themselves, the others map in order to U+0100 onwards: 0x20 is the 33rd, U+0120 Ġ; 0x0A the 11th,
 * U+010A Ċ; 0x80 the 35th after 0x7F, U+0122 Ģ).
 */
class VocabularyTest {
  @TempDir Path tmp;

  private Vocabulary read(String name, String content) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, content, UTF_8);
    return Vocabulary.read(f.toString(), new Configuration());
  }

  @Test
  void byteLevelBpeShowsTheBytesItsMarkersStandFor() throws Exception {
    Vocabulary v =
        read(
            "tokenizer.json",
            """
            {"version": "1.0",
             "added_tokens": [{"id": 5, "content": "<|endoftext|>", "special": true}],
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
             "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "vocab": {"Ġthe": 0, "Ċ": 1, "hello": 2, "Ã©": 3,
                                                 "âĢ": 4},
                       "merges": []}}
            """);
    assertThat(v.size()).isEqualTo(6);
    assertThat(v.text(0)).isEqualTo(" the");
    assertThat(v.text(1)).isEqualTo("\n");
    assertThat(v.text(2)).isEqualTo("hello");
    // C3 A9 is é in UTF-8
    assertThat(v.text(3)).isEqualTo("\u00e9");
    // E2 80 is the start of a three-byte character: shown as bytes
    assertThat(v.text(4)).isEqualTo("<0xE2><0x80>");
    assertThat(v.text(5)).isEqualTo("<|endoftext|>");
    assertThat(v.text(6)).isNull();
    assertThat(v.text(-1)).isNull();
    assertThat(TokenText.label(1, v.text(1), v.size())).isEqualTo("1 \"\\n\"");
    assertThat(TokenText.label(9, v.text(9), v.size())).isEqualTo("9 (not in the vocabulary)");
  }

  @Test
  void wordPieceContinuationsJoinAndWordStartsGetASpace() throws Exception {
    Vocabulary v =
        read(
            "bert.json",
            """
            {"added_tokens": [{"id": 0, "content": "[CLS]", "special": true}],
             "decoder": {"type": "WordPiece", "prefix": "##"},
             "model": {"type": "WordPiece", "continuing_subword_prefix": "##",
                       "vocab": {"[CLS]": 0, "play": 1, "##ing": 2}}}
            """);
    assertThat(v.text(0)).isEqualTo("[CLS]");
    assertThat(v.text(1)).isEqualTo(" play");
    assertThat(v.text(2)).isEqualTo("ing");
  }

  @Test
  void sentencePieceSpacesAndBytePieces() throws Exception {
    Vocabulary v =
        read(
            "sp.json",
            """
            {"decoder": {"type": "Sequence", "decoders": [
               {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
               {"type": "ByteFallback"}]},
             "model": {"type": "Unigram",
                       "vocab": [["<unk>", 0.0], ["\u2581the", -1.2], ["<0x0A>", -3.0], ["s", -2]]}}
            """);
    assertThat(v.size()).isEqualTo(4);
    assertThat(v.text(0)).isEqualTo("<unk>");
    assertThat(v.text(1)).isEqualTo(" the");
    assertThat(v.text(2)).isEqualTo("\n");
    assertThat(v.text(3)).isEqualTo("s");
  }

  @Test
  void aPlainFileHasOneTokenPerLine() throws Exception {
    Vocabulary v = read("vocab.txt", "a\n b\n\nc<&>\n");
    assertThat(v.size()).isEqualTo(4);
    assertThat(v.text(0)).isEqualTo("a");
    assertThat(v.text(1)).isEqualTo(" b");
    assertThat(v.text(2)).isEmpty();
    assertThat(v.text(3)).isEqualTo("c<&>");
  }

  @Test
  void aMissingOrBrokenFileIsAOneLineError() throws Exception {
    String missing = tmp.resolve("nope.json").toString();
    assertThatThrownBy(() -> Vocabulary.read(missing, new Configuration()))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("input.vocabulary '" + missing + "' cannot be read: no such file")
        .hasMessageContaining("tokenizer.json")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThatThrownBy(() -> read("broken.json", "{\"model\": {\"vocab\": "))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("cannot be read: not a tokenizer.json")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThatThrownBy(() -> read("novocab.json", "{\"model\": {}}"))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("it has no model.vocab");
  }
}
