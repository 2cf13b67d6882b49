package dev.jgunicorn.e2e.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.jgunicorn.operator.desired.DesiredState;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame.OutputType;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the container of a Deployment the operator rendered, through the Docker API Testcontainers finds
 * ({@code DOCKER_HOST}; docker/test-images points it at a podman service it starts). The pod's security context
 * and volumes become the engine's equivalents; a field this class does not know fails the test, so the
 * translation keeps up with the operator. Every container uses slirp4netns (user-mode networking, nothing changes
 * on the host) and publishes its ports on 127.0.0.1 only.
 */
final class RuntimeImage {
    /** Set (to anything) where the tests must run: a missing engine or image then fails instead of skipping. */
    static final String REQUIRED_ENV = "JGUNICORN_IMAGE_TESTS_REQUIRED";
    /** On every container these tests make, so docker/test-images can remove what a killed run left. */
    static final String LABEL = "dev.jgunicorn.image-test";
    /**
     * A warning in a container's logs: jgunicorn's own levels; the JVM's ("OpenJDK 64-Bit Server VM warning:",
     * "[warning][cds]"); the JDK's and java.util.logging's ("WARNING: A restricted method ..." when a library loads
     * native code unannounced, "WARNING: ..." from a library's logger on the line after the logger's name); stack
     * traces.
     */
    static final Pattern WARNING = Pattern.compile("\\[(WARNING|ERROR|CRITICAL|warning|error)]|VM warning:|^WARNING:|Exception", Pattern.MULTILINE);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private RuntimeImage() {
    }

