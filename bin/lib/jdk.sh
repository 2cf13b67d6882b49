# Sourced by the bin/ scripts and .ci/run: exports JAVA_HOME as the newest JDK >= 21 on the machine
# (the default java may be older), so nobody has to pick one by hand.

jdk_major() { # prints the major version of the JDK at $1, or nothing
  local rel="$1/release"
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$rel" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
  fi
}

find_jdk() {
  local best="" best_major=0 d m
  for d in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -n "$d" ] && [ -d "$d" ] || continue
    m=$(jdk_major "$d")
    [ -n "$m" ] || continue
    if [ "$m" -ge 21 ] && [ "$m" -gt "$best_major" ]; then best="$d"; best_major="$m"; fi
  done
  [ -n "$best" ] || return 1
  printf '%s\n' "$best"
}

if ! JAVA_HOME=$(find_jdk); then
  echo "jgunicorn needs a JDK 21 or newer; none was found in JAVA_HOME or /usr/lib/jvm." >&2
  echo "Install one (e.g. apt-get install openjdk-21-jdk-headless) and run again." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
