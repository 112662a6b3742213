package io.kldrift.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The made-up byte-level BPE vocabulary of the generated LLM logs ({@code tokenizer.json}, read
 * back by {@code input.vocabulary}), so that their reports show tokens as text. It depends on the
 * vocabulary size alone: the lowest ids are common English and code pieces in a fixed order (the
 * Zipf law of the generator makes them the frequent ones; 3, 5 and 11, the default drift tokens,
 * are " of", " and" and " that"), the rest made-up syllables, every third one without the leading
 * space marker {@code Ġ}. The file lists the vocabulary only (no merges): enough for the ids to
 * read as text, not to tokenize.
 */
final class SampleVocabulary {
  /** The file's name beside the tables. */
  static final String FILE = "tokenizer.json";

  /**
   * The first ids' pieces, byte-level ({@code Ġ} a space, {@code Ċ} a newline, {@code Ã©} the bytes
   * of é), separated by white space (a byte-level piece has none).
   */
  private static final List<String> COMMON =
      List.of(
          """
          <|endoftext|> Ġthe , Ġof . Ġand Ġto Ġa Ġin Ċ Ġis Ġthat Ġfor Ġit Ġwith Ġas Ġwas Ġon
          Ġbe Ġby Ġthis Ġare Ġfrom Ġat Ġor Ġan Ġnot Ġhave Ġwhich Ġyou ĠThe Ġhe Ġbut Ġhis Ġthey
          Ġwe Ġcan Ġhas Ġwere Ġall Ġtheir Ġone Ġalso Ġmore Ġif Ġwill Ġwould Ġthere Ġreturn
          Ġdef ( ) : ĊĠĠĠ ĠĠĠĠ Ġ= Ġ( _ Ġself Ġint { } ; Ġelse Ġimport Ġclass Ġnew Ġnull Ġtrue
          Ġfalse 's Ġ" " ing ed er ly s es ĠcafÃ© ĠnaÃ¯ve Ġ1 Ġ2 0 1 2 Ġ2026
          """
              .strip()
              .split("\\s+"));

  /** The id of the end-of-text token, listed among the added (special) tokens. */
  private static final int END_OF_TEXT = 0;

  private static final List<String> ONSETS =
      List.of(
          "", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st",
          "pr", "tr", "ch", "sh", "th");
  private static final List<String> VOWELS = List.of("a", "e", "i", "o", "u", "ea", "ou", "ai");
  private static final List<String> CODAS =
      List.of("", "n", "r", "s", "t", "l", "m", "nd", "st", "ng");

  private SampleVocabulary() {}

  /**
   * The byte-level pieces of ids {@code 0..size-1}: the common pieces, then onset + rime + a second
   * rime (none first, then every rime but the bare "a"), a piece already listed skipped, and past
   * those (over 140,000 ids) {@code Ġtok<id>}.
   */
  static List<String> pieces(int size) {
    List<String> rimes = new ArrayList<>();
    for (String v : VOWELS) {
      for (String c : CODAS) {
        rimes.add(v + c);
      }
    }
    List<String> endings = new ArrayList<>(List.of(""));
    endings.addAll(rimes.subList(1, rimes.size()));
    List<String> out = new ArrayList<>(COMMON.subList(0, Math.min(size, COMMON.size())));
    Set<String> seen = new HashSet<>(out);
    long candidate = 0;
    for (String ending : endings) {
      for (String onset : ONSETS) {
        for (String rime : rimes) {
          if (out.size() >= size) {
            return out;
          }
          String piece = (candidate++ % 3 == 0 ? "" : "Ġ") + onset + rime + ending;
          if (seen.add(piece)) {
            out.add(piece);
          }
        }
      }
    }
    while (out.size() < size) {
      out.add("Ġtok" + out.size());
    }
    return out;
  }

  /** Writes {@code dir/tokenizer.json} for ids {@code 0..size-1}. */
  static void write(Path dir, int size) throws IOException {
    Files.write(dir.resolve(FILE), json(pieces(size)));
  }

  /** The Hugging Face {@code tokenizer.json} of a GPT-2-style byte-level BPE with these pieces. */
  private static byte[] json(List<String> pieces) throws IOException {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("version", "1.0").putNull("truncation").putNull("padding");
    root.putArray("added_tokens")
        .addObject()
        .put("id", END_OF_TEXT)
        .put("content", pieces.get(END_OF_TEXT))
        .put("single_word", false)
        .put("lstrip", false)
        .put("rstrip", false)
        .put("normalized", false)
        .put("special", true);
    root.putNull("normalizer");
    byteLevel(root.putObject("pre_tokenizer"), false);
    root.putNull("post_processor");
    byteLevel(root.putObject("decoder"), true);
    ObjectNode model = root.putObject("model");
    model
        .put("type", "BPE")
        .putNull("dropout")
        .putNull("unk_token")
        .putNull("continuing_subword_prefix")
        .putNull("end_of_word_suffix")
        .put("fuse_unk", false)
        .put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < pieces.size(); id++) {
      vocab.put(pieces.get(id), id);
    }
    model.putArray("merges");
    return m.writeValueAsBytes(root);
  }

  private static void byteLevel(ObjectNode node, boolean addPrefixSpace) {
    node.put("type", "ByteLevel")
        .put("add_prefix_space", addPrefixSpace)
        .put("trim_offsets", true)
        .put("use_regex", true);
  }
}
