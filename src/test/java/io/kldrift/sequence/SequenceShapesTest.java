package io.kldrift.sequence;

import static io.kldrift.sequence.SequenceFixtures.analyze;
import static io.kldrift.sequence.SequenceFixtures.config;
import static io.kldrift.sequence.SequenceFixtures.generate;
import static io.kldrift.sequence.SequenceFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.DriftReport;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sequence.SequenceFixtures.Expected;
import io.kldrift.sequence.SequenceFixtures.Tables;
import io.kldrift.summary.Summary;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "the three input shapes give the same report on the same data": one generated data
 * set written as nested arrays, as vLLM-style structs and as one row per token (over three files),
 * each analyzed with the configuration the generator wrote. Every report is compared with the
 * figures computed here from the arrays tables read back (the tail-bucket bound from its
 * definition), and the three reports with each other.
 */
class SequenceShapesTest {
  @TempDir static Path tmp;

  private static final Map<Shape, DriftReport> reports = new EnumMap<>(Shape.class);
  private static Tables tables;

  @BeforeAll
  static void analyzeEachShape() throws Exception {
    for (Shape shape : Shape.values()) {
      Path dir = generate(tmp.resolve(shape.id()), spec(shape, 0, shape == Shape.TOKENS ? 3 : 1));
      reports.put(shape, analyze(dir, config(dir).build()));
    }
    tables = SequenceFixtures.readArrays(tmp.resolve("arrays"));
  }

  @AfterAll
  static void close() {
    reports.values().forEach(DriftReport::close);
  }

  @Test
  void eachShapeGivesTheFiguresComputedFromTheTables() {
    Expected e = SequenceFixtures.expected(SequenceFixtures.counted(tables, true));
    // The data must exercise what is compared: several buckets, slices, tokens and sequences.
    assertThat(e.n()).isGreaterThan(800);
    assertThat(e.sliceMean()).containsOnlyKeys("chat", "code", "math");
    assertThat(e.bucketN()[3]).isPositive();
    assertThat(e.worst()).hasSizeGreaterThan(25);
    for (Shape shape : Shape.values()) {
      DriftReport r = reports.get(shape);
      assertThat(r.summary().sequences().mode()).as(shape.id()).isEqualTo("tail_bucket");
      SequenceFixtures.assertMatches(r, e, 1e-12);
    }
  }

  @Test
  void inputCountsAreTheTablesSequences() {
    long teacher = tables.teacher().size();
    long student = tables.student().size();
    long matched = tables.matched().size();
    assertThat(teacher - matched).as("teacher-only keys").isPositive();
    assertThat(student - matched).as("student-only keys").isPositive();
    long positions =
        tables.matched().stream().mapToLong(id -> tables.teacher().get(id).ids().length).sum();
    long masked =
        tables.matched().stream()
            .mapToLong(
                id -> {
                  long m = 0;
                  for (boolean b : tables.teacher().get(id).mask()) {
                    m += b ? 0 : 1;
                  }
                  return m;
                })
            .sum();
    for (Shape shape : Shape.values()) {
      Summary s = reports.get(shape).summary();
      assertThat(s.inputs().teacherRows()).as(shape.id()).isEqualTo(teacher);
      assertThat(s.inputs().studentRows()).isEqualTo(student);
      assertThat(s.inputs().matched()).isEqualTo(matched);
      assertThat(s.inputs().teacherOnly()).isEqualTo(teacher - matched);
      assertThat(s.inputs().studentOnly()).isEqualTo(student - matched);
      assertThat(s.sequences().sequences()).isEqualTo(matched);
      assertThat(s.sequences().positions()).isEqualTo(positions);
      assertThat(s.sequences().maskedPositions()).isEqualTo(masked);
      assertThat(s.sequences().countedPositions()).isEqualTo(positions - masked);
      assertThat(s.sequences().teacherK()).isEqualTo(8);
      assertThat(s.sequences().studentK()).isEqualTo(8);
    }
  }

