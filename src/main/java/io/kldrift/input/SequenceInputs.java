package io.kldrift.input;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;

import io.kldrift.DriftException;
import io.kldrift.config.DriftConfig;
import io.kldrift.config.RowPolicy;
import io.kldrift.kernel.Divergences.Kind;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The input contract of the sequence layout (DESIGN §3b): one row per sequence with per-position
 * arrays, in three shapes that are normalized here, before any scan, to one: nested arrays of ids
 * and log-probabilities (or dense vectors); vLLM/OpenAI-style {@code array<array<struct<id,
 * logprob>>>} with {@code "token_id:N"} strings; and one row per token with a position column,
 * grouped into sequences by the key columns.
 *
 * <p>After normalization the teacher table has the keys, {@link PredictionInputs#TEACHER} (per
 * position: log-probabilities or a dense vector), {@link #TEACHER_EXTRA} and the slice columns; the
 * student the keys, {@link PredictionInputs#STUDENT} and {@link #STUDENT_EXTRA}. Absent optional
 * columns are typed nulls, so the joined row has one layout.
 */
public final class SequenceInputs {
  /**
   * Teacher columns after the distribution: top-k ids, mask, token ids, positions, target ids and
   * the teacher's log-probabilities of the targets. Ids, token ids and target ids are int or bigint
   * arrays as read (the reader takes either); positions are bigint.
   */
  public static final List<String> TEACHER_EXTRA =
      List.of("__kd_pid", "__kd_mask", "__kd_ttok", "__kd_tpos", "__kd_tgt", "__kd_ttlp");

  /**
   * Student columns after the distribution: top-k ids, log-probs at the teacher's ids, tokens,
   * positions and the student's log-probabilities of the targets.
   */
  public static final List<String> STUDENT_EXTRA =
      List.of("__kd_qid", "__kd_qat", "__kd_stok", "__kd_spos", "__kd_stlp");

  private static final List<String> ID_FIELDS = List.of("token_id", "id", "token");
  private static final List<String> LOGPROB_FIELDS = List.of("logprob", "log_prob");

  private SequenceInputs() {}

  /** Checks the schemas of both tables (no scan) and normalizes them to one shape. */
  public static PredictionInputs.Prepared prepare(
      Dataset<Row> teacher, Dataset<Row> student, DriftConfig config) {
    List<String> keys = config.get(DriftConfig.KEY_COLUMNS);
    Kind tKind = config.get(DriftConfig.TEACHER_KIND);
    Kind sKind = config.get(DriftConfig.STUDENT_KIND);
    checkConfig(config, tKind, sKind);
    String vocabulary = config.get(DriftConfig.VOCABULARY);
    if (!vocabulary.isEmpty()) {
      Vocabulary.read(vocabulary, teacher.sparkSession().sparkContext().hadoopConfiguration());
    }
    StructType ts = teacher.schema();
    StructType ss = student.schema();
    PredictionInputs.checkKeys(ts, ss, keys);
    String position = config.get(DriftConfig.POSITION_COLUMN);
    boolean perToken = !position.isEmpty();
    List<String> slices = config.get(DriftConfig.SLICE_COLUMNS);
    PredictionInputs.checkSlices(ts, keys, slices, DriftConfig.WRITE_PER_SEQUENCE.key());
    for (String sc : slices) {
      if (sc.equalsIgnoreCase(position)) {
        throw InputErrors.sliceIsPosition(sc);
      }
    }
    Side t = new Side("teacher", ts, perToken ? 0 : 1, tKind, config);
    Side s = new Side("student", ss, perToken ? 0 : 1, sKind, config);
    if (perToken) {
      t.requirePosition(position);
      s.requirePosition(position);
    }
    List<Column> tSel = new ArrayList<>();
    keys.forEach(k -> tSel.add(col(k)));
    tSel.add(t.values(DriftConfig.TEACHER_COLUMN).as(PredictionInputs.TEACHER));
    tSel.add(t.ids(DriftConfig.TEACHER_COLUMN, DriftConfig.TEACHER_IDS_COLUMN).as("__kd_pid"));
    tSel.add(t.optional(config.get(DriftConfig.MASK_COLUMN), DataTypes.BooleanType, "__kd_mask"));
    tSel.add(t.tokens(config.get(DriftConfig.TOKEN_IDS_COLUMN), "__kd_ttok"));
    tSel.add(t.positions(position, "__kd_tpos"));
    tSel.add(t.targets(config.get(DriftConfig.TARGET_IDS_COLUMN)));
    tSel.add(t.targetLogprobs(DriftConfig.TEACHER_TARGET_LOGPROB_COLUMN, "__kd_ttlp"));
    slices.forEach(sc -> tSel.add(col(sc)));
    List<Column> sSel = new ArrayList<>();
    keys.forEach(k -> sSel.add(col(k)));
    sSel.add(s.values(DriftConfig.STUDENT_COLUMN).as(PredictionInputs.STUDENT));
    sSel.add(s.ids(DriftConfig.STUDENT_COLUMN, DriftConfig.STUDENT_IDS_COLUMN).as("__kd_qid"));
    sSel.add(s.atTeacher(config.get(DriftConfig.AT_TEACHER_COLUMN)));
    sSel.add(s.tokens(config.get(DriftConfig.TOKEN_IDS_COLUMN), "__kd_stok"));
    sSel.add(s.positions(position, "__kd_spos"));
    sSel.add(s.targetLogprobs(DriftConfig.STUDENT_TARGET_LOGPROB_COLUMN, "__kd_stlp"));
    Dataset<Row> tn = teacher.select(tSel.toArray(Column[]::new));
    Dataset<Row> sn = student.select(sSel.toArray(Column[]::new));
    if (perToken) {
      tn = bySequence(tn, keys, slices);
      sn = bySequence(sn, keys, List.of());
    }
    PredictionInputs.Rows tRows =
        new PredictionInputs.Rows(
            teacher,
            tn,
            PredictionInputs.TEACHER,
            "teacher",
            config.get(DriftConfig.TEACHER_COLUMN),
            tKind,
            keys,
            config);
    PredictionInputs.Rows sRows =
        new PredictionInputs.Rows(
            student,
            sn,
            PredictionInputs.STUDENT,
            "student",
            config.get(DriftConfig.STUDENT_COLUMN),
            sKind,
            keys,
            config);
    return new PredictionInputs.Prepared(tn, sn, false, slices, tRows, sRows, List.of(), config);
  }

  /** Configuration that cannot work in the sequence layout, refused before anything is read. */
  private static void checkConfig(DriftConfig config, Kind tKind, Kind sKind) {
    boolean tTop = tKind == Kind.TOPK_LOG_PROBS;
    boolean sTop = sKind == Kind.TOPK_LOG_PROBS;
    if (tTop != sTop) {
      throw InputErrors.mixedTopKAndDense(tKind.label(), sKind.label());
    }
    if (!tTop && !config.get(DriftConfig.AT_TEACHER_COLUMN).isEmpty()) {
      throw InputErrors.atTeacherWithDense(tKind.label());
    }
    if (!tTop
        && (!config.get(DriftConfig.TEACHER_IDS_COLUMN).isEmpty()
            || !config.get(DriftConfig.STUDENT_IDS_COLUMN).isEmpty())) {
      throw InputErrors.idsWithDense(tKind.label());
    }
    if (!tTop && config.get(DriftConfig.WRITE_PER_SEQUENCE)) {
      throw InputErrors.perSequenceNeedsTopK();
    }
    if (config.get(DriftConfig.TARGET_IDS_COLUMN).isEmpty()) {
      for (var key :
          List.of(
              DriftConfig.TEACHER_TARGET_LOGPROB_COLUMN,
              DriftConfig.STUDENT_TARGET_LOGPROB_COLUMN)) {
        if (!config.get(key).isEmpty()) {
          throw DriftException.invalidConfig(
              key.key() + " is set, but input.target_ids_column is empty",
              "set input.target_ids_column to the teacher table's column of target token ids, or"
                  + " clear "
                  + key.key());
        }
      }
    }
    for (RowRule r : RowRule.values()) {
      if (r.policy(config) != RowPolicy.FAIL) {
        throw InputErrors.sequencePolicy(r.policyKey().key(), r.policy(config).label());
      }
    }
  }

  /** One row per token: grouped into sequences by the key, ordered by position. */
  private static Dataset<Row> bySequence(Dataset<Row> t, List<String> keys, List<String> slices) {
    List<String> perPosition = new ArrayList<>();
    for (String c : t.columns()) {
      if (!keys.contains(c) && !slices.contains(c)) {
        perPosition.add(c);
      }
    }
    // The position goes first so that sort_array orders the struct by it.
    String pos = perPosition.stream().filter(c -> c.endsWith("pos")).findFirst().orElseThrow();
    List<Column> fields = new ArrayList<>();
    fields.add(col(pos));
    perPosition.stream().filter(c -> !c.equals(pos)).forEach(c -> fields.add(col(c)));
    List<Column> aggs = new ArrayList<>();
    aggs.add(sort_array(collect_list(struct(fields.toArray(Column[]::new)))).as("__kd_rows"));
    // A sequence's slice value is the smallest its rows carry (one per sequence, as a rule).
    slices.forEach(sc -> aggs.add(min(col(sc)).as(sc)));
    Dataset<Row> g =
        t.groupBy(keys.stream().map(k -> col(k)).toArray(Column[]::new))
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
    List<Column> out = new ArrayList<>();
    keys.forEach(k -> out.add(col(k)));
    for (String c : t.columns()) {
      if (perPosition.contains(c)) {
        out.add(col("__kd_rows").getField(c).as(c));
      }
    }
    slices.forEach(sc -> out.add(col(sc)));
    return g.select(out.toArray(Column[]::new));
  }

  /** The schema of one table and the shape its columns must have. */
  private static final class Side {
    final String side;
    final StructType schema;
    final int depth;
    final Kind kind;
    final DriftConfig config;

    Side(String side, StructType schema, int depth, Kind kind, DriftConfig config) {
      this.side = side;
      this.schema = schema;
      this.depth = depth;
      this.kind = kind;
      this.config = config;
    }

    /** The element type under {@code depth} array levels of {@code t}, or null. */
    private DataType element(DataType t, int levels) {
      for (int i = 0; i < levels; i++) {
        if (!(t instanceof ArrayType a)) {
          return null;
        }
        t = a.elementType();
      }
      return t;
    }

    private String shape(String inner) {
      return depth == 1 ? "array<array<" + inner + ">>" : "array<" + inner + ">";
    }

    private String layoutHint() {
      return depth == 1
          ? "one row per sequence (input.position_column is empty)"
          : "one row per token (input.position_column is set)";
    }

    private StructField field(String column, String role, String key) {
      return PredictionInputs.require(schema, side, column, role, key);
    }

    private DriftException wrongType(String column, DataType t, String expected, String key) {
      return InputErrors.sequenceColumnType(side, column, t, expected, layoutHint(), key);
    }

    /** The struct element of a vLLM-style column, or null when the column holds numbers. */
    private StructType structs(String column) {
      DataType e = element(schema.apply(column).dataType(), depth + 1);
      return e instanceof StructType st ? st : null;
    }

    private static String pick(StructType st, List<String> names) {
      for (String n : names) {
        for (String f : st.fieldNames()) {
          if (f.equalsIgnoreCase(n)) {
            return f;
          }
        }
      }
      return null;
    }

    /** Per position: the log-probabilities of the top-k entries, or the dense vector. */
    Column values(io.kldrift.config.ConfigKey<String> key) {
      String column = config.get(key);
      DataType t = field(column, "distribution column", key.key()).dataType();
      StructType st = structs(column);
      if (st != null) {
        if (kind != Kind.TOPK_LOG_PROBS) {
          throw InputErrors.structsNotTopK(side, column, kind.label());
        }
        String lp = pick(st, LOGPROB_FIELDS);
        if (lp == null || pick(st, ID_FIELDS) == null) {
          throw InputErrors.topKStructFields(side, column, st);
        }
        return perEntry(col(column), e -> e.getField(lp).cast(DataTypes.DoubleType));
      }
      DataType e = element(t, depth + 1);
      if (!(e == DataTypes.FloatType || e == DataTypes.DoubleType)) {
        throw wrongType(
            column,
            t,
            shape("float") + " or " + shape("double") + " (or top-k structs)",
            key.key());
      }
      return col(column);
    }

    /** Per position: the top-k ids as longs; typed nulls for dense distributions. */
    Column ids(
        io.kldrift.config.ConfigKey<String> valuesKey, io.kldrift.config.ConfigKey<String> idsKey) {
      if (kind != Kind.TOPK_LOG_PROBS) {
        return lit(null).cast(nested(DataTypes.LongType));
      }
      String column = config.get(valuesKey);
      StructType st = structs(column);
      if (st != null) {
        String id = pick(st, ID_FIELDS);
        DataType it = st.apply(id).dataType();
        if (it == DataTypes.StringType) {
          // vLLM with --return-tokens-as-token-ids writes "token_id:N"; plain digits also parse.
          // Anything else (token text) reads as a null id: rule misaligned, with the key.
          return perEntry(
              col(column),
              e ->
                  regexp_extract(e.getField(id), "^(?:token_id:)?(-?[0-9]+)$", 1)
                      .try_cast(DataTypes.LongType));
        }
        if (!integral(it)) {
          throw InputErrors.topKIdType(side, column, id, it);
        }
        return perEntry(col(column), e -> e.getField(id).cast(DataTypes.LongType));
      }
      String ids = config.get(idsKey);
      if (ids.isEmpty()) {
        throw InputErrors.noIdsColumn(side, idsKey.key());
      }
      DataType t = field(ids, "ids column", idsKey.key()).dataType();
      DataType e = element(t, depth + 1);
      if (e == null || !integral(e)) {
        throw wrongType(ids, t, shape("int") + " or " + shape("bigint"), idsKey.key());
      }
      // int and bigint ids are read as they are: a cast of nested arrays boxes every element.
      return e == DataTypes.LongType || e == DataTypes.IntegerType
          ? col(ids)
          : col(ids).cast(nested(DataTypes.LongType));
    }

    /** The student's log-probabilities at the teacher's ids, or a typed null. */
    Column atTeacher(String column) {
      if (column.isEmpty()) {
        return lit(null).cast(nested(DataTypes.DoubleType)).as("__kd_qat");
      }
      String key = DriftConfig.AT_TEACHER_COLUMN.key();
      DataType t = field(column, "at-teacher column", key).dataType();
      DataType e = element(t, depth + 1);
      if (!(e == DataTypes.FloatType || e == DataTypes.DoubleType)) {
        throw wrongType(column, t, shape("float") + " or " + shape("double"), key);
      }
      return col(column).as("__kd_qat");
    }

    /** A per-position column of {@code type} (the mask), or a typed null. */
    Column optional(String column, DataType type, String as) {
      if (column.isEmpty()) {
        return lit(null).cast(perPosition(type)).as(as);
      }
      if (side.equals("student") && schema.getFieldIndex(column).isEmpty()) {
        return lit(null).cast(perPosition(type)).as(as);
      }
      String key = DriftConfig.MASK_COLUMN.key();
      DataType t = field(column, "mask column", key).dataType();
      if (!type.equals(element(t, depth))) {
        throw wrongType(column, t, depth == 1 ? "array<boolean>" : "boolean", key);
      }
      return col(column).as(as);
    }

    /** The token ids the model scored, as longs, or a typed null when this table has none. */
    Column tokens(String column, String as) {
      if (column.isEmpty() || schema.getFieldIndex(column).isEmpty()) {
        return lit(null).cast(perPosition(DataTypes.LongType)).as(as);
      }
      String key = DriftConfig.TOKEN_IDS_COLUMN.key();
      DataType t = schema.apply(column).dataType();
      DataType e = element(t, depth);
      if (e == null || !integral(e)) {
        throw wrongType(column, t, depth == 1 ? "array<int> or array<bigint>" : "int", key);
      }
      return e == DataTypes.LongType || e == DataTypes.IntegerType
          ? col(column).as(as)
          : col(column).cast(perPosition(DataTypes.LongType)).as(as);
    }

    /** The target token id per position, as read (int or bigint), or a typed null. */
    Column targets(String column) {
      if (column.isEmpty()) {
        return lit(null).cast(perPosition(DataTypes.LongType)).as("__kd_tgt");
      }
      String key = DriftConfig.TARGET_IDS_COLUMN.key();
      DataType t = field(column, "target ids column", key).dataType();
      DataType e = element(t, depth);
      if (e == null || !integral(e)) {
        throw wrongType(column, t, depth == 1 ? "array<int> or array<bigint>" : "int", key);
      }
      return e == DataTypes.LongType || e == DataTypes.IntegerType
          ? col(column).as("__kd_tgt")
          : col(column).cast(perPosition(DataTypes.LongType)).as("__kd_tgt");
    }

    /** This model's log-probability of the target per position, or a typed null. */
    Column targetLogprobs(io.kldrift.config.ConfigKey<String> key, String as) {
      String column = config.get(key);
      if (column.isEmpty()) {
        return lit(null).cast(perPosition(DataTypes.DoubleType)).as(as);
      }
      DataType t = field(column, "target log-probability column", key.key()).dataType();
      DataType e = element(t, depth);
      if (!(e == DataTypes.FloatType || e == DataTypes.DoubleType)) {
        throw wrongType(
            column, t, depth == 1 ? "array<float> or array<double>" : "float or double", key.key());
      }
      return col(column).as(as);
    }

    /** The position column of the per-token shape, or a typed null. */
    Column positions(String column, String as) {
      if (column.isEmpty()) {
        return lit(null).cast(DataTypes.createArrayType(DataTypes.LongType)).as(as);
      }
      return col(column).cast(DataTypes.LongType).as(as);
    }

    void requirePosition(String column) {
      String key = DriftConfig.POSITION_COLUMN.key();
      DataType t = field(column, "position column", key).dataType();
      if (!integral(t)) {
        throw wrongType(column, t, "int or bigint", key);
      }
    }

    private DataType perPosition(DataType inner) {
      return depth == 1 ? DataTypes.createArrayType(inner) : inner;
    }

    private DataType nested(DataType inner) {
      return depth == 1
          ? DataTypes.createArrayType(DataTypes.createArrayType(inner))
          : DataTypes.createArrayType(inner);
    }

    private Column perEntry(Column c, java.util.function.Function<Column, Column> f) {
      if (depth == 1) {
        return transform(c, pos -> transform(pos, e -> f.apply(e)));
      }
      return transform(c, e -> f.apply(e));
    }
  }

  private static boolean integral(DataType t) {
    return t == DataTypes.IntegerType
        || t == DataTypes.LongType
        || t == DataTypes.ShortType
        || t == DataTypes.ByteType;
  }
}
