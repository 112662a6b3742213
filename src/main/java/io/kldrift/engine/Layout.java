package io.kldrift.engine;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.input.SchemaCheck;
import java.io.DataInput;
import java.io.IOException;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * What differs between the two input layouts (DESIGN §1 and §3b), stage by stage: reading and
 * normalizing the tables, the columns each side carries into the join, the state part and its
 * update, and the finish into summary records and tables. The layout is picked once, from {@code
 * input.layout} ({@link #of}); the pass, the state and the finish are written once against it, as
 * Deequ's runner is written against {@code Analyzer} and {@code State}.
 */
public sealed interface Layout<P extends StatePart<P>> extends Serializable, SchemaCheck
    permits ExampleLayout, SequenceLayout {

  /** The layouts in the order the drift state format writes their parts. */
  List<Layout<?>> FORMAT_ORDER = List.of(ExampleLayout.INSTANCE, SequenceLayout.INSTANCE);

  /** The layout {@code input.layout} names. */
  static Layout<?> of(DriftConfig config) {
    return switch (config.layout()) {
      case SEQUENCE -> SequenceLayout.INSTANCE;
      case EXAMPLE -> ExampleLayout.INSTANCE;
    };
  }

  /** Teacher columns the joined row carries after the slice columns, besides the distribution. */
  List<String> teacherColumns();

  /** Student columns the join keeps besides the keys and the distribution. */
  List<String> studentColumns();

  /** Whether a task holds per-class vectors, so the class count must fit a task's memory. */
  boolean holdsClassVectors();

  /** A zero part of list length {@code length}. */
  P newPart(StateSettings settings, int length);

  /** Reads a part written by {@link StatePart#write} in drift state format {@code version}. */
  P readPart(DataInput in, StateSettings settings, int version) throws IOException;

  /** The update of one partition of the joined rows into its state. */
  FlatMapFunction<Iterator<InternalRow>, ShippedState> updater(
      StateHeader header, PredictionInputs.Prepared in, DriftConfig config, StructType examples);

  /** The finish of {@code state} into the summary sections and tables. */
  Finisher finisher(SparkSession spark, DriftConfig config, DriftState state);

  /**
   * The per-example (or per-sequence) metrics of the checked inputs as a lazy Dataset, or null when
   * the layout writes none with {@code config}.
   */
  Dataset<Row> perExample(PredictionInputs.Checked checked, DriftConfig config);
}
