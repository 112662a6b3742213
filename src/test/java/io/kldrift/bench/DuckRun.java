package io.kldrift.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a DuckDB SQL script through the in-process JDBC driver: the bench's same-report script
 * ({@code src/test/resources/bench/duckdb-report.sql}, variant e), either on the bench's own
 * connection or, from {@link #main}, as a process of its own, so that the bench can time DuckDB the
 * way it times {@code jobs/drift-report}: wall, CPU and peak RSS of a whole process.
 *
 * <p>Placeholders {@code ${name}} are replaced by values escaped for a single-quoted SQL string
 * (the script only uses them inside quotes). Statements are split at a semicolon that ends a line
 * outside a string or comment, so the script stays plain SQL that the DuckDB CLI could run too.
 */
final class DuckRun {

  /** The classpath resource of the same-report script. */
  static final String REPORT_SCRIPT = "/bench/duckdb-report.sql";

  /** Source path of the script, for the Markdown report. */
  static final String REPORT_SCRIPT_SOURCE = "src/test/resources/bench/duckdb-report.sql";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z_]+)}");
  private static final Pattern TEMP_TABLE =
      Pattern.compile("CREATE OR REPLACE TEMP (TABLE|VIEW) (\\w+)", Pattern.CASE_INSENSITIVE);

  private DuckRun() {}

  /** The text of the same-report script, placeholders not replaced. */
  static String reportScript() {
    try (InputStream in = DuckRun.class.getResourceAsStream(REPORT_SCRIPT)) {
      if (in == null) {
        throw new IllegalStateException("resource " + REPORT_SCRIPT + " not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The script with every placeholder replaced; an unknown or unused one fails. */
  static String substitute(String script, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(script);
    StringBuilder sb = new StringBuilder();
    List<String> used = new ArrayList<>();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException("no value for placeholder ${" + m.group(1) + "}");
      }
      used.add(m.group(1));
      m.appendReplacement(sb, Matcher.quoteReplacement(v.replace("'", "''")));
    }
    m.appendTail(sb);
    for (String k : values.keySet()) {
      if (!used.contains(k)) {
        throw new IllegalArgumentException("the script has no placeholder ${" + k + "}");
      }
    }
    return sb.toString();
  }

  /**
   * The statements of a script: split at semicolons that end a line, outside quotes and comments;
   * comments are dropped.
   */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inString = false;
    for (String line : script.split("\n", -1)) {
      StringBuilder kept = new StringBuilder();
      for (int i = 0; i < line.length(); i++) {
        char ch = line.charAt(i);
        if (!inString && ch == '-' && i + 1 < line.length() && line.charAt(i + 1) == '-') {
          break;
        }
        if (ch == '\'') {
          inString = !inString;
        }
        kept.append(ch);
      }
      String k = kept.toString().stripTrailing();
      if (k.isBlank()) {
        continue;
      }
      cur.append(k).append('\n');
      if (!inString && k.endsWith(";")) {
        String st = cur.toString().strip();
        out.add(st.substring(0, st.length() - 1));
        cur.setLength(0);
      }
    }
    if (!cur.toString().isBlank()) {
      out.add(cur.toString().strip());
    }
    return out;
  }

  /** The temp tables and views the script creates, for cleaning up an in-process run. */
  static List<String> tempObjects(String script) {
    List<String> out = new ArrayList<>();
    Matcher m = TEMP_TABLE.matcher(script);
    while (m.find()) {
      out.add(m.group(1).toUpperCase(Locale.ROOT) + " " + m.group(2));
    }
    return out;
  }

  /** Runs the statements in order on {@code c}; with {@code trace}, each one's time to stderr. */
  static void run(Connection c, List<String> statements, boolean trace) throws SQLException {
    try (Statement st = c.createStatement()) {
      for (String s : statements) {
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        try {
          st.execute(s);
        } catch (SQLException e) {
          throw new SQLException(
              "DuckDB statement failed: " + e.getMessage() + "\n" + s, e.getSQLState(), e);
        }
        if (trace) {
          String head = s.lines().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
          System.err.printf(
              Locale.ROOT,
              "[duckdb] %7.2f s  cpu %7.2f s  %s%n",
              (System.nanoTime() - t0) / 1e9,
              (cpuNanos() - c0) / 1e9,
              head.length() > 90 ? head.substring(0, 90) + " ..." : head);
        }
      }
    }
  }

  /** This process's CPU time, all threads (DuckDB's native ones included). */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Drops what the script created, so an in-process run leaves no memory behind. */
  static void dropTempObjects(Connection c, String script) throws SQLException {
    List<String> objects = tempObjects(script);
    try (Statement st = c.createStatement()) {
      for (int i = objects.size() - 1; i >= 0; i--) {
        String[] kindName = objects.get(i).split(" ", 2);
        st.execute("DROP " + kindName[0] + " IF EXISTS " + kindName[1]);
      }
    }
  }

  /**
   * {@code DuckRun [--trace] [--threads N] [--script FILE] name=value ...}: runs the script (by
   * default the same-report script) in a fresh in-memory database, then exits.
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    String script = null;
    Integer threads = null;
    boolean trace = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--trace")) {
        trace = true;
      } else if (a.equals("--threads")) {
        threads = Integer.parseInt(args[++i]);
      } else if (a.equals("--script")) {
        script = Files.readString(Path.of(args[++i]), StandardCharsets.UTF_8);
      } else if (a.contains("=")) {
        values.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      } else {
        System.err.println("usage: DuckRun [--trace] [--threads N] [--script FILE] name=value ...");
        System.exit(2);
      }
    }
    String sql = substitute(script != null ? script : reportScript(), values);
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      if (threads != null) {
        try (Statement st = c.createStatement()) {
          st.execute("SET threads = " + threads);
        }
      }
      run(c, statements(sql), trace);
    }
  }
}