  @Test
  void theThreeReportsAgreeFigureByFigure() {
    Summary a = reports.get(Shape.ARRAYS).summary();
    for (Shape shape : List.of(Shape.STRUCTS, Shape.TOKENS)) {
      Summary b = reports.get(shape).summary();
      assertThat(b.inputs()).as(shape.id()).usingRecursiveComparison().isEqualTo(a.inputs());
      Summary.Stats x = a.global().kl();
      Summary.Stats y = b.global().kl();
      assertThat(y.n()).isEqualTo(x.n());
      assertThat(y.mean()).isCloseTo(x.mean(), within(1e-12));
      assertThat(y.std()).isCloseTo(x.std(), within(1e-12));
      assertThat(y.min()).isEqualTo(x.min());
      assertThat(y.max()).isEqualTo(x.max());
      assertThat(y.histogram().counts()).isEqualTo(x.histogram().counts());
      assertThat(b.global().sequenceKl().mean())
          .isCloseTo(a.global().sequenceKl().mean(), within(1e-12));
      assertThat(b.global().js().mean()).isCloseTo(a.global().js().mean(), within(1e-12));
      assertThat(b.global().agreement().mean()).isEqualTo(a.global().agreement().mean());
      assertThat(b.sequences().teacherTailMass().mean())
          .isCloseTo(a.sequences().teacherTailMass().mean(), within(1e-12));
      assertThat(b.sequences().firstDivergence().mean())
          .isEqualTo(a.sequences().firstDivergence().mean());
      for (int i = 0; i < a.sequences().byPosition().size(); i++) {
        Summary.Bucket p = a.sequences().byPosition().get(i);
        Summary.Bucket q = b.sequences().byPosition().get(i);
        assertThat(q.positions()).isEqualTo(p.positions());
        if (p.klMean() != null) {
          assertThat(q.klMean()).isCloseTo(p.klMean(), within(1e-12));
        }
      }
      Summary.Target ta = a.global().target();
      Summary.Target tb = b.global().target();
      assertThat(ta.n()).isPositive();
      assertThat(tb.n()).as(shape.id()).isEqualTo(ta.n());
      assertThat(tb.lnPplRatio()).isCloseTo(ta.lnPplRatio(), within(1e-12));
      assertThat(tb.teacherPpl()).isCloseTo(ta.teacherPpl(), within(1e-9));
      assertThat(tb.deltaPRms()).isCloseTo(ta.deltaPRms(), within(1e-12));
      assertThat(tb.teacherAccuracy()).isEqualTo(ta.teacherAccuracy());
      assertThat(tb.studentAccuracy()).isEqualTo(ta.studentAccuracy());
      assertThat(b.perSlice()).hasSameSizeAs(a.perSlice());
      for (int i = 0; i < a.perSlice().size(); i++) {
        assertThat(b.perSlice().get(i).value()).isEqualTo(a.perSlice().get(i).value());
        assertThat(b.perSlice().get(i).kl().mean())
            .isCloseTo(a.perSlice().get(i).kl().mean(), within(1e-12));
      }
      assertThat(b.sequences().topTokens())
          .extracting(Summary.TokenShare::tokenId)
          .containsExactlyElementsOf(
              a.sequences().topTokens().stream().map(Summary.TokenShare::tokenId).toList());
      List<Row> wa = reports.get(Shape.ARRAYS).worstExamples().collectAsList();
      List<Row> wb = reports.get(shape).worstExamples().collectAsList();
      assertThat(wb).hasSameSizeAs(wa);
      for (int i = 0; i < wa.size(); i++) {
        assertThat(wb.get(i).<Long>getAs("sequence_id"))
            .isEqualTo(wa.get(i).<Long>getAs("sequence_id"));
        assertThat(wb.get(i).<Double>getAs("kl"))
            .isCloseTo(wa.get(i).<Double>getAs("kl"), within(1e-12));
      }
    }
  }
}
