# Shared by the scripts in jobs/: builds the project when needed and runs a kldrift entry point,
# through spark-submit when one is installed, otherwise on the embedded Spark runtime that Maven
# resolved (nothing but Java 17 and Maven is needed).
set -euo pipefail

KLDRIFT_HOME="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$KLDRIFT_HOME/target/kldrift.jar"

kldrift_build() {
  local stale=0
  if [ ! -f "$JAR" ] || [ ! -f "$KLDRIFT_HOME/target/local-classpath.txt" ] || [ ! -f "$KLDRIFT_HOME/target/jvm-options.txt" ]; then
    stale=1
  elif [ -n "$(find "$KLDRIFT_HOME/src/main" "$KLDRIFT_HOME/pom.xml" -newer "$JAR" -type f -print -quit)" ]; then
    stale=1
  fi
  if [ "$stale" = 1 ]; then
    echo "[kldrift] building $JAR (first run, or sources changed) ..." >&2
    (cd "$KLDRIFT_HOME" && mvn -B -q -Dstyle.color=never -DskipTests -Dspotless.check.skip=true package) >&2
  fi
}

# kldrift_run MAIN_CLASS ARGS...
kldrift_run() {
  local main="$1"; shift
  kldrift_build
  local submit=""
  if [ -z "${KLDRIFT_EMBEDDED:-}" ]; then
    if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
      submit="$SPARK_HOME/bin/spark-submit"
    elif command -v spark-submit >/dev/null 2>&1; then
      submit="$(command -v spark-submit)"
    fi
  fi
  if [ -n "$submit" ]; then
    exec "$submit" --class "$main" ${KLDRIFT_SUBMIT_OPTS:-} "$JAR" "$@"
  fi
  # A local run binds to loopback; a --master elsewhere needs the machine's reachable address.
  case " $* " in *" --master"*) ;; *) export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}" ;; esac
  # A class-data-sharing archive of the classes a run loads (Spark's among them) saves several
  # seconds of start-up per run. The first run after a build writes it at exit (to a private name,
  # renamed when complete); later runs map it. KLDRIFT_NO_CDS=1 turns it off; the JVM ignores an
  # archive that no longer matches the class path.
  local archive="$KLDRIFT_HOME/target/kldrift-cds.jsa" cds=() dumping=""
  if [ -z "${KLDRIFT_NO_CDS:-}" ]; then
    if [ -f "$archive" ] && [ "$archive" -nt "$JAR" ] && [ "$archive" -nt "$KLDRIFT_HOME/target/local-classpath.txt" ]; then
      cds=(-XX:SharedArchiveFile="$archive" "-Xlog:cds*=off" "-Xlog:class+path=off")
    else
      dumping="$archive.$$"
      cds=(-XX:ArchiveClassesAtExit="$dumping" "-Xlog:cds*=off" "-Xlog:class+path=off")
    fi
  fi
  # In local mode a task that runs out of heap makes Spark halt the JVM (exit 52) before kldrift
  # can say anything: the JVM runs this one line first.
  local oom="echo 'kldrift: error: out of memory in the driver JVM (heap ${KLDRIFT_DRIVER_MEMORY:-4g}). Fix: raise KLDRIFT_DRIVER_MEMORY (or spark.driver.memory), or lower spark.sql.parquet.columnarReaderBatchSize; the previous report is unchanged; exit 52' >&2"
  local cmd=(java -Xmx"${KLDRIFT_DRIVER_MEMORY:-4g}" "-XX:OnOutOfMemoryError=$oom" "${cds[@]}")
  # shellcheck disable=SC2046
  cmd+=($(cat "$KLDRIFT_HOME/target/jvm-options.txt") \
    -Dlog4j2.configurationFile="$KLDRIFT_HOME/conf/log4j2.properties" \
    ${KLDRIFT_JAVA_OPTS:-} \
    -cp "$JAR:$(cat "$KLDRIFT_HOME/target/local-classpath.txt")" "$main" "$@")
  # The JVM's notice of the incubator module (the kernel's Vector API) and DataSketches' notice of
  # its restricted mode come on every run and ask nothing of the user: drop exactly those lines.
  local notices=(grep --line-buffered -v -x -F
    -e "WARNING: Using incubator modules: jdk.incubator.vector"
    -e "Warning: Java versions > Java 11 can only operate in restricted mode where no off-heap operations are allowed!")
  if [ -z "$dumping" ]; then
    exec "${cmd[@]}" 2> >("${notices[@]}" >&2)
  fi
  local rc=0
  "${cmd[@]}" 2> >("${notices[@]}" >&2) || rc=$?
  if [ -s "$dumping" ]; then mv -f "$dumping" "$archive"; else rm -f "$dumping"; fi
  exit "$rc"
}
