package io.kldrift.engine;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;

/**
 * A partition's drift state as the pass's {@code treeReduce} ships it between tasks and to the
 * driver: merged in memory where it lives, serialized in {@link DriftState}'s own format only when
 * Spark moves it, by Java serialization or by Kryo (whichever {@code spark.serializer} names).
 * Shipping bytes instead meant every merge read both states and wrote the result again.
 */
final class ShippedState implements Externalizable, KryoSerializable {
  private static final long serialVersionUID = 1L;
  private static final String SOURCE = "a partition's drift state";

  private DriftState state;

  /** For deserialization only. */
  public ShippedState() {}

  ShippedState(DriftState state) {
    this.state = state;
  }

  DriftState state() {
    return state;
  }

  /** Merges {@code o} into this state (Spark lets a reduce reuse its first argument). */
  ShippedState merge(ShippedState o) {
    state = state.merge(o.state);
    return this;
  }

  @Override
  public void writeExternal(ObjectOutput out) throws IOException {
    byte[] b = state.bytes();
    out.writeInt(b.length);
    out.write(b);
  }

  @Override
  public void readExternal(ObjectInput in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    state = DriftState.read(b, SOURCE);
  }

  @Override
  public void write(Kryo kryo, Output output) {
    byte[] b = state.bytes();
    output.writeInt(b.length);
    output.writeBytes(b);
  }

  @Override
  public void read(Kryo kryo, Input input) {
    state = DriftState.read(input.readBytes(input.readInt()), SOURCE);
  }
}
