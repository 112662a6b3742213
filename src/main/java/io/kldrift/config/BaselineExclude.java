package io.kldrift.config;

/**
 * {@code baseline.exclude}: the statuses whose runs never form a baseline. Both orders of {@code
 * alert,warn} name the same set.
 */
public enum BaselineExclude implements Choice {
  /** ALERT runs are left out. */
  ALERT("alert"),
  /** ALERT and WARN runs are left out. */
  ALERT_AND_WARN("alert,warn"),
  /** Every status may form a baseline. */
  NONE("none");

  private final String label;

  BaselineExclude(String label) {
    this.label = label;
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public boolean accepts(String text) {
    return label.equals(text) || (this == ALERT_AND_WARN && text.equals("warn,alert"));
  }
}
