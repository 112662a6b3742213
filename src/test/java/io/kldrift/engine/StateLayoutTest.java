package io.kldrift.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kldrift.DriftException;
import io.kldrift.config.DriftConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The state and its layout, without Spark: a partition's state of the run is read with the run's
 * settings (not parsed again), a state keeps its layout's parts at its place in the format, and
 * states of two layouts refuse to merge.
 */
class StateLayoutTest {
  private static final String NO_COLUMNS = "{\"type\":\"struct\",\"fields\":[]}";

  private static StateHeader header(String layout) {
    DriftConfig config = DriftConfig.builder().set(DriftConfig.INPUT_LAYOUT, layout).build();
    return StateHeader.of(config, List.of(), NO_COLUMNS, false, "2026-11-01");
  }

  @Test
  void aPartitionStateOfTheRunIsReadWithTheRunsSettings() {
    StateHeader run = header("example");
    byte[] bytes = new DriftState(run).bytes();

    assertThat(DriftState.read(bytes, "a partition", run).settings).isSameAs(run.settings());
    DriftState stored = DriftState.read(bytes, "a stored state");
    assertThat(stored.settings).isNotSameAs(run.settings());
    assertThat(stored.settings.layout()).isSameAs(ExampleLayout.INSTANCE);
    assertThat(stored.bytes()).isEqualTo(bytes);
  }

  @Test
  void aSequenceStateWritesNoExamplePartsThenItsOwn() throws IOException {
    StateHeader run = header("sequence");
    DriftState state = new DriftState(run);
    assertThat(state.parts(SequenceLayout.INSTANCE).forPair(5)).isNotNull();
    byte[] bytes = state.bytes();

    ByteArrayOutputStream prefix = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(prefix);
    run.write(out);
    new SideCounts().write(out);
    new SideCounts().write(out);
    out.flush();
    ByteBuffer b = ByteBuffer.wrap(bytes, 8 + prefix.size(), 12);
    assertThat(b.getInt()).as("example parts").isZero();
    assertThat(b.getInt()).as("sequence parts").isEqualTo(1);
    assertThat(b.getInt()).as("the part's list length").isEqualTo(5);

    DriftState read = DriftState.read(bytes, "a sequence state");
    assertThat(read.parts(SequenceLayout.INSTANCE).toFinish(5).length()).isEqualTo(5);
    assertThat(read.bytes()).isEqualTo(bytes);
  }

  @Test
  void statesOfTwoLayoutsDoNotMerge() {
    DriftState examples = new DriftState(header("example"));
    DriftState sequences = new DriftState(header("sequence"));

    assertThatThrownBy(() -> examples.merge(sequences))
        .isInstanceOf(DriftException.class)
        .hasMessageContaining("different layouts")
        .hasMessageContaining("'sequence' vs 'example'");
  }
}
