package io.kldrift.engine;

import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.input.SequenceInputs;
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

/** {@code input.layout=sequence}: per-position lists of a sequence, top-k or dense (DESIGN §3b). */
enum SequenceLayout implements Layout<SequencePart> {
  INSTANCE;

  @Override
  public PredictionInputs.Prepared prepare(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config) {
    return SequenceInputs.prepare(teacher, student, config);
  }

  @Override
  public List<String> teacherColumns() {
    return SequenceInputs.TEACHER_EXTRA;
  }

  @Override
  public List<String> studentColumns() {
    return SequenceInputs.STUDENT_EXTRA;
  }

  @Override
  public boolean holdsClassVectors() {
    return false;
  }

  @Override
  public SequencePart newPart(StateSettings settings, int length) {
    return new SequencePart(settings, length);
  }

  @Override
  public SequencePart readPart(DataInput in, StateSettings settings, int version)
      throws IOException {
    return SequencePart.read(in, settings, version);
  }

  @Override
  public FlatMapFunction<Iterator<InternalRow>, ShippedState> updater(
      StateHeader header, PredictionInputs.Prepared in, DriftConfig config, StructType examples) {
    return new SequenceUpdater(header, shape(in, config), examples);
  }

  /** The sequence columns' shapes: element types and which optional columns are given. */
  private static SequenceUpdater.Shape shape(PredictionInputs.Prepared in, DriftConfig config) {
    Dataset<Row> t = in.teacher();
    Dataset<Row> s = in.student();
    return new SequenceUpdater.Shape(
        ArrayReads.floats(t, PredictionInputs.TEACHER),
        ArrayReads.floats(s, PredictionInputs.STUDENT),
        !config.get(DriftConfig.AT_TEACHER_COLUMN).isEmpty(),
        ArrayReads.floats(s, "__kd_qat"),
        !config.get(DriftConfig.MASK_COLUMN).isEmpty(),
        ArrayReads.ints(t, "__kd_pid"),
        ArrayReads.ints(s, "__kd_qid"),
        ArrayReads.ints(t, "__kd_ttok"),
        ArrayReads.ints(s, "__kd_stok"),
        !config.get(DriftConfig.POSITION_COLUMN).isEmpty(),
        !config.get(DriftConfig.TARGET_IDS_COLUMN).isEmpty(),
        ArrayReads.ints(t, "__kd_tgt"),
        !config.get(DriftConfig.TEACHER_TARGET_LOGPROB_COLUMN).isEmpty(),
        ArrayReads.floats(t, "__kd_ttlp"),
        !config.get(DriftConfig.STUDENT_TARGET_LOGPROB_COLUMN).isEmpty(),
        ArrayReads.floats(s, "__kd_stlp"));
  }

  @Override
  public Finisher finisher(SparkSession spark, DriftConfig config, DriftState state) {
    return new SequenceFinisher(spark, config, state);
  }

  @Override
  public Dataset<Row> perExample(PredictionInputs.Checked checked, DriftConfig config) {
    return config.get(DriftConfig.WRITE_PER_SEQUENCE)
        ? PerExample.perSequence(checked, config)
        : null;
  }

  @Override
  public String toString() {
    return "sequence";
  }
}
