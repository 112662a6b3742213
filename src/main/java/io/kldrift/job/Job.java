package io.kldrift.job;

import io.kldrift.console.Verbosity;

/** A command-line job: what {@link Cli} needs of it beyond its picocli options. */
interface Job {
  /** How much this run says on the console, from its options. */
  Verbosity verbosity();
}
