package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.config;
import static io.kldrift.sequence.SequenceFixtures.generate;
import static io.kldrift.sequence.SequenceFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.config.DriftConfig;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import io.kldrift.sequence.SequenceFixtures.Tables;
import io.kldrift.sequence.SequenceFixtures.Teacher;
import io.kldrift.summary.Summary;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target figures of a generated data set against the generator's full distributions: every
 * figure computed here by plain loops from the exact probabilities of the target (teacher and
 * student over the whole vocabulary), and the targets shown to be drawn from the teacher (the mean
 * teacher NLL is the mean teacher entropy within sampling error).
 */
class SequenceTargetPropertyTest {
  @TempDir static Path tmp;

  private static Spec spec;
  private static Path dir;
  private static Tables tables;
  private static Map<Long, long[]> targets;

  @BeforeAll
  static void generateTheData() throws Exception {
    spec = spec(Shape.ARRAYS, 0, 1);
    dir = generate(tmp.resolve("arrays"), spec);
    tables = SequenceFixtures.readArrays(dir);
    targets = new HashMap<>();
    for (Row r : SequenceFixtures.table(dir, "teacher").collectAsList()) {
      List<?> l = r.getList(r.fieldIndex("target_ids"));
      targets.put(
          r.<Long>getAs("sequence_id"),
          l.stream().mapToLong(x -> ((Number) x).longValue()).toArray());
    }
  }

  @Test
  void everyTargetFigureFollowsFromTheExactDistributions() {
    Summary.Target x = SequenceFixtures.summary(dir, config(dir).build()).global().target();
    long n = 0;
    double tNll = 0;
    double sNll = 0;
    double dp = 0;
    double dp2 = 0;
    double diff2 = 0;
    double entropy = 0;
    double entropy2 = 0;
    long tHits = 0;
    long sHits = 0;
    for (long id : tables.matched()) {
      Teacher t = tables.teacher().get(id);
      for (int j = 0; j < t.mask().length; j++) {
        if (!t.mask()[j]) {
          continue;
        }
        double[] p = SequenceSampleGenerator.teacherDistribution(spec, id, j);
        double[] q = SequenceSampleGenerator.studentDistribution(spec, id, j);
        int target = (int) targets.get(id)[j];
        n++;
        tNll -= Math.log(p[target]);
        sNll -= Math.log(q[target]);
        double d = Math.log(p[target]) - Math.log(q[target]);
        diff2 += d * d;
        dp += q[target] - p[target];
        dp2 += (q[target] - p[target]) * (q[target] - p[target]);
        tHits += argmax(p) == target ? 1 : 0;
        sHits += argmax(q) == target ? 1 : 0;
        double h = 0;
        for (double pi : p) {
          h -= pi > 0 ? pi * Math.log(pi) : 0;
        }
        entropy += h;
        entropy2 += h * h;
      }
    }
    assertThat(x.n()).isEqualTo(n);
    assertThat(x.teacherTargetMissing()).isZero();
    assertThat(x.studentTargetMissing()).isZero();
    assertThat(x.teacherNllMean()).isCloseTo(tNll / n, within(1e-9));
    assertThat(x.studentNllMean()).isCloseTo(sNll / n, within(1e-9));
    assertThat(x.teacherPpl()).isCloseTo(Math.exp(tNll / n), within(1e-8));
    assertThat(x.studentPpl()).isCloseTo(Math.exp(sNll / n), within(1e-8));
    double ratio = (sNll - tNll) / n;
    assertThat(x.lnPplRatio()).isCloseTo(ratio, within(1e-9));
    double sd = Math.sqrt((diff2 - n * ratio * ratio) / (n - 1));
    assertThat(x.lnPplRatioCi95High() - x.lnPplRatioCi95Low())
        .isCloseTo(2 * 1.959963984540054 * sd / Math.sqrt(n), within(1e-8));
    assertThat(x.deltaPMean()).isCloseTo(dp / n, within(1e-9));
    assertThat(x.deltaPRms()).isCloseTo(Math.sqrt(dp2 / n), within(1e-9));
    assertThat(x.teacherAccuracy()).isEqualTo((double) tHits / n);
    assertThat(x.studentAccuracy()).isEqualTo((double) sHits / n);
    // The targets are draws from the teacher: E[-ln p(target)] = E[H(p)].
    double hMean = entropy / n;
    double hSd = Math.sqrt((entropy2 / n - hMean * hMean));
    assertThat(tNll / n).isCloseTo(hMean, within(4 * (hSd + 1) / Math.sqrt(n)));
  }

  @Test
  void withoutTheTargetColumnsTheListsGiveWhatTheyHoldAndTheRestIsMissing() {
    DriftConfig c =
        config(dir)
            .set("input.teacher.target_logprob_column", "")
            .set("input.student.target_logprob_column", "")
            .build();
    Summary.Target x = SequenceFixtures.summary(dir, c).global().target();
    long n = 0;
    long tMissing = 0;
    long sMissing = 0;
    double tNll = 0;
    for (long id : tables.matched()) {
      Teacher t = tables.teacher().get(id);
      SequenceFixtures.Student s = tables.student().get(id);
      for (int j = 0; j < t.mask().length; j++) {
        if (!t.mask()[j]) {
          continue;
        }
        long target = targets.get(id)[j];
        Double tLp = find(t.ids()[j], t.lp()[j], target);
        Double sLp = find(s.ids()[j], s.lp()[j], target);
        if (sLp == null) {
          sLp = find(t.ids()[j], s.at()[j], target);
        }
        tMissing += tLp == null ? 1 : 0;
        sMissing += sLp == null ? 1 : 0;
        if (tLp != null && sLp != null) {
          n++;
          tNll -= tLp;
        }
      }
    }
    assertThat(tMissing).isPositive();
    assertThat(x.n()).isEqualTo(n);
    assertThat(x.teacherTargetMissing()).isEqualTo(tMissing);
    assertThat(x.studentTargetMissing()).isEqualTo(sMissing);
    assertThat(x.teacherNllMean()).isCloseTo(tNll / n, within(1e-9));
  }