    static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** Skips (or, where required, fails) with the reason printed when the engine or the image is missing. */
    static void assumeAvailable(String image) {
        String missing = null;
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            missing = "no container engine answers (DOCKER_HOST=" + System.getenv("DOCKER_HOST")
                    + "); docker/test-images starts podman's service and runs these tests";
        } else {
            try {
                docker().inspectImageCmd(image).exec();
            } catch (NotFoundException e) {
                missing = "the image " + image + " is not built; docker/build-images builds it";
            }
        }
        if (missing == null) return;
        if (System.getenv(REQUIRED_ENV) != null) throw new AssertionError("image tests: " + missing);
        System.out.println("image tests skipped: " + missing);
        Assumptions.abort(missing);
    }

    /** Creates and starts the container; returns once its app port answered (the time to that is printed). */
    static Running start(DesiredState desired) {
        long t0 = System.nanoTime();
        Running running = create(desired);
        try {
            running.await("the app answering on port " + running.appPort, () -> running.answers(running.appUri("/?ms=0")));
        } catch (RuntimeException | Error e) {
            running.close();
            throw e;
        }
        System.out.printf("image test: %s from create to the first answer: %.1f s%n", desired.image(), (System.nanoTime() - t0) / 1e9);
        return running;
    }

    /** Creates and starts the container as the kubelet does: returns once the engine started it, without waiting for an answer. */
    static Running create(DesiredState desired) {
        PodSpec pod = desired.deployment().getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().getFirst();
        int appPort = port(c, DesiredState.HTTP_PORT_NAME);
        int adminPort = port(c, DesiredState.ADMIN_PORT_NAME);
        Path volumes = materialiseVolumes(desired);
        GenericContainer<?> g = container(pod, c, volumes).withExposedPorts(appPort, adminPort);
        g.withCreateContainerCmdModifier(cmd -> publishOnLoopback(cmd.getHostConfig(), appPort, adminPort));
        g.start();
        return new Running(g, appPort, adminPort, volumes);
    }

    /**
     * One container of the pod, not started: image, command, args, env, the volumes of {@code volumes} (from
     * {@link #materialiseVolumes}) at their mount paths, the security context; on slirp4netns. A container that
     * shares another's network (a pod's second container) replaces the network mode.
     */
    static GenericContainer<?> container(PodSpec pod, Container c, Path volumes) {
        GenericContainer<?> g = new GenericContainer<>(c.getImage())
                .withImagePullPolicy(name -> false) // local images only: no registry to ask
                .withLabel(LABEL, "true")
                .waitingFor(new AbstractWaitStrategy() { // the tests wait for answers themselves, and time them
                    @Override
                    protected void waitUntilReady() {
                    }
                });
        for (EnvVar e : c.getEnv()) g.withEnv(e.getName(), e.getValue());
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
            if (v.getConfigMap() == null && v.getEmptyDir() == null) {
                throw new AssertionError("volume " + v.getName() + ": no engine equivalent here yet for " + v);
            }
            g.withFileSystemBind(volumes.resolve(v.getName()).toString(), m.getMountPath(),
                    Boolean.TRUE.equals(m.getReadOnly()) ? BindMode.READ_ONLY : BindMode.READ_WRITE);
        }
        g.withCreateContainerCmdModifier(cmd -> {
            cmd.withEntrypoint(c.getCommand()).withCmd(c.getArgs());
            HostConfig host = cmd.getHostConfig();
            // User-mode networking only: podman's default bridge would add host interfaces and iptables rules.
            host.withNetworkMode("slirp4netns");
            securityContext(c.getSecurityContext(), host, cmd::withUser);
        });
        return g;
    }

    /** Publishes the container's ports on 127.0.0.1 only (Testcontainers picks the host ports). */
    static void publishOnLoopback(HostConfig host, int... ports) {
        host.withPortBindings(java.util.Arrays.stream(ports)
                .mapToObj(p -> new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(p))).toList());
    }

    /** The container's securityContext as engine options; runAsNonRoot is left to the image's USER (checked by the test). */
    static void securityContext(SecurityContext sc, HostConfig host, java.util.function.Consumer<String> user) {
        if (sc == null) return;
        List<String> securityOpts = new ArrayList<>();
        if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) securityOpts.add("no-new-privileges");
        if (Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) host.withReadonlyRootfs(true);
        if (sc.getRunAsUser() != null) user.accept(sc.getRunAsUser() + (sc.getRunAsGroup() == null ? "" : ":" + sc.getRunAsGroup()));
        Capabilities caps = sc.getCapabilities();
        if (caps != null) {
            if (caps.getDrop() != null) host.withCapDrop(caps.getDrop().stream().map(Capability::valueOf).toArray(Capability[]::new));
            if (caps.getAdd() != null) host.withCapAdd(caps.getAdd().stream().map(Capability::valueOf).toArray(Capability[]::new));
        }
        if (sc.getSeccompProfile() != null && !"RuntimeDefault".equals(sc.getSeccompProfile().getType())) {
            throw new AssertionError("seccompProfile " + sc.getSeccompProfile() + ": only RuntimeDefault (the engine's default) is translated");
        }
        if (sc.getPrivileged() != null || sc.getProcMount() != null || sc.getSeLinuxOptions() != null
                || sc.getAppArmorProfile() != null || sc.getWindowsOptions() != null) {
            throw new AssertionError("securityContext fields with no translation here yet: " + sc);
        }
        host.withSecurityOpts(securityOpts);
    }

    private static int port(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst().orElseThrow().getContainerPort();
    }

    /**
     * The pod's volumes as directories of one new directory, named after the volumes, as the kubelet lays them out
     * on the node: a ConfigMap's keys as files readable by the container's user, an emptyDir empty and writable by
     * every user (the pod's containers share it, as the kubelet's emptyDir on the node's disk).
     */
    static Path materialiseVolumes(DesiredState desired) {
        try {
            Path dir = Files.createTempDirectory("jgunicorn-image-pod", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            for (Volume v : desired.deployment().getSpec().getTemplate().getSpec().getVolumes()) {
                Path volume = Files.createDirectory(dir.resolve(v.getName()));
                if (v.getConfigMap() != null) {
                    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxr-xr-x"));
                    for (var e : desired.configMap().getData().entrySet()) {
                        Path f = Files.writeString(volume.resolve(e.getKey()), e.getValue());
                        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                } else if (v.getEmptyDir() != null) {
                    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxrwxrwx")); // 1777 less the sticky bit Java cannot set
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes what {@link #materialiseVolumes} made, with what the containers wrote. */
    static void deleteVolumes(Path volumes) {
        try (Stream<Path> files = Files.walk(volumes)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A started container; {@link #close()} removes it and its volumes' files. */
    static final class Running implements AutoCloseable {
        private final GenericContainer<?> container;
        private final int appPort;
        private final int adminPort;
        private final Path volumes;

        /** {@code volumes}: what {@link #materialiseVolumes} made, deleted by {@link #close()}. */
        Running(GenericContainer<?> container, int appPort, int adminPort, Path volumes) {
            this.container = container;
            this.appPort = appPort;
            this.adminPort = adminPort;
            this.volumes = volumes;
        }

        URI appUri(String path) {
            return URI.create("http://127.0.0.1:" + container.getMappedPort(appPort) + path);
        }

        URI adminUri(String path) {
            return URI.create("http://127.0.0.1:" + container.getMappedPort(adminPort) + path);
        }

        /** The host port (on 127.0.0.1) publishing the container's port. */
        int hostPort(int containerPort) {
            return container.getMappedPort(containerPort);
        }

        InspectContainerResponse inspect() {
            return docker().inspectContainerCmd(container.getContainerId()).exec();
        }

        String stdout() {
            return container.getLogs(OutputType.STDOUT);
        }

        String stderr() {
            return container.getLogs(OutputType.STDERR);
        }

        /**
         * A file of /proc/PID for the container's PID 1, read on this host (the engine runs here); skips the test
         * where the engine runs elsewhere (a VM, a remote host).
         */
        String procFile(String name) {
            return procFile(inspect().getState().getPidLong(), name);
        }

        /** A file of /proc/PID for one of the container's processes, PID as this host numbers it. */
        String procFile(long pid, String name) {
            Path file = Path.of("/proc", String.valueOf(pid), name);
            Assumptions.assumeTrue(Files.isReadable(file), "the container's processes are not on this host (" + file + ")");
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Waits until stdout contains the text; returns stdout. */
        String awaitStdout(String text) {
            await("stdout containing " + text, () -> stdout().contains(text));
            return stdout();
        }

        /** Waits until the Prometheus scrape shows the sample with this value. */
        void awaitMetric(String sample, int value) {
            await(sample + " = " + value, () -> {
                String body = body(adminUri("/metrics"));
                return body != null && body.lines().anyMatch(l -> l.startsWith(sample) && l.endsWith(" " + value + ".0"));
            });
        }

        /** Stops the container as `docker stop -t grace` does (TERM, KILL after grace); returns the nanoseconds it took. */
        long stop(long graceSeconds) {
            long t0 = System.nanoTime();
            docker().stopContainerCmd(container.getContainerId()).withTimeout((int) graceSeconds).exec();
            return System.nanoTime() - t0;
        }

        boolean answers(URI uri) {
            return body(uri) != null;
        }

        private static String body(URI uri) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? r.body() : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        void await(String what, BooleanSupplier condition) {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!condition.getAsBoolean()) {
                if (!container.isRunning()) throw new AssertionError("the container exited while waiting for " + what + ":\n" + stdout() + stderr());
                if (System.nanoTime() > deadline) throw new AssertionError("no " + what + " within " + START_TIMEOUT + ":\n" + stdout() + stderr());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }

        @Override
        public void close() {
            container.stop(); // removes the container (Ryuk is off: nothing else would)
            deleteVolumes(volumes);
        }
    }
}
