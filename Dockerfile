# syntax=docker/dockerfile:1
# Two images, the runtime (the default target) and the operator:
#   docker build --target runtime  -t jgunicorn/runtime:0.1.0  .
#   docker build --target operator -t jgunicorn/operator:0.1.0 .
# From jars built on the host (mvn package ran already, e.g. in CI), without Maven in the build:
#   docker build --build-arg JARS=host --target runtime -t jgunicorn/runtime:0.1.0 .
# Without a registry (podman, local Debian base images): docker/build-images. See docs/images.md.
# App images build FROM the runtime image and add their jars (docs/operator.md, examples/custom-app/).

# The bases: public images by default; docker/build-images passes the local ones.
ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-21
ARG JRE_IMAGE=eclipse-temurin:21-jre
# Where the jars come from: "maven" builds them in the build, "host" takes runtime/target/jgunicorn.jar and
# operator/target/jgunicorn-operator.jar from the build context.
ARG JARS=maven

FROM ${MAVEN_IMAGE} AS jars-maven
WORKDIR /src
# The context holds every module's pom (Maven reads the whole reactor) and main sources (.dockerignore).
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -Dmaven.test.skip=true --projects runtime,operator --also-make clean package

FROM scratch AS jars-host
COPY runtime/target/jgunicorn.jar /src/runtime/target/jgunicorn.jar
COPY operator/target/jgunicorn-operator.jar /src/operator/target/jgunicorn-operator.jar

FROM jars-${JARS} AS jars

# A JRE and an unprivileged numeric user, so Pod Security "restricted" (runAsNonRoot) can verify it.
FROM ${JRE_IMAGE} AS base
RUN groupadd --gid 10001 jgunicorn \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin jgunicorn
USER 10001:10001

FROM base AS operator
COPY --from=jars /src/operator/target/jgunicorn-operator.jar /opt/jgunicorn-operator/jgunicorn-operator.jar
# JVM options come from JAVA_OPTS on the command line, not JAVA_TOOL_OPTIONS, whose "Picked up ..." line would
# come before the first JSON log line.
COPY --chmod=0755 docker/jgunicorn-operator /opt/jgunicorn-operator/bin/jgunicorn-operator
EXPOSE 8080
# java is PID 1 (the launcher execs it): TERM stops the informers and waits for running reconciliations.
ENTRYPOINT ["/opt/jgunicorn-operator/bin/jgunicorn-operator"]

FROM base AS runtime
COPY --from=jars /src/runtime/target/jgunicorn.jar /opt/jgunicorn/jgunicorn.jar
COPY --chmod=0755 docker/jgunicorn /opt/jgunicorn/bin/jgunicorn
COPY bin/lib/sidecar.jvm-options /opt/jgunicorn/sidecar.jvm-options
# Made here by training runs, so that the image's JVMs start from class data they would otherwise load and link at
# each start; each fits only this JRE and jar (with another, the JVM logs the mismatch and starts without it):
# - the sidecar's class-data archive (docker/train-sidecar): half the CPU to a new pod's first /metrics, 10 MiB less
#   resident (docs/sidecar.md);
# - the AOT caches the master and its workers start from (docker/bake-aot-cache, JDK 25 on; docs/images.md): a
#   --preload run of the demo app, so a replacement worker answers sooner. The baker stays in the image: an app
#   image that replaces the JRE or the jar runs it again (docs/images.md).
# Root writes them into /opt/jgunicorn; they are read-only after.
COPY --chmod=0755 docker/bake-aot-cache /opt/jgunicorn/bin/bake-aot-cache
USER root
RUN --mount=type=bind,source=docker/train-sidecar,target=/tmp/train-sidecar \
    /tmp/train-sidecar java /opt/jgunicorn/jgunicorn.jar /opt/jgunicorn/sidecar.jvm-options /opt/jgunicorn/sidecar.jsa
RUN /opt/jgunicorn/bin/bake-aot-cache
USER 10001:10001
# The user has no home: the master's control socket goes to $XDG_RUNTIME_DIR, which /tmp is in every container
# (a writable emptyDir or tmpfs when the root filesystem is read-only).
ENV PATH=/opt/jgunicorn/bin:$PATH \
    XDG_RUNTIME_DIR=/tmp \
    JGUNICORN_AOT_CACHE=/opt/jgunicorn/worker.aot
# The app's port (spec.port) and the admin listener (spec.adminPort), as the operator sets them.
EXPOSE 8000 9000
ENTRYPOINT ["/opt/jgunicorn/bin/jgunicorn"]
CMD ["--help"]
