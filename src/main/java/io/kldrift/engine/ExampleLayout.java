package io.kldrift.engine;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.sql.FunctionSchemas;
import java.io.DataInput;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/** {@code input.layout=example}: one distribution over the classes per row (DESIGN §1, §2). */
enum ExampleLayout implements Layout<ExamplePart> {
  INSTANCE;

  @Override
  public PredictionInputs.Prepared prepare(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config) {
    return PredictionInputs.prepareExamples(
        teacher, student, config, FunctionSchemas.METRICS.fieldNames());
  }

  @Override
  public List<String> teacherColumns() {
    return List.of();
  }

  @Override
  public List<String> studentColumns() {
    return List.of();
  }

  @Override
  public boolean holdsClassVectors() {
    return true;
  }

  @Override
  public ExamplePart newPart(StateSettings settings, int length) {
    return new ExamplePart(settings, length);
  }

  @Override
  public ExamplePart readPart(DataInput in, StateSettings settings, int version)
      throws IOException {
    return ExamplePart.read(in, settings, version);
  }

  @Override
  public FlatMapFunction<Iterator<InternalRow>, ShippedState> updater(
      StateHeader header, PredictionInputs.Prepared in, DriftConfig config, StructType examples) {
    return new ExampleUpdater(
        header,
        ArrayReads.floats(in.teacher(), PredictionInputs.TEACHER),
        ArrayReads.floats(in.student(), PredictionInputs.STUDENT),
        examples);
  }

  @Override
  public Finisher finisher(SparkSession spark, DriftConfig config, DriftState state) {
    return new ExampleFinisher(spark, config, state);
  }

  @Override
  public Dataset<Row> perExample(PredictionInputs.Checked checked, DriftConfig config) {
    return PerExample.perExample(checked, config);
  }

  @Override
  public String toString() {
    return "example";
  }
}
