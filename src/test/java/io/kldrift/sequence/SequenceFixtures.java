package io.kldrift.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.KlDrift;
import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import io.kldrift.summary.Summary;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What the sequence tests share: generated data sets, the tables read back as plain Java values,
 * and a reference computation of the report's figures from those values that uses none of the code
 * under test (the tail-bucket and shared-top-k bounds written out from their definitions).
 */
final class SequenceFixtures {
  static final SparkSession SPARK = TestSpark.get();
  static final LocalDate DAY = LocalDate.parse("2026-11-28");

  /** Log-probabilities at or below this are not reported (OpenAI's −9999.0 and below). */
  static final double NOT_REPORTED = -9999.0;

  /** The documented position buckets, read by name so the test does not share the edges. */
  static final String[] POSITION_BUCKETS = {
    "0", "1-3", "4-15", "16-63", "64-255", "256-1023", "1024+"
  };

  private SequenceFixtures() {}

  /** V = 500, 40 sequences of 16–64 tokens, k = 8, 8% of keys on one side only. */
  static Spec spec(Shape shape, double sentinels, int files) {
    return new Spec(
        40, 23, 500, 8, 16, 64, 0.08, sentinels, List.of(3, 5, 11), 1.5, shape, files, false);
  }

  static Path generate(Path dir, Spec spec) throws Exception {
    SequenceSampleGenerator.generate(SPARK, spec, dir.toString());
    return dir;
  }

  /**
   * The configuration of hand-written top-k tables: key {@code sequence_id}, slice column {@code
   * segment}, each side's log-probs in {@code lp} at the ids in {@code ids}.
   */
  static DriftConfig.Builder handWrittenTopK() {
    return DriftConfig.builder()
        .set("input.layout", "sequence")
        .set("input.key_columns", "sequence_id")
        .set("input.slice_columns", "segment")
        .set("input.kind", "topk_log_probs")
        .set("input.column", "lp")
        .set("input.teacher.ids_column", "ids")
        .set("input.student.ids_column", "ids");
  }

  /** The configuration the generator wrote next to its tables. */
  static DriftConfig.Builder config(Path dir) {
    return DriftConfig.builder().file(dir.resolve("kldrift.properties"));
  }

  static Dataset<Row> table(Path dir, String side) {
    return SPARK.read().parquet(dir.resolve(side).toString());
  }

  static DriftReport analyze(Path dir, DriftConfig config) {
    return KlDrift.analyze(SPARK, table(dir, "teacher"), table(dir, "student"), config, DAY);
  }

  static Summary summary(Path dir, DriftConfig config) {
    try (DriftReport r = analyze(dir, config)) {
      return r.summary();
    }
  }

  // ---- the tables as Java values ----

  /** One teacher sequence: per position the top-k ids and log-probabilities. */
  record Teacher(
      long id, String segment, long[] tokens, boolean[] mask, long[][] ids, double[][] lp) {}

  /** One student sequence, with its log-probabilities at the teacher's ids. */
  record Student(long id, long[] tokens, long[][] ids, double[][] lp, double[][] at) {}

  /** Both tables by key. */
  record Tables(Map<Long, Teacher> teacher, Map<Long, Student> student) {
    List<Long> matched() {
      return teacher.keySet().stream().filter(student::containsKey).sorted().toList();
    }
  }

  /** Reads a folder of the arrays shape. */
  static Tables readArrays(Path dir) {
    Map<Long, Teacher> t = new TreeMap<>();
    for (Row r : table(dir, "teacher").collectAsList()) {
      long id = r.getAs("sequence_id");
      t.put(
          id,
          new Teacher(
              id,
              r.getAs("segment"),
              longs(r.getList(r.fieldIndex("token_ids"))),
              bools(r.getList(r.fieldIndex("completion_mask"))),
              nestedLongs(r, "topk_ids"),
              nestedDoubles(r, "topk_logprobs")));
    }
    Map<Long, Student> s = new TreeMap<>();
    for (Row r : table(dir, "student").collectAsList()) {
      long id = r.getAs("sequence_id");
      s.put(
          id,
          new Student(
              id,
              longs(r.getList(r.fieldIndex("token_ids"))),
              nestedLongs(r, "topk_ids"),
              nestedDoubles(r, "topk_logprobs"),
              nestedDoubles(r, "logprobs_at_teacher")));
    }
    return new Tables(t, s);
  }

  private static long[] longs(List<?> l) {
    return l.stream().mapToLong(x -> ((Number) x).longValue()).toArray();
  }

