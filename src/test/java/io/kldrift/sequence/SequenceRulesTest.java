package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.SPARK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import io.kldrift.DriftException;
import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.config.DriftConfig;
import io.kldrift.job.ExitCodes;
import io.kldrift.summary.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The row rules of the sequence layout, each broken by one sequence (key 2) of three otherwise
 * valid ones, through {@link KlDrift#analyze}: the run stops with a message naming the rule, the
 * table and the key; and the configurations the layout refuses before reading anything.
 */
class SequenceRulesTest {

  /** One sequence in both tables, as mutable lists so a test can break one part. */
  static final class Seq {
    final long id;
    final List<Integer> tokens = new ArrayList<>();
    final List<Boolean> mask = new ArrayList<>();
    final List<List<Integer>> tIds = new ArrayList<>();
    final List<List<Float>> tLp = new ArrayList<>();
    final List<Integer> sTokens = new ArrayList<>();
    final List<List<Integer>> sIds = new ArrayList<>();
    final List<List<Float>> sLp = new ArrayList<>();
    final List<List<Float>> at = new ArrayList<>();

    Seq(long id) {
      this.id = id;
    }

    /** Removes the last position from every student list. */
    void dropLastStudentPosition() {
      int last = sIds.size() - 1;
      sTokens.remove(last);
      sIds.remove(last);
      sLp.remove(last);
      at.remove(last);
    }
  }

  private static List<Float> logs(double... p) {
    List<Float> l = new ArrayList<>();
    for (double x : p) {
      l.add((float) Math.log(x));
    }
    return l;
  }

  private static List<Integer> ids(int... ids) {
    List<Integer> l = new ArrayList<>();
    for (int i : ids) {
      l.add(i);
    }
    return l;
  }

  /** Three valid sequences of three positions; top-2 lists over a vocabulary of 3. */
  static List<Seq> valid() {
    List<Seq> out = new ArrayList<>();
    for (long id = 1; id <= 3; id++) {
      Seq s = new Seq(id);
      for (int j = 0; j < 3; j++) {
        double a = 0.5 + 0.1 * j;
        s.tokens.add((int) (id + j) % 3);
        s.sTokens.add((int) (id + j) % 3);
        s.mask.add(j > 0 || id != 3);
        s.tIds.add(ids(0, 1));
        s.tLp.add(logs(a, 0.3));
        s.sIds.add(ids(0, 2));
        s.sLp.add(logs(a - 0.1, 0.2));
        s.at.add(logs(a - 0.1, 0.15));
      }
      out.add(s);
    }
    return out;
  }

  static DataType nested(DataType t) {
    return DataTypes.createArrayType(DataTypes.createArrayType(t));
  }

  static final StructType TEACHER =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("segment", DataTypes.StringType)
          .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("mask", DataTypes.createArrayType(DataTypes.BooleanType))
          .add("ids", nested(DataTypes.IntegerType))
          .add("lp", nested(DataTypes.FloatType));

  static final StructType STUDENT =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("ids", nested(DataTypes.IntegerType))
          .add("lp", nested(DataTypes.FloatType))
          .add("at", nested(DataTypes.FloatType));

  static final StructType TEACHER_TOKENS =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("position", DataTypes.IntegerType)
          .add("segment", DataTypes.StringType)
          .add("token_ids", DataTypes.IntegerType)
          .add("mask", DataTypes.BooleanType)
          .add("ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("lp", DataTypes.createArrayType(DataTypes.FloatType));

  static final StructType STUDENT_TOKENS =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("position", DataTypes.IntegerType)
          .add("token_ids", DataTypes.IntegerType)
          .add("ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("lp", DataTypes.createArrayType(DataTypes.FloatType))
          .add("at", DataTypes.createArrayType(DataTypes.FloatType));

  static final StructType ENTRY =
      new StructType().add("token", DataTypes.StringType).add("logprob", DataTypes.FloatType);

  static final StructType TEACHER_STRUCTS =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("segment", DataTypes.StringType)
          .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("mask", DataTypes.createArrayType(DataTypes.BooleanType))
          .add("top", nested(ENTRY));

  static final StructType STUDENT_STRUCTS =
      new StructType()
          .add("sequence_id", DataTypes.LongType)
          .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("top", nested(ENTRY))
          .add("at", nested(DataTypes.FloatType));

  private static String segment(Seq s) {
    return s.id % 2 == 0 ? "even" : "odd";
  }

  /** One row per sequence. */
  @SuppressWarnings("unchecked")
  static Dataset<Row>[] arrays(List<Seq> data) {
    List<Row> t = new ArrayList<>();
    List<Row> s = new ArrayList<>();
    for (Seq q : data) {
      t.add(RowFactory.create(q.id, segment(q), q.tokens, q.mask, q.tIds, q.tLp));
      s.add(RowFactory.create(q.id, q.sTokens, q.sIds, q.sLp, q.at));
    }
    return new Dataset[] {SPARK.createDataFrame(t, TEACHER), SPARK.createDataFrame(s, STUDENT)};
  }

  /**
   * vLLM-style: per position a list of ("token_id:N", logprob); {@code token} names sequence 2's.
   */
  @SuppressWarnings("unchecked")
  static Dataset<Row>[] structs(List<Seq> data, String token) {
    List<Row> t = new ArrayList<>();
    List<Row> s = new ArrayList<>();
    for (Seq q : data) {
      List<List<Row>> tTop = new ArrayList<>();
      List<List<Row>> sTop = new ArrayList<>();
      for (int j = 0; j < q.tIds.size(); j++) {
        List<Row> te = new ArrayList<>();
        for (int i = 0; i < q.tIds.get(j).size(); i++) {
          boolean replaced = q.id == 2 && j == 1 && i == 1 && token != null;
          String name = replaced ? token : "token_id:" + q.tIds.get(j).get(i);
          te.add(RowFactory.create(name, q.tLp.get(j).get(i)));
        }
        tTop.add(te);
        List<Row> se = new ArrayList<>();
        for (int i = 0; i < q.sIds.get(j).size(); i++) {
          se.add(RowFactory.create("token_id:" + q.sIds.get(j).get(i), q.sLp.get(j).get(i)));
        }
        sTop.add(se);
      }
      t.add(RowFactory.create(q.id, segment(q), q.tokens, q.mask, tTop));
      s.add(RowFactory.create(q.id, q.sTokens, sTop, q.at));
    }
    return new Dataset[] {
      SPARK.createDataFrame(t, TEACHER_STRUCTS), SPARK.createDataFrame(s, STUDENT_STRUCTS)
    };
  }

  static DriftConfig structConfig() {
    return config()
        .set(DriftConfig.TEACHER_COLUMN, "top")
        .set(DriftConfig.TEACHER_IDS_COLUMN, "")
        .set(DriftConfig.STUDENT_COLUMN, "top")
        .set(DriftConfig.STUDENT_IDS_COLUMN, "")
        .build();
  }

  /** One row per token; {@code repeat} (sequence, position) is written twice on the teacher. */
  @SuppressWarnings("unchecked")
  static Dataset<Row>[] tokens(List<Seq> data, long repeatSequence, int repeatPosition) {
    List<Row> t = new ArrayList<>();
    List<Row> s = new ArrayList<>();
    for (Seq q : data) {
      for (int j = 0; j < q.tIds.size(); j++) {
        Row r =
            RowFactory.create(
                q.id, j, segment(q), q.tokens.get(j), q.mask.get(j), q.tIds.get(j), q.tLp.get(j));
        t.add(r);
        if (q.id == repeatSequence && j == repeatPosition) {
          t.add(r);
        }
        s.add(
            RowFactory.create(q.id, j, q.sTokens.get(j), q.sIds.get(j), q.sLp.get(j), q.at.get(j)));
      }
    }
    return new Dataset[] {
      SPARK.createDataFrame(t, TEACHER_TOKENS), SPARK.createDataFrame(s, STUDENT_TOKENS)
    };
  }

  static DriftConfig.Builder config() {
    return DriftConfig.builder()
        .set("input.layout", "sequence")
        .set("input.key_columns", "sequence_id")
        .set("input.teacher.column", "lp")
        .set("input.teacher.ids_column", "ids")
        .set("input.teacher.kind", "topk_log_probs")
        .set("input.student.column", "lp")
        .set("input.student.ids_column", "ids")
        .set("input.student.kind", "topk_log_probs")
        .set("input.student.at_teacher_column", "at")
        .set("input.mask_column", "mask")
        .set("input.token_ids_column", "token_ids")
        .set("input.slice_columns", "segment");
  }

  private static DriftException failure(Dataset<Row>[] tables, DriftConfig config) {
    Summary.Stats[] kl = new Summary.Stats[1];
    DriftException e =
        catchThrowableOfType(
            () -> {
              try (DriftReport r =
                  KlDrift.analyze(SPARK, tables[0], tables[1], config, SequenceFixtures.DAY)) {
                kl[0] = r.summary().global().kl();
              }
            },
            DriftException.class);
    if (e == null) {
      fail("the run finished without a DriftException; its kl: " + kl[0]);
    }
    return e;
  }

  /** Breaks sequence 2 and expects the run to stop on {@code rule} in {@code table}. */
  private static void assertRule(Consumer<Seq> breakIt, String rule, String table) {
    List<Seq> data = valid();
    breakIt.accept(data.get(1));
    DriftException e = failure(arrays(data), config().build());
    assertInputError(e, rule, table);
  }

  private static void assertInputError(DriftException e, String rule, String table) {
    assertThat(e.kind()).isEqualTo(DriftException.Kind.INVALID_INPUT);
    assertThat(e.kind().exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(e.getMessage())
        .startsWith(table + " table")
        .contains("(rule " + rule + ")")
        .contains("{\"sequence_id\":2}")
        .contains("Fix: ");
  }

  @Test
  void theValidTablesPass() {
    Dataset<Row>[] t = arrays(valid());
    try (DriftReport r =
        KlDrift.analyze(SPARK, t[0], t[1], config().build(), SequenceFixtures.DAY)) {
      assertThat(r.summary().inputs().matched()).isEqualTo(3);
      // Nine positions less sequence 3's first, masked.
      assertThat(r.summary().global().kl().n()).isEqualTo(8);
    }
    Dataset<Row>[] k = tokens(valid(), -1, -1);
    DriftConfig perToken = config().set(DriftConfig.POSITION_COLUMN, "position").build();
    try (DriftReport r = KlDrift.analyze(SPARK, k[0], k[1], perToken, SequenceFixtures.DAY)) {
      assertThat(r.summary().global().kl().n()).isEqualTo(8);
    }
    Dataset<Row>[] v = structs(valid(), null);
    try (DriftReport r = KlDrift.analyze(SPARK, v[0], v[1], structConfig(), SequenceFixtures.DAY)) {
      assertThat(r.summary().global().kl().n()).isEqualTo(8);
    }
  }

  @Test
  void tokenIdsThatDifferBreakTokenMismatch() {
    assertRule(s -> s.sTokens.set(1, 7), "token_mismatch", "student");
  }

  @Test
  void aMaskOfTheWrongLengthIsMisaligned() {
    assertRule(s -> s.mask.remove(2), "misaligned", "teacher");
  }

  @Test
  void idsAndLogProbsOfDifferentLengthsAtOnePositionAreMisaligned() {
    assertRule(s -> s.tIds.get(1).add(2), "misaligned", "teacher");
  }

  @Test
  void aStudentSequenceWithFewerPositionsIsMisaligned() {
    assertRule(Seq::dropLastStudentPosition, "misaligned", "student");
  }

  @Test
  void atTeacherListsOfAnotherLengthThanTheTeachersAreMisaligned() {
    assertRule(s -> s.at.get(0).remove(1), "misaligned", "student");
  }

  @Test
  void aNanLogProbabilityIsNotFinite() {
    assertRule(s -> s.tLp.get(2).set(1, Float.NaN), "not_finite", "teacher");
    assertRule(s -> s.sLp.get(0).set(0, Float.NaN), "not_finite", "student");
  }

  /**
   * A NaN among the student's log-probabilities at the teacher's ids is as broken as one in its own
   * list; read as "not reported" it silently moves that id into the tail cell.
   */
  @Test
  void aNanInTheStudentsLogProbabilitiesAtTheTeachersIdsIsNotFinite() {
    assertRule(s -> s.at.get(1).set(0, Float.NaN), "not_finite", "student");
  }

  /** +Infinity there makes that position's KL −Infinity and the global mean NaN. */
  @Test
  void anInfiniteStudentLogProbabilityAtTheTeachersIdsIsNotFinite() {
    assertRule(s -> s.at.get(1).set(0, Float.POSITIVE_INFINITY), "not_finite", "student");
  }

  /**
   * The student's probabilities at distinct teacher ids cannot sum above 1 any more than its own
   * list's; accepted, they empty the student's tail cell, whose divisor becomes metrics.epsilon,
   * and the reported "lower bound" is inflated by the teacher's tail mass times ln(1/ε).
   */
  @Test
  void studentLogProbabilitiesAtTheTeachersIdsSummingAboveOneAreNotNormalized() {
    assertRule(s -> s.at.set(1, logs(0.9, 0.8)), "not_normalized", "student");
  }

  @Test
  void aTopKSummingAboveOneIsNotNormalized() {
    assertRule(s -> s.tLp.set(0, logs(0.7, 0.6)), "not_normalized", "teacher");
  }

  @Test
  void aRepeatedTokenIdInOneListIsMisaligned() {
    assertRule(s -> s.sIds.set(0, ids(2, 2)), "misaligned", "student");
  }

  @Test
  void aRepeatedPositionInTheOneRowPerTokenShapeIsMisaligned() {
    DriftConfig perToken = config().set(DriftConfig.POSITION_COLUMN, "position").build();
    assertInputError(failure(tokens(valid(), 2, 1), perToken), "misaligned", "teacher");
  }

  /**
   * OpenAI-style logs name tokens by their text unless vLLM runs with --return-tokens-as-token-ids;
   * such an entry must stop the run with the table and key, not with Spark's CAST_INVALID_INPUT
   * from the id parsing (ANSI casts are Spark 4's default).
   */
  @Test
  void aStructTokenThatIsNotTokenIdNIsAnInputErrorNamingTheKey() {
    DriftException e = failure(structs(valid(), "hello"), structConfig());
    assertThat(e.kind()).isEqualTo(DriftException.Kind.INVALID_INPUT);
    assertThat(e.getMessage())
        .startsWith("teacher table")
        .contains("(rule ")
        .contains("{\"sequence_id\":2}");
  }

  // ---- configurations the layout refuses ----

  private static void assertConfigError(Dataset<Row>[] tables, DriftConfig config, String... says) {
    DriftException e = failure(tables, config);
    assertThat(e.kind()).isEqualTo(DriftException.Kind.INVALID_CONFIG);
    assertThat(e.kind().exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(e.getMessage()).contains(says).contains("Fix: ");
  }

  @Test
  void configurationsTheSequenceLayoutRefusesBeforeAnyJob() throws Exception {
    Dataset<Row>[] t = arrays(valid());
    Dataset<Row>[] perToken = tokens(valid(), -1, -1);
    Dataset<Row>[] dense = SequenceDenseTest.tables(SequenceDenseTest.DATA);
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart job) {
            jobs.incrementAndGet();
          }
        };
    SPARK.sparkContext().addSparkListener(counter);
    try {
      assertConfigError(
          t,
          config().set(DriftConfig.STUDENT_KIND, "log_probs").build(),
          "input.teacher.kind is topk_log_probs",
          "input.student.kind is log_probs");
      assertConfigError(
          t,
          config().set("validate.misaligned", "quarantine").build(),
          "validate.misaligned=quarantine");
      assertConfigError(
          t,
          config().set("validate.not_finite", "quarantine").build(),
          "validate.not_finite=quarantine");
      assertConfigError(
          t,
          config().set(DriftConfig.SLICE_COLUMNS, "sequence_id").build(),
          "slice column 'sequence_id'",
          "key column");
      assertConfigError(
          perToken,
          config()
              .set(DriftConfig.POSITION_COLUMN, "position")
              .set(DriftConfig.SLICE_COLUMNS, "position")
              .build(),
          "slice column 'position'",
          "position column");
      assertConfigError(
          dense,
          SequenceDenseTest.config().set(DriftConfig.AT_TEACHER_COLUMN, "lp").build(),
          "input.student.at_teacher_column");
      assertConfigError(
          dense,
          SequenceDenseTest.config().set(DriftConfig.TEACHER_IDS_COLUMN, "lp").build(),
          "ids column");
      SPARK.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      SPARK.sparkContext().removeSparkListener(counter);
    }
    assertThat(jobs.get()).as("Spark jobs started").isZero();
  }
}
