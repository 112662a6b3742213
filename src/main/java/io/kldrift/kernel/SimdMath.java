package io.kldrift.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorMath} on the JDK Vector API: whole registers of doubles per instruction, with the
 * JIT's vector log/exp intrinsics (Intel SVML on x86). Loaded only when the module is present.
 */
final class SimdMath implements VectorMath {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

  @Override
  public void log(double[] x, double[] out, int n) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
      DoubleVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.LOG).intoArray(out, i);
    }
    for (; i < n; i++) {
      out[i] = Math.log(x[i]);
    }
  }

  @Override
  public void exp(double[] x, double[] out, int n) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
      DoubleVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.EXP).intoArray(out, i);
    }
    for (; i < n; i++) {
      out[i] = Math.exp(x[i]);
    }
  }

  @Override
  public String name() {
    return "simd-" + SPECIES.vectorBitSize() + "bit";
  }
}
