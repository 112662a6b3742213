package io.kldrift.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Token ids as readable text ({@code input.vocabulary}): a Hugging Face {@code tokenizer.json} (a
 * path ending in {@code .json}; its {@code model.vocab} and {@code added_tokens}) or a plain file
 * with one token per line, the line number (from 0) the id. A token's text is what it adds to the
 * decoded text: byte-level BPE markers ({@code Ġ} for a space, {@code Ċ} for a newline: GPT-2's
 * bytes-to-unicode table read backwards, the bytes decoded as UTF-8), SentencePiece's {@code ▁} as
 * a space and its {@code <0x0A>} byte pieces as the byte, and a WordPiece word start as a leading
 * space (a {@code ##} continuation without it). Added tokens and the lines of a plain file are
 * shown as written. Bytes that are not whole UTF-8 characters show as {@code <0xE2>}.
 */
public final class Vocabulary {
  private final String[] texts;

  private Vocabulary(String[] texts) {
    this.texts = texts;
  }

  /** How many ids the vocabulary has (the largest id + 1). */
  public int size() {
    return texts.length;
  }

  /** The token's text, or null when the id is outside the vocabulary (or has no entry). */
  public String text(long id) {
    return id >= 0 && id < texts.length ? texts[(int) id] : null;
  }

  /**
   * Reads the vocabulary at {@code path} (any file system Hadoop reads); a file that is missing, or
   * cannot be read or parsed, is a one-line error naming the path and the key.
   */
  public static Vocabulary read(String path, Configuration conf) {
    byte[] bytes;
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw InputErrors.vocabularyUnreadable(path, "no such file");
      }
      try (InputStream in = fs.open(p)) {
        bytes = in.readAllBytes();
      }
    } catch (IOException e) {
      throw InputErrors.vocabularyUnreadable(
          path, String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
    if (path.endsWith(".json")) {
      try {
        return tokenizerJson(new ObjectMapper().readTree(bytes));
      } catch (IOException | RuntimeException e) {
        if (e instanceof io.kldrift.DriftException d) {
          throw d;
        }
        String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        throw InputErrors.vocabularyUnreadable(path, "not a tokenizer.json: " + why);
      }
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>(text.lines().toList());
    return new Vocabulary(lines.toArray(String[]::new));
  }

  /** The texts of a parsed {@code tokenizer.json}. */
  static Vocabulary tokenizerJson(JsonNode root) {
    JsonNode model = root.path("model");
    JsonNode vocab = model.path("vocab");
    String type = model.path("type").asText("");
    boolean byteLevel = hasType(root.path("decoder"), "ByteLevel");
    String prefix = model.path("continuing_subword_prefix").asText("##");
    List<String> pieces = new ArrayList<>();
    if (vocab.isArray()) {
      for (JsonNode e : vocab) {
        pieces.add(e.isArray() ? e.path(0).asText() : e.asText());
      }
    } else if (vocab.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        set(pieces, e.getValue().asInt(-1), e.getKey());
      }
    } else {
      throw new IllegalArgumentException("it has no model.vocab");
    }
    String[] texts = new String[pieces.size()];
    for (int i = 0; i < texts.length; i++) {
      String piece = pieces.get(i);
      if (piece == null) {
        continue;
      }
      if (byteLevel) {
        texts[i] = utf8(byteLevelBytes(piece));
      } else if (type.equals("WordPiece")) {
        texts[i] = piece.startsWith(prefix) ? piece.substring(prefix.length()) : " " + piece;
      } else {
        texts[i] = metaspace(piece);
      }
    }
    List<String> all = new ArrayList<>(Arrays.asList(texts));
    for (JsonNode added : root.path("added_tokens")) {
      set(all, added.path("id").asInt(-1), added.path("content").asText());
    }
    return new Vocabulary(all.toArray(String[]::new));
  }

  private static void set(List<String> l, int id, String text) {
    if (id < 0) {
      return;
    }
    while (l.size() <= id) {
      l.add(null);
    }
    l.set(id, text);
  }

  /** Whether the decoder, or one in its sequence, has this type. */
  private static boolean hasType(JsonNode decoder, String type) {
    if (type.equals(decoder.path("type").asText())) {
      return true;
    }
    for (JsonNode d : decoder.path("decoders")) {
      if (hasType(d, type)) {
        return true;
      }
    }
    return false;
  }

  /** GPT-2's bytes_to_unicode, read backwards: the byte each marker character stands for. */
  private static final int[] BYTE_OF = byteOf();

  private static int[] byteOf() {
    int[] byteOf = new int[512];
    Arrays.fill(byteOf, -1);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      if (printable) {
        byteOf[b] = b;
      } else {
        byteOf[256 + n] = b;
        n++;
      }
    }
    return byteOf;
  }

  private static byte[] byteLevelBytes(String piece) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length());
    piece
        .codePoints()
        .forEach(
            c -> {
              if (c < BYTE_OF.length && BYTE_OF[c] >= 0) {
                out.write(BYTE_OF[c]);
              } else {
                out.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
              }
            });
    return out.toByteArray();
  }

  /** SentencePiece: {@code ▁} is a space, {@code <0x0A>} the byte 0x0A. */
  private static String metaspace(String piece) {
    if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
      try {
        return utf8(new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)});
      } catch (NumberFormatException e) {
        return piece;
      }
    }
    return piece.replace('\u2581', ' ');
  }

  /** The bytes as UTF-8, or, when they are not whole characters, each byte above 0x7F as <0xHH>. */
  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      StringBuilder b = new StringBuilder();
      for (byte x : bytes) {
        if (x >= 0) {
          b.append((char) x);
        } else {
          b.append(String.format(java.util.Locale.ROOT, "<0x%02X>", x & 0xff));
        }
      }
      return b.toString();
    }
  }
}