  private static boolean[] bools(List<Boolean> l) {
    boolean[] b = new boolean[l.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = l.get(i);
    }
    return b;
  }

  private static long[][] nestedLongs(Row r, String field) {
    List<scala.collection.Seq<Object>> outer = r.getList(r.fieldIndex(field));
    long[][] out = new long[outer.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = longs(CollectionConverters.asJava(outer.get(i)));
    }
    return out;
  }

  private static double[][] nestedDoubles(Row r, String field) {
    List<scala.collection.Seq<Object>> outer = r.getList(r.fieldIndex(field));
    double[][] out = new double[outer.size()][];
    for (int i = 0; i < out.length; i++) {
      // Float to double is exact: the same values the job reads.
      out[i] =
          CollectionConverters.asJava(outer.get(i)).stream()
              .mapToDouble(x -> ((Number) x).doubleValue())
              .toArray();
    }
    return out;
  }

  // ---- the bounds from their definitions ----

  static boolean reported(double lp) {
    return lp > NOT_REPORTED;
  }

  /**
   * KL over cells (p_i, q_i given as log-probabilities) plus one tail cell holding the rest of each
   * side's mass: Σ p ln(p/q) + (1−P) ln((1−P)/(1−Q)).
   */
  static double partitionKl(List<double[]> cells) {
    double kl = 0;
    double bigP = 0;
    double bigQ = 0;
    for (double[] c : cells) {
      double p = Math.exp(c[0]);
      kl += p * (c[0] - c[1]);
      bigP += p;
      bigQ += Math.exp(c[1]);
    }
    double pt = Math.max(0, 1 - bigP);
    double qt = Math.max(0, 1 - bigQ);
    if (pt > 0) {
      kl += pt * Math.log(pt / (qt > 0 ? qt : 1e-12));
    }
    return kl;
  }

  /** The tail-bucket bound: cells are the teacher's reported ids where the student's is known. */
  static double tailKl(double[] tLp, double[] at) {
    List<double[]> cells = new ArrayList<>();
    for (int i = 0; i < tLp.length; i++) {
      if (reported(tLp[i]) && reported(at[i])) {
        cells.add(new double[] {tLp[i], at[i]});
      }
    }
    return partitionKl(cells);
  }

  /** The shared-top-k bound: cells are the ids both lists report. */
  static double sharedKl(long[] tIds, double[] tLp, long[] sIds, double[] sLp) {
    List<double[]> cells = new ArrayList<>();
    for (int i = 0; i < tIds.length; i++) {
      if (!reported(tLp[i])) {
        continue;
      }
      for (int j = 0; j < sIds.length; j++) {
        if (sIds[j] == tIds[i] && reported(sLp[j])) {
          cells.add(new double[] {tLp[i], sLp[j]});
          break;
        }
      }
    }
    return partitionKl(cells);
  }

