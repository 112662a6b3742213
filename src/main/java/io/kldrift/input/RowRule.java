package io.kldrift.input;

import io.kldrift.config.ChoiceKey;
import io.kldrift.config.DriftConfig;
import io.kldrift.config.RowPolicy;

/**
 * The row rules of the input contract, in the order a row is judged: a row that breaks several
 * rules is counted once, under the first. Each rule has a policy ({@code validate.<rule>}): fail
 * the run, quarantine the rows, or (for {@link #NOT_NORMALIZED} only) renormalize them.
 */
public enum RowRule {
  NULL_KEY(
      "null_key",
      DriftConfig.POLICY_NULL_KEY,
      "have a null key column",
      "fill the key upstream; a row without a key can never be matched"),
  DUPLICATE_KEY(
      "duplicate_key",
      DriftConfig.POLICY_DUPLICATE_KEY,
      "have a key that occurs more than once",
      "deduplicate the table on its key (a re-run that appended the same partition twice is the usual cause)"),
  NULL_VECTOR(
      "null_vector",
      DriftConfig.POLICY_NULL_VECTOR,
      "have a null distribution vector",
      "drop or repair these rows upstream"),
  EMPTY_VECTOR(
      "empty_vector",
      DriftConfig.POLICY_EMPTY_VECTOR,
      "have an empty distribution vector",
      "drop or repair these rows upstream"),
  WRONG_LENGTH(
      "wrong_length",
      DriftConfig.POLICY_WRONG_LENGTH,
      "have vectors of the wrong length",
      "every teacher and student vector must list the same classes in the same order"),
  NOT_FINITE(
      "not_finite",
      DriftConfig.POLICY_NOT_FINITE,
      "contain NaN or infinite values",
      "fix the model export; NaN usually means a numerical overflow in the model"),
  NEGATIVE_PROBABILITY(
      "negative_probability",
      DriftConfig.POLICY_NEGATIVE,
      "contain a negative probability",
      "check that the column holds probabilities and not logits (input.*.kind=logits)"),
  NOT_NORMALIZED(
      "not_normalized",
      DriftConfig.POLICY_NOT_NORMALIZED,
      "have probabilities that do not sum to 1 within validate.sum_tolerance",
      "normalize the vectors, raise validate.sum_tolerance, set validate.not_normalized=renormalize, or set"
          + " input.*.kind if they are logits or log-probabilities"),
  MISALIGNED(
      "misaligned",
      DriftConfig.POLICY_MISALIGNED,
      "have per-position lists that do not line up (ids and log-probabilities, mask, token ids or"
          + " the other model's positions of different lengths, a repeated id or position, or a"
          + " null id, such as token text where \"token_id:N\" was expected)",
      "write one list entry per position in every column (ids and log-probabilities of equal"
          + " length, one mask and token entry per position), the same positions for both models,"
          + " and numeric token ids (vLLM: --return-tokens-as-token-ids)"),
  TOKEN_MISMATCH(
      "token_mismatch",
      DriftConfig.POLICY_TOKEN_MISMATCH,
      "have token ids that differ from the teacher's: the models scored different text",
      "score the same token sequence with both models (teacher forcing), or check that the keys"
          + " pair the right sequences");

  private final String label;
  private final ChoiceKey<RowPolicy> policyKey;
  private final String text;
  private final String fix;

  RowRule(String label, ChoiceKey<RowPolicy> policyKey, String text, String fix) {
    this.label = label;
    this.policyKey = policyKey;
    this.text = text;
    this.fix = fix;
  }

  /** The rule's name in reports, errors and the quarantine table. */
  public String label() {
    return label;
  }

  /** The configuration key that sets this rule's policy. */
  public ChoiceKey<RowPolicy> policyKey() {
    return policyKey;
  }

  /**
   * Whether a row of a layout can break this rule: {@code misaligned} and {@code token_mismatch}
   * judge per-position lists (sequence layout only); {@code wrong_length} and {@code
   * negative_probability} judge a vector over all classes, which the example layout and the
   * sequence layout's dense kinds have and top-k lists ({@code topK}) do not.
   */
  public boolean appliesTo(boolean sequence, boolean topK) {
    return switch (this) {
      case MISALIGNED, TOKEN_MISMATCH -> sequence;
      case WRONG_LENGTH, NEGATIVE_PROBABILITY -> !(sequence && topK);
      default -> true;
    };
  }

  /** The rule named {@code label} in reports, or null for none. */
  public static RowRule byLabel(String label) {
    for (RowRule r : values()) {
      if (r.label.equals(label)) {
        return r;
      }
    }
    return null;
  }

  /** The configured policy of this rule. */
  public RowPolicy policy(DriftConfig config) {
    return config.choice(policyKey);
  }

  String text() {
    return text;
  }

  String fix() {
    return fix;
  }
}
