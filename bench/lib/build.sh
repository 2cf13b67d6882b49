# Sourced by bench/run, bench/jmh and bench/profile (from the repository root, after bin/lib/jdk.sh):
# builds the runtime jar and the bench module when their sources are newer than the build.
bench_stale() { # $1 = a built file, then sources: true when the file is missing or older than any source
  local out="$1"; shift
  [ ! -f "$out" ] || [ -n "$(find "$@" -newer "$out" -print -quit 2>/dev/null)" ]
}
if bench_stale runtime/target/jgunicorn.jar runtime/src/main runtime/pom.xml settings/src/main settings/pom.xml pom.xml \
   || bench_stale bench/target/classpath.txt bench/src/main bench/pom.xml pom.xml; then
  echo "bench: building the runtime and bench/ (./mvnw -DskipTests package -pl bench -am)" >&2
  ./mvnw -q -DskipTests package -pl bench -am >&2
  touch bench/target/classpath.txt
fi
