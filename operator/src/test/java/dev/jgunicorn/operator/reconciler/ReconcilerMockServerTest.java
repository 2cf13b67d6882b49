package dev.jgunicorn.operator.reconciler;

import dev.jgunicorn.operator.GunicornOperator;
import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import dev.jgunicorn.operator.desired.Labels;
import dev.jgunicorn.operator.desired.PodMonitor;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reconciler end to end against fabric8's mock API server in CRUD mode: create, Deployment status, scale
 * (TTIN/TTOU/WINCH), HUP, a config change, invalid settings. What is mocked: the mock server has no server-side
 * apply, so the operator runs with {@code serverSideApply=false} (JOSDK updates and JSON-merge status patches
 * instead); there is no Deployment controller, so the test writes the Deployment's status as one would; there is
 * no garbage collector, scale subresource or CEL. The SSA path, GC and kubectl scale are checked on a real API
 * server (the e2e suite).
 */
@EnableKubernetesMockClient(crud = true)
class ReconcilerMockServerTest {
    static KubernetesClient client;
    static KubernetesMockServer server;
    private static GunicornOperator operator;
    private static final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private static final String NS = "shop";

    @BeforeAll
    static void startOperator() throws Exception {
        // The CRD tells the mock server that status is a subresource of GunicornServer.
        client.resource(Serialization.unmarshal(Servers.generatedCrd(), CustomResourceDefinition.class)).create();
        OperatorConfig config = OperatorConfig.defaults().withServerSideApply(false).withNamespaces(Set.of(NS)).withHttpPort(-1);
        operator = GunicornOperator.start(client, config, metrics);
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) operator.close();
    }

    private static GunicornServer create(String name, int workers) {
        GunicornServer s = Servers.demo(name);
        s.getMetadata().setUid(null);
        s.getMetadata().setGeneration(null);
        s.getMetadata().setNamespace(NS);
        s.getSpec().setWorkers(workers);
        return client.resource(s).create();
    }

    private static GunicornServer get(String name) {
        return client.resources(GunicornServer.class).inNamespace(NS).withName(name).get();
    }

    /** Changes a GunicornServer as a user would, retrying when the operator's status write got in between. */
    private static void edit(String name, java.util.function.UnaryOperator<GunicornServer> change) {
        for (int attempt = 0; ; attempt++) {
            try {
                client.resource(change.apply(get(name))).update();
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) throw e;
            }
        }
    }

    private static Deployment deployment(String name) {
        return client.apps().deployments().inNamespace(NS).withName(name).get();
    }

    /** The status is written last: once it reports the current generation, that reconciliation's clean-up has run. */
    private static void awaitReconciled(String name) {
        await(name + " reconciled", () -> {
            GunicornServer s = get(name);
            return s.getStatus() != null && s.getMetadata().getGeneration().equals(s.getStatus().getObservedGeneration());
        });
    }

    /** The ConfigMap the Deployment's pod template mounts (null before both exist). */
    private static ConfigMap mountedConfig(String name) {
        String cm = configMapName(deployment(name));
        return cm == null ? null : client.configMaps().inNamespace(NS).withName(cm).get();
    }

    private static String configMapName(Deployment d) {
        return d == null ? null : d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null)
                .findFirst().orElseThrow().getConfigMap().getName();
    }

    private static Set<String> configMapNames(String server) {
        return client.configMaps().inNamespace(NS).withLabel(Labels.INSTANCE, server).list().getItems().stream()
                .map(cm -> cm.getMetadata().getName()).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * Plays the Deployment controller keeping a revision: a ReplicaSet with the Deployment's current pod template
     * (its labels, so the operator's informer sees it), owned by the Deployment.
     */
    private static ReplicaSet keepRevision(String name, String revision) {
        return client.apps().replicaSets().inNamespace(NS).resource(replicaSet(name, revision)).create();
    }

    private static ReplicaSet replicaSet(String name, String revision) {
        Deployment d = deployment(name);
        return new ReplicaSetBuilder()
                .withNewMetadata().withName(name + "-" + revision).withLabels(d.getSpec().getTemplate().getMetadata().getLabels())
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName(name)
                        .withUid(d.getMetadata().getUid()).withController(true).endOwnerReference()
                .endMetadata()
                .withNewSpec().withReplicas(0).withSelector(d.getSpec().getSelector()).withTemplate(d.getSpec().getTemplate()).endSpec()
                .build();
    }

    /** Plays the Deployment controller: every pod runs the current template and is ready. */
    private static void rollOut(String name) {
        Deployment d = deployment(name);
        int n = d.getSpec().getReplicas();
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder(d).withNewStatus()
                .withObservedGeneration(d.getMetadata().getGeneration()).withReplicas(n).withUpdatedReplicas(n)
                .withReadyReplicas(n).withAvailableReplicas(n).endStatus().build()).updateStatus();
    }

    private static Condition condition(String name, String type) {
        GunicornServer s = get(name);
        return s.getStatus() == null ? NONE : s.getStatus().condition(type).orElse(NONE);
    }

    /** Stands for a condition not written yet. */
    private static final Condition NONE = new Condition();

    private static List<Event> events(String name, String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    private static <T> T await(String what, Supplier<T> probe) {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            T v = probe.get();
            if (v != null && !Boolean.FALSE.equals(v)) return v;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("timed out waiting for " + what);
    }

    @Test
    void aNewServerGetsItsObjectsAndBecomesReadyOnceItsWorkersAre() {
        create("demo", 2);
        Deployment d = await("the Deployment", () -> deployment("demo"));
        assertEquals(2, d.getSpec().getReplicas());
        ConfigMap cm = await("the ConfigMap", () -> mountedConfig("demo"));
        assertTrue(cm.getData().get("gunicorn.conf.py").contains("bind = ['0.0.0.0:8000']"));
        Service svc = await("the Service", () -> client.services().inNamespace(NS).withName("demo").get());
        GunicornServer cr = get("demo");
        for (var owned : List.of(d, cm, svc)) {
            assertEquals(1, owned.getMetadata().getOwnerReferences().size(), owned.getKind() + " owner references");
            assertEquals(cr.getMetadata().getUid(), owned.getMetadata().getOwnerReferences().get(0).getUid());
        }
        await("status before the rollout", () -> condition("demo", "Ready") != NONE);
        assertEquals("False", condition("demo", "Ready").getStatus());
        assertEquals("True", condition("demo", "Progressing").getStatus());
        assertEquals(1, events("demo", "Created").size());

        rollOut("demo");
        await("Ready", () -> "True".equals(condition("demo", "Ready").getStatus()));
        GunicornServerStatus st = get("demo").getStatus();
        assertEquals(2, st.getReadyWorkers());
        assertEquals(2, st.getWorkers());
        assertEquals(get("demo").getMetadata().getGeneration(), st.getObservedGeneration());
        assertEquals("app.kubernetes.io/name=jgunicorn,app.kubernetes.io/instance=demo", st.getSelector());
        assertEquals("False", condition("demo", "Degraded").getStatus());
    }

    /** Reconciliations JOSDK finished without an error, all servers together. */
    private static double reconciled() {
        return metrics.find("operator.sdk.reconciliations.success").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void aReconciliationThatChangesNothingReportedSendsNoStatus() throws Exception {
        create("quiet", 1);
        await("the Deployment", () -> deployment("quiet"));
        rollOut("quiet");
        await("Ready", () -> "True".equals(condition("quiet", "Ready").getStatus()));
        while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
            // what came before: the status writes up to Ready
        }
        for (String condition : List.of("Available", "ReplicaFailure")) {
            double before = reconciled();
            // The Deployment controller writes its status again with nothing the server's status reports.
            Deployment d = deployment("quiet");
            client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder(d).editStatus()
                    .addNewCondition().withType(condition).withStatus("True").withReason("Seen").endCondition()
                    .endStatus().build()).updateStatus();
            await("a reconciliation after the Deployment's " + condition, () -> reconciled() > before);
        }
        List<String> statusWrites = new java.util.ArrayList<>();
        for (RecordedRequest r; (r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null; ) {
            if (r.getPath().contains("/gunicornservers/quiet/status")) statusWrites.add(r.getMethod() + " " + r.getPath());
        }
        assertEquals(List.of(), statusWrites, "the status was already what the reconciliation computed");
        assertEquals("True", condition("quiet", "Ready").getStatus());
    }

    @Test
    void scalingChangesReplicasWithoutRollingAndRecordsTheSignal() {
        create("scale", 2);
        await("the Deployment", () -> deployment("scale"));
        rollOut("scale");
        await("Ready", () -> "True".equals(condition("scale", "Ready").getStatus()));
        String hash = deployment("scale").getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH);

        edit("scale", s -> {
            s.getSpec().setWorkers(3);
            return s;
        });
        await("3 replicas", () -> deployment("scale").getSpec().getReplicas() == 3);
        assertEquals(hash, deployment("scale").getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH),
                "scaling must not roll the pods");
        Event ttin = await("the TTIN event", () -> events("scale", "Scaled").stream().findFirst().orElse(null));
        assertEquals("TTIN: workers 2 -> 3", ttin.getMessage());
        await("Progressing while scaling", () -> "True".equals(condition("scale", "Progressing").getStatus()));
        rollOut("scale");
        await("Ready at 3", () -> get("scale").getStatus().getReadyWorkers() == 3
                && "True".equals(condition("scale", "Ready").getStatus()));

        edit("scale", s -> {
            s.getSpec().setWorkers(0);
            return s;
        });
        await("0 replicas", () -> deployment("scale").getSpec().getReplicas() == 0);
        assertNotNull(client.services().inNamespace(NS).withName("scale").get(), "WINCH keeps the Service");
        assertNotNull(mountedConfig("scale"), "WINCH keeps the config");
        await("the WINCH event", () -> events("scale", "Scaled").stream().anyMatch(e -> e.getMessage().startsWith("WINCH")));
        rollOut("scale");
        await("NoWorkers", () -> "NoWorkers".equals(condition("scale", "Ready").getReason()));
    }

    @Test
    void hupThroughTheAnnotationOrTheNonceRollsEveryPodAndIsRecorded() {
        create("hup", 2);
        await("the Deployment", () -> deployment("hup"));
        rollOut("hup");
        await("Ready", () -> "True".equals(condition("hup", "Ready").getStatus()));

        edit("hup", s -> {
            s.getMetadata().setAnnotations(Map.of(GunicornServer.RESTARTED_AT_ANNOTATION, "2026-11-27T10:00:00Z"));
            return s;
        });
        await("the restart annotation on the pod template", () -> "2026-11-27T10:00:00Z".equals(deployment("hup")
                .getSpec().getTemplate().getMetadata().getAnnotations().get(GunicornServer.RESTARTED_AT_ANNOTATION)));
        await("the restart in status", () -> get("hup").getStatus().getLastRestartTime() != null);
        assertEquals("HUP: jgunicorn.dev/restartedAt=2026-11-27T10:00:00Z", get("hup").getStatus().getLastRestartReason());
        assertEquals(1, await("the RollingRestart event", () -> events("hup", "RollingRestart").size() == 1 ? 1 : null));

        edit("hup", s -> {
            s.getSpec().setRestartNonce("2");
            return s;
        });
        await("the nonce on the pod template", () -> "2".equals(deployment("hup").getSpec().getTemplate()
                .getMetadata().getAnnotations().get(Labels.RESTART_NONCE)));
        await("a second RollingRestart event", () -> events("hup", "RollingRestart").size() == 2);
    }

    @Test
    void aSettingsChangeRollsThroughTheConfigHash() {
        create("conf", 1);
        await("the Deployment", () -> deployment("conf"));
        String before = deployment("conf").getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_HASH);
        edit("conf", s -> {
            s.getSpec().setSettings(Servers.settings("header_timeout", 3));
            return s;
        });
        await("a new config hash", () -> !before.equals(deployment("conf").getSpec().getTemplate().getMetadata()
                .getAnnotations().get(Labels.CONFIG_HASH)));
        assertTrue(mountedConfig("conf").getData().get("gunicorn.conf.py")
                .contains("header_timeout = 3"));
        await("the ConfigChanged event", () -> !events("conf", "ConfigChanged").isEmpty());
        await("the restart in status", () -> get("conf").getStatus().getLastRestartReason() != null
                && get("conf").getStatus().getLastRestartReason().startsWith("config changed: gunicorn.conf.py "));
        assertNotEquals(null, get("conf").getStatus().getLastRestartTime());
    }

    @Test
    void aConfigChangeIsANewConfigMapAndTheOldOneStaysWhileAReplicaSetMountsIt() {
        create("atomic", 1);
        await("the Deployment", () -> deployment("atomic"));
        ConfigMap first = await("the first ConfigMap", () -> mountedConfig("atomic"));
        assertTrue(first.getImmutable(), "immutable");
        keepRevision("atomic", "1"); // the ReplicaSet of the first config, as the Deployment controller keeps it

        edit("atomic", s -> {
            s.getSpec().setTimeout(31);
            return s;
        });
        String second = await("the Deployment mounting a new ConfigMap", () -> {
            String now = configMapName(deployment("atomic"));
            return first.getMetadata().getName().equals(now) ? null : now;
        });
        keepRevision("atomic", "2");
        awaitReconciled("atomic");
        assertEquals(Set.of(first.getMetadata().getName(), second), configMapNames("atomic"), "both configs exist");
        ConfigMap newConfig = client.configMaps().inNamespace(NS).withName(second).get();
        assertTrue(newConfig.getImmutable());
        assertTrue(newConfig.getData().get("gunicorn.conf.py").contains("timeout = 31"), newConfig.getData().toString());
        assertEquals(1, newConfig.getMetadata().getOwnerReferences().size());
        assertEquals(get("atomic").getMetadata().getUid(), newConfig.getMetadata().getOwnerReferences().get(0).getUid());
        // The old ReplicaSet's pods, restarting now, would boot the first config, unchanged.
        assertEquals(first.getData(), client.configMaps().inNamespace(NS).withName(first.getMetadata().getName()).get().getData());

        // The Deployment controller trims the history: the first config goes, the one in use stays.
        client.apps().replicaSets().inNamespace(NS).withName("atomic-1").delete();
        await("the first ConfigMap deleted", () -> configMapNames("atomic").equals(Set.of(second)));
        assertEquals(second, configMapName(deployment("atomic")));
    }

    @Test
    void theFixedNameConfigMapOfAnEarlierOperatorIsDeletedOnceNoReplicaSetMountsIt() {
        // What an earlier operator left: <server>-config, mounted by the ReplicaSet then running.
        GunicornServer s = create("legacy", 1);
        await("the Deployment", () -> deployment("legacy"));
        ReplicaSet old = replicaSet("legacy", "1");
        old.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst()
                .orElseThrow().getConfigMap().setName("legacy-config");
        client.apps().replicaSets().inNamespace(NS).resource(old).create();
        client.configMaps().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("legacy-config").withLabels(Labels.owned("legacy", Labels.CONFIG_COMPONENT))
                    .addNewOwnerReference().withApiVersion(s.getApiVersion()).withKind(s.getKind()).withName("legacy")
                        .withUid(s.getMetadata().getUid()).withController(true).endOwnerReference()
                .endMetadata()
                .withData(Map.of("gunicorn.conf.py", "timeout = 30\n")).build()).create();
        String current = configMapName(deployment("legacy"));
        await("both configs seen", () -> configMapNames("legacy").equals(Set.of("legacy-config", current)));
        edit("legacy", x -> { // any reconciliation keeps it while the old ReplicaSet mounts it
            x.getSpec().setWorkers(2);
            return x;
        });
        awaitReconciled("legacy");
        assertEquals(2, deployment("legacy").getSpec().getReplicas());
        assertTrue(configMapNames("legacy").contains("legacy-config"), "kept while a ReplicaSet mounts it");

        client.apps().replicaSets().inNamespace(NS).withName("legacy-1").delete();
        await("legacy-config deleted", () -> configMapNames("legacy").equals(Set.of(current)));
    }

    @Test
    void invalidSettingsDegradeTheServerAndLeaveTheRunningObjectsAlone() {
        create("bad", 2);
        await("the Deployment", () -> deployment("bad"));
        rollOut("bad");
        await("Ready", () -> "True".equals(condition("bad", "Ready").getStatus()));
        Deployment running = deployment("bad");
        String config = mountedConfig("bad").getData().get("gunicorn.conf.py");

        edit("bad", s -> {
            s.getSpec().setWorkers(5);
            s.getSpec().setSettings(Servers.settings("header_timeout", -1, "spew", true));
            return s;
        });
        await("Degraded", () -> "True".equals(condition("bad", "Degraded").getStatus()));
        Condition degraded = condition("bad", "Degraded");
        assertEquals("InvalidSpec", degraded.getReason());
        assertTrue(degraded.getMessage().contains("spec.settings.header_timeout: Invalid value for header_timeout: -1"), degraded.getMessage());
        assertTrue(degraded.getMessage().contains("(allowed: an integer >= 0)"), degraded.getMessage());
        assertTrue(degraded.getMessage().contains("spec.settings.spew: cannot be used with jgunicorn"), degraded.getMessage());
        assertEquals(get("bad").getMetadata().getGeneration(), degraded.getObservedGeneration());
        Event warning = await("the InvalidSpec event", () -> events("bad", "InvalidSpec").stream().findFirst().orElse(null));
        assertEquals("Warning", warning.getType());
        // Nothing running breaks: same replicas, same template, same config.
        Deployment now = deployment("bad");
        assertEquals(2, now.getSpec().getReplicas());
        assertEquals(running.getSpec().getTemplate(), now.getSpec().getTemplate());
        assertEquals(config, mountedConfig("bad").getData().get("gunicorn.conf.py"));
        assertEquals("True", condition("bad", "Ready").getStatus(), "the last valid workers still serve");

        edit("bad", s -> {
            s.getSpec().setSettings(null);
            return s;
        });
        await("recovered", () -> "False".equals(condition("bad", "Degraded").getStatus())
                && deployment("bad").getSpec().getReplicas() == 5);
    }

    @Test
    void aDisabledPodDisruptionBudgetIsDeleted() {
        GunicornServer s = Servers.demo("pdb");
        s.getMetadata().setUid(null);
        s.getMetadata().setNamespace(NS);
        var pdb = new dev.jgunicorn.operator.api.v1alpha1.DisruptionBudgetSpec();
        pdb.setEnabled(true);
        s.getSpec().setPodDisruptionBudget(pdb);
        client.resource(s).create();
        await("the PodDisruptionBudget", () -> client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("pdb").get());
        edit("pdb", x -> {
            x.getSpec().getPodDisruptionBudget().setEnabled(false);
            return x;
        });
        await("the PodDisruptionBudget gone", () -> client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("pdb").get() == null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPodMonitorIsCreatedOnRequestAndDeletedWhenNoLongerWanted() {
        GunicornServer s = Servers.demo("mon");
        s.getMetadata().setUid(null);
        s.getMetadata().setNamespace(NS);
        var metrics = new dev.jgunicorn.operator.api.v1alpha1.MetricsSpec();
        metrics.setPodMonitor(true);
        s.getSpec().setMetrics(metrics);
        client.resource(s).create();
        var monitors = client.resources(PodMonitor.class).inNamespace(NS);
        var monitor = await("the PodMonitor", () -> monitors.withName("mon").get());
        assertEquals("admin", ((List<Map<String, Object>>) ((Map<String, Object>) monitor.getAdditionalProperties().get("spec"))
                .get("podMetricsEndpoints")).get(0).get("port"));
        edit("mon", x -> {
            x.getSpec().getMetrics().setPodMonitor(false);
            return x;
        });
        await("the PodMonitor gone", () -> monitors.withName("mon").get() == null);
    }
}
