package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.DisruptionBudgetSpec;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.operator.api.v1alpha1.LogLevel;
import dev.jgunicorn.operator.api.v1alpha1.MetricsSpec;
import dev.jgunicorn.operator.api.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every spec field, as it reaches the pod; the defaults; and specs the operator refuses. */
class DesiredStateTest {
    private static final OperatorConfig OPERATOR = OperatorConfig.defaults();

    private static DesiredState compute(GunicornServer s) throws InvalidSpecException {
        return DesiredState.compute(s, OPERATOR);
    }

    private static Container container(DesiredState d) {
        return d.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    @Test
    void eachConfigIsItsOwnImmutableConfigMapNamedByItsHashAndThePodTemplateMountsIt() throws Exception {
        GunicornServer s = Servers.demo("demo");
        DesiredState first = compute(s);
        String name = first.configMap().getMetadata().getName();
        assertEquals("demo-config-" + first.config().hash().substring(0, 10), name);
        assertTrue(first.configMap().getImmutable(), "a config version never changes in place");
        assertEquals(name, configVolume(first));

        assertEquals(name, compute(Servers.demo("demo")).configMap().getMetadata().getName(), "the same config, the same name");
        s.getSpec().setWorkers(7);
        assertEquals(name, compute(s).configMap().getMetadata().getName(), "scaling keeps the config");

        s.getSpec().setTimeout(31);
        DesiredState second = compute(s);
        String other = second.configMap().getMetadata().getName();
        assertNotEquals(name, other, "a new config is a new ConfigMap");
        assertTrue(other.startsWith("demo-config-"), other);
        assertEquals(other, configVolume(second), "and a new pod template");
        assertTrue(second.configMap().getData().get("gunicorn.conf.py").contains("timeout = 31"));
    }

    private static String configVolume(DesiredState d) {
        return d.deployment().getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null)
                .findFirst().orElseThrow().getConfigMap().getName();
    }