  @Test
  void everyGroupsFiguresFollowFromTheExactDistributionsInTheSummaryAndTheTables() {
    Map<String, TargetOracle> slices = new TreeMap<>();
    Map<String, TargetOracle> positions = new TreeMap<>();
    Map<String, TargetOracle> entropies = new TreeMap<>();
    Map<Long, TargetOracle> tokens = new TreeMap<>();
    for (long id : tables.matched()) {
      Teacher t = tables.teacher().get(id);
      SequenceFixtures.Student st = tables.student().get(id);
      for (int j = 0; j < t.mask().length; j++) {
        if (!t.mask()[j]) {
          continue;
        }
        int target = (int) targets.get(id)[j];
        double p = SequenceSampleGenerator.teacherDistribution(spec, id, j)[target];
        double q = SequenceSampleGenerator.studentDistribution(spec, id, j)[target];
        long teacherTop1 = SequenceFixtures.top1(t.ids()[j], t.lp()[j]);
        boolean tHit = teacherTop1 == target;
        boolean sHit = SequenceFixtures.top1(st.ids()[j], st.lp()[j]) == target;
        String position = SequenceFixtures.POSITION_BUCKETS[SequenceFixtures.bucketOf(j)];
        for (TargetOracle o :
            List.of(
                slices.computeIfAbsent(t.segment(), k -> new TargetOracle()),
                positions.computeIfAbsent(position, k -> new TargetOracle()),
                entropies.computeIfAbsent(entropyBucket(t.lp()[j]), k -> new TargetOracle()),
                tokens.computeIfAbsent(teacherTop1, k -> new TargetOracle()))) {
          o.add(p, q, tHit, sHit);
        }
      }
    }
    double tol = 1e-9;
    try (io.kldrift.DriftReport r = SequenceFixtures.analyze(dir, config(dir).build())) {
      Summary s = r.summary();
      assertThat(s.perSlice())
          .extracting(Summary.SliceSummary::value)
          .containsExactlyElementsOf(slices.keySet());
      for (Summary.SliceSummary sl : s.perSlice()) {
        slices.get(sl.value()).assertMatches(sl.target(), tol, "slice " + sl.value());
      }
      for (Summary.Bucket b : s.sequences().byPosition()) {
        positions
            .getOrDefault(b.bucket(), new TargetOracle())
            .assertMatches(b.target(), tol, "position " + b.bucket());
      }
      assertThat(entropies).hasSizeGreaterThan(1);
      for (Summary.Bucket b : s.sequences().byTeacherEntropy()) {
        entropies
            .getOrDefault(b.bucket(), new TargetOracle())
            .assertMatches(b.target(), tol, "entropy " + b.bucket());
      }
      assertThat(s.sequences().topTokens()).hasSize(20);
      for (Summary.TokenShare k : s.sequences().topTokens()) {
        tokens.get(k.tokenId()).assertMatches(k.target(), tol, "token " + k.tokenId());
      }
      List<Row> perToken = r.perToken().collectAsList();
      assertThat(perToken).hasSize(tokens.size());
      for (Row row : perToken) {
        long token = row.getAs("token_id");
        tokens.get(token).assertRow(row, tol, "per_token " + token);
      }
      for (Row row : r.perSlice().collectAsList()) {
        String value = row.getAs("slice_value");
        slices.get(value).assertRow(row, tol, "per_slice " + value);
      }
    }
  }

  /**
   * The documented teacher-entropy bucket (by its name: "<0.01", "0.5-1", ">=4") of the entropy of
   * the teacher's listed cells plus one tail cell.
   */
  private static String entropyBucket(double[] lp) {
    double h = 0;
    double listed = 0;
    for (double x : lp) {
      double p = Math.exp(x);
      listed += p;
      h -= p * x;
    }
    double tail = Math.max(0, 1 - listed);
    h -= tail > 0 ? tail * Math.log(tail) : 0;
    for (String name :
        new String[] {"<0.01", "0.01-0.1", "0.1-0.5", "0.5-1", "1-2", "2-4", ">=4"}) {
      if (name.startsWith("<") && h < Double.parseDouble(name.substring(1))) {
        return name;
      }
      if (name.startsWith(">=") && h >= Double.parseDouble(name.substring(2))) {
        return name;
      }
      int dash = name.indexOf('-');
      if (dash > 0
          && h >= Double.parseDouble(name.substring(0, dash))
          && h < Double.parseDouble(name.substring(dash + 1))) {
        return name;
      }
    }
    throw new AssertionError("no bucket for entropy " + h);
  }

  private static Double find(long[] ids, double[] lp, long id) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == id && lp[i] > SequenceFixtures.NOT_REPORTED) {
        return lp[i];
      }
    }
    return null;
  }

  private static int argmax(double[] p) {
    int best = 0;
    for (int i = 1; i < p.length; i++) {
      if (p[i] > p[best]) {
        best = i;
      }
    }
    return best;
  }
}
