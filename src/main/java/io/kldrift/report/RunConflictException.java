package io.kldrift.report;

/**
 * Another run committed the same run (date or rollup) while this one was writing it: this run's
 * report was not committed and the other's stands. The job exits 1 with the message.
 */
public final class RunConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RunConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
