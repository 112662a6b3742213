package io.kldrift.kernel;

/**
 * Element-wise natural logarithm and exponential over the first {@code n} entries of an array:
 * where the per-example kernel spends its time. {@link #best()} picks the Vector API (SIMD)
 * implementation when the {@code jdk.incubator.vector} module is present (Spark's launcher and
 * kldrift's launchers add it) and the scalar one otherwise; {@code -Dkldrift.simd=false} forces
 * scalar.
 */
public interface VectorMath {
  /** {@code out[i] = ln(x[i])}; ln 0 = −∞. */
  void log(double[] x, double[] out, int n);

  /** {@code out[i] = exp(x[i])}; exp(−∞) = 0. */
  void exp(double[] x, double[] out, int n);

  /** A short name for logs and benchmarks. */
  String name();

  /** The scalar implementation ({@link Math#log}, {@link Math#exp}). */
  VectorMath SCALAR =
      new VectorMath() {
        @Override
        public void log(double[] x, double[] out, int n) {
          for (int i = 0; i < n; i++) {
            out[i] = Math.log(x[i]);
          }
        }

        @Override
        public void exp(double[] x, double[] out, int n) {
          for (int i = 0; i < n; i++) {
            out[i] = Math.exp(x[i]);
          }
        }

        @Override
        public String name() {
          return "scalar";
        }
      };

  /** The SIMD implementation when this JVM can run it, else {@link #SCALAR}. */
  static VectorMath best() {
    return Holder.BEST;
  }

  /** The SIMD implementation, or null when the Vector API module is absent. */
  static VectorMath simd() {
    return Holder.SIMD;
  }

  /** Chooses once, at first use. */
  final class Holder {
    static final VectorMath SIMD = loadSimd();
    static final VectorMath BEST =
        SIMD != null && !"false".equals(System.getProperty("kldrift.simd")) ? SIMD : SCALAR;

    private Holder() {}

    private static VectorMath loadSimd() {
      if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
        return null;
      }
      try {
        // Loaded reflectively: the class links against jdk.incubator.vector, which may be absent.
        return (VectorMath)
            Class.forName("io.kldrift.kernel.SimdMath").getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        return null;
      }
    }
  }
}
