# syntax=docker/dockerfile:1
# Two images from one build (no container engine is needed for the tests; see docs/operator.md):
#   docker build --target operator -t jgunicorn/operator:0.1.0 .
#   docker build --target runtime  -t jgunicorn/runtime:0.1.0  .   (the default target)
# App images build FROM the runtime image and add their jars (docs/operator.md, examples/custom-app/).
ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-21
ARG JRE_IMAGE=eclipse-temurin:21-jre

FROM ${MAVEN_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY settings/pom.xml settings/
COPY runtime/pom.xml runtime/
COPY operator/pom.xml operator/
COPY settings/src settings/src
COPY runtime/src runtime/src
COPY operator/src operator/src
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -DskipTests package

# A JRE and an unprivileged numeric user, so Pod Security "restricted" (runAsNonRoot) can verify it.
FROM ${JRE_IMAGE} AS base
RUN groupadd --system --gid 10001 jgunicorn \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin jgunicorn
USER 10001:10001

FROM base AS operator
COPY --from=build /src/operator/target/jgunicorn-operator.jar /opt/jgunicorn-operator/jgunicorn-operator.jar
EXPOSE 8080
# java is PID 1: TERM stops the informers and waits for running reconciliations.
ENTRYPOINT ["java", "-jar", "/opt/jgunicorn-operator/jgunicorn-operator.jar"]

FROM base AS runtime
COPY --from=build /src/runtime/target/jgunicorn.jar /opt/jgunicorn/jgunicorn.jar
COPY --chmod=0755 docker/jgunicorn /opt/jgunicorn/bin/jgunicorn
ENV PATH=/opt/jgunicorn/bin:$PATH
# The app's port (spec.port) and the admin listener (spec.adminPort), as the operator sets them.
EXPOSE 8000 9000
ENTRYPOINT ["/opt/jgunicorn/bin/jgunicorn"]
CMD ["--help"]