  /** The id of the largest reported log-probability, ties to the smaller id; -1 when none. */
  static long top1(long[] ids, double[] lp) {
    long best = -1;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < ids.length; i++) {
      if (reported(lp[i]) && (lp[i] > max || (lp[i] == max && ids[i] < best))) {
        max = lp[i];
        best = ids[i];
      }
    }
    return best;
  }

  static double tailMass(double[] lp) {
    double s = 0;
    for (double x : lp) {
      if (reported(x)) {
        s += Math.exp(x);
      }
    }
    return Math.max(0, 1 - s);
  }

  // ---- the expected report ----

  /** One counted position of a matched sequence. */
  record Counted(
      long sequence,
      String segment,
      int position,
      double kl,
      long teacherTop1,
      boolean agree,
      double tail) {}

  /** The counted positions of the matched sequences, in the tail-bucket or shared-top-k mode. */
  static List<Counted> counted(Tables tables, boolean tailBucket) {
    List<Counted> out = new ArrayList<>();
    for (long id : tables.matched()) {
      Teacher t = tables.teacher().get(id);
      Student s = tables.student().get(id);
      for (int j = 0; j < t.ids().length; j++) {
        if (!t.mask()[j]) {
          continue;
        }
        double kl =
            tailBucket
                ? tailKl(t.lp()[j], s.at()[j])
                : sharedKl(t.ids()[j], t.lp()[j], s.ids()[j], s.lp()[j]);
        long t1 = top1(t.ids()[j], t.lp()[j]);
        boolean agree = t1 == top1(s.ids()[j], s.lp()[j]);
        out.add(new Counted(id, t.segment(), j, kl, t1, agree, tailMass(t.lp()[j])));
      }
    }
    return out;
  }

  /** A worst sequence: key and the figures of worst_examples/. */
  record Worst(
      long sequence,
      String segment,
      double mean,
      double sum,
      double max,
      int positions,
      Integer firstDivergence,
      double tail,
      double agreement) {}

  /** A token (the teacher's top-1 id) with its counted positions and mean KL. */
  record Token(long id, long positions, double klMean) {}

  /** The report's figures computed from the counted positions. */
  record Expected(
      long n,
      double mean,
      double std,
      double min,
      double max,
      double agreement,
      double sequenceMean,
      double sequenceMin,
      long[] bucketN,
      Double[] bucketMean,
      Map<String, Double> sliceMean,
      Map<String, Long> sliceN,
      List<Token> tokens,
      List<Worst> worst) {}

  static Expected expected(List<Counted> c) {
    long n = c.size();
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    long agreed = 0;
    for (Counted x : c) {
      sum += x.kl();
      min = Math.min(min, x.kl());
      max = Math.max(max, x.kl());
      agreed += x.agree() ? 1 : 0;
    }
    double mean = sum / n;
    double ss = 0;
    for (Counted x : c) {
      ss += (x.kl() - mean) * (x.kl() - mean);
    }
    long[] bucketN = new long[POSITION_BUCKETS.length];
    double[] bucketSum = new double[POSITION_BUCKETS.length];
    Map<String, double[]> slices = new TreeMap<>();
    Map<Long, double[]> tokens = new TreeMap<>();
    Map<Long, List<Counted>> bySequence = new TreeMap<>();
    for (Counted x : c) {
      int b = bucketOf(x.position());
      bucketN[b]++;
      bucketSum[b] += x.kl();
      double[] sl = slices.computeIfAbsent(x.segment(), k -> new double[2]);
      sl[0] += x.kl();
      sl[1]++;
      double[] tk = tokens.computeIfAbsent(x.teacherTop1(), k -> new double[2]);
      tk[0] += x.kl();
      tk[1]++;
      bySequence.computeIfAbsent(x.sequence(), k -> new ArrayList<>()).add(x);
    }
    Double[] bucketMean = new Double[bucketN.length];
    for (int b = 0; b < bucketN.length; b++) {
      bucketMean[b] = bucketN[b] == 0 ? null : bucketSum[b] / bucketN[b];
    }
    Map<String, Double> sliceMean = new LinkedHashMap<>();
    Map<String, Long> sliceN = new LinkedHashMap<>();
    slices.forEach(
        (k, v) -> {
          sliceMean.put(k, v[0] / v[1]);
          sliceN.put(k, (long) v[1]);
        });
    List<Token> tokenList = new ArrayList<>();
    tokens.forEach((id, v) -> tokenList.add(new Token(id, (long) v[1], v[0] / v[1])));
    tokenList.sort(
        Comparator.comparingDouble((Token t) -> -t.klMean() * t.positions())
            .thenComparingLong(Token::id));
    List<Worst> worst = new ArrayList<>();
    double seqSum = 0;
    double seqMin = Double.POSITIVE_INFINITY;
    for (List<Counted> seq : bySequence.values()) {
      double s = 0;
      double m = 0;
      double tail = 0;
      int agree = 0;
      Integer first = null;
      for (Counted x : seq) {
        s += x.kl();
        m = Math.max(m, x.kl());
        tail += x.tail();
        if (x.agree()) {
          agree++;
        } else if (first == null) {
          first = x.position();
        }
      }
      int k = seq.size();
      seqSum += s / k;
      seqMin = Math.min(seqMin, s / k);
      worst.add(
          new Worst(
              seq.get(0).sequence(),
              seq.get(0).segment(),
              s / k,
              s,
              m,
              k,
              first,
              tail / k,
              (double) agree / k));
    }
    worst.sort(Comparator.comparingDouble((Worst w) -> -w.mean()).thenComparing(Worst::sequence));
    return new Expected(
        n,
        mean,
        Math.sqrt(ss / (n - 1)),
        min,
        max,
        (double) agreed / n,
        seqSum / bySequence.size(),
        seqMin,
        bucketN,
        bucketMean,
        sliceMean,
        sliceN,
        tokenList,
        worst);
  }

  /** The bucket whose documented name ("4-15", "1024+") holds {@code position}. */
  static int bucketOf(int position) {
    for (int b = 0; b < POSITION_BUCKETS.length; b++) {
      String name = POSITION_BUCKETS[b];
      int lo;
      int hi;
      if (name.endsWith("+")) {
        lo = Integer.parseInt(name.substring(0, name.length() - 1));
        hi = Integer.MAX_VALUE;
      } else if (name.contains("-")) {
        lo = Integer.parseInt(name.substring(0, name.indexOf('-')));
        hi = Integer.parseInt(name.substring(name.indexOf('-') + 1));
      } else {
        lo = Integer.parseInt(name);
        hi = lo;
      }
      if (position >= lo && position <= hi) {
        return b;
      }
    }
    throw new AssertionError("no bucket for position " + position);
  }

  /** Asserts a report's figures against the expectation (means to {@code tol} relative). */
  static void assertMatches(DriftReport report, Expected e, double tol) {
    Summary s = report.summary();
    Summary.Stats kl = s.global().kl();
    assertThat(kl.n()).isEqualTo(e.n());
    assertThat(kl.mean()).isCloseTo(e.mean(), within(tol * e.mean()));
    assertThat(kl.std()).isCloseTo(e.std(), within(1e-9 * e.std()));
    assertThat(kl.min()).isCloseTo(e.min(), within(tol * e.mean()));
    assertThat(kl.max()).isCloseTo(e.max(), within(tol * e.max()));
    assertThat(s.global().agreement().mean()).isCloseTo(e.agreement(), within(1e-12));
    assertThat(s.global().sequenceKl().mean())
        .isCloseTo(e.sequenceMean(), within(tol * e.sequenceMean()));
    List<Summary.Bucket> buckets = s.sequences().byPosition();
    assertThat(buckets).extracting(Summary.Bucket::bucket).containsExactly(POSITION_BUCKETS);
    for (int b = 0; b < buckets.size(); b++) {
      assertThat(buckets.get(b).positions()).as("bucket %s", b).isEqualTo(e.bucketN()[b]);
      if (e.bucketMean()[b] == null) {
        assertThat(buckets.get(b).klMean()).isNull();
      } else {
        assertThat(buckets.get(b).klMean())
            .as("bucket %s", b)
            .isCloseTo(e.bucketMean()[b], within(tol * e.bucketMean()[b]));
      }
    }
    assertThat(s.perSlice())
        .extracting(Summary.SliceSummary::value)
        .containsExactlyElementsOf(e.sliceMean().keySet());
    for (Summary.SliceSummary sl : s.perSlice()) {
      assertThat(sl.column()).isEqualTo("segment");
      assertThat(sl.kl().n()).isEqualTo(e.sliceN().get(sl.value()));
      double want = e.sliceMean().get(sl.value());
      assertThat(sl.kl().mean()).as("slice %s", sl.value()).isCloseTo(want, within(tol * want));
    }
    List<Summary.TokenShare> tokens = s.sequences().topTokens();
    assertThat(tokens).hasSize(Math.min(20, e.tokens().size()));
    for (int i = 0; i < tokens.size(); i++) {
      Token want = e.tokens().get(i);
      assertThat(tokens.get(i).tokenId()).as("token rank %s", i).isEqualTo(want.id());
      assertThat(tokens.get(i).positions()).isEqualTo(want.positions());
      assertThat(tokens.get(i).klMean()).isCloseTo(want.klMean(), within(tol * want.klMean()));
    }
    List<Row> worst = report.worstExamples().collectAsList();
    assertThat(worst).hasSize(Math.min(50, e.worst().size()));
    for (int i = 0; i < worst.size(); i++) {
      Row r = worst.get(i);
      Worst w = e.worst().get(i);
      assertThat(r.<Long>getAs("sequence_id")).as("worst rank %s", i).isEqualTo(w.sequence());
      assertThat(r.<String>getAs("segment")).isEqualTo(w.segment());
      assertThat(r.<Double>getAs("kl")).isCloseTo(w.mean(), within(tol * w.mean()));
      assertThat(r.<Double>getAs("kl_sum")).isCloseTo(w.sum(), within(tol * w.sum()));
      assertThat(r.<Double>getAs("kl_max")).isCloseTo(w.max(), within(tol * w.max()));
      assertThat(r.<Integer>getAs("positions")).isEqualTo(w.positions());
      assertThat(r.<Integer>getAs("first_divergence")).isEqualTo(w.firstDivergence());
      assertThat(r.<Double>getAs("teacher_tail_mass")).isCloseTo(w.tail(), within(1e-12));
      assertThat(r.<Double>getAs("agreement")).isCloseTo(w.agreement(), within(1e-12));
    }
  }
}
