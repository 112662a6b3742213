package io.kldrift.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.when;

import io.kldrift.input.Vocabulary;
import io.kldrift.summary.Summary;
import io.kldrift.summary.WorstSequenceColumns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The sequence layout's per_slice/ (the one of {@link Tables}) and per_token/, with, when the input
 * has a target column, the target figures of each slice value and token as more columns (named as
 * in {@code global.target}; {@code target_n} is their sample size).
 */
final class SequenceTables {
  private SequenceTables() {}

  /** The target columns, in the order of {@link #targetValues}. */
  static final String[] TARGET_COLUMNS = {
    "target_n",
    "teacher_nll_mean",
    "student_nll_mean",
    "teacher_ppl",
    "student_ppl",
    "ln_ppl_ratio",
    "ln_ppl_ratio_ci95_low",
    "ln_ppl_ratio_ci95_high",
    "delta_p_mean",
    "delta_p_rms",
    "teacher_accuracy",
    "student_accuracy",
    "teacher_target_missing",
    "student_target_missing"
  };

  static StructType withTargetColumns(StructType schema) {
    for (String c : TARGET_COLUMNS) {
      boolean count = c.equals("target_n") || c.endsWith("_missing");
      schema = schema.add(c, count ? DataTypes.LongType : DataTypes.DoubleType, true);
    }
    return schema;
  }

  /** A group's target figures as the values of {@link #TARGET_COLUMNS}. */
  static Object[] targetValues(Summary.TargetGroup t) {
    return new Object[] {
      t.n(),
      t.teacherNllMean(),
      t.studentNllMean(),
      t.teacherPpl(),
      t.studentPpl(),
      t.lnPplRatio(),
      t.lnPplRatioCi95Low(),
      t.lnPplRatioCi95High(),
      t.deltaPMean(),
      t.deltaPRms(),
      t.teacherAccuracy(),
      t.studentAccuracy(),
      t.teacherTargetMissing(),
      t.studentTargetMissing()
    };
  }

  private static Object[] concat(Object[] a, Object[] b) {
    Object[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The worst sequences' columns of the top-1 tokens at their first divergence. */
  static final String[] FIRST_TOKENS =
      WorstSequenceColumns.FIGURES.stream()
          .filter(WorstSequenceColumns::isToken)
          .toArray(String[]::new);

  /**
   * worst_examples/ with the top-1 token ids at the first divergence as longs (null without a
   * divergence, or for a sequence kept before drift state format 5), and with a vocabulary their
   * texts ({@code ..._text}, after each id; null for an id outside it).
   */
  static Dataset<Row> worstTokens(Dataset<Row> worst, WorstExamples heap, Vocabulary vocabulary) {
    for (String c : FIRST_TOKENS) {
      worst = worst.withColumn(c, when(col(c).geq(0), col(c).cast(DataTypes.LongType)));
    }
    if (vocabulary == null) {
      return worst;
    }
    Set<Long> ids = new TreeSet<>();
    for (WorstExamples.Entry e : heap.sorted()) {
      for (int i = 0; i < FIRST_TOKENS.length; i++) {
        double id = e.figures()[e.figures().length - FIRST_TOKENS.length + i];
        if (id >= 0 && vocabulary.text((long) id) != null) {
          ids.add((long) id);
        }
      }
    }
    List<Column> entries = new ArrayList<>();
    for (long id : ids) {
      entries.add(lit(id));
      entries.add(lit(vocabulary.text(id)));
    }
    Column texts =
        entries.isEmpty() ? map().cast("map<bigint,string>") : map(entries.toArray(Column[]::new));
    List<Column> cols = new ArrayList<>();
    for (String c : worst.columns()) {
      cols.add(col(c));
      if (Arrays.asList(FIRST_TOKENS).contains(c)) {
        cols.add(element_at(texts, col(c)).as(WorstSequenceColumns.text(c)));
      }
    }
    return worst.select(cols.toArray(Column[]::new));
  }

  /** per_slice/, with the target columns when {@code targets}. */
  static Dataset<Row> perSlice(
      SparkSession spark,
      List<Summary.SliceSummary> slices,
      List<byte[]> sketches,
      boolean targets) {
    StructType schema = Tables.perSliceSchema();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < slices.size(); i++) {
      Object[] v = Tables.perSliceValues(slices.get(i), sketches.get(i));
      if (targets) {
        v = concat(v, targetValues(slices.get(i).target()));
      }
      rows.add(RowFactory.create(v));
    }
    return spark.createDataFrame(rows, targets ? withTargetColumns(schema) : schema);
  }

  static final StructType PER_TOKEN =
      new StructType()
          .add("token_id", DataTypes.LongType, false)
          .add("positions", DataTypes.LongType, false)
          .add("kl_mean", DataTypes.DoubleType, false)
          .add("kl_share", DataTypes.DoubleType, true)
          .add("agreement", DataTypes.DoubleType, false)
          .add("teacher_tail_mass", DataTypes.DoubleType, false);

  /**
   * per_token/: every teacher top-1 token's positions, mean KL, share, agreement, tail mass; its
   * text ({@code token}, after the id) when {@code texts}, and the target columns when {@code
   * targets}.
   */
  static Dataset<Row> perToken(
      SparkSession spark, List<Summary.TokenShare> tokens, boolean targets, boolean texts) {
    List<Row> rows = new ArrayList<>();
    for (Summary.TokenShare t : tokens) {
      Object[] v = {
        t.tokenId(), t.positions(), t.klMean(), t.klShare(), t.agreement(), t.teacherTailMass()
      };
      if (texts) {
        v = concat(new Object[] {v[0], t.token()}, Arrays.copyOfRange(v, 1, v.length));
      }
      rows.add(RowFactory.create(targets ? concat(v, targetValues(t.target())) : v));
    }
    StructType schema = PER_TOKEN;
    if (texts) {
      StructType withText = new StructType().add(schema.fields()[0]);
      withText = withText.add("token", DataTypes.StringType, true);
      for (int i = 1; i < schema.fields().length; i++) {
        withText = withText.add(schema.fields()[i]);
      }
      schema = withText;
    }
    return spark.createDataFrame(rows, targets ? withTargetColumns(schema) : schema);
  }
}
