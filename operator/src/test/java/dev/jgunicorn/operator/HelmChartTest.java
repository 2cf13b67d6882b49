package dev.jgunicorn.operator;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.MetricsSpec;
import dev.jgunicorn.operator.desired.DesiredState;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Helm chart through the real Helm library (helm-java): lint, and what `helm template` renders. */
class HelmChartTest {
    private static final Path CHART = Servers.repo().resolve("helm/jgunicorn-operator");
    private static final Set<String> OWNED_VERBS = Set.of("get", "list", "watch", "create", "update", "patch", "delete");

    private static List<HasMetadata> render(Map<String, Object> values) {
        return render(CHART, "jgo", values);
    }

    private static List<HasMetadata> render(Path chart, String release, Map<String, Object> values) {
        var template = new Helm(chart).template().withName(release).withNamespace("ops").withKubeVersion("1.32.0");
        values.forEach(template::set);
        String yaml = template.call();
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) continue;
            out.add(Serialization.unmarshal(new ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8))));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return (List<T>) objects.stream().filter(type::isInstance).toList();
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        return all(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    /** resource → verbs, over every rule. */
    private static Map<String, Set<String>> grants(List<PolicyRule> rules) {
        Map<String, Set<String>> m = new TreeMap<>();
        for (PolicyRule r : rules) {
            for (String g : r.getApiGroups()) {
                for (String res : r.getResources()) {
                    m.computeIfAbsent((g.isEmpty() ? "" : g + "/") + res, k -> new TreeSet<>()).addAll(r.getVerbs());
                }
            }
        }
        return m;
    }

    @Test
    void theChartLintsClean() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
    }

    @Test
    void defaultsGrantOnlyWhatTheOperatorTouchesClusterWide() {
        List<HasMetadata> objects = render(Map.of());
        ClusterRole role = one(objects, ClusterRole.class, "jgo-jgunicorn-operator");
        Map<String, Set<String>> g = grants(role.getRules());
        assertEquals(Set.of("jgunicorn.dev/gunicornservers", "jgunicorn.dev/gunicornservers/status",
                "jgunicorn.dev/gunicornservers/finalizers", "configmaps", "services", "apps/deployments",
                "apps/replicasets", "policy/poddisruptionbudgets", "events", "monitoring.coreos.com/podmonitors"), g.keySet());
        assertEquals(Set.of("get", "list", "watch", "patch", "update"), g.get("jgunicorn.dev/gunicornservers"));
        assertEquals(Set.of("get", "patch", "update"), g.get("jgunicorn.dev/gunicornservers/status"));
        // blockOwnerDeletion on the owned objects: OwnerReferencesPermissionEnforcement wants this (e2e runs it).
        assertEquals(Set.of("update"), g.get("jgunicorn.dev/gunicornservers/finalizers"));
        for (String owned : List.of("configmaps", "services", "apps/deployments", "policy/poddisruptionbudgets",
                "monitoring.coreos.com/podmonitors")) {
            assertEquals(OWNED_VERBS, g.get(owned), owned);
        }
        assertEquals(Set.of("get", "list", "watch"), g.get("apps/replicasets"), "ReplicaSets are only read");
        assertEquals(Set.of("create", "patch"), g.get("events"));
        assertTrue(role.getRules().stream().noneMatch(r -> r.getVerbs().contains("*") || r.getResources().contains("*")
                || r.getResources().contains("secrets") || r.getResources().contains("pods")), "no wildcard, no secrets, no pods");
        ClusterRoleBinding binding = one(objects, ClusterRoleBinding.class, "jgo-jgunicorn-operator");
        assertEquals("jgo-jgunicorn-operator", binding.getSubjects().get(0).getName());
        assertEquals("ops", binding.getSubjects().get(0).getNamespace());
        // Leader election: one Lease in the release namespace.
        Role lease = one(objects, Role.class, "jgo-jgunicorn-operator-leader-election");
        assertEquals("ops", lease.getMetadata().getNamespace());
        assertEquals(Map.of("coordination.k8s.io/leases", Set.of("create", "get", "update", "patch")), grants(lease.getRules()));
        // java-operator-sdk refuses to start unless one rule grants create, update and get on leases.
        assertTrue(lease.getRules().stream().anyMatch(r -> r.getResources().contains("leases")
                && r.getVerbs().containsAll(List.of("create", "update", "get"))));
        assertTrue(all(objects, Role.class).stream().allMatch(r -> r.getMetadata().getName().endsWith("leader-election")));
    }

    @Test
    void theOperatorPodMeetsPodSecurityRestricted() {
        Deployment d = one(render(Map.of()), Deployment.class, "jgo-jgunicorn-operator");
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertEquals("RuntimeDefault", c.getSecurityContext().getSeccompProfile().getType());
        assertEquals("jgunicorn/operator:0.1.0", c.getImage());
        assertEquals("jgo-jgunicorn-operator", pod.getServiceAccountName());
        assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
        Map<String, String> env = new TreeMap<>();
        for (EnvVar e : c.getEnv()) env.put(e.getName(), e.getValue() == null ? "<from " + e.getValueFrom().getFieldRef().getFieldPath() + ">" : e.getValue());
        assertEquals("", env.get("JGUNICORN_WATCH_NAMESPACES"));
        assertEquals("jgunicorn/runtime:0.1.0", env.get("JGUNICORN_DEFAULT_IMAGE"));
        assertEquals("jgunicorn-operator", env.get("JGUNICORN_LEADER_ELECTION_LEASE"));
        assertEquals("<from metadata.namespace>", env.get("POD_NAMESPACE"));
        assertEquals("8080", env.get("JGUNICORN_HTTP_PORT"));
        // JVM options on the command line: JAVA_TOOL_OPTIONS would print a line before the first JSON log line.
        assertEquals("-XX:MaxRAMPercentage=75", env.get("JAVA_OPTS"));
        assertFalse(env.containsKey("JAVA_TOOL_OPTIONS"));
        // The env the chart sets is what the operator reads.
        OperatorConfig config = OperatorConfig.fromEnv(Map.of("JGUNICORN_WATCH_NAMESPACES", "", "POD_NAMESPACE", "ops",
                "JGUNICORN_DEFAULT_IMAGE", env.get("JGUNICORN_DEFAULT_IMAGE"),
                "JGUNICORN_LEADER_ELECTION_LEASE", env.get("JGUNICORN_LEADER_ELECTION_LEASE"), "JGUNICORN_HTTP_PORT", "8080"));
        assertEquals("jgunicorn-operator", config.leaderElection());
        assertEquals("ops", config.leaseNamespace());
        assertTrue(config.namespaces().isEmpty());
        Map<String, String> labels = d.getMetadata().getLabels();
        for (String k : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                "app.kubernetes.io/managed-by", "app.kubernetes.io/component", "app.kubernetes.io/part-of")) {
            assertTrue(labels.containsKey(k), k);
        }
    }

    private static final Path TEST_HOOK = CHART.resolve("templates/tests/operator-ready.yaml");

    /**
     * The helm test Pod as the chart renders it. helm-java's template, like the library's install, leaves hooks
     * out, so the test renders a copy of the chart whose test template lost its hook annotation.
     */
    private static List<HasMetadata> testHook(Map<String, Object> values, Path dir) throws Exception {
        Path copy = dir.resolve("chart");
        try (var paths = Files.walk(CHART)) {
            for (Path p : paths.toList()) {
                Path target = copy.resolve(CHART.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path hook = copy.resolve(CHART.relativize(TEST_HOOK).toString());
        Files.writeString(hook, Files.readString(hook).replace("helm.sh/hook: test", "jgunicorn.dev/was-hook: test"));
        return render(copy, "jgo", values).stream().filter(o -> o.getMetadata().getAnnotations() != null
                && "test".equals(o.getMetadata().getAnnotations().get("jgunicorn.dev/was-hook"))).toList();
    }

    @Test
    void helmTestChecksTheOperatorThroughItsServiceUnderPodSecurityRestricted(@TempDir Path dir) throws Exception {
        assertTrue(Files.readString(TEST_HOOK).contains("helm.sh/hook: test"), "a helm test hook");
        io.fabric8.kubernetes.api.model.Pod test = all(testHook(Map.of(), dir), io.fabric8.kubernetes.api.model.Pod.class)
                .stream().findFirst().orElseThrow(() -> new AssertionError("no helm test Pod"));
        PodSpec pod = test.getSpec();
        Container c = pod.getContainers().get(0);
        assertEquals("Never", pod.getRestartPolicy());
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertEquals("RuntimeDefault", c.getSecurityContext().getSeccompProfile().getType());
        assertEquals("jgunicorn/operator:0.1.0", c.getImage(), "the operator image: it has java");
        assertEquals(List.of("http://jgo-jgunicorn-operator-metrics.ops.svc:8080/readyz"), c.getArgs());
        String mainClass = c.getCommand().getLast();
        Class.forName(mainClass).getMethod("main", String[].class); // the class the Pod runs is in the operator jar
        assertTrue(testHook(Map.of("metrics.service.enabled", false), dir.resolve("off")).isEmpty(),
                "no Service, no test");
    }

    @Test
    void theCrdIsATemplateSoHelmUpgradeUpgradesIt() throws Exception {
        List<HasMetadata> objects = render(Map.of());
        // Rendered with the rest (helm template leaves a crds/ folder out, and helm upgrade never applies one).
        CustomResourceDefinition crd = one(objects, CustomResourceDefinition.class, "gunicornservers.jgunicorn.dev");
        CustomResourceDefinition generated = Serialization.unmarshal(Servers.generatedCrd(), CustomResourceDefinition.class);
        assertEquals(generated.getSpec(), crd.getSpec());
        assertEquals("keep", crd.getMetadata().getAnnotations().get("helm.sh/resource-policy"), "helm uninstall keeps it");
        assertEquals("Helm", crd.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
        assertEquals("jgo-jgunicorn-operator-metrics", one(objects, io.fabric8.kubernetes.api.model.Service.class,
                "jgo-jgunicorn-operator-metrics").getMetadata().getName());
        assertTrue(objects.stream().noneMatch(o -> o.getKind().equals("ServiceMonitor")));

        CustomResourceDefinition notKept = one(render(Map.of("crds.keep", false)), CustomResourceDefinition.class,
                "gunicornservers.jgunicorn.dev");
        assertTrue(notKept.getMetadata().getAnnotations() == null
                || !notKept.getMetadata().getAnnotations().containsKey("helm.sh/resource-policy"));
        assertTrue(all(render(Map.of("crds.enabled", false)), CustomResourceDefinition.class).isEmpty());
    }

    @Test
    void namespaceUsersGetGunicornServersThroughTheDefaultRoles() {
        List<HasMetadata> objects = render(Map.of());
        ClusterRole edit = one(objects, ClusterRole.class, "jgo-jgunicorn-operator-edit");
        assertEquals("true", edit.getMetadata().getLabels().get("rbac.authorization.k8s.io/aggregate-to-edit"));
        assertEquals("true", edit.getMetadata().getLabels().get("rbac.authorization.k8s.io/aggregate-to-admin"));
        Map<String, Set<String>> e = grants(edit.getRules());
        assertTrue(e.get("jgunicorn.dev/gunicornservers").containsAll(List.of("create", "patch", "delete", "list")), e.toString());
        assertTrue(e.get("jgunicorn.dev/gunicornservers/scale").containsAll(List.of("get", "update", "patch")), "kubectl scale");
        assertEquals(Set.of("get"), e.get("jgunicorn.dev/gunicornservers/status"), "status is the operator's");

        ClusterRole view = one(objects, ClusterRole.class, "jgo-jgunicorn-operator-view");
        assertEquals("true", view.getMetadata().getLabels().get("rbac.authorization.k8s.io/aggregate-to-view"));
        assertEquals(null, view.getMetadata().getLabels().get("rbac.authorization.k8s.io/aggregate-to-edit"));
        for (Set<String> verbs : grants(view.getRules()).values()) assertEquals(Set.of("get", "list", "watch"), verbs);

        List<HasMetadata> off = render(Map.of("rbac.aggregateToDefaultRoles", false));
        assertEquals(List.of("jgo-jgunicorn-operator"), all(off, ClusterRole.class).stream().map(r -> r.getMetadata().getName()).toList());
    }

    /** The PrometheusRule's groups, as a Prometheus rule file, run through `promtool test rules`. */
    private static ProcessResult promtoolTestRules(Map<String, Object> values, Path dir) throws Exception {
        HasMetadata rule = render(values).stream().filter(o -> o.getKind().equals("PrometheusRule")).findFirst()
                .orElseThrow(() -> new AssertionError("no PrometheusRule rendered"));
        Object spec = ((io.fabric8.kubernetes.api.model.GenericKubernetesResource) rule).getAdditionalProperties().get("spec");
        Files.writeString(dir.resolve("rules.yaml"), Serialization.asYaml(spec));
        Path tests = dir.resolve("alerts-test.yaml");
        try (var in = HelmChartTest.class.getResourceAsStream("/prometheus/alerts-test.yaml")) {
            Files.copy(Objects.requireNonNull(in, "alerts-test.yaml on the test classpath"), tests, StandardCopyOption.REPLACE_EXISTING);
        }
        Process p = new ProcessBuilder("promtool", "test", "rules", tests.toString()).directory(dir.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ProcessResult(p.waitFor(), out);
    }

    private record ProcessResult(int exit, String output) {
    }

    @Test
    void thePrometheusRuleAlertsAsItsUnitTestsSay(@TempDir Path dir) throws Exception {
        List<HasMetadata> objects = render(Map.of("prometheusRule.enabled", true, "prometheusRule.labels.release", "kps"));
        HasMetadata rule = objects.stream().filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
        assertEquals("kps", rule.getMetadata().getLabels().get("release"), "kube-prometheus-stack selects rules by label");
        assertTrue(render(Map.of()).stream().noneMatch(o -> o.getKind().equals("PrometheusRule")), "off by default");

        ProcessResult ok = promtoolTestRules(Map.of("prometheusRule.enabled", true), dir);
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(ok.output().contains("SUCCESS"), ok.output());
        // The thresholds come from the values: at 3 s shop's p99 of 2.5 s no longer alerts, and promtool says so.
        ProcessResult raised = promtoolTestRules(Map.of("prometheusRule.enabled", true, "prometheusRule.latencyP99Seconds", 3), dir);
        assertEquals(1, raised.exit(), raised.output());
        assertTrue(raised.output().contains("alertname: JgunicornSlowRequests"), raised.output());
        assertFalse(raised.output().contains("alertname: JgunicornHighErrorRatio"), raised.output());
    }

    @Test
    void podMonitorLabelsFromTheValuesReachEveryPodMonitor() throws Exception {
        List<HasMetadata> objects = render(Map.of("podMonitor.labels.release", "kps", "podMonitor.labels.team", "web"));
        Container c = one(objects, Deployment.class, "jgo-jgunicorn-operator").getSpec().getTemplate().getSpec().getContainers().get(0);
        String env = c.getEnv().stream().filter(e -> e.getName().equals("JGUNICORN_POD_MONITOR_LABELS")).findFirst()
                .orElseThrow().getValue();
        assertEquals("release=kps,team=web", env);

        GunicornServer server = Servers.demo("shop");
        MetricsSpec metrics = new MetricsSpec();
        metrics.setPodMonitor(true);
        server.getSpec().setMetrics(metrics);
        OperatorConfig config = OperatorConfig.fromEnv(Map.of("JGUNICORN_POD_MONITOR_LABELS", env));
        Map<String, String> labels = DesiredState.compute(server, config).podMonitor().orElseThrow().getMetadata().getLabels();
        assertEquals("kps", labels.get("release"), "kube-prometheus-stack selects PodMonitors by its release label");
        assertEquals("web", labels.get("team"));
        assertEquals("shop", labels.get("app.kubernetes.io/instance"), "the operator's own labels stay");

        var bad = assertThrows(IllegalArgumentException.class,
                () -> OperatorConfig.fromEnv(Map.of("JGUNICORN_POD_MONITOR_LABELS", "release=kps,team")));
        assertTrue(bad.getMessage().startsWith("JGUNICORN_POD_MONITOR_LABELS: 'team' is not a label"), bad.getMessage());
    }

    @Test
    void watchedNamespacesGetRolesAndNothingClusterWide() {
        List<HasMetadata> objects = render(Map.of("watchNamespaces[0]", "shop", "watchNamespaces[1]", "blog",
                "rbac.aggregateToDefaultRoles", false));
        assertTrue(all(objects, ClusterRole.class).isEmpty());
        assertTrue(all(objects, ClusterRoleBinding.class).isEmpty());
        for (String ns : List.of("shop", "blog")) {
            Role role = all(objects, Role.class).stream().filter(r -> ns.equals(r.getMetadata().getNamespace())).findFirst().orElseThrow();
            assertEquals(OWNED_VERBS, grants(role.getRules()).get("apps/deployments"));
            assertTrue(all(objects, RoleBinding.class).stream().anyMatch(b -> ns.equals(b.getMetadata().getNamespace())
                    && b.getSubjects().get(0).getNamespace().equals("ops")));
        }
        Container c = one(objects, Deployment.class, "jgo-jgunicorn-operator").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("shop,blog", c.getEnv().stream().filter(e -> e.getName().equals("JGUNICORN_WATCH_NAMESPACES"))
                .findFirst().orElseThrow().getValue());
    }

    @Test
    void twoReplicasRunWithLeaderElectionAndAServiceMonitorOnRequest() {
        List<HasMetadata> objects = render(Map.of("replicaCount", 2, "metrics.serviceMonitor.enabled", true));
        assertEquals(2, one(objects, Deployment.class, "jgo-jgunicorn-operator").getSpec().getReplicas());
        assertTrue(objects.stream().anyMatch(o -> o.getKind().equals("ServiceMonitor")));
    }

    /** Every object's name, and every name an object uses to point at another: all must follow the overrides. */
    private static List<String> namesAndReferences(List<HasMetadata> objects) {
        List<String> names = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof CustomResourceDefinition) continue; // its name is the API's: plural.group
            names.add(o.getKind() + " " + o.getMetadata().getName());
            if (o instanceof Deployment d) names.add("serviceAccountName " + d.getSpec().getTemplate().getSpec().getServiceAccountName());
            if (o instanceof ClusterRoleBinding b) names.add("roleRef " + b.getRoleRef().getName() + ", subject " + b.getSubjects().get(0).getName());
            if (o instanceof RoleBinding b) names.add("roleRef " + b.getRoleRef().getName() + ", subject " + b.getSubjects().get(0).getName());
        }
        return names;
    }

    @Test
    void fullnameOverrideNamesEveryObject() {
        List<HasMetadata> objects = render(Map.of("fullnameOverride", "edge-operator", "metrics.serviceMonitor.enabled", true));
        assertEquals(new TreeSet<>(List.of("ServiceAccount edge-operator", "Service edge-operator-metrics", "ClusterRole edge-operator",
                "ClusterRole edge-operator-edit", "ClusterRole edge-operator-view",
                "ClusterRoleBinding edge-operator", "roleRef edge-operator, subject edge-operator",
                "Role edge-operator-leader-election", "RoleBinding edge-operator-leader-election",
                "roleRef edge-operator-leader-election, subject edge-operator",
                "Deployment edge-operator", "serviceAccountName edge-operator", "ServiceMonitor edge-operator")),
                new TreeSet<>(namesAndReferences(objects)));
    }

    @Test
    void nameOverrideNamesEveryObjectAndTheNameLabel() {
        List<HasMetadata> objects = render(Map.of("nameOverride", "gus-op"));
        for (String name : namesAndReferences(objects)) assertTrue(name.matches("\\w+ jgo-gus-op(-metrics|-leader-election|-edit|-view)?(, subject jgo-gus-op)?"), name);
        Deployment d = one(objects, Deployment.class, "jgo-gus-op");
        assertEquals("gus-op", d.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/name"));
        assertEquals(d.getSpec().getSelector().getMatchLabels(),
                one(objects, io.fabric8.kubernetes.api.model.Service.class, "jgo-gus-op-metrics").getSpec().getSelector());
        for (HasMetadata o : objects) assertEquals("gus-op", o.getMetadata().getLabels().get("app.kubernetes.io/name"), o.getKind());
    }

    @Test
    void aLongReleaseNameIsCutTo63CharactersForEveryName() {
        String release = "a-release-name-as-long-as-helm-allows-53-characters";
        List<HasMetadata> objects = render(CHART, release, Map.of());
        String full = (release + "-jgunicorn-operator").substring(0, 63);
        one(objects, Deployment.class, full);
        one(objects, io.fabric8.kubernetes.api.model.Service.class, full.substring(0, 55) + "-metrics");
        for (HasMetadata o : objects) {
            // Role and ClusterRole names are path segments, not DNS labels: only those may pass 63.
            if (!(o instanceof Role || o instanceof RoleBinding || o instanceof ClusterRole)) assertTrue(o.getMetadata().getName().length() <= 63, o.getMetadata().getName());
        }
        Exception tooLong = assertThrows(Exception.class, () -> render(Map.of("fullnameOverride", "x".repeat(64))));
        assertTrue(tooLong.getMessage().contains("fullnameOverride"), tooLong.getMessage());
    }

    @Test
    void theChartRendersAsASubchartWithHelmsGlobalValues(@TempDir Path dir) throws Exception {
        // An umbrella chart with this one under charts/: Helm hands it the parent's global values, as it does every subchart.
        Path parent = Files.createDirectories(dir.resolve("shop"));
        Files.writeString(parent.resolve("Chart.yaml"), "apiVersion: v2\nname: shop\nversion: 1.0.0\n");
        Files.writeString(parent.resolve("values.yaml"), """
                global:
                  imageRegistry: registry.example
                jgunicorn-operator:
                  fullnameOverride: shop-operator
                """);
        Path sub = parent.resolve("charts/jgunicorn-operator");
        try (var files = Files.walk(CHART)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = sub.resolve(CHART.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
        List<HasMetadata> objects = render(parent, "shop", Map.of());
        assertEquals("jgunicorn/operator:0.1.0", one(objects, Deployment.class, "shop-operator").getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage());
        // And alone, with global set as a parent would.
        one(render(Map.of("global.imageRegistry", "registry.example")), Deployment.class, "jgo-jgunicorn-operator");
    }

    @Test
    void theNotesHeredocEndsWhenPasted() {
        String notes = new Helm(CHART).install().withName("jgo").withNamespace("ops").withKubeVersion("1.32.0")
                .dryRun().clientOnly().call().getOutput();
        List<String> lines = notes.lines().toList();
        List<String> heredocs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            var opener = java.util.regex.Pattern.compile("<<-?\\s*['\"]?(\\w+)").matcher(lines.get(i));
            if (!opener.find()) continue;
            String word = opener.group(1);
            heredocs.add(word);
            // The shell ends a heredoc only at a line that is exactly its word: no indentation.
            assertTrue(lines.subList(i + 1, lines.size()).contains(word), "no line '" + word + "' at column 0 ends the heredoc in:\n" + notes);
            assertTrue(lines.get(i).startsWith("kubectl"), "the command opening the heredoc is indented: " + lines.get(i));
        }
        assertEquals(List.of("YAML"), heredocs, notes);
        assertTrue(notes.contains("\n\nThe CRD is part of this release: helm upgrade upgrades it, and helm uninstall keeps it"), notes);
        String own = new Helm(CHART).install().withName("jgo").withNamespace("ops").withKubeVersion("1.32.0")
                .set("crds.enabled", false).dryRun().clientOnly().call().getOutput();
        assertTrue(own.contains("kubectl apply --server-side -f crds/gunicornservers.jgunicorn.dev-v1.yml"), own);
    }

    @Test
    void badValuesAreRefusedWithAMessageNamingThem() {
        Exception noLease = assertThrows(Exception.class,
                () -> render(Map.of("replicaCount", 2, "leaderElection.enabled", false)));
        assertTrue(noLease.getMessage().contains("replicaCount above 1 needs leaderElection.enabled=true"), noLease.getMessage());
        Exception schema = assertThrows(Exception.class, () -> render(Map.of("replicaCount", 5)));
        assertTrue(schema.getMessage().contains("replicaCount"), schema.getMessage());
        Exception format = assertThrows(Exception.class, () -> render(Map.of("logFormat", "xml")));
        assertTrue(format.getMessage().contains("logFormat"), format.getMessage());
        Exception threads = assertThrows(Exception.class, () -> render(Map.of("reconcile.threads", 0)));
        assertTrue(threads.getMessage().contains("threads"), threads.getMessage());
    }

    @Test
    void theReconcileValuesReachTheOperatorsEnvironment() {
        OperatorConfig defaults = configFrom(render(Map.of()));
        assertEquals(20, defaults.reconcileThreads());
        assertEquals(200, defaults.apiQps());
        assertEquals(400, defaults.apiBurst());
        OperatorConfig tuned = configFrom(render(Map.of("reconcile.threads", 8, "reconcile.apiQps", 50, "reconcile.apiBurst", 75)));
        assertEquals(8, tuned.reconcileThreads());
        assertEquals(50, tuned.apiQps());
        assertEquals(75, tuned.apiBurst());
    }

    /** What the operator reads from the env the chart gives its container (POD_NAMESPACE, a fieldRef, as "ops"). */
    private static OperatorConfig configFrom(List<HasMetadata> objects) {
        Container c = one(objects, Deployment.class, "jgo-jgunicorn-operator").getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        Map<String, String> env = new TreeMap<>();
        for (EnvVar e : c.getEnv()) env.put(e.getName(), e.getValue() != null ? e.getValue() : "ops");
        return OperatorConfig.fromEnv(env);
    }
}
