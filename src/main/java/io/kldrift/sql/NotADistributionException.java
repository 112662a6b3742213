package io.kldrift.sql;

import java.util.Map;
import org.apache.spark.SparkThrowable;

/**
 * Raised by a kldrift SQL function under ANSI mode when an argument is not a distribution (empty,
 * NaN or NULL entries, a negative probability, a sum away from 1, or two vectors of different
 * length). It carries an error condition and SQLSTATE the way Spark's own errors do ({@code
 * DIVIDE_BY_ZERO} of {@code 1/0}), so SQL clients, PySpark and Spark Connect show and classify it
 * like a built-in error; the {@code try_} variant of the function returns NULL instead.
 */
public final class NotADistributionException extends RuntimeException implements SparkThrowable {
  private static final long serialVersionUID = 1L;

  /** The error condition. */
  public static final String CONDITION = "KLDRIFT_NOT_A_DISTRIBUTION";

  /** SQLSTATE 22023: invalid parameter value (class 22, data exception). */
  public static final String SQLSTATE = "22023";

  private final Map<String, String> parameters;

  /**
   * {@code parameters} name the facts: {@code function}, {@code argument}, {@code rule} (a row rule
   * label such as {@code not_normalized}) and {@code problem}.
   */
  NotADistributionException(String message, Map<String, String> parameters) {
    super("[" + CONDITION + "] " + message + " SQLSTATE: " + SQLSTATE);
    this.parameters = Map.copyOf(parameters);
  }

  @Override
  public String getCondition() {
    return CONDITION;
  }

  @Override
  public String getSqlState() {
    return SQLSTATE;
  }

  @Override
  public Map<String, String> getMessageParameters() {
    return parameters;
  }
}
