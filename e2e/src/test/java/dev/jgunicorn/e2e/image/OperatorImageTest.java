package dev.jgunicorn.e2e.image;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.marcnuri.helm.Helm;
import dev.jgunicorn.e2e.E2e;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator image as the chart runs it (its container's env, security context and /tmp from {@code helm template}),
 * against a real API server: the cluster of {@code JGUNICORN_E2E_KUBECONFIG} (docker/test-images starts the e2e
 * testbed for it). The container gets that kubeconfig mounted read-only, its server rewritten from the host's
 * loopback to 10.0.2.2, which is the host's 127.0.0.1 as slirp4netns with {@code allow_host_loopback=true} sees it
 * (the testbed's serving certificate names 10.0.2.2). Skipped with the reason printed without an engine, the image or
 * a kubeconfig, unless {@value RuntimeImage#REQUIRED_ENV} is set.
 */
@DisplayName("operator image against a real API server")
class OperatorImageTest {
    private static final String HOST_LOOPBACK_FROM_SLIRP = "10.0.2.2";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static KubernetesClient admin;
    private static String namespace;
    private static Path work;
    private static GenericContainer<?> operator;
    /** The container's hostname: the operator's leader-election identity, as a pod's name is in a cluster. */
    private static String identity;
    private static Container chartContainer;

    @BeforeAll
    static void start() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        namespace = "jg-image-" + suffix;
        identity = "jgunicorn-operator-image-" + suffix;
        Path kubeconfig = E2e.kubeconfig().orElse(null);
        if (kubeconfig == null) {
            if (System.getenv(RuntimeImage.REQUIRED_ENV) != null) throw new AssertionError("image tests: " + E2e.skipMessage());
            System.out.println("image test skipped: " + E2e.skipMessage());
            Assumptions.abort(E2e.skipMessage());
        }
        admin = E2e.adminClient(kubeconfig);
        // The chart's operator container, as helm install would create it in that namespace of this cluster.
        List<HasMetadata> rendered = Serialization.unmarshal(new Helm(E2e.REPO.resolve("helm/jgunicorn-operator")).template()
                .withName("jgunicorn").withNamespace(namespace).withKubeVersion(admin.getKubernetesVersion().getGitVersion())
                .call());
        Deployment deployment = rendered.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
        chartContainer = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        String image = chartContainer.getImage();
        RuntimeImage.assumeAvailable(image);
        // The chart's CRD (a template of the chart), applied as helm install would before the operator starts.
        admin.resource(rendered.stream().filter(CustomResourceDefinition.class::isInstance).findFirst().orElseThrow())
                .forceConflicts().serverSideApply();
        E2e.await("the GunicornServer CRD Established", WAIT, () -> {
            CustomResourceDefinition c = admin.apiextensions().v1().customResourceDefinitions().withName("gunicornservers.jgunicorn.dev").get();
            return c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
                    .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus()));
        });
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();

        work = Files.createTempDirectory("jgunicorn-operator-image", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path containerKubeconfig = work.resolve("kubeconfig");
        Files.writeString(containerKubeconfig, Files.readString(kubeconfig)
                .replaceAll("server: https://(127\\.0\\.0\\.1|localhost):", "server: https://" + HOST_LOOPBACK_FROM_SLIRP + ":"));
        Files.setPosixFilePermissions(containerKubeconfig, PosixFilePermissions.fromString("rw-r--r--")); // the image's user reads it

        int httpPort = chartContainer.getPorts().getFirst().getContainerPort();
        operator = new GenericContainer<>(image)
                .withImagePullPolicy(name -> false)
                .withLabel(RuntimeImage.LABEL, "true")
                .withExposedPorts(httpPort)
                .withFileSystemBind(containerKubeconfig.toString(), "/etc/jgunicorn/kubeconfig", BindMode.READ_ONLY)
                .withEnv("KUBECONFIG", "/etc/jgunicorn/kubeconfig")
                .withTmpFs(Map.of("/tmp", "rw,exec,nosuid,nodev,mode=1777")) // the chart's /tmp emptyDir
                .waitingFor(new AbstractWaitStrategy() { // the test waits for the Lease itself
                    @Override
                    protected void waitUntilReady() {
                    }
                });
        for (EnvVar e : chartContainer.getEnv()) {
            boolean podNamespace = e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                    && "metadata.namespace".equals(e.getValueFrom().getFieldRef().getFieldPath());
            if (e.getValue() == null && !podNamespace) throw new AssertionError("env " + e.getName() + ": no translation here yet for " + e.getValueFrom());
            operator.withEnv(e.getName(), podNamespace ? namespace : e.getValue());
        }
        operator.withCreateContainerCmdModifier(cmd -> {
            cmd.withHostName(identity);
            HostConfig host = cmd.getHostConfig();
            // User-mode networking that forwards 10.0.2.2 to the host's loopback, where the API server listens.
            host.withNetworkMode("slirp4netns:allow_host_loopback=true");
            host.withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(httpPort)));
            RuntimeImage.securityContext(chartContainer.getSecurityContext(), host, cmd::withUser);
        });
        long t0 = System.nanoTime();
        operator.start();
        try {
            E2e.await(identity + " holding the Lease", WAIT, () -> {
                if (!operator.isRunning()) throw new AssertionError("the operator container exited");
                return identity.equals(leaseHolder());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the operator's log:\n" + operator.getLogs(), e);
        }
        System.out.printf("image test: %s from create to holding the Lease: %.1f s%n", image, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stop() throws Exception {
        if (operator != null) operator.stop(); // removes the container (Ryuk is off)
        if (admin != null) {
            admin.namespaces().withName(namespace).delete();
            admin.close();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String leaseHolder() {
        String name = env("JGUNICORN_LEADER_ELECTION_LEASE");
        Lease l = admin.leases().inNamespace(namespace).withName(name).get();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    private static String env(String name) {
        return chartContainer.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue();
    }

    @Test
    @DisplayName("the container takes the chart's Lease in its namespace and its log says it leads")
    void takesTheLease() {
        assertEquals(identity, leaseHolder(), "the Lease's holder");
        String log = operator.getLogs();
        assertTrue(log.contains("leader is now " + identity), "the operator's log:\n" + log);
    }

    @Test
    @DisplayName("a GunicornServer gets its Deployment, ConfigMap and Service, and a status with observedGeneration")
    void reconcilesAGunicornServer() {
        GunicornServer server = Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: hello, namespace: %s}
                spec: {app: dev.jgunicorn.demo.Hello, workers: 1}
                """.formatted(namespace), GunicornServer.class);
        long generation = admin.resources(GunicornServer.class).inNamespace(namespace).resource(server).create().getMetadata().getGeneration();
        Deployment d = E2e.await("the Deployment hello", WAIT, () -> admin.apps().deployments().inNamespace(namespace).withName("hello").get());
        assertEquals("GunicornServer", d.getMetadata().getOwnerReferences().getFirst().getKind(), "the Deployment's owner");
        String configMap = d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null)
                .findFirst().orElseThrow().getConfigMap().getName(); // content-addressed: hello-config-<hash>
        assertNotNull(E2e.await("the ConfigMap " + configMap, WAIT, () -> admin.configMaps().inNamespace(namespace).withName(configMap).get()));
        assertNotNull(E2e.await("the Service hello", WAIT, () -> admin.services().inNamespace(namespace).withName("hello").get()));
        Long observed = E2e.await("status.observedGeneration " + generation, WAIT, () -> {
            GunicornServer g = admin.resources(GunicornServer.class).inNamespace(namespace).withName("hello").get();
            return g.getStatus() != null && Long.valueOf(generation).equals(g.getStatus().getObservedGeneration()) ? g.getStatus().getObservedGeneration() : null;
        });
        assertEquals(generation, observed);
    }
}
