package io.kldrift.crashtest;

/**
 * The {@code -javaagent} entry of the crash-test jar: it does nothing; the JVM appends an agent's
 * jar to the class path, which is how the launcher-started run gets the pausing file systems (and
 * the jar's {@code core-site.xml}, which names them) without a launcher option of its own.
 */
public final class Agent {
  private Agent() {}

  /** Called before main; nothing to do. */
  public static void premain(String args) {}
}
