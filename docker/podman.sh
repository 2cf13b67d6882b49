# Sourced by docker/build-local-base and docker/build-images: podman with this repository's containers.conf
# (runc, higher ulimits, no bridge network), the repository's paths, and the version the images are tagged with.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF="$repo/docker/containers.conf"
# Downloads and the Debian root filesystem, kept between runs (git ignores /.cache/).
cache="$repo/.cache/images"

# The chart's appVersion: the tag helm install pulls when its values name none.
version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$repo/helm/jgunicorn-operator/Chart.yaml")

# The JDK the local JRE is linked from and the Maven image builds with: the newest >= 21 here (Temurin 25).
. "$repo/bin/lib/jdk.sh"
jdk_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$JAVA_HOME/release")
maven_version=3.9.11

# The local base images build-local-base makes and build-images builds on; a new JDK or Maven gives new tags.
debian_image=localhost/jgunicorn-base/debian:bookworm
jre_image=localhost/jgunicorn-base/jre:$jdk_version
maven_image=localhost/jgunicorn-base/maven:$maven_version-jdk-$jdk_version
python_image=localhost/jgunicorn-base/python:bookworm

# Builds download only through the host's network stack (--network host): podman's default bridge would add
# interfaces and iptables rules to the host. Every base is local (--pull=never: no registry to ask). Builds are
# long and the machines are shared: nice.
build() { nice podman build --network host --pull=never "$@"; }

# build with -t TAG; the image TAG named before, if the build made a new one, is removed: it would stay as an
# unnamed 150 MB on every run. It stays only while a container still uses it.
build_replacing() {
  local tag=$1 previous
  shift
  previous=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  build -t "$tag" "$@"
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$tag")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
}

say() { printf '==> %s\n' "$*" >&2; }
