# Shared by the scripts in jobs/: builds the project when needed and runs a kldrift entry point,
# through spark-submit when one is installed, otherwise on the embedded Spark runtime that Maven
# resolved (nothing but Java 17 and Maven is needed).
set -euo pipefail

KLDRIFT_HOME="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$KLDRIFT_HOME/target/kldrift.jar"

# kldrift_build [WHY]: WHY, when given, is added to the line that says a build runs.
kldrift_build() {
  local why="${1:-}" stale=0
  if [ ! -f "$JAR" ] || [ ! -f "$KLDRIFT_HOME/target/local-classpath.txt" ] || [ ! -f "$KLDRIFT_HOME/target/jvm-options.txt" ]; then
    stale=1
  elif [ -n "$(find "$KLDRIFT_HOME/src/main" "$KLDRIFT_HOME/pom.xml" -newer "$JAR" -type f -print -quit)" ]; then
    stale=1
  fi
  if [ "$stale" = 1 ]; then
    echo "[kldrift] building $JAR (first run, or sources changed${why:+; $why}) ..." >&2
    (cd "$KLDRIFT_HOME" && mvn -B -q -Dstyle.color=never -DskipTests -Dspotless.check.skip=true package) >&2
  fi
}

# kldrift_run MAIN_CLASS ARGS...
kldrift_run() {
  local main="$1"; shift
  local asks_help=""
  case " $* " in *" --help "* | *" -h "* | *" --version "* | *" -V "*) asks_help=1 ;; esac
  kldrift_build ${asks_help:+"the job's --help and --version come from the jar"}
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
  # renamed when complete, kept when the run got to its report); later runs map it.
  # KLDRIFT_NO_CDS=1 turns it off; the JVM ignores an archive that no longer matches the class
  # path. A --help or --version run loads too few classes to be worth an archive and writes none.
  local archive="$KLDRIFT_HOME/target/kldrift-cds.jsa" cds=() dumping=""
  if [ -z "${KLDRIFT_NO_CDS:-}" ]; then
    if [ -f "$archive" ] && [ "$archive" -nt "$JAR" ] && [ "$archive" -nt "$KLDRIFT_HOME/target/local-classpath.txt" ]; then
      cds=(-XX:SharedArchiveFile="$archive" "-Xlog:cds*=off" "-Xlog:class+path=off")
    elif [ -z "$asks_help" ]; then
      dumping="$archive.$$"
      # The job says so when it gets to its summary (before it, so that the status line stays
      # the last one it prints): the archive is written after it, in about 30 s.
      cds=(-XX:ArchiveClassesAtExit="$dumping" "-Xlog:cds*=off" "-Xlog:class+path=off"
        -Dkldrift.startup_archive=target/kldrift-cds.jsa)
    fi
  fi
  # KLDRIFT_EXTRA_CLASSPATH (the benchmark's floor process) goes after the archived class path,
  # which the archive still matches.
  # In local mode a task that runs out of heap makes Spark halt the JVM (exit 52) before kldrift
  # can say anything: the JVM runs this one line first.
  local oom="echo 'kldrift: error: out of memory in the driver JVM (heap ${KLDRIFT_DRIVER_MEMORY:-4g}). Fix: raise KLDRIFT_DRIVER_MEMORY (or spark.driver.memory), or lower spark.sql.parquet.columnarReaderBatchSize; the previous report is unchanged; exit 52' >&2"
  local cmd=(java -Xmx"${KLDRIFT_DRIVER_MEMORY:-4g}" "-XX:OnOutOfMemoryError=$oom" "${cds[@]}")
  # shellcheck disable=SC2046
  cmd+=($(cat "$KLDRIFT_HOME/target/jvm-options.txt") \
    -Dlog4j2.configurationFile="$KLDRIFT_HOME/conf/log4j2.properties" -Dkldrift.stderr_fd=3 \
    ${KLDRIFT_JAVA_OPTS:-} \
    -cp "$JAR:$(cat "$KLDRIFT_HOME/target/local-classpath.txt")${KLDRIFT_EXTRA_CLASSPATH:+:$KLDRIFT_EXTRA_CLASSPATH}" "$main" "$@")
  # The JVM's notice of the incubator module (the kernel's Vector API) comes on every run, before
  # main, and asks nothing of the user: drop exactly that line (and DataSketches' notice of its
  # restricted mode, which the jobs drop themselves, StandardError.java, should one come here).
  local notices=(grep --line-buffered -v -x -F
    -e "WARNING: Using incubator modules: jdk.incubator.vector"
    -e "Warning: Java versions > Java 11 can only operate in restricted mode where no off-heap operations are allowed!")
  # The JVM's standard error reaches the filter through a named pipe, and the launcher waits for
  # both before it exits: no line arrives after the launcher has exited and no filter outlives it.
  # The job itself writes its lines to the launcher's standard error, handed over as descriptor 3
  # (-Dkldrift.stderr_fd=3), so that they keep their order with standard output: an error line
  # through the pipe could come after the status line in a 2>&1 log.
  # The filter ignores INT, TERM and HUP and ends when the JVM's standard error closes; INT, TERM or
  # HUP sent to the launcher reach the JVM as TERM (a background JVM ignores INT), whose shutdown
  # hooks stop Spark. The launcher exits with the JVM's code.
  local pipe
  pipe="$(mktemp -d "${TMPDIR:-/tmp}/kldrift-stderr.XXXXXX")"
  mkfifo "$pipe/stderr"
  (trap '' INT TERM HUP; exec "${notices[@]}" <"$pipe/stderr" >&2) &
  local filter=$!
  "${cmd[@]}" <&0 3>&2 2>"$pipe/stderr" &
  local jvm=$!
  # shellcheck disable=SC2064
  trap "kill -TERM $jvm 2>/dev/null || true" INT TERM HUP
  local rc=0
  wait "$jvm" || rc=$?
  # A trapped signal interrupts wait: wait again until the JVM has really exited.
  while kill -0 "$jvm" 2>/dev/null; do
    rc=0
    wait "$jvm" || rc=$?
  done
  while kill -0 "$filter" 2>/dev/null; do wait "$filter" || true; done
  trap - INT TERM HUP
  rm -rf "$pipe"
  # Only a run that computed a report loaded the classes worth archiving.
  if [ -n "$dumping" ]; then
    case "$rc" in
      0 | 4 | 5) if [ -s "$dumping" ]; then mv -f "$dumping" "$archive"; else rm -f "$dumping"; fi ;;
      *) rm -f "$dumping" ;;
    esac
  fi
  exit "$rc"
}
