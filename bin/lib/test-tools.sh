#!/usr/bin/env bash
# Installs the programs the tests run besides Java, from Debian's packages, when they are missing; bin/test and
# .ci/run call it. Maven itself needs nothing here: ./mvnw (the Maven Wrapper) fetches it with the JDK alone.
#   bin/lib/test-tools.sh          what bin/test needs
#   bin/lib/test-tools.sh images   what docker/test-images needs: podman and what building the local bases runs
set -euo pipefail

need=()
want() { # $1 = a command the tests run, $2 = the Debian package that has it
  type -P "$1" >/dev/null || need+=("$2")   # -P: the program, not a shell builtin (kill)
}
case "${1:-tests}" in
  tests)
    want curl curl                             # the TLS command-line test fetches over HTTPS
    want openssl openssl                       # TLS tests make their certificates
    want python3 python3                       # the process-model test's socket inheritor; the sidecar test's Gunicorn
    python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)   # the sidecar test's virtualenv for PyPI's Gunicorn
    want kill procps                           # the process tests signal masters by pid
    want systemd-socket-activate systemd       # the socket-activation test
    want prometheus prometheus                 # a real Prometheus scrapes the admin listener
    want promtool prometheus                   # promtool checks the exposition format
    want go golang-go                          # H2specTest builds h2spec (HTTP/2 conformance) from Go modules
    ;;
  images)
    want podman podman                         # builds and runs the images, serves the Docker API to the tests
    want runc runc                             # docker/containers.conf's runtime (crun fails on hybrid cgroups)
    want slirp4netns slirp4netns               # the containers' user-mode network
    want fuse-overlayfs fuse-overlayfs         # podman's overlay storage where the kernel's overlay cannot serve
    want newuidmap uidmap                      # podman's user-namespace mappings
    want debootstrap debootstrap               # docker/build-local-base's Debian
    want curl curl                             # Maven's download; the service's readiness check
    want openssl openssl                       # the e2e testbed's PKI (the operator image test's API server)
    want jq jq                                 # e2e/testbed up reads the API server's version
    want ss iproute2                           # e2e/testbed picks free ports
    ;;
  *) echo "usage: $0 [tests|images]" >&2; exit 2 ;;
esac
[ "${#need[@]}" -gt 0 ] || exit 0
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-tools: the tests need the Debian packages ${need[*]}; install them as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "test-tools: installing ${need[*]} (Debian)" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# prometheus' package starts its service where it can; a container's policy-rc.d refuses, which is fine
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
    >"$log" 2>&1 </dev/null; then
  cat "$log" >&2
  echo "test-tools: installing ${need[*]} failed" >&2
  exit 1
fi
