package io.kldrift.input;

import io.kldrift.config.DriftConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A layout's schema checks and normalization of two tables whose keys are already widened (no
 * scan). The engine's layouts implement it and the caller passes the chosen one in, so that this
 * package reads and checks tables without depending on the pipeline that consumes them.
 */
@FunctionalInterface
public interface SchemaCheck {

  /** Checks both tables and normalizes them to the columns the pass reads. */
  PredictionInputs.Prepared prepare(Dataset<Row> teacher, Dataset<Row> student, DriftConfig config);
}
