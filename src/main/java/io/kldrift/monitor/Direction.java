package io.kldrift.monitor;

import io.kldrift.config.Choice;
import java.util.Locale;

/** {@code check.<name>.direction}: which side of a level counts as beyond it. */
public enum Direction implements Choice {
  /** Values above the level. */
  ABOVE,
  /** Values below the level. */
  BELOW,
  /** Values further from zero than the level, either sign. */
  BOTH;

  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
