# Sourced by bench/run, bench/jmh and bench/profile (from the repository root, after bin/lib/jdk.sh):
# builds the runtime jar and the bench module when their sources are newer than the build.
bench_stale() { # $1 = a built file, then sources: true when the file is missing or older than any source
  local out="$1"; shift
  [ ! -f "$out" ] || [ -n "$(find "$@" -newer "$out" -print -quit 2>/dev/null)" ]
}
if bench_stale runtime/target/jgunicorn.jar runtime/src/main runtime/pom.xml pom.xml \
   || bench_stale bench/target/classpath.txt bench/src/main bench/pom.xml pom.xml; then
  command -v mvn >/dev/null 2>&1 || { echo "bench: Maven is needed to build (apt-get install maven)" >&2; exit 1; }
  echo "bench: building the runtime and bench/ (mvn -DskipTests package -pl bench -am)" >&2
  mvn -B -q -ntp -DskipTests package -pl bench -am >&2
  touch bench/target/classpath.txt
fi
