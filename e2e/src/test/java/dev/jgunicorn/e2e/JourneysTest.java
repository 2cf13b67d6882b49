package dev.jgunicorn.e2e;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static dev.jgunicorn.e2e.E2e.await;
import static dev.jgunicorn.e2e.E2e.cmd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator's user journeys against the cluster of {@code JGUNICORN_E2E_KUBECONFIG}: helm install, kubectl
 * apply, scale, HUP, bad input, deletion, operator restart and leader election, 200 servers, the pod contract.
 * One namespace per run for the chart and one for the GunicornServers; both are deleted at the end.
 * The operator runs as a local process with the chart's ServiceAccount token (no image is needed in the cluster).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JourneysTest {
    static final Duration SHORT = Duration.ofSeconds(60);
    static final Duration TAKEOVER = Duration.ofSeconds(120);
    static final String CRD = "gunicornservers.jgunicorn.dev";
    static final String DEMO = "hello"; // examples/hello.yaml

    final String suffix = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36), 36);
    final String release = "jgo-" + suffix;
    final String fullname = release + "-jgunicorn-operator";
    final String operatorNs = "jgunicorn-system-" + suffix;
    final String appNs = "jg-e2e-" + suffix;
    final String scaleNs = "jg-scale-" + suffix;

    Path adminKubeconfig;
    KubernetesClient admin;
    Path work;
    Path operatorKubeconfig;
    Map<String, String> chartEnv;
    OperatorProcess operatorA;
    OperatorProcess operatorB;
    boolean installed;
    boolean demoApplied;
    final Map<String, Long> timings = new LinkedHashMap<>();

    @BeforeAll
    void cluster() throws IOException {
        Optional<Path> kubeconfig = E2e.kubeconfig();
        if (kubeconfig.isEmpty()) System.out.println("e2e: " + E2e.skipMessage()); // surefire hides class-level skips
        Assumptions.assumeTrue(kubeconfig.isPresent(), E2e::skipMessage);
        adminKubeconfig = kubeconfig.get();
        admin = E2e.adminClient(adminKubeconfig);
        work = Files.createTempDirectory("jgunicorn-e2e-");
        System.out.printf("e2e: cluster %s (%s), namespaces %s and %s, logs in %s%n", admin.getMasterUrl(),
                admin.getKubernetesVersion().getGitVersion(), operatorNs, appNs, work);
        // The app namespace enforces Pod Security "restricted", as hardened clusters do: the pods the operator
        // renders must pass it, or the ReplicaSet controller cannot create them.
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(appNs)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (admin == null) return;
        for (OperatorProcess p : new OperatorProcess[] {operatorA, operatorB}) {
            if (p != null) p.close();
        }
        timings.forEach((k, v) -> System.out.printf("e2e timing: %-28s %6.1f s%n", k, v / 1000.0));
        if (!"keep".equals(System.getenv("JGUNICORN_E2E_CLEANUP"))) {
            try {
                if (installed) Helm.uninstall(release)
                        .withNamespace(operatorNs).withKubeConfig(adminKubeconfig).call();
            } catch (RuntimeException e) {
                System.out.println("e2e: helm uninstall failed: " + e.getMessage());
            }
            for (String ns : List.of(appNs, scaleNs, operatorNs)) admin.namespaces().withName(ns).delete();
        }
        admin.close();
    }

    // ---------------------------------------------------------------------------------------------------------
    // 1. helm install; the operator runs with the chart's ServiceAccount
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    @DisplayName("1. helm install: CRD established, Deployment, RBAC, Service; the operator runs as the chart's ServiceAccount; edit and view users get GunicornServers")
    void helmInstall() throws Exception {
        long t0 = System.nanoTime();
        Release r = new Helm(E2e.REPO.resolve("helm/jgunicorn-operator")).install()
                .withName(release).withNamespace(operatorNs).createNamespace()
                .withKubeConfig(adminKubeconfig).withTimeout(120).call();
        installed = true;
        assertEquals("deployed", r.getStatus(), r.getOutput());

        CustomResourceDefinition crd = await("CRD " + CRD + " Established", SHORT, () -> {
            CustomResourceDefinition c = admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get();
            return c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
                    .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())) ? c : null;
        });
        assertTrue(crd.getSpec().getNames().getShortNames().contains("gus"), "short name gus");

        Deployment d = admin.apps().deployments().inNamespace(operatorNs).withName(fullname).get();
        assertNotNull(d, "the chart's operator Deployment " + operatorNs + "/" + fullname);
        assertNotNull(admin.serviceAccounts().inNamespace(operatorNs).withName(fullname).get(), "ServiceAccount");
        assertNotNull(admin.rbac().clusterRoles().withName(fullname).get(), "ClusterRole (watchNamespaces empty)");
        assertNotNull(admin.rbac().clusterRoleBindings().withName(fullname).get(), "ClusterRoleBinding");
        assertNotNull(admin.rbac().roles().inNamespace(operatorNs).withName(fullname + "-leader-election").get(), "lease Role");
        assertNotNull(admin.services().inNamespace(operatorNs).withName(fullname + "-metrics").get(), "metrics Service");

        // The operator's credentials: a token of the chart's ServiceAccount (TokenRequest API), nothing else.
        TokenRequest token = admin.serviceAccounts().inNamespace(operatorNs).withName(fullname)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(7200L).endSpec().build());
        operatorKubeconfig = writeTokenKubeconfig(token.getStatus().getToken());
        try (KubernetesClient sa = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(null,
                Files.readString(operatorKubeconfig), operatorKubeconfig.toString())).build()) {
            assertTrue(can(sa, "jgunicorn.dev", "gunicornservers", "watch", null), "the operator may watch GunicornServers everywhere");
            assertTrue(can(sa, "apps", "deployments", "patch", appNs), "the operator may patch Deployments");
            assertFalse(can(sa, "", "secrets", "get", appNs), "least privilege: the operator reads no Secrets");
            assertFalse(can(sa, "", "pods", "create", appNs), "least privilege: the operator creates no Pods itself");
        }

        // Namespace users: Kubernetes folds the chart's aggregated roles into its default edit and view roles.
        admin.rbac().roleBindings().inNamespace(appNs).resource(userBinding("alice", "edit")).create();
        admin.rbac().roleBindings().inNamespace(appNs).resource(userBinding("bob", "view")).create();
        try (KubernetesClient alice = impersonating("alice"); KubernetesClient bob = impersonating("bob")) {
            await("user alice (edit) may create GunicornServers", SHORT,
                    () -> can(alice, "jgunicorn.dev", "gunicornservers", "create", appNs));
            assertTrue(can(alice, "jgunicorn.dev", "gunicornservers/scale", "patch", appNs), "edit scales");
            assertFalse(can(alice, "jgunicorn.dev", "gunicornservers/status", "patch", appNs), "status is the operator's");
            await("user bob (view) may list GunicornServers", SHORT,
                    () -> can(bob, "jgunicorn.dev", "gunicornservers", "list", appNs));
            assertFalse(can(bob, "jgunicorn.dev", "gunicornservers", "patch", appNs), "view is read-only");
            assertFalse(can(alice, "jgunicorn.dev", "gunicornservers", "list", operatorNs), "only where bound");
        }

        // The process gets the env of the chart's container (fieldRef POD_NAMESPACE resolved as the kubelet would).
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        chartEnv = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) chartEnv.put(e.getName(), e.getValue());
            else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                    && "metadata.namespace".equals(e.getValueFrom().getFieldRef().getFieldPath())) chartEnv.put(e.getName(), operatorNs);
        }
        assertEquals("jgunicorn-operator", chartEnv.get("JGUNICORN_LEADER_ELECTION_LEASE"), "leader election is on by default");
        operatorA = OperatorProcess.start(operatorKubeconfig, chartEnv, fullname + "-a", work);
        awaitLeader(operatorA);
        await("operator " + operatorA.identity + " /readyz 200", SHORT, () -> operatorA.httpStatus("/readyz") == 200);
        assertEquals(200, operatorA.httpStatus("/healthz"));
        timings.put("1 helm install + operator", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 2. kubectl apply -f examples/hello.yaml
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(2)
    @DisplayName("2. kubectl apply -f examples/hello.yaml: Deployment, pods Running and Ready, status Ready, kubectl get gus")
    void kubectlApply() {
        requireOperator();
        long t0 = System.nanoTime();
        E2e.Result r = kubectl("apply", "-n", appNs, "-f", E2e.REPO.resolve("examples/hello.yaml").toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("gunicornserver.jgunicorn.dev/hello created"), r.out());
        demoApplied = true;
        int workers = server(DEMO).getSpec().getWorkers();
        assertEquals(2, workers, "examples/hello.yaml asks for 2 workers");
        awaitWorkers(DEMO, workers);

        Deployment d = admin.apps().deployments().inNamespace(appNs).withName(DEMO).get();
        assertOwnedBy(d, server(DEMO));
        assertNotNull(admin.configMaps().inNamespace(appNs).withLabel("app.kubernetes.io/instance", DEMO).list().getItems()
                .stream().findFirst().orElse(null), "the rendered gunicorn.conf.py ConfigMap");
        assertNotNull(admin.services().inNamespace(appNs).withName(DEMO).get(), "Service " + DEMO);
        assertNotNull(admin.policy().v1().podDisruptionBudget().inNamespace(appNs).withName(DEMO).get(),
                "PodDisruptionBudget (podDisruptionBudget.enabled in the example)");
        assertTrue(events(DEMO, "Created").size() == 1, "one Created event: " + events(DEMO, null));

        // Every object in examples/ passes the API server's own validation (schema, CEL, required fields): a
        // server-side dry run. KEDA's ScaledObject is left out: this cluster does not serve keda.sh.
        try (var files = Files.walk(E2e.REPO.resolve("examples"))) {
            for (Path f : files.filter(x -> x.toString().endsWith(".yaml")).sorted().toList()) {
                int n = 0;
                for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
                    if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#")) || doc.contains("kind: ScaledObject")) continue;
                    Path one = work.resolve("example-" + f.getFileName() + "-" + n++ + ".yaml");
                    Files.writeString(one, doc);
                    E2e.Result dry = kubectl("apply", "--dry-run=server", "-n", appNs, "-f", one.toString());
                    assertEquals(0, dry.exit(), f + " (document " + n + "): " + dry.out());
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        // What a user reads: NAME AGE WORKERS STATUS READY, the values from the status.
        E2e.Result get = kubectl("get", "gus", DEMO, "-n", appNs);
        assertEquals(0, get.exit(), get.out());
        List<String> lines = get.out().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(List.of("NAME", "AGE", "WORKERS", "STATUS", "READY"), List.of(lines.get(0).trim().split("\\s+")), get.out());
        List<String> row = List.of(lines.get(1).trim().split("\\s+"));
        assertEquals(DEMO, row.get(0), get.out());
        assertEquals("2", row.get(2), "WORKERS column: " + get.out());
        assertEquals("AllWorkersReady", row.get(3), "STATUS column: " + get.out());
        assertEquals("2", row.get(4), "READY column: " + get.out());
        E2e.Result wide = kubectl("get", "gus", DEMO, "-n", appNs, "-o", "wide");
        assertTrue(wide.out().contains("IMAGE") && wide.out().contains("jgunicorn/runtime:"), wide.out());
        timings.put("2 kubectl apply", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 3. kubectl scale and kubectl gunicorn signal TTIN/TTOU
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(3)
    @DisplayName("3. kubectl scale gus/hello --replicas=3 and back; kubectl gunicorn signal TTIN/TTOU")
    void scale() {
        requireDemo();
        long t0 = System.nanoTime();
        E2e.Result up = kubectl("scale", "gus/" + DEMO, "-n", appNs, "--replicas=3");
        assertEquals(0, up.exit(), up.out());
        awaitWorkers(DEMO, 3);
        await("Scaled event TTIN 2 -> 3", SHORT, () -> hasEvent(DEMO, "Scaled", "TTIN: workers 2 -> 3"));
        E2e.Result down = kubectl("scale", "gus/" + DEMO, "-n", appNs, "--replicas=2");
        assertEquals(0, down.exit(), down.out());
        awaitWorkers(DEMO, 2);
        await("Scaled event TTOU 3 -> 2", SHORT, () -> hasEvent(DEMO, "Scaled", "TTOU: workers 3 -> 2"));

        E2e.Result ttin = kubectlGunicorn("signal", DEMO, "TTIN");
        assertEquals(0, ttin.exit(), ttin.out());
        assertTrue(ttin.out().contains("workers 2 -> 3"), ttin.out());
        awaitWorkers(DEMO, 3);
        E2e.Result ttou = kubectlGunicorn("signal", DEMO, "TTOU");
        assertEquals(0, ttou.exit(), ttou.out());
        awaitWorkers(DEMO, 2);
        E2e.Result status = kubectlGunicorn("status", DEMO);
        assertEquals(0, status.exit(), status.out());
        assertTrue(status.out().contains(DEMO), status.out());
        timings.put("3 scale", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 4. HUP and a settings change
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(4)
    @DisplayName("4. kubectl gunicorn signal HUP: a new ReplicaSet, every pod replaced, restart in status and Events; a settings change rolls")
    void hupAndConfigRoll() {
        requireDemo();
        long t0 = System.nanoTime();
        Set<String> oldPods = podNames(DEMO);
        Set<String> oldSets = replicaSetNames(DEMO);
        String restartBefore = server(DEMO).getStatus().getLastRestartTime();
        E2e.Result hup = kubectlGunicorn("signal", DEMO, "HUP");
        assertEquals(0, hup.exit(), hup.out());
        awaitRolledOnto(DEMO, 2, oldSets, oldPods);
        GunicornServerStatus s = await("status.lastRestartTime after HUP", SHORT, () -> {
            GunicornServerStatus st = server(DEMO).getStatus();
            return st.getLastRestartTime() != null && !st.getLastRestartTime().equals(restartBefore) ? st : null;
        });
        assertTrue(s.getLastRestartReason().startsWith("HUP"), "lastRestartReason: " + s.getLastRestartReason());
        await("a RollingRestart event", SHORT, () -> hasEvent(DEMO, "RollingRestart", "HUP"));

        // A settings change: new config hash on the pod template, so the pods roll.
        String hashBefore = server(DEMO).getStatus().getConfigHash();
        oldPods = podNames(DEMO);
        oldSets = replicaSetNames(DEMO);
        E2e.Result patch = kubectl("patch", "gus", DEMO, "-n", appNs, "--type=merge", "-p", "{\"spec\":{\"settings\":{\"header_timeout\":3}}}");
        assertEquals(0, patch.exit(), patch.out());
        awaitRolledOnto(DEMO, 2, oldSets, oldPods);
        String hashAfter = await("a new status.configHash", SHORT, () -> {
            String h = server(DEMO).getStatus().getConfigHash();
            return h != null && !h.equals(hashBefore) ? h : null;
        });
        Deployment d = admin.apps().deployments().inNamespace(appNs).withName(DEMO).get();
        assertEquals(hashAfter, d.getSpec().getTemplate().getMetadata().getAnnotations().get("jgunicorn.dev/config-hash"));
        assertTrue(configFile(DEMO).contains("header_timeout"), "the ConfigMap carries the new setting:\n" + configFile(DEMO));
        await("a ConfigChanged event", SHORT, () -> hasEvent(DEMO, "ConfigChanged", hashAfter));
        timings.put("4 HUP + config roll", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 5. bad input
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(5)
    @DisplayName("5. bad input: the schema refuses with the field named; a wrong setting gives Degraded and an Event, nothing breaks")
    void badInput() throws IOException {
        requireDemo();
        long t0 = System.nanoTime();
        E2e.Result port = kubectlApplyYaml("bad-port", "port: 70000");
        assertNotEquals(0, port.exit(), "port 70000 must be refused: " + port.out());
        assertTrue(port.out().contains("spec.port"), "the refusal names spec.port: " + port.out());
        E2e.Result same = kubectlApplyYaml("bad-ports", "port: 8000\n  adminPort: 8000");
        assertNotEquals(0, same.exit(), "port == adminPort must be refused: " + same.out());
        assertTrue(same.out().contains("adminPort"), "the CEL rule's message names adminPort: " + same.out());
        E2e.Result workers = kubectlApplyYaml("bad-workers", "workers: -1");
        assertNotEquals(0, workers.exit(), workers.out());
        assertTrue(workers.out().contains("spec.workers"), workers.out());
        assertEquals(List.of(), admin.resources(GunicornServer.class).inNamespace(appNs).list().getItems().stream()
                .map(g -> g.getMetadata().getName()).filter(n -> n.startsWith("bad-")).toList(), "nothing refused was stored");

        // A setting the schema cannot judge, the settings model can: Degraded, an Event, the pods untouched.
        Set<String> pods = podNames(DEMO);
        Set<String> sets = replicaSetNames(DEMO);
        String template = admin.apps().deployments().inNamespace(appNs).withName(DEMO).get().getSpec().getTemplate().toString();
        Map<String, ?> settingsBefore = server(DEMO).getSpec().getSettings();
        E2e.Result bad = kubectl("patch", "gus", DEMO, "-n", appNs, "--type=merge", "-p", "{\"spec\":{\"settings\":{\"header_timeout\":-1}}}");
        assertEquals(0, bad.exit(), "the API server accepts it (free-form settings): " + bad.out());
        Condition degraded = await("Degraded=True InvalidSpec", SHORT, () -> condition(DEMO, GunicornServerStatus.DEGRADED)
                .filter(c -> "True".equals(c.getStatus()) && "InvalidSpec".equals(c.getReason())).orElse(null));
        assertTrue(degraded.getMessage().contains("spec.settings.header_timeout") && degraded.getMessage().contains("-1"),
                "the message names the setting and the value: " + degraded.getMessage());
        Event warning = await("a Warning InvalidSpec event", SHORT, () -> events(DEMO, "InvalidSpec").stream().findFirst().orElse(null));
        assertEquals("Warning", warning.getType());
        assertTrue(warning.getMessage().contains("header_timeout"), warning.getMessage());
        Deployment d = admin.apps().deployments().inNamespace(appNs).withName(DEMO).get();
        assertEquals(template, d.getSpec().getTemplate().toString(), "the running Deployment is left alone");
        assertEquals(pods, podNames(DEMO), "the running pods are left alone");
        assertEquals(sets, replicaSetNames(DEMO));
        assertEquals(2, d.getStatus().getReadyReplicas(), "still serving with 2 workers");

        String previous = Serialization.asJson(settingsBefore == null ? Map.of() : settingsBefore);
        E2e.Result fix = kubectl("patch", "gus", DEMO, "-n", appNs, "--type=json", "-p",
                "[{\"op\":\"add\",\"path\":\"/spec/settings\",\"value\":" + previous + "}]");
        assertEquals(0, fix.exit(), fix.out());
        await("Degraded cleared after the fix", SHORT, () -> condition(DEMO, GunicornServerStatus.DEGRADED)
                .map(c -> "False".equals(c.getStatus())).orElse(true));
        awaitWorkers(DEMO, 2);
        assertEquals(pods, podNames(DEMO), "the fix returns to the running config: no roll");
        timings.put("5 bad input", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 6. deletion
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(6)
    @DisplayName("6. kubectl delete gus: the Deployment, ReplicaSets, pods, ConfigMap, Service and PDB are garbage-collected")
    void deleteCollectsOwnedObjects() throws IOException {
        requireOperator();
        long t0 = System.nanoTime();
        String name = "doomed";
        Path yaml = work.resolve(name + ".yaml");
        Files.writeString(yaml, Files.readString(E2e.REPO.resolve("examples/hello.yaml")).replace("name: hello", "name: " + name));
        E2e.Result apply = kubectl("apply", "-n", appNs, "-f", yaml.toString());
        assertEquals(0, apply.exit(), apply.out());
        awaitWorkers(name, 2);
        assertFalse(owned(name).isEmpty());
        E2e.Result del = kubectl("delete", "gus", name, "-n", appNs, "--wait=false");
        assertEquals(0, del.exit(), del.out());
        await("every object owned by " + name + " collected", Duration.ofSeconds(90), () -> owned(name).isEmpty() ? true : null);
        assertEquals(Set.of(), podNames(name), "no pod of " + name + " is left");
        timings.put("6 delete + GC", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 7. operator restart mid-rollout, leader election
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(7)
    @DisplayName("7. the leader is killed mid-rollout: the standby takes the Lease and converges without duplicates")
    void restartMidRolloutAndLeaderElection() throws Exception {
        requireDemo();
        long t0 = System.nanoTime();
        operatorB = OperatorProcess.start(operatorKubeconfig, chartEnv, fullname + "-b", work);
        await("standby " + operatorB.identity + " /healthz 200", SHORT, () -> operatorB.httpStatus("/healthz") == 200);
        assertEquals(operatorA.identity, leaseHolder(), "the first operator keeps the Lease");

        Set<String> oldPods = podNames(DEMO);
        Set<String> oldSets = replicaSetNames(DEMO);
        String hashBefore = server(DEMO).getStatus().getConfigHash();
        E2e.Result patch = kubectl("patch", "gus", DEMO, "-n", appNs, "--type=merge", "-p", "{\"spec\":{\"settings\":{\"header_timeout\":4}}}");
        assertEquals(0, patch.exit(), patch.out());
        operatorA.kill(); // SIGKILL right after the change: no graceful stop, the Lease is not released
        long killed = System.nanoTime();
        await("the standby holding the Lease", TAKEOVER, () -> operatorB.identity.equals(leaseHolder()));
        timings.put("7 leader takeover", ms(killed));

        awaitRolledOnto(DEMO, 2, oldSets, oldPods);
        GunicornServer s = server(DEMO);
        assertNotEquals(hashBefore, s.getStatus().getConfigHash());
        assertTrue(configFile(DEMO).contains("header_timeout = 4") || configFile(DEMO).contains("header_timeout=4"),
                "the new setting is rendered:\n" + configFile(DEMO));
        // no duplicates: one of each owned object, one active ReplicaSet, one event for this change at most
        Map<String, Long> kinds = owned(DEMO).stream().collect(Collectors.groupingBy(HasMetadata::getKind, Collectors.counting()));
        assertEquals(1L, kinds.get("Deployment"), "owned objects: " + kinds);
        // One ConfigMap per config version, each mounted by the Deployment or one of its ReplicaSets: none leaked.
        assertEquals(mountedConfigMaps(DEMO), configMapNames(DEMO), "config ConfigMaps");
        assertEquals(1L, kinds.get("Service"), "owned objects: " + kinds);
        assertEquals(1L, kinds.get("PodDisruptionBudget"), "owned objects: " + kinds);
        assertEquals(1, activeReplicaSets(DEMO).size(), "one ReplicaSet with pods");
        String newHash = s.getStatus().getConfigHash();
        long changeEvents = events(DEMO, "ConfigChanged").stream().filter(e -> e.getMessage().contains(newHash)).count();
        assertTrue(changeEvents <= 1, "at most one ConfigChanged event for the change: " + changeEvents);

        // The new leader reconciles what comes next.
        E2e.Result up = kubectl("scale", "gus/" + DEMO, "-n", appNs, "--replicas=3");
        assertEquals(0, up.exit(), up.out());
        awaitWorkers(DEMO, 3);
        // And a restart of the first operator: it comes back as a standby, nothing changes.
        operatorA = OperatorProcess.start(operatorKubeconfig, chartEnv, fullname + "-a2", work);
        await("restarted operator /healthz 200", SHORT, () -> operatorA.httpStatus("/healthz") == 200);
        assertEquals(operatorB.identity, leaseHolder());
        // A graceful stop of the leader (what the kubelet does at a rollout of the operator): TERM ends it within
        // the chart's terminationGracePeriodSeconds, and the restarted one takes over.
        long grace = admin.apps().deployments().inNamespace(operatorNs).withName(fullname).get().getSpec().getTemplate()
                .getSpec().getTerminationGracePeriodSeconds();
        long term = System.nanoTime();
        int exit = operatorB.terminate(Duration.ofSeconds(grace));
        timings.put("7 leader TERM to exit", ms(term));
        System.out.printf("e2e: the leader exited %d on TERM after %.1f s (grace %d s)%n", exit, (System.nanoTime() - term) / 1e9, grace);
        await(operatorA.identity + " taking over after the leader's TERM", TAKEOVER, () -> operatorA.identity.equals(leaseHolder()));
        E2e.Result down = kubectl("scale", "gus/" + DEMO, "-n", appNs, "--replicas=2");
        assertEquals(0, down.exit(), down.out());
        awaitWorkers(DEMO, 2);
        timings.put("7 restart + leader election", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 8. 200 GunicornServers
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(8)
    @DisplayName("8. scale check: 200 GunicornServers (-Djgunicorn.e2e.scale=N) reconciled to Ready (time and operator memory printed)")
    void twoHundredServers() throws Exception {
        requireOperator();
        int count = Integer.getInteger("jgunicorn.e2e.scale", 200);
        OperatorProcess leader = leader();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(scaleNs).endMetadata().build()).create();
        double rssBefore = leader.rssMiB();
        long t0 = System.nanoTime();
        var gus = admin.resources(GunicornServer.class);
        List<Thread> creators = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int from = t;
            creators.add(Thread.ofVirtual().start(() -> {
                for (int i = from; i < count; i += 4) {
                    GunicornServer g = Serialization.unmarshal("""
                            apiVersion: jgunicorn.dev/v1alpha1
                            kind: GunicornServer
                            metadata: {name: s%03d, namespace: %s}
                            spec: {app: dev.jgunicorn.demo.Hello, workers: 1}
                            """.formatted(i, scaleNs), GunicornServer.class);
                    gus.inNamespace(scaleNs).resource(g).create();
                }
            }));
        }
        for (Thread c : creators) c.join();
        long created = System.nanoTime();
        double[] peak = {rssBefore};
        int[] lastReady = {0};
        // 5 minutes for the default 200 (about twice the slowest run seen here); more servers get proportionally more.
        Duration budget = Duration.ofMinutes(5).multipliedBy(Math.max(1, (count + 199) / 200));
        await(count + " GunicornServers Ready", budget, () -> {
            peak[0] = Math.max(peak[0], leader.rssMiB());
            lastReady[0] = (int) gus.inNamespace(scaleNs).list().getItems().stream().filter(g -> g.getStatus() != null
                    && g.getStatus().condition(GunicornServerStatus.READY).map(c -> "True".equals(c.getStatus())).orElse(false)).count();
            if (lastReady[0] == count) return true;
            long pending = admin.pods().inNamespace(scaleNs).list().getItems().stream()
                    .filter(p -> "Pending".equals(p.getStatus().getPhase())).count();
            throw new IllegalStateException(lastReady[0] + " of " + count + " Ready, " + pending + " pods Pending"
                    + (pending > 0 ? " (are there enough pod slots on the nodes?)" : ""));
        });
        long ready = System.nanoTime();
        double rssAfter = leader.rssMiB();
        System.out.printf("e2e scale check: %d GunicornServers (1 worker each): created in %.1f s, all Ready %.1f s after"
                        + " the first create; operator RSS %.0f MiB before, %.0f MiB after, peak %.0f MiB (-Xmx256m, reconcile"
                        + " threads %s, API %s/s burst %s)%n",
                count, (created - t0) / 1e9, (ready - t0) / 1e9, rssBefore, rssAfter, peak[0],
                chartEnv.get("JGUNICORN_RECONCILE_THREADS"), chartEnv.get("JGUNICORN_API_QPS"), chartEnv.get("JGUNICORN_API_BURST"));
        timings.put("8 " + count + " servers Ready", ms(t0));
        gus.inNamespace(scaleNs).delete(); // the namespace goes in cleanUp; free the fake nodes' pod slots now
    }

    // ---------------------------------------------------------------------------------------------------------
    // 9. the pod contract
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(9)
    @DisplayName("9. pod contract: the generated container runs against the runtime jar; /readyz and /healthz answer; TERM drains in time")
    void podContract() throws Exception {
        requireOperator();
        long t0 = System.nanoTime();
        String name = "contract";
        int port = E2e.freePort();
        int adminPort = E2e.freePort();
        GunicornServer g = Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: %s, namespace: %s}
                spec: {app: dev.jgunicorn.demo.Hello, workers: 1, port: %d, adminPort: %d, gracefulTimeout: 5,
                       env: [{name: CONTRACT_MARK, value: from-the-pod-template}]}
                """.formatted(name, appNs, port, adminPort), GunicornServer.class);
        admin.resources(GunicornServer.class).inNamespace(appNs).resource(g).create();
        awaitWorkers(name, 1);
        Deployment d = admin.apps().deployments().inNamespace(appNs).withName(name).get();
        var podSpec = d.getSpec().getTemplate().getSpec();
        Container c = podSpec.getContainers().get(0);

        ProcessBuilder pb = workerProcess(podSpec, c, work.resolve("contract"), work.resolve("contract.log"));
        assertEquals("from-the-pod-template", pb.environment().get("CONTRACT_MARK"), "spec.env reaches the container");
        Process p = pb.start();
        try {
            int declaredPort = c.getPorts().stream().filter(x -> x.getContainerPort() == port).findFirst().orElseThrow().getContainerPort();
            int probePort = portOf(c, c.getReadinessProbe().getHttpGet().getPort().getStrVal(), c.getReadinessProbe().getHttpGet().getPort().getIntVal());
            int livePort = portOf(c, c.getLivenessProbe().getHttpGet().getPort().getStrVal(), c.getLivenessProbe().getHttpGet().getPort().getIntVal());
            assertEquals(adminPort, probePort, "readiness probe on the admin port");
            String body = await("the worker answering on the declared port " + declaredPort, Duration.ofSeconds(40),
                    () -> httpGet(HttpClient.newBuilder(), p, "http://127.0.0.1:" + declaredPort + "/", work.resolve("contract.log")));
            assertEquals("Hello, World!", body.strip());
            // The worker answers a moment before its master has heard that it booted: readiness follows, as a
            // kubelet's next probe would see.
            String readyz = "http://127.0.0.1:" + probePort + c.getReadinessProbe().getHttpGet().getPath();
            await("readiness 200", Duration.ofSeconds(30), () -> {
                try {
                    return status(readyz) == 200;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            });
            assertEquals(200, status("http://127.0.0.1:" + livePort + c.getLivenessProbe().getHttpGet().getPath()), "liveness");
            String promPath = d.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/path");
            assertEquals(200, status("http://127.0.0.1:" + adminPort + promPath), "Prometheus scrape path");

            long grace = podSpec.getTerminationGracePeriodSeconds();
            long term = System.nanoTime();
            p.destroy(); // TERM, as the kubelet sends after preStop
            assertTrue(p.waitFor(grace, TimeUnit.SECONDS), "drained within terminationGracePeriodSeconds=" + grace
                    + ":\n" + Files.readString(work.resolve("contract.log")));
            System.out.printf("e2e pod contract: TERM to exit %.1f s (grace %d s), exit code %d%n", (System.nanoTime() - term) / 1e9, grace, p.exitValue());
            assertTrue(Files.readString(work.resolve("contract.log")).contains("Worker exiting"), Files.readString(work.resolve("contract.log")));
        } finally {
            p.destroyForcibly();
        }
        timings.put("9 pod contract", ms(t0));
    }

    /**
     * The pod's worker container as a local process (kwok runs no containers): the ConfigMap and Secret volumes it
     * mounts are materialised under {@code root} (the mount path inside it), and paths into them in the config
     * file and the arguments point there; the image's launcher is the repository's, on the runtime jar.
     */
    private ProcessBuilder workerProcess(PodSpec podSpec, Container c, Path root, Path log) throws IOException {
        Path jar = E2e.REPO.resolve("runtime/target/jgunicorn.jar");
        assertTrue(Files.isRegularFile(jar), "the runtime jar is built (mvn -pl e2e -am package): " + jar);
        Map<String, Path> mounted = new LinkedHashMap<>();
        Map<Path, String> configFiles = new LinkedHashMap<>();
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = podSpec.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
            if (v.getConfigMap() == null && v.getSecret() == null) continue; // emptyDir: the host's /tmp will do
            Path dir = Files.createDirectories(root.resolve(m.getMountPath().substring(1)));
            mounted.put(m.getMountPath(), dir);
            if (v.getConfigMap() != null) {
                ConfigMap cm = admin.configMaps().inNamespace(appNs).withName(v.getConfigMap().getName()).get();
                cm.getData().forEach((k, text) -> configFiles.put(dir.resolve(k), text));
            } else {
                Secret secret = admin.secrets().inNamespace(appNs).withName(v.getSecret().getSecretName()).get();
                for (var e : secret.getData().entrySet()) Files.write(dir.resolve(e.getKey()), Base64.getDecoder().decode(e.getValue()));
            }
        }
        for (var f : configFiles.entrySet()) {
            // A pod has its own network namespace; on this shared host the worker keeps to loopback.
            String text = f.getValue().replace("0.0.0.0:", "127.0.0.1:");
            for (var m : mounted.entrySet()) text = text.replace("'" + m.getKey() + "/", "'" + m.getValue() + "/");
            Files.writeString(f.getKey(), text);
        }
        List<String> command = new ArrayList<>();
        command.add("sh");
        for (String part : c.getCommand()) {
            // the image's launcher (docker/jgunicorn at /opt/jgunicorn/bin/jgunicorn) is the repo's file here
            command.add(part.equals("/opt/jgunicorn/bin/jgunicorn") ? E2e.REPO.resolve("docker/jgunicorn").toString() : part);
        }
        for (String a : c.getArgs()) {
            for (var m : mounted.entrySet()) if (a.startsWith(m.getKey() + "/")) a = m.getValue() + a.substring(m.getKey().length());
            command.add(a);
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) if (e.getValue() != null) pb.environment().put(e.getName(), e.getValue());
        pb.environment().put("JGUNICORN_JAR", jar.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().merge("JAVA_OPTS", "-Xmx64m", (a, b) -> a + " " + b);
        return pb;
    }

    // ---------------------------------------------------------------------------------------------------------
    // 10. config versions
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(10)
    @DisplayName("10. a config change is a new immutable ConfigMap: the old ReplicaSet keeps mounting the old config until the history drops it")
    void configVersions() {
        requireOperator();
        long t0 = System.nanoTime();
        String name = "versions";
        GunicornServer g = Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: %s, namespace: %s}
                spec: {app: dev.jgunicorn.demo.Hello, workers: 1, timeout: 30}
                """.formatted(name, appNs), GunicornServer.class);
        admin.resources(GunicornServer.class).inNamespace(appNs).resource(g).create();
        awaitWorkers(name, 1);
        String first = configMapOf(admin.apps().deployments().inNamespace(appNs).withName(name).get().getSpec().getTemplate());
        assertTrue(first.matches(name + "-config-[0-9a-f]{10}"), "named after the config's hash: " + first);
        ConfigMap firstConfig = admin.configMaps().inNamespace(appNs).withName(first).get();
        assertEquals(Boolean.TRUE, firstConfig.getImmutable());
        assertTrue(firstConfig.getData().get("gunicorn.conf.py").contains("timeout = 30"), firstConfig.getData().toString());
        E2e.Result edit = kubectl("patch", "configmap", first, "-n", appNs, "--type=merge", "-p",
                "{\"data\":{\"gunicorn.conf.py\":\"timeout = 1\\n\"}}");
        assertNotEquals(0, edit.exit(), "the API server refuses to change a config version in place: " + edit.out());
        assertTrue(edit.out().contains("immutable"), edit.out());

        Set<String> oldPods = podNames(name);
        Set<String> oldSets = replicaSetNames(name);
        assertEquals(1, oldSets.size(), "one ReplicaSet before the change: " + oldSets);
        E2e.Result patch = kubectl("patch", "gus", name, "-n", appNs, "--type=merge", "-p", "{\"spec\":{\"timeout\":31}}");
        assertEquals(0, patch.exit(), patch.out());
        awaitRolledOnto(name, 1, oldSets, oldPods);
        Deployment d = admin.apps().deployments().inNamespace(appNs).withName(name).get();
        String second = configMapOf(d.getSpec().getTemplate());
        assertNotEquals(first, second, "a new config, a new ConfigMap");
        assertTrue(configFile(name).contains("timeout = 31"), configFile(name));
        assertEquals(Set.of(first, second), configMapNames(name), "both config versions exist");
        for (String cm : List.of(first, second)) assertOwnedBy(admin.configMaps().inNamespace(appNs).withName(cm).get(), server(name));

        // The old ReplicaSet, kept for kubectl rollout undo, still names the first config, unchanged: one of its pods
        // restarting now (or a rollback) boots the configuration it was made with, not the new one.
        String oldSet = oldSets.iterator().next();
        ReplicaSet old = admin.apps().replicaSets().inNamespace(appNs).withName(oldSet).get();
        assertEquals(first, configMapOf(old.getSpec().getTemplate()));
        assertEquals(firstConfig.getData(), admin.configMaps().inNamespace(appNs).withName(first).get().getData());

        // The Deployment controller trims ReplicaSets beyond revisionHistoryLimit; deleting this one does the same.
        E2e.Result trim = kubectl("delete", "replicaset", oldSet, "-n", appNs);
        assertEquals(0, trim.exit(), trim.out());
        await("the first ConfigMap deleted once no ReplicaSet mounts it — operator log: " + logHint(), SHORT,
                () -> configMapNames(name).equals(Set.of(second)) ? true : null);
        awaitWorkers(name, 1);
        admin.resources(GunicornServer.class).inNamespace(appNs).withName(name).delete();
        timings.put("10 config versions", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 11. helm upgrade to a chart whose CRD adds a field
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(11)
    @DisplayName("11. helm upgrade to a chart whose CRD adds a field: the CRD is upgraded, existing servers untouched, the field stored")
    void crdUpgrade() throws Exception {
        requireOperator();
        assumeTrue(installed, "journey 1 installed the chart");
        long t0 = System.nanoTime();
        String name = "steady";
        admin.resources(GunicornServer.class).inNamespace(appNs).resource(Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: %s, namespace: %s}
                spec: {app: dev.jgunicorn.demo.Hello, workers: 1}
                """.formatted(name, appNs), GunicornServer.class)).create();
        awaitWorkers(name, 1);
        GunicornServer before = server(name);
        Set<String> setsBefore = replicaSetNames(name);

        // Chart N+1: the same chart, its version bumped, its CRD with one more optional field in the spec.
        Path next = work.resolve("chart-next");
        copyTree(E2e.REPO.resolve("helm/jgunicorn-operator"), next);
        Path chartYaml = next.resolve("Chart.yaml");
        Files.writeString(chartYaml, Files.readString(chartYaml).replaceFirst("(?m)^version: .*$", "version: 0.1.1-e2e"));
        Path crdFile = next.resolve("files/crds/gunicornservers.jgunicorn.dev-v1.yml");
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(crdFile), CustomResourceDefinition.class);
        crd.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties()
                .put("e2eNote", new JSONSchemaPropsBuilder().withType("string").withDescription("added by chart 0.1.1-e2e").build());
        // The chart's template extends the generated file's metadata block, written as the generator writes it.
        Files.writeString(crdFile, Serialization.asYaml(crd).replaceFirst("(?m)^metadata:\n  name: \"?gunicornservers.jgunicorn.dev\"?$",
                "metadata:\n  name: \"gunicornservers.jgunicorn.dev\""));

        Release r = new Helm(next).upgrade().withName(release).withNamespace(operatorNs).withKubeConfig(adminKubeconfig)
                .withTimeout(120).call();
        assertEquals("deployed", r.getStatus(), r.getOutput());
        assertEquals("0.1.1-e2e", r.getChart().replaceFirst("^jgunicorn-operator-", ""), "the release runs chart N+1");

        CustomResourceDefinition served = admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get();
        assertTrue(served.getSpec().getVersions().getFirst().getSchema().getOpenAPIV3Schema().getProperties().get("spec")
                .getProperties().containsKey("e2eNote"), "helm upgrade upgraded the CRD");
        assertEquals("keep", served.getMetadata().getAnnotations().get("helm.sh/resource-policy"));

        // The existing server: same generation, same ReplicaSet, still Ready.
        GunicornServer after = server(name);
        assertEquals(before.getMetadata().getGeneration(), after.getMetadata().getGeneration(), "the upgrade did not touch the server");
        awaitWorkers(name, 1);
        assertEquals(setsBefore, replicaSetNames(name), "no rollout");

        // The new field is stored and served back (no pruning), and the running operator still reconciles a server
        // that carries it.
        E2e.Result patch = kubectl("patch", "gus", name, "-n", appNs, "--type=merge", "-p", "{\"spec\":{\"e2eNote\":\"hello\"}}");
        assertEquals(0, patch.exit(), patch.out());
        GenericKubernetesResource raw = admin.genericKubernetesResources("jgunicorn.dev/v1alpha1", "GunicornServer")
                .inNamespace(appNs).withName(name).get();
        assertEquals("hello", ((Map<?, ?>) raw.getAdditionalProperties().get("spec")).get("e2eNote"));
        awaitWorkers(name, 1);
        timings.put("11 CRD upgrade", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 12. adding to the pod
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(12)
    @DisplayName("12. adding to the pod: incomplete Kubernetes entries refused at admission; a TLS Secret mounted for settings.certfile serves HTTPS; sidecars pass Pod Security restricted")
    void addingToThePod() throws Exception {
        requireOperator();
        long t0 = System.nanoTime();
        E2e.Result env = kubectlApplyYaml("bad-env", "env: [{value: x}]");
        assertNotEquals(0, env.exit(), "an env entry without a name must be refused: " + env.out());
        assertTrue(env.out().contains("spec.env[0].name: Required value"), env.out());
        E2e.Result spread = kubectlApplyYaml("bad-spread", "topologySpreadConstraints: [{maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]");
        assertNotEquals(0, spread.exit(), spread.out());
        assertTrue(spread.out().contains("spec.topologySpreadConstraints[0].topologyKey: Required value"), spread.out());
        E2e.Result sidecar = kubectlApplyYaml("bad-sidecar", "extraContainers: [{image: busybox}]");
        assertNotEquals(0, sidecar.exit(), sidecar.out());
        assertTrue(sidecar.out().contains("spec.extraContainers[0].name: Required value"), sidecar.out());

        // A self-signed certificate for 127.0.0.1, as a kubernetes.io/tls Secret.
        Path certs = Files.createDirectories(work.resolve("tls"));
        E2e.Result openssl = E2e.run(Map.of(), Duration.ofSeconds(60), cmd("openssl", "req", "-x509", "-newkey", "rsa:2048",
                "-nodes", "-days", "1", "-subj", "/CN=jgunicorn-e2e", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", certs.resolve("tls.key").toString(), "-out", certs.resolve("tls.crt").toString()));
        assertEquals(0, openssl.exit(), openssl.out());
        admin.secrets().inNamespace(appNs).resource(new SecretBuilder().withNewMetadata().withName("tls-demo").endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("tls.crt", Base64.getEncoder().encodeToString(Files.readAllBytes(certs.resolve("tls.crt"))))
                .addToData("tls.key", Base64.getEncoder().encodeToString(Files.readAllBytes(certs.resolve("tls.key"))))
                .build()).create();

        String name = "tls";
        int port = E2e.freePort();
        int adminPort = E2e.freePort();
        admin.resources(GunicornServer.class).inNamespace(appNs).resource(Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: %s, namespace: %s}
                spec:
                  app: dev.jgunicorn.demo.Hello
                  port: %d
                  adminPort: %d
                  settings: {certfile: /etc/tls/tls.crt, keyfile: /etc/tls/tls.key}
                  volumes: [{name: tls, secret: {secretName: tls-demo}}]
                  volumeMounts: [{name: tls, mountPath: /etc/tls, readOnly: true}]
                  podSecurityContext: {fsGroup: 2000}
                  initContainers: [{name: wait, image: busybox, command: [true]}]
                  extraContainers: [{name: log-shipper, image: fluent-bit}]
                """.formatted(name, appNs, port, adminPort), GunicornServer.class)).create();
        // The namespace enforces Pod Security restricted: Ready pods mean the sidecars written without a
        // securityContext passed it.
        awaitWorkers(name, 1);
        PodSpec podSpec = admin.apps().deployments().inNamespace(appNs).withName(name).get().getSpec().getTemplate().getSpec();
        assertEquals(List.of("jgunicorn", "log-shipper"), podSpec.getContainers().stream().map(Container::getName).toList());
        assertEquals(2000L, podSpec.getSecurityContext().getFsGroup());

        Path log = work.resolve("tls.log");
        Process p = workerProcess(podSpec, podSpec.getContainers().get(0), work.resolve("tls-pod"), log).start();
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (var in = Files.newInputStream(certs.resolve("tls.crt"))) {
                trust.setCertificateEntry("e2e", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            String body = await("HTTPS from the worker with the mounted Secret's certificate", Duration.ofSeconds(40),
                    () -> httpGet(HttpClient.newBuilder().sslContext(tls), p, "https://127.0.0.1:" + port + "/", log));
            assertEquals("Hello, World!", body.strip());
        } finally {
            p.destroyForcibly();
        }
        timings.put("12 adding to the pod", ms(t0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // 13. a Python app under Gunicorn with the jgunicorn sidecar
    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(13)
    @DisplayName("13. kubectl apply -f examples/python.yaml: the app under Gunicorn, the native sidecar, probes on the sidecar, admitted as restricted; scale and HUP as for Java apps")
    void pythonApp() {
        requireOperator();
        long t0 = System.nanoTime();
        String name = "flask"; // examples/python.yaml
        E2e.Result r = kubectl("apply", "-n", appNs, "-f", E2e.REPO.resolve("examples/python.yaml").toString());
        assertEquals(0, r.exit(), r.out());
        awaitWorkers(name, 3);

        Deployment d = admin.apps().deployments().inNamespace(appNs).withName(name).get();
        var pod = d.getSpec().getTemplate().getSpec();
        assertEquals(Boolean.TRUE, pod.getShareProcessNamespace());
        var sidecar = pod.getInitContainers().get(0);
        assertEquals("jgunicorn-sidecar", sidecar.getName());
        assertEquals("Always", sidecar.getRestartPolicy(), "a native sidecar");
        assertEquals("sidecar", sidecar.getArgs().get(0));
        var app = pod.getContainers().get(0);
        assertEquals(List.of("gunicorn"), app.getCommand());
        assertEquals(List.of("-c", "/etc/jgunicorn/gunicorn.conf.py", "app:app"), app.getArgs());
        assertEquals(9000, app.getLivenessProbe().getHttpGet().getPort().getIntVal(), "liveness asks the sidecar");
        assertEquals(9000, app.getReadinessProbe().getHttpGet().getPort().getIntVal(), "readiness asks the sidecar");
        assertEquals(9000, sidecar.getPorts().get(0).getContainerPort());
        String conf = configFile(name);
        assertTrue(conf.contains("open('/app/gunicorn.conf.py')") && conf.contains("\nworkers = 1\n")
                && conf.contains("\nstatsd_host = '127.0.0.1:9125'\n") && !conf.contains("admin_bind"), conf);
        // The pods exist in a namespace enforcing Pod Security "restricted": both containers passed admission.
        assertEquals(3, pods(name).size());

        E2e.Result up = kubectl("scale", "gus/" + name, "-n", appNs, "--replicas=4");
        assertEquals(0, up.exit(), up.out());
        awaitWorkers(name, 4);
        Set<String> oldPods = podNames(name);
        Set<String> oldSets = replicaSetNames(name);
        E2e.Result hup = kubectlGunicorn("signal", name, "HUP");
        assertEquals(0, hup.exit(), hup.out());
        awaitRolledOnto(name, 4, oldSets, oldPods);

        // A Java-only worker class is refused by the API server with the rule's message.
        E2e.Result bad = kubectl("patch", "gus", name, "-n", appNs, "--type=merge", "-p", "{\"spec\":{\"workerClass\":\"virtual\"}}");
        assertTrue(bad.exit() != 0 && bad.out().contains("virtual and eventloop are jgunicorn's"), bad.out());
        assertEquals(0, kubectl("delete", "gus", name, "-n", appNs).exit());
        timings.put("13 python app", ms(t0));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private void requireOperator() {
        Assumptions.assumeTrue(operatorA != null || operatorB != null, "journey 1 (helm install + operator) did not pass");
    }

    private void requireDemo() {
        requireOperator();
        Assumptions.assumeTrue(demoApplied, "journey 2 (kubectl apply of examples/hello.yaml) did not pass");
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private Path writeTokenKubeconfig(String token) throws IOException {
        Config c = admin.getConfiguration();
        String ca = c.getCaCertData();
        if (ca == null && c.getCaCertFile() != null) ca = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(c.getCaCertFile())));
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: e2e
                  cluster:
                    server: %s
                    %s
                users:
                - name: %s
                  user:
                    token: %s
                contexts:
                - name: operator
                  context: {cluster: e2e, user: %s}
                current-context: operator
                """.formatted(c.getMasterUrl(), ca == null ? "insecure-skip-tls-verify: true" : "certificate-authority-data: " + ca,
                fullname, token, fullname);
        Path p = work.resolve("operator-kubeconfig");
        Files.writeString(p, yaml);
        return p;
    }

    /** SelfSubjectAccessReview; {@code resource} may name a subresource ("gunicornservers/scale"). */
    private static boolean can(KubernetesClient c, String group, String resource, String verb, String ns) {
        String[] parts = resource.split("/", 2);
        SelfSubjectAccessReview r = c.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes().withGroup(group).withResource(parts[0])
                .withSubresource(parts.length > 1 ? parts[1] : null).withVerb(verb)
                .withNamespace(ns).endResourceAttributes().endSpec().build());
        return r.getStatus().getAllowed();
    }

    private static RoleBinding userBinding(String user, String clusterRole) {
        return new RoleBindingBuilder().withNewMetadata().withName(user + "-" + clusterRole).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(clusterRole).endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName(user).endSubject()
                .build();
    }

    /** The admin's credentials acting as {@code user} (impersonation), as that user's kubectl would. */
    private KubernetesClient impersonating(String user) {
        Config c = Config.fromKubeconfig(null, readAdminKubeconfig(), adminKubeconfig.toString());
        c.setImpersonateUsername(user);
        return dev.jgunicorn.operator.Clients.build(c);
    }

    private String readAdminKubeconfig() {
        try {
            return Files.readString(adminKubeconfig);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String leaseHolder() {
        Lease l = admin.leases().inNamespace(operatorNs).withName(chartEnv.get("JGUNICORN_LEADER_ELECTION_LEASE")).get();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    private void awaitLeader(OperatorProcess p) {
        await(p.identity + " holding the Lease (log " + p.log + ")", SHORT, () -> {
            if (!p.alive()) throw new AssertionError("operator " + p.identity + " exited:\n" + p.logTail(40));
            return p.identity.equals(leaseHolder());
        });
    }

    private OperatorProcess leader() {
        String holder = leaseHolder();
        for (OperatorProcess p : new OperatorProcess[] {operatorA, operatorB}) if (p != null && p.alive() && p.identity.equals(holder)) return p;
        throw new AssertionError("no live operator holds the Lease (holder " + holder + ")");
    }

    private GunicornServer server(String name) {
        return admin.resources(GunicornServer.class).inNamespace(appNs).withName(name).get();
    }

    private Optional<Condition> condition(String name, String type) {
        GunicornServer s = server(name);
        return s == null || s.getStatus() == null ? Optional.empty() : s.getStatus().condition(type);
    }

    /** Deployment, pods and status all at n workers, Ready, status current with the spec's generation. */
    private void awaitWorkers(String name, int n) {
        await(name + " with " + n + " Ready workers (Deployment, pods, status) — operator log: " + logHint(), Duration.ofSeconds(90), () -> {
            GunicornServer s = server(name);
            Deployment d = admin.apps().deployments().inNamespace(appNs).withName(name).get();
            if (s == null || s.getStatus() == null || d == null || d.getStatus() == null) return null;
            boolean deployment = Objects.equals(d.getSpec().getReplicas(), n) && Objects.equals(orZero(d.getStatus().getReadyReplicas()), n)
                    && Objects.equals(orZero(d.getStatus().getUpdatedReplicas()), n) && Objects.equals(orZero(d.getStatus().getReplicas()), n);
            boolean status = Objects.equals(s.getStatus().getObservedGeneration(), s.getMetadata().getGeneration())
                    && Objects.equals(s.getStatus().getReadyWorkers(), n)
                    && s.getStatus().condition(GunicornServerStatus.READY).map(c -> n == 0 || "True".equals(c.getStatus())).orElse(false);
            List<Pod> pods = pods(name);
            boolean running = pods.size() == n && pods.stream().allMatch(p -> "Running".equals(p.getStatus().getPhase())
                    && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
            if (deployment && status && running) return true;
            throw new IllegalStateException("Deployment " + d.getStatus().getReadyReplicas() + "/" + d.getSpec().getReplicas()
                    + " ready, " + pods.size() + " pods, status readyWorkers " + s.getStatus().getReadyWorkers() + ", generation "
                    + s.getStatus().getObservedGeneration() + "/" + s.getMetadata().getGeneration() + ", conditions " + s.getStatus().getConditions());
        });
    }

    private String logHint() {
        return operatorB != null ? operatorB.log.toString() : operatorA != null ? operatorA.log.toString() : "-";
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }

    /** A rollout finished: a ReplicaSet not seen before runs every pod, all pods are new and Ready. */
    private void awaitRolledOnto(String name, int n, Set<String> oldSets, Set<String> oldPods) {
        await(name + " rolled onto a new ReplicaSet with " + n + " new Ready pods (old sets " + oldSets + ")", Duration.ofSeconds(90), () -> {
            List<ReplicaSet> active = activeReplicaSets(name);
            if (active.size() != 1 || oldSets.contains(active.get(0).getMetadata().getName())) return null;
            Set<String> pods = podNames(name);
            return pods.size() == n && pods.stream().noneMatch(oldPods::contains) ? true : null;
        });
        awaitWorkers(name, n);
    }

    private List<ReplicaSet> activeReplicaSets(String name) {
        return admin.apps().replicaSets().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems().stream()
                .filter(rs -> rs.getSpec().getReplicas() != null && rs.getSpec().getReplicas() > 0).toList();
    }

    private Set<String> replicaSetNames(String name) {
        return admin.apps().replicaSets().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems().stream()
                .map(rs -> rs.getMetadata().getName()).collect(Collectors.toSet());
    }

    /** The live pods of a server (those being deleted left out). */
    private List<Pod> pods(String name) {
        return admin.pods().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private Set<String> podNames(String name) {
        return pods(name).stream().map(p -> p.getMetadata().getName()).collect(Collectors.toCollection(HashSet::new));
    }

    /** The gunicorn.conf.py the Deployment's pod template mounts now. */
    private String configFile(String name) {
        Deployment d = admin.apps().deployments().inNamespace(appNs).withName(name).get();
        return String.join("\n", admin.configMaps().inNamespace(appNs).withName(configMapOf(d.getSpec().getTemplate())).get()
                .getData().values());
    }

    /** The name of the ConfigMap a pod template mounts. */
    private static String configMapOf(PodTemplateSpec template) {
        return template.getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap volume in " + template)).getConfigMap().getName();
    }

    private Set<String> configMapNames(String name) {
        return admin.configMaps().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems().stream()
                .map(cm -> cm.getMetadata().getName()).collect(Collectors.toSet());
    }

    /** The ConfigMaps the Deployment and its ReplicaSets (the current one and the history kept) mount. */
    private Set<String> mountedConfigMaps(String name) {
        Set<String> names = admin.apps().replicaSets().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list()
                .getItems().stream().map(rs -> configMapOf(rs.getSpec().getTemplate())).collect(Collectors.toCollection(HashSet::new));
        names.add(configMapOf(admin.apps().deployments().inNamespace(appNs).withName(name).get().getSpec().getTemplate()));
        return names;
    }

    /** Everything in the namespace whose owner chain leads to the GunicornServer's name (by label or owner). */
    private List<HasMetadata> owned(String name) {
        List<HasMetadata> all = new ArrayList<>();
        all.addAll(admin.apps().deployments().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems());
        all.addAll(admin.apps().replicaSets().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems());
        all.addAll(admin.pods().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems());
        all.addAll(admin.configMaps().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems());
        all.addAll(admin.services().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems());
        all.addAll(admin.policy().v1().podDisruptionBudget().inNamespace(appNs).withLabel("app.kubernetes.io/instance", name).list().getItems());
        return all;
    }

    private static void assertOwnedBy(HasMetadata o, GunicornServer owner) {
        OwnerReference ref = o.getMetadata().getOwnerReferences().stream().filter(r -> "GunicornServer".equals(r.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError(o.getKind() + " " + o.getMetadata().getName() + " has no GunicornServer owner"));
        assertEquals(owner.getMetadata().getUid(), ref.getUid());
        assertTrue(Boolean.TRUE.equals(ref.getController()), "controller reference");
    }

    private List<Event> events(String name, String reason) {
        return admin.v1().events().inNamespace(appNs).list().getItems().stream()
                .filter(e -> "GunicornServer".equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))
                .filter(e -> reason == null || reason.equals(e.getReason())).toList();
    }

    private boolean hasEvent(String name, String reason, String text) {
        return events(name, reason).stream().anyMatch(e -> e.getMessage() != null && e.getMessage().contains(text));
    }

    private E2e.Result kubectl(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("KUBECONFIG", adminKubeconfig.toString());
        return E2e.run(env, Duration.ofSeconds(60), cmd(E2e.kubectlBinary(), args));
    }

    /**
     * kubectl gunicorn ...: the plugin as a user without a checkout gets it, the archive bin/package-kubectl-plugin
     * makes (the one a krew manifest points at), unpacked into a directory on the PATH.
     */
    private E2e.Result kubectlGunicorn(String... args) {
        try {
            Path bin = work.resolve("plugin-bin");
            if (!Files.isDirectory(bin)) unpackPlugin(bin);
            Map<String, String> env = new HashMap<>();
            env.put("KUBECONFIG", adminKubeconfig.toString());
            env.put("PATH", bin + ":" + System.getenv("PATH"));
            List<String> c = cmd(E2e.kubectlBinary(), "gunicorn");
            c.addAll(List.of(args));
            c.addAll(List.of("-n", appNs));
            return E2e.run(env, Duration.ofSeconds(120), c);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void unpackPlugin(Path bin) throws IOException {
        E2e.Result packaged = E2e.run(Map.of(), Duration.ofSeconds(300), cmd(E2e.REPO.resolve("bin/package-kubectl-plugin").toString()));
        assertEquals(0, packaged.exit(), packaged.out());
        Path out = E2e.REPO.resolve("target/kubectl-plugin");
        Path archive;
        try (var files = Files.list(out)) {
            archive = files.filter(f -> f.getFileName().toString().endsWith(".tar.gz")).findFirst().orElseThrow();
        }
        String manifest = Files.readString(out.resolve("gunicorn.yaml"));
        String sha = E2e.run(Map.of(), Duration.ofSeconds(30), cmd("sha256sum", archive.toString())).out().split("\\s+")[0];
        assertTrue(manifest.contains("sha256: " + sha), "the krew manifest names the archive's sha256:\n" + manifest);
        Files.createDirectories(bin);
        E2e.Result tar = E2e.run(Map.of(), Duration.ofSeconds(60), cmd("tar", "-xzf", archive.toString(), "-C", bin.toString()));
        assertEquals(0, tar.exit(), tar.out());
        try (var files = Files.list(bin)) {
            assertEquals(Set.of("kubectl-gunicorn", "jgunicorn-operator.jar"),
                    files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()), "the archive holds the launcher and the jar");
        }
    }

    private E2e.Result kubectlApplyYaml(String name, String specLines) throws IOException {
        Path yaml = work.resolve(name + ".yaml");
        Files.writeString(yaml, """
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata:
                  name: %s
                spec:
                  app: dev.jgunicorn.demo.Hello
                  %s
                """.formatted(name, specLines));
        return kubectl("apply", "-n", appNs, "-f", yaml.toString());
    }

    private static int portOf(Container c, String name, Integer number) {
        if (name == null) return number;
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("probe port " + name + " is not declared")).getContainerPort();
    }

    /** The body, or null while the worker is not answering yet; fails with the worker's log once it has exited. */
    private static String httpGet(HttpClient.Builder client, Process p, String url, Path log) {
        if (!p.isAlive()) {
            String out;
            try {
                out = Files.readString(log);
            } catch (IOException e) {
                out = e.toString();
            }
            throw new AssertionError("the worker exited with " + p.exitValue() + ":\n" + out);
        }
        try {
            return client.connectTimeout(Duration.ofSeconds(1)).build()
                    .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int status(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
