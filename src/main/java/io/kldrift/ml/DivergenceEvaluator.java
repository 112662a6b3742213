package io.kldrift.ml;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import java.util.List;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Evaluator} that scores a student model by how close its distribution is to its
 * teacher's, so that {@code CrossValidator} and {@code TrainValidationSplit} pick the student
 * closest to its teacher instead of the one most accurate on labels. It reads one Dataset holding
 * both models' distributions (ML Vectors or arrays), computes kldrift's per-example metrics with
 * the same function as the job ({@link KlDrift#metrics}) and averages one of them in one
 * aggregation.
 *
 * <pre>{@code
 * DivergenceEvaluator closest = new DivergenceEvaluator()
 *     .setTeacherCol("teacher_probability")   // the teacher's transform output, renamed
 *     .setStudentCol("probability")           // what the student's transform writes
 *     .setMetricName("kl");
 * CrossValidatorModel cv = new CrossValidator()
 *     .setEstimator(student).setEstimatorParamMaps(grid).setEvaluator(closest)
 *     .setNumFolds(3).fit(withTeacher);
 * }</pre>
 *
 * <p>Metrics: {@code kl} (KL(teacher‖student), the default), {@code reverse_kl}, {@code js} (all
 * smaller is better) and {@code agreement} (the share of examples whose top-1 classes agree; larger
 * is better). Kinds ({@code teacherKind}, {@code studentKind}): {@code probs} (default), {@code
 * log_probs} or {@code logits}, as input.teacher.kind and input.student.kind of the job. Rows where
 * either distribution is null are left out of the mean.
 */
public final class DivergenceEvaluator extends Evaluator implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private static final List<String> METRICS = List.of("kl", "reverse_kl", "js", "agreement");
  private static final List<String> KINDS = List.of("probs", "log_probs", "logits");

  private final String uid;
  private final Param<String> teacherCol;
  private final Param<String> studentCol;
  private final Param<String> teacherKind;
  private final Param<String> studentKind;
  private final Param<String> metricName;

  /** An evaluator with a random uid. */
  public DivergenceEvaluator() {
    this(Identifiable.randomUID("divergenceEval"));
  }

  /** An evaluator with the given uid (Spark ML's copy and load use this constructor). */
  public DivergenceEvaluator(String uid) {
    this.uid = uid;
    teacherCol = new Param<>(uid, "teacherCol", "column of the teacher's distribution");
    studentCol = new Param<>(uid, "studentCol", "column of the student's distribution");
    teacherKind = kindParam(uid, "teacher");
    studentKind = kindParam(uid, "student");
    metricName =
        new Param<>(
            uid,
            "metricName",
            "metric to average: "
                + String.join(", ", METRICS)
                + " (divergences: smaller is better; agreement: larger is better)",
            ParamValidators.inArray(METRICS));
    setDefault(teacherCol, "teacher_probability");
    setDefault(studentCol, "probability");
    setDefault(teacherKind, "probs");
    setDefault(studentKind, "probs");
    setDefault(metricName, "kl");
  }

  @Override
  public String uid() {
    return uid;
  }

  /** Column of the teacher's distribution (default {@code teacher_probability}). */
  public Param<String> teacherCol() {
    return teacherCol;
  }

  /** Column of the student's distribution (default {@code probability}, Spark ML's output). */
  public Param<String> studentCol() {
    return studentCol;
  }

  /** Meaning of the teacher's vector: probs (default), log_probs or logits. */
  public Param<String> teacherKind() {
    return teacherKind;
  }

  /** Meaning of the student's vector: probs (default), log_probs or logits. */
  public Param<String> studentKind() {
    return studentKind;
  }

  /** The metric averaged: kl (default), reverse_kl, js or agreement. */
  public Param<String> metricName() {
    return metricName;
  }

  /** The kind param of one side ({@code teacher} or {@code student}). */
  private static Param<String> kindParam(String uid, String side) {
    return new Param<>(
        uid,
        side + "Kind",
        "meaning of the " + side + "'s vector: " + String.join(", ", KINDS),
        ParamValidators.inArray(KINDS));
  }

  /** Sets {@link #teacherCol()}. */
  public DivergenceEvaluator setTeacherCol(String value) {
    return with(teacherCol, value);
  }

  /** Sets {@link #studentCol()}. */
  public DivergenceEvaluator setStudentCol(String value) {
    return with(studentCol, value);
  }

  /** Sets {@link #teacherKind()}. */
  public DivergenceEvaluator setTeacherKind(String value) {
    return with(teacherKind, value);
  }

  /** Sets {@link #studentKind()}. */
  public DivergenceEvaluator setStudentKind(String value) {
    return with(studentKind, value);
  }

  /** Sets {@link #metricName()}. */
  public DivergenceEvaluator setMetricName(String value) {
    return with(metricName, value);
  }

  private DivergenceEvaluator with(Param<String> param, String value) {
    set(param, value);
    return this;
  }

  /** The teacher's column. */
  public String getTeacherCol() {
    return getOrDefault(teacherCol);
  }

  /** The student's column. */
  public String getStudentCol() {
    return getOrDefault(studentCol);
  }

  /** The metric averaged. */
  public String getMetricName() {
    return getOrDefault(metricName);
  }

  /** The mean of the metric over the rows where both distributions are present. */
  @Override
  public double evaluate(Dataset<?> dataset) {
    Dataset<Row> df = dataset.toDF();
    KlDrift.registerFunctions(df.sparkSession());
    require(df.schema(), getTeacherCol(), "teacherCol");
    require(df.schema(), getStudentCol(), "studentCol");
    DriftConfig kinds =
        DriftConfig.builder()
            .set(DriftConfig.TEACHER_KIND, getOrDefault(teacherKind))
            .set(DriftConfig.STUDENT_KIND, getOrDefault(studentKind))
            .build();
    Column m = KlDrift.metrics(col(getTeacherCol()), col(getStudentCol()), kinds);
    String metric = getMetricName();
    Column value =
        metric.equals("agreement") ? m.getField("agree").cast("double") : m.getField(metric);
    Row mean = df.agg(avg(value)).first();
    if (mean.isNullAt(0)) {
      throw MlErrors.noRowToEvaluate(getTeacherCol(), getStudentCol(), metric);
    }
    return mean.getDouble(0);
  }

  /** False for the divergences (kl, reverse_kl, js), true for agreement. */
  @Override
  public boolean isLargerBetter() {
    return getMetricName().equals("agreement");
  }

  @Override
  public DivergenceEvaluator copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Reads an evaluator saved with {@code write().save(path)}. */
  public static MLReader<DivergenceEvaluator> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads an evaluator saved at {@code path}. */
  public static DivergenceEvaluator load(String path) {
    return read().load(path);
  }

  private static void require(StructType schema, String column, String param) {
    if (schema.getFieldIndex(column).isEmpty()) {
      throw MlErrors.noSuchColumn(column, param, schema.fieldNames());
    }
  }
}
