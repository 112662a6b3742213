package io.kldrift.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kldrift.Docs;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kldrift SQL functions through a real Spark Connect server (its own JVM, started from the
 * build's jars with the kldrift jar, the Connect plugin and the kldrift session extension) and the
 * JVM Connect client: the documentation's SQL examples, a per-example query over Parquet written
 * through the server, and {@code call_function}, all checked against values derived from the
 * definitions.
 */
class ConnectIT {
  @TempDir static Path work;

  private static ConnectServer server;
  private static URLClassLoader clientLoader;
  private static ExecutorService clientThread;
  private static Object client;

  // teacher and student distributions of three examples; the expected values below come from them
  private static final float[][] TEACHER = {
    {0.7f, 0.2f, 0.1f}, {0.1f, 0.3f, 0.6f}, {0.25f, 0.25f, 0.5f}
  };
  private static final float[][] STUDENT = {
    {0.5f, 0.3f, 0.2f}, {0.2f, 0.2f, 0.6f}, {0.4f, 0.4f, 0.2f}
  };

  @BeforeAll
  static void startServerAndConnect() throws Exception {
    server =
        ConnectServer.start(
            work.resolve("server"),
            List.of(
                "spark.plugins=org.apache.spark.sql.connect.SparkConnectPlugin",
                "spark.sql.extensions=io.kldrift.sql.KlDriftExtensions"));
    clientLoader = ConnectClasspath.client();
    clientThread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "connect-client");
              t.setContextClassLoader(clientLoader);
              t.setDaemon(true);
              return t;
            });
    client =
        inClientLoader(
            () ->
                clientLoader
                    .loadClass(ConnectClient.class.getName())
                    .getConstructor(String.class)
                    .newInstance(server.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (client != null) {
        call("close");
        // ending a session needs spark-mllib on the server (ml.util.ConnectHelper)
        Thread.sleep(1000);
        assertThat(server.log()).doesNotContain("NoClassDefFoundError");
      }
    } finally {
      // The loader stays open: the client's gRPC threads may still load classes until the JVM ends.
      if (clientThread != null) {
        clientThread.shutdown();
      }
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void theClientIsASparkConnectSession() throws Exception {
    assertThat(call("sessionClass")).isEqualTo("org.apache.spark.sql.connect.SparkSession");
  }

  @Test
  void theReadmeSqlExamplesRunThroughConnect() throws Exception {
    sql(
        "CREATE OR REPLACE TEMPORARY VIEW teacher USING parquet OPTIONS (path '"
            + Path.of("sample-data", "teacher").toAbsolutePath()
            + "')");
    sql(
        "CREATE OR REPLACE TEMPORARY VIEW student USING parquet OPTIONS (path '"
            + Path.of("sample-data", "student").toAbsolutePath()
            + "')");
    List<Docs.Sql> statements = Docs.sql();
    assertThat(statements).filteredOn(s -> s.expected() != null).hasSizeGreaterThanOrEqualTo(4);
    for (Docs.Sql s : statements) {
      List<Object[]> rows = sql(s.sql());
      assertThat(rows).as(s.sql()).hasSizeGreaterThan(1);
      if (s.expected() != null) {
        assertThat(((Number) rows.get(1)[0]).doubleValue())
            .as(s.sql())
            .isCloseTo(s.expected(), within(1e-9));
      }
      if (s.text() != null) {
        assertThat(rows.get(1)[0]).as(s.sql()).isEqualTo(s.text().equals("NULL") ? null : s.text());
      }
    }
    // the server's ANSI mode (Spark's default) raises; the client sees the error condition
    Exception e =
        org.assertj.core.api.Assertions.catchException(
            () -> sql("SELECT kl_div(array(0.5D, 0.5D), array(0.7D, 0.7D))"));
    assertThat(e.getMessage())
        .contains("[KLDRIFT_NOT_A_DISTRIBUTION] kl_div: argument q = array(0.7, 0.7)")
        .contains("use try_kl_div to get NULL instead");
    assertThat(e.getClass().getMethod("getCondition").invoke(e))
        .isEqualTo("KLDRIFT_NOT_A_DISTRIBUTION");
    // KL(0.5, 0.5 || 0.9, 0.1) from its definition, and the readable column name
    List<Object[]> kl = sql("SELECT kl_div(array(0.5D, 0.5D), array(0.9D, 0.1D))");
    assertThat(kl.get(0)).containsExactly("kl_div(array(0.5, 0.5), array(0.9, 0.1))");
    assertThat((double) kl.get(1)[0])
        .isCloseTo(0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1), within(1e-15));
  }

  @Test
  void perExampleMetricsOverParquetMatchTheDefinitions() throws Exception {
    Path data = work.resolve("data");
    sql(
        "INSERT OVERWRITE DIRECTORY '"
            + data.resolve("teacher")
            + "' USING parquet "
            + values(TEACHER));
    sql(
        "INSERT OVERWRITE DIRECTORY '"
            + data.resolve("student")
            + "' USING parquet "
            + values(STUDENT));
    sql(
        "CREATE OR REPLACE TEMPORARY VIEW ct USING parquet OPTIONS (path '"
            + data.resolve("teacher")
            + "')");
    sql(
        "CREATE OR REPLACE TEMPORARY VIEW cs USING parquet OPTIONS (path '"
            + data.resolve("student")
            + "')");
    List<Object[]> rows =
        sql(
            "SELECT example_id, kl_div(t.probs, s.probs), js_div(t.probs, s.probs),"
                + " kldrift_metrics(t.probs, s.probs)"
                + " FROM ct t JOIN cs s USING (example_id) ORDER BY example_id");
    assertThat(rows.get(0))
        .containsExactly(
            "example_id",
            "kl_div(probs, probs)",
            "js_div(probs, probs)",
            "kldrift_metrics(probs, probs)");
    assertThat(rows).hasSize(1 + TEACHER.length);
    for (int i = 0; i < TEACHER.length; i++) {
      double[] p = doubles(TEACHER[i]), q = doubles(STUDENT[i]);
      Object[] r = rows.get(i + 1);
      assertThat(((Number) r[0]).longValue()).isEqualTo(i + 1);
      assertThat((double) r[1]).isCloseTo(kl(p, q), within(1e-12));
      assertThat((double) r[2]).isCloseTo(js(p, q), within(1e-12));
      Object[] m = (Object[]) r[3];
      assertThat((double) m[0]).as("kl").isCloseTo(kl(p, q), within(1e-12));
      assertThat((double) m[1]).as("reverse_kl").isCloseTo(kl(q, p), within(1e-12));
      assertThat((double) m[3]).as("teacher_entropy").isCloseTo(entropy(p), within(1e-12));
      assertThat(m[7]).as("teacher_top1").isEqualTo(argmax(p));
      assertThat(m[8]).as("student_top1").isEqualTo(argmax(q));
      assertThat(m[9]).as("agree").isEqualTo(argmax(p) == argmax(q));
    }
    // the same KL through the DataFrame API, as PySpark Connect's call_function sends it
    sql(
        "CREATE OR REPLACE TEMPORARY VIEW pairs AS SELECT example_id, t.probs AS teacher_probs,"
            + " s.probs AS student_probs FROM ct t JOIN cs s USING (example_id) ORDER BY example_id");
    @SuppressWarnings("unchecked")
    List<Object[]> api =
        (List<Object[]>)
            call(
                "callFunction",
                "pairs",
                List.of("example_id"),
                "kl_div",
                List.of("teacher_probs", "student_probs"));
    assertThat(api.get(0)).containsExactly("example_id", "kl_div(teacher_probs, student_probs)");
    for (int i = 0; i < TEACHER.length; i++) {
      assertThat((double) api.get(i + 1)[1])
          .isCloseTo(kl(doubles(TEACHER[i]), doubles(STUDENT[i])), within(1e-12));
    }
  }

  private static String values(float[][] rows) {
    StringBuilder s = new StringBuilder("SELECT * FROM VALUES ");
    for (int i = 0; i < rows.length; i++) {
      s.append(i == 0 ? "" : ", ").append("(").append(i + 1).append("L, array(");
      for (int c = 0; c < rows[i].length; c++) {
        s.append(c == 0 ? "" : ", ").append("CAST(").append(rows[i][c]).append(" AS FLOAT)");
      }
      s.append("))");
    }
    return s.append(" AS v(example_id, probs)").toString();
  }

  private static double[] doubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static double kl(double[] p, double[] q) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += p[i] * Math.log(p[i] / q[i]);
    }
    return s;
  }

  private static double js(double[] p, double[] q) {
    double[] m = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      m[i] = (p[i] + q[i]) / 2;
    }
    return kl(p, m) / 2 + kl(q, m) / 2;
  }

  private static double entropy(double[] p) {
    double h = 0;
    for (double v : p) {
      h -= v * Math.log(v);
    }
    return h;
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

  @SuppressWarnings("unchecked")
  private static List<Object[]> sql(String statement) throws Exception {
    return (List<Object[]>) call("sql", statement, 20);
  }

  private static Object call(String method, Object... args) throws Exception {
    for (Method m : client.getClass().getMethods()) {
      if (m.getName().equals(method) && m.getParameterCount() == args.length) {
        return inClientLoader(() -> m.invoke(client, args));
      }
    }
    throw new NoSuchMethodException(method);
  }

  /**
   * Runs on the client's own thread, whose context loader is the client's: gRPC finds its services
   * there, and the client's inheritable thread-locals stay off the test runner's threads.
   */
  private static Object inClientLoader(Callable<Object> body) throws Exception {
    try {
      return clientThread.submit(body).get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      Throwable cause =
          e.getCause() instanceof InvocationTargetException i ? i.getCause() : e.getCause();
      throw cause instanceof Exception c ? c : new ExecutionException(cause);
    }
  }
}
