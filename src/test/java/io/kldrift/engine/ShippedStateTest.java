package io.kldrift.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.kldrift.TestSpark;
import io.kldrift.config.DriftConfig;
import io.kldrift.input.PredictionInputs;
import io.kldrift.sample.SequenceSampleGenerator;
import io.kldrift.sample.SequenceSampleGenerator.Shape;
import io.kldrift.sample.SequenceSampleGenerator.Spec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.reflect.ClassTag$;

/**
 * The pass ships partition states between tasks with whichever {@code spark.serializer} the user
 * set: through Java serialization and through Kryo a state arrives as it left, byte for byte in the
 * drift state format, its token table and sketches included.
 */
class ShippedStateTest {
  private static final SparkSession SPARK = TestSpark.get();

  @TempDir Path tmp;

  @Test
  void aStateCrossesJavaAndKryoSerializationUnchanged() throws Exception {
    Spec spec = new Spec(40, 5, 300, 6, 8, 24, 0, 0, List.of(3), 1.0, Shape.ARRAYS, 1, false);
    Path dir = tmp.resolve("gen");
    SequenceSampleGenerator.generate(SPARK, spec, dir.toString());
    DriftConfig config =
        DriftConfig.builder()
            .file(dir.resolve("kldrift.properties"))
            .set(DriftConfig.TEACHER_PATH, dir.resolve("teacher").toString())
            .set(DriftConfig.STUDENT_PATH, dir.resolve("student").toString())
            .build();
    PredictionInputs.Prepared in =
        PredictionInputs.prepare(
            SPARK.read().parquet(dir.resolve("teacher").toString()),
            SPARK.read().parquet(dir.resolve("student").toString()),
            config,
            Layout.of(config));
    DriftState state = OnePass.run(SPARK, in, config, "2026-12-01");
    // A state read back lays its token table out by the count it read (not the sizes it grew
    // through), so the comparison is with the state as any reader of these bytes sees it.
    byte[] sent = DriftState.read(state.bytes(), "sent").bytes();
    SequencePart part = state.parts(SequenceLayout.INSTANCE).toFinish(SequenceUpdater.TOPK_LENGTH);
    assertThat(part.positions).isPositive();
    assertThat(part.byToken.size()).isGreaterThan(1);

    SparkConf conf = new SparkConf();
    for (SerializerInstance ser :
        List.of(new JavaSerializer(conf).newInstance(), new KryoSerializer(conf).newInstance())) {
      ByteBuffer wire =
          ser.serialize(new ShippedState(state), ClassTag$.MODULE$.apply(ShippedState.class));
      ShippedState back = ser.deserialize(wire, ClassTag$.MODULE$.apply(ShippedState.class));
      assertThat(back.state().bytes()).as(ser.getClass().getSimpleName()).isEqualTo(sent);
    }
  }
}