    @Test
    void aMinimalSpecRunsOneWorkerOfTheDemoAppWithTheDefaults() throws Exception {
        DesiredState d = compute(Servers.demo("demo"));
        Deployment dep = d.deployment();
        PodSpec pod = dep.getSpec().getTemplate().getSpec();
        Container c = container(d);

        assertEquals("demo", dep.getMetadata().getName());
        assertEquals("shop", dep.getMetadata().getNamespace());
        assertEquals(1, dep.getSpec().getReplicas());
        assertEquals(Map.of("app.kubernetes.io/name", "jgunicorn", "app.kubernetes.io/instance", "demo"),
                dep.getSpec().getSelector().getMatchLabels());
        assertEquals(OperatorConfig.DEFAULT_RUNTIME_IMAGE, c.getImage());
        assertEquals(OperatorConfig.DEFAULT_RUNTIME_IMAGE, d.image());
        // The pod contract: a master with one worker, the mounted config, the APP argument.
        assertEquals(List.of("/opt/jgunicorn/bin/jgunicorn"), c.getCommand());
        assertEquals(List.of("--workers", "1", "-c", "/etc/jgunicorn/gunicorn.conf.py", "dev.jgunicorn.demo.Hello"), c.getArgs());
        assertEquals(8000, port(c, "http"));
        assertEquals(9000, port(c, "admin"));
        assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("admin", c.getLivenessProbe().getHttpGet().getPort().getStrVal());
        assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("admin", c.getReadinessProbe().getHttpGet().getPort().getStrVal());
        // The master's /healthz already grants the worker its boot budget: no startup probe to tune.
        assertNull(c.getStartupProbe());
        assertEquals(10, c.getLivenessProbe().getPeriodSeconds());
        assertEquals(3, c.getLivenessProbe().getFailureThreshold());
        // preStop 5 s + graceful_timeout 30 s + 5 s margin
        assertEquals(40L, pod.getTerminationGracePeriodSeconds());
        assertEquals(5L, c.getLifecycle().getPreStop().getSleep().getSeconds());
        // Pod Security "restricted"
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertTrue(c.getSecurityContext().getRunAsNonRoot());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertEquals("RuntimeDefault", c.getSecurityContext().getSeccompProfile().getType());
        assertFalse(pod.getAutomountServiceAccountToken());
        // An empty list, not null: JOSDK's server-side-apply matcher dereferences it (found on a real API server).
        assertEquals(List.of(), c.getEnv());
        // Config mounted read-only, /tmp writable
        assertEquals(d.configMap().getMetadata().getName(), pod.getVolumes().stream().filter(v -> v.getName().equals("config"))
                .findFirst().orElseThrow().getConfigMap().getName());
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null));
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/jgunicorn") && m.getReadOnly()));
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")));
        // No capacity lost while rolling, like HUP
        assertEquals(0, dep.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        // Annotations: config hash and Prometheus scraping of the admin port
        Map<String, String> ann = dep.getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals(d.config().hash(), ann.get("jgunicorn.dev/config-hash"));
        assertEquals("true", ann.get("prometheus.io/scrape"));
        assertEquals("9000", ann.get("prometheus.io/port"));
        assertEquals("/metrics", ann.get("prometheus.io/path"));
        // Service, ConfigMap, nothing optional
        Service svc = d.service();
        assertEquals("ClusterIP", svc.getSpec().getType());
        assertEquals(80, svc.getSpec().getPorts().get(0).getPort());
        assertEquals("http", svc.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        assertEquals(null, svc.getSpec().getPorts().get(0).getAppProtocol(), "HTTP/1.1 only: no appProtocol");
        assertEquals(dep.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector());
        assertEquals(d.config().text(), d.configMap().getData().get("gunicorn.conf.py"));
        assertTrue(d.podDisruptionBudget().isEmpty());
        assertTrue(d.podMonitor().isEmpty());
        // Owned: garbage-collected with the GunicornServer (TERM = delete)
        for (var owned : List.of(dep, svc, d.configMap())) {
            assertEquals("uid-demo", owned.getMetadata().getOwnerReferences().get(0).getUid());
            assertTrue(owned.getMetadata().getOwnerReferences().get(0).getController());
            assertEquals("jgunicorn-operator", owned.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
        }
        assertEquals(Map.of("bind", List.of("0.0.0.0:8000"), "admin_bind", "0.0.0.0:9000"),
                Map.of("bind", d.config().values().get("bind"), "admin_bind", d.config().values().get("admin_bind")));
        assertEquals("-", d.config().values().get("accesslog"));
    }

    /** Gateways and meshes read the Service port's appProtocol to choose h2c toward the pods. */
    @Test
    void theServicePortSaysH2cWhenThePodsTakeHttp2InClearText() throws Exception {
        GunicornServer h2c = Servers.demo("demo");
        h2c.getSpec().setSettings(Servers.settings("http_protocols", "h2,h1", "http2_cleartext", "both"));
        assertEquals("kubernetes.io/h2c", compute(h2c).service().getSpec().getPorts().get(0).getAppProtocol());
        GunicornServer h2OverTlsOnly = Servers.demo("demo");
        h2OverTlsOnly.getSpec().setSettings(Servers.settings("http_protocols", "h2,h1"));
        assertEquals(null, compute(h2OverTlsOnly).service().getSpec().getPorts().get(0).getAppProtocol());
        GunicornServer cleartextWithoutH2 = Servers.demo("demo");
        cleartextWithoutH2.getSpec().setSettings(Servers.settings("http2_cleartext", "upgrade"));
        assertEquals(null, compute(cleartextWithoutH2).service().getSpec().getPorts().get(0).getAppProtocol());
    }

    @Test
    void everySpecFieldReachesThePod() throws Exception {
        GunicornServer s = Servers.demo("shop");
        GunicornServerSpec spec = s.getSpec();
        spec.setApp("com.example.Shop:handler");
        spec.setImage("registry.example/shop:1.2");
        spec.setImagePullPolicy("Always");
        spec.setImagePullSecrets(List.of(new LocalObjectReference("regcred")));
        spec.setWorkers(4);
        spec.setThreads(8);
        spec.setWorkerClass("gthread");
        spec.setWorkerConnections(500);
        spec.setPort(8080);
        spec.setAdminPort(9100);
        spec.setTimeout(12);
        spec.setGracefulTimeout(20);
        spec.setKeepAlive(7);
        spec.setLimitRequestLine(2048);
        spec.setLimitRequestFields(50);
        spec.setLimitRequestFieldSize(4096);
        spec.setMaxRequests(1000);
        spec.setMaxRequestsJitter(50);
        spec.setAccessLogFormat("%(h)s %(r)s %(s)s");
        spec.setLogLevel(LogLevel.DEBUG);
        spec.setSettings(Servers.settings("header_timeout", 5, "classpath", "/app/shop.jar", "forwarded_allow_ips", "*"));
        spec.setEnv(List.of(new EnvVar("JAVA_OPTS", "-Xmx256m", null)));
        spec.setResources(new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("512Mi"))
                .addToRequests("cpu", new Quantity("250m")).build());
        ServiceSpec service = new ServiceSpec();
        service.setType("LoadBalancer");
        service.setPort(443);
        service.setAnnotations(Map.of("lb.example/internal", "true"));
        spec.setService(service);
        MetricsSpec metrics = new MetricsSpec();
        metrics.setScrapeAnnotations(false);
        metrics.setPodMonitor(true);
        spec.setMetrics(metrics);
        DisruptionBudgetSpec pdb = new DisruptionBudgetSpec();
        pdb.setEnabled(true);
        pdb.setMinAvailable(new IntOrString("50%"));
        spec.setPodDisruptionBudget(pdb);
        spec.setPreStopDelaySeconds(0);
        spec.setRestartNonce("7");
        s.getMetadata().setAnnotations(Map.of("jgunicorn.dev/restartedAt", "2026-11-27T10:00:00Z"));
        spec.setServiceAccountName("shop");
        spec.setPodLabels(Map.of("team", "web", "app.kubernetes.io/instance", "hijack"));
        spec.setPodAnnotations(Map.of("example/owner", "web"));
        spec.setNodeSelector(Map.of("pool", "web"));
        spec.setTolerations(List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build()));
        spec.setAffinity(new AffinityBuilder().withNewNodeAffinity().endNodeAffinity().build());
        spec.setTopologySpreadConstraints(List.of(new TopologySpreadConstraintBuilder()
                .withMaxSkew(1).withTopologyKey("topology.kubernetes.io/zone").withWhenUnsatisfiable("ScheduleAnyway").build()));

        DesiredState d = compute(s);
        Deployment dep = d.deployment();
        PodSpec pod = dep.getSpec().getTemplate().getSpec();
        Container c = container(d);
        Map<String, Object> conf = d.config().values();

        assertEquals("registry.example/shop:1.2", c.getImage());
        assertEquals("Always", c.getImagePullPolicy());
        assertEquals("regcred", pod.getImagePullSecrets().get(0).getName());
        assertEquals(4, dep.getSpec().getReplicas());
        assertEquals("com.example.Shop:handler", c.getArgs().get(4));
        assertEquals(8, conf.get("threads"));
        assertEquals("gthread", conf.get("worker_class"));
        assertEquals(500, conf.get("worker_connections"));
        assertEquals(List.of("0.0.0.0:8080"), conf.get("bind"));
        assertEquals(8080, port(c, "http"));
        assertEquals("0.0.0.0:9100", conf.get("admin_bind"));
        assertEquals(9100, port(c, "admin"));
        assertEquals(12, conf.get("timeout"));
        assertEquals(10, c.getLivenessProbe().getPeriodSeconds()); // the master applies timeout, not the probe
        assertEquals(20, conf.get("graceful_timeout"));
        assertEquals(0L + 20 + 5, pod.getTerminationGracePeriodSeconds());
        assertNull(c.getLifecycle()); // preStopDelaySeconds 0
        assertEquals(7, conf.get("keepalive"));
        assertEquals(2048, conf.get("limit_request_line"));
        assertEquals(50, conf.get("limit_request_fields"));
        assertEquals(4096, conf.get("limit_request_field_size"));
        assertEquals(1000, conf.get("max_requests"));
        assertEquals(50, conf.get("max_requests_jitter"));
        assertEquals("%(h)s %(r)s %(s)s", conf.get("access_log_format"));
        assertEquals("debug", conf.get("loglevel"));
        assertEquals(5, conf.get("header_timeout"));
        assertEquals(List.of("/app/shop.jar"), conf.get("classpath"));
        assertEquals(List.of("*"), conf.get("forwarded_allow_ips"));
        assertEquals("JAVA_OPTS", c.getEnv().get(0).getName());
        assertEquals(new Quantity("512Mi"), c.getResources().getLimits().get("memory"));
        assertEquals("LoadBalancer", d.service().getSpec().getType());
        assertEquals(443, d.service().getSpec().getPorts().get(0).getPort());
        assertEquals("true", d.service().getMetadata().getAnnotations().get("lb.example/internal"));
        Map<String, String> ann = dep.getSpec().getTemplate().getMetadata().getAnnotations();
        assertFalse(ann.containsKey("prometheus.io/scrape"));
        assertEquals("web", ann.get("example/owner"));
        assertEquals("7", ann.get("jgunicorn.dev/restart-nonce"));
        assertEquals("2026-11-27T10:00:00Z", ann.get("jgunicorn.dev/restartedAt"));
        assertEquals("PodMonitor", d.podMonitor().orElseThrow().getKind());
        assertEquals("50%", d.podDisruptionBudget().orElseThrow().getSpec().getMinAvailable().getStrVal());
        assertNull(d.podDisruptionBudget().get().getSpec().getMaxUnavailable());
        assertEquals("shop", pod.getServiceAccountName());
        assertNull(pod.getAutomountServiceAccountToken());
        Map<String, String> labels = dep.getSpec().getTemplate().getMetadata().getLabels();
        assertEquals("web", labels.get("team"));
        assertEquals("shop", labels.get("app.kubernetes.io/instance")); // the selector cannot be hijacked
        assertEquals(Map.of("pool", "web"), pod.getNodeSelector());
        assertEquals("dedicated", pod.getTolerations().get(0).getKey());
        assertTrue(pod.getAffinity().getNodeAffinity() != null);
        assertEquals(dep.getSpec().getSelector().getMatchLabels(),
                pod.getTopologySpreadConstraints().get(0).getLabelSelector().getMatchLabels());
    }

    @Test
    void workersZeroKeepsEveryObjectWithNoPods() throws Exception {
        GunicornServer s = Servers.demo("idle");
        s.getSpec().setWorkers(0);
        DesiredState d = compute(s);
        assertEquals(0, d.deployment().getSpec().getReplicas());
        assertTrue(d.service() != null && d.configMap() != null);
    }

    @Test
    void scalingDoesNotChangeTheConfigHashButASettingDoes() throws Exception {
        GunicornServer s = Servers.demo("h");
        String base = compute(s).config().hash();
        s.getSpec().setWorkers(7);
        assertEquals(base, compute(s).config().hash(), "scaling must not roll the pods");
        s.getSpec().setThreads(3);
        assertNotEquals(base, compute(s).config().hash(), "a settings change rolls the pods");
    }

    @Test
    void aPodDisruptionBudgetDefaultsToOneUnavailable() throws Exception {
        GunicornServer s = Servers.demo("p");
        DisruptionBudgetSpec pdb = new DisruptionBudgetSpec();
        pdb.setEnabled(true);
        s.getSpec().setPodDisruptionBudget(pdb);
        assertEquals(1, compute(s).podDisruptionBudget().orElseThrow().getSpec().getMaxUnavailable().getIntVal());
    }

    @Test
    void badSettingsAreAllReportedNamingTheFieldAndWhatIsAllowed() {
        GunicornServer s = Servers.demo("bad");
        s.getSpec().setSettings(Servers.settings(
                "header_timout", 5,             // misspelt
                "spew", true,                   // cannot apply on the JVM
                "bind", "0.0.0.0:80",           // the operator's
                "timeout", 10,                  // a spec field
                "header_timeout", -1,           // out of range
                "reload", "maybe"));            // wrong type
        InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> compute(s));
        List<String> p = e.problems();
        assertEquals(6, p.size(), p.toString());
        assertTrue(p.contains("spec.settings.header_timout: unknown setting (did you mean 'header_timeout'?); see docs/settings.md for the names"), p.toString());
        assertTrue(has(p, "spec.settings.spew: cannot be used with jgunicorn: it is a Python line tracer"), p.toString());
        assertTrue(has(p, "spec.settings.bind: not allowed here: use spec.port"), p.toString());
        assertTrue(p.contains("spec.settings.timeout: use spec.timeout instead"), p.toString());
        assertTrue(p.contains("spec.settings.header_timeout: Invalid value for header_timeout: -1: -1 is out of range"
                + " (allowed: an integer >= 0)"), p.toString());
        assertTrue(has(p, "spec.settings.reload: Invalid value for reload: 'maybe'"), p.toString());
    }

    @Test
    void fieldRangesAreCheckedEvenWithoutTheSchema() {
        GunicornServer s = Servers.demo("r");
        s.getSpec().setThreads(-2);
        s.getSpec().setPort(9000);
        s.getSpec().setApp(" ");
        List<String> p = assertThrows(InvalidSpecException.class, () -> compute(s)).problems();
        assertTrue(p.contains("spec.threads: Invalid value for threads: -2: -2 is out of range (allowed: an integer >= 0)"), p.toString());
        assertTrue(p.contains("spec.port and spec.adminPort must differ (both are 9000)"), p.toString());
        assertTrue(has(p, "spec.app: required"), p.toString());
    }

    private static boolean has(List<String> problems, String prefix) {
        return problems.stream().anyMatch(x -> x.startsWith(prefix));
    }

    private static int port(Container c, String name) {
        return c.getPorts().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow().getContainerPort();
    }
}
