package io.kldrift.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Generates teacher and student prediction tables with a known drift, deterministically for a seed
 * (each example draws from its own generator seeded by the run seed and its id, so the data does
 * not depend on partitioning). The student is the teacher plus small logit noise, except that the
 * drift classes lose {@code drift} logits on the {@code mobile} slice; a few keys exist on one side
 * only; rows are written in a shuffled order.
 */
public final class SampleGenerator {

  /** Class names used when there are exactly ten classes. */
  static final List<String> TEN =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  /** What to generate. */
  public record Spec(
      long rows,
      int classes,
      long seed,
      boolean logits,
      List<Integer> driftClasses,
      double drift,
      double unmatchedShare,
      int files)
      implements java.io.Serializable {}

  private SampleGenerator() {}

  /**
   * Writes {@code out/teacher}, {@code out/student}, {@code out/classes.txt} and {@code
   * out/kldrift.properties}.
   */
  public static void generate(SparkSession spark, Spec spec, String out) throws IOException {
    StructType schema =
        new StructType()
            .add("example_id", DataTypes.LongType, false)
            .add("side", DataTypes.IntegerType, false)
            .add("probs", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("label", DataTypes.IntegerType, false)
            .add("segment", DataTypes.StringType, false);
    FlatMapFunction<Long, Row> rows = id -> examples(spec, id).iterator();
    Dataset<Row> all =
        spark.range(0, spec.rows()).as(Encoders.LONG()).flatMap(rows, Encoders.row(schema));
    String column = spec.logits() ? "logits" : "probs";
    for (int side = 0; side < 2; side++) {
      String name = side == 0 ? "teacher" : "student";
      spark.sparkContext().setJobDescription("kldrift: generate " + name);
      all.where(col("side").equalTo(side))
          .drop("side")
          .withColumnRenamed("probs", column)
          .orderBy(hash(col("example_id"), lit(spec.seed() + side)))
          .coalesce(spec.files())
          .write()
          .mode("overwrite")
          .option("compression", "zstd")
          .parquet(out + "/" + name);
    }
    List<String> names = new ArrayList<>();
    for (int c = 0; c < spec.classes(); c++) {
      names.add(spec.classes() == TEN.size() ? TEN.get(c) : "class_" + c);
    }
    Path dir = Path.of(out);
    Files.write(dir.resolve("classes.txt"), names, StandardCharsets.UTF_8);
    String kind = spec.logits() ? "logits" : "probs";
    String props =
        String.join(
            "\n",
            "# kldrift configuration for the data generated here; see conf/kldrift.properties for every key.",
            "input.teacher.column=" + column,
            "input.student.column=" + column,
            "input.teacher.kind=" + kind,
            "input.student.kind=" + kind,
            "input.slice_columns=segment",
            "input.class_names_file=classes.txt",
            "run.dataset=generated-sample",
            "check.mean_kl.metric=kl.mean",
            "check.mean_kl.warn=0.1",
            "check.mean_kl.alert=0.3",
            "check.mean_kl_band.metric=kl.mean",
            "check.mean_kl_band.type=sigma",
            "check.mean_kl_band.warn=4",
            "check.mean_kl_band.alert=6",
            "check.slice_kl.metric=kl.mean",
            "check.slice_kl.scope=slice",
            "check.slice_kl.warn=0.2",
            "check.slice_kl.alert=0.5",
            "check.agreement.metric=agreement.mean",
            "check.agreement.direction=below",
            "check.agreement.warn=0.85",
            "check.agreement.alert=0.7",
            "");
    Files.writeString(dir.resolve("kldrift.properties"), props, StandardCharsets.UTF_8);
  }

  /**
   * The teacher row and the student row of example {@code id} (one of them absent for unmatched
   * keys).
   */
  static List<Row> examples(Spec spec, long id) {
    SplittableRandom rng = new SplittableRandom(Randoms.mix(spec.seed(), id));
    int c = spec.classes();
    int label = rng.nextInt(c);
    boolean mobile = rng.nextDouble() < 0.4;
    double u = rng.nextDouble();
    boolean teacherOnly = u < spec.unmatchedShare();
    boolean studentOnly = !teacherOnly && u < 2 * spec.unmatchedShare();
    double[] t = new double[c];
    for (int k = 0; k < c; k++) {
      t[k] = Randoms.gaussian(rng);
    }
    t[label] += 3.0 + 0.5 * Randoms.gaussian(rng);
    if (rng.nextDouble() < 0.1) {
      t[(label + 1) % c] += 2.5;
    }
    double[] s = new double[c];
    for (int k = 0; k < c; k++) {
      s[k] = t[k] + 0.25 * Randoms.gaussian(rng);
    }
    if (mobile) {
      for (int k : spec.driftClasses()) {
        if (k < c) {
          s[k] -= spec.drift();
        }
      }
    }
    String segment = mobile ? "mobile" : "web";
    List<Row> out = new ArrayList<>(2);
    if (!studentOnly) {
      out.add(RowFactory.create(id, 0, vector(t, spec.logits()), label, segment));
    }
    if (!teacherOnly) {
      out.add(RowFactory.create(id, 1, vector(s, spec.logits()), label, segment));
    }
    return out;
  }

  private static float[] vector(double[] z, boolean logits) {
    float[] v = new float[z.length];
    if (logits) {
      for (int k = 0; k < z.length; k++) {
        v[k] = (float) z[k];
      }
      return v;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double x : z) {
      max = Math.max(max, x);
    }
    double sum = 0;
    double[] e = new double[z.length];
    for (int k = 0; k < z.length; k++) {
      e[k] = Math.exp(z[k] - max);
      sum += e[k];
    }
    for (int k = 0; k < z.length; k++) {
      v[k] = (float) (e[k] / sum);
    }
    return v;
  }
}
