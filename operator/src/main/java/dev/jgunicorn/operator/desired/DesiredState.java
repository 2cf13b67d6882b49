package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.api.v1alpha1.AppServer;
import dev.jgunicorn.operator.api.v1alpha1.DisruptionBudgetSpec;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.operator.api.v1alpha1.MetricsSpec;
import dev.jgunicorn.operator.api.v1alpha1.ServiceSpec;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.Settings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the operator wants to exist for one GunicornServer, computed from its spec alone (no API calls),
 * so every field's path to the pod can be unit-tested. The dependent resources return these objects.
 */
public record DesiredState(ConfigFile config, String image, ConfigMap configMap, Deployment deployment,
                           Service service, Optional<PodDisruptionBudget> podDisruptionBudget,
                           Optional<PodMonitor> podMonitor) {

    public static final String CONTAINER = "jgunicorn";
    public static final String LAUNCHER = "/opt/jgunicorn/bin/jgunicorn";
    public static final String HTTP_PORT_NAME = "http";
    public static final String ADMIN_PORT_NAME = "admin";
    /** Seconds on top of preStop delay + graceful_timeout before the kubelet sends KILL. */
    public static final int TERMINATION_MARGIN_SECONDS = 5;

    /** Hex digits of the config hash in the ConfigMap's name: enough to tell a server's configurations apart. */
    static final int CONFIG_MAP_HASH_DIGITS = 10;

    /**
     * The ConfigMap holding one version of a server's gunicorn.conf.py, named after its content: a new config is
     * a new ConfigMap (and so a new pod template and ReplicaSet), and pods of an older ReplicaSet keep mounting
     * the config they started with.
     */
    public static String configMapName(String server, ConfigFile config) {
        return server + "-config-" + config.hash().substring(0, CONFIG_MAP_HASH_DIGITS);
    }

    /** Computes the desired objects, or fails with every problem in the spec. */
    public static DesiredState compute(GunicornServer server, OperatorConfig operator) throws InvalidSpecException {
        GunicornServerSpec spec = server.getSpec();
        if (spec == null) throw new InvalidSpecException(List.of("spec: missing"));
        List<String> problems = new ArrayList<>();
        if (spec.getApp() == null || spec.getApp().isBlank()) problems.add("spec.app: required (e.g. dev.jgunicorn.demo.Hello)");
        if (spec.getServer() == AppServer.GUNICORN) problems.addAll(GunicornPod.problems(spec));
        else {
            if (spec.getConfigFile() != null) problems.add("spec.configFile: only with server gunicorn (a jgunicorn app's settings go in spec.settings)");
            if (spec.getApp() != null && spec.getApp().endsWith("()")) {
                problems.add("spec.app: " + spec.getApp() + " is a Python factory call; a Java app is a class or Class:member (or set spec.server: gunicorn)");
            }
        }
        if (spec.getWorkers() != null && spec.getWorkers() < 0) {
            problems.add("spec.workers: " + spec.getWorkers() + " is out of range (allowed: an integer >= 0)");
        }
        ConfigFile config;
        try {
            config = ConfigFile.render(spec);
        } catch (InvalidSpecException e) {
            problems.addAll(e.problems());
            config = null;
        }
        DisruptionBudgetSpec pdb = spec.getPodDisruptionBudget();
        if (pdb != null && pdb.getMinAvailable() != null && pdb.getMaxUnavailable() != null) {
            problems.add("spec.podDisruptionBudget: set minAvailable or maxUnavailable, not both");
        }
        problems.addAll(PodAdditions.problems(spec, port(spec), adminPort(spec)));
        if (!problems.isEmpty()) throw new InvalidSpecException(problems);

        String name = server.getMetadata().getName();
        String image = spec.getImage() == null || spec.getImage().isBlank() ? operator.defaultImage() : spec.getImage();
        OwnerReference owner = ownerReference(server);
        return new DesiredState(config, image,
                configMap(server, config, owner),
                deployment(server, spec, config, image, operator.defaultImage(), owner),
                service(server, spec, config, owner),
                pdb != null && Boolean.TRUE.equals(pdb.getEnabled()) ? Optional.of(pdb(server, pdb, owner)) : Optional.empty(),
                Boolean.TRUE.equals(metrics(spec).getPodMonitor()) ? Optional.of(podMonitor(name, server, owner, operator.podMonitorLabels())) : Optional.empty());
    }

    /** The HUP triggers on a resource: the restartedAt annotation and spec.restartNonce (either may be null). */
    public static Map<String, String> restartAnnotations(GunicornServer server) {
        Map<String, String> m = new LinkedHashMap<>();
        Map<String, String> annotations = server.getMetadata().getAnnotations();
        String at = annotations == null ? null : annotations.get(GunicornServer.RESTARTED_AT_ANNOTATION);
        if (at != null && !at.isBlank()) m.put(GunicornServer.RESTARTED_AT_ANNOTATION, at);
        String nonce = server.getSpec().getRestartNonce();
        if (nonce != null && !nonce.isBlank()) m.put(Labels.RESTART_NONCE, nonce);
        return m;
    }

    public static int workers(GunicornServerSpec spec) {
        return spec.getWorkers() == null ? GunicornServerSpec.DEFAULT_WORKERS : spec.getWorkers();
    }

    static int gracefulTimeout(GunicornServerSpec spec) {
        return orSettingDefault(spec.getGracefulTimeout(), Settings.GRACEFUL_TIMEOUT);
    }

    /** An unset settings-backed field means the setting's default, as the worker reading the file would take it. */
    private static int orSettingDefault(Integer value, Setting<Integer> setting) {
        return value == null ? setting.defaultValue(Map.of()) : value;
    }

    private static int port(GunicornServerSpec spec) {
        return spec.getPort() == null ? GunicornServerSpec.DEFAULT_PORT : spec.getPort();
    }

    private static int adminPort(GunicornServerSpec spec) {
        return spec.getAdminPort() == null ? GunicornServerSpec.DEFAULT_ADMIN_PORT : spec.getAdminPort();
    }

    static int preStopDelay(GunicornServerSpec spec) {
        return spec.getPreStopDelaySeconds() == null ? GunicornServerSpec.DEFAULT_PRE_STOP_DELAY : spec.getPreStopDelaySeconds();
    }

    private static OwnerReference ownerReference(GunicornServer server) {
        return new OwnerReferenceBuilder()
                .withApiVersion(server.getApiVersion())
                .withKind(server.getKind())
                .withName(server.getMetadata().getName())
                .withUid(server.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    private static ObjectMeta meta(GunicornServer server, String name, String component, OwnerReference owner) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(server.getMetadata().getNamespace())
                .withLabels(Labels.owned(server.getMetadata().getName(), component))
                .withOwnerReferences(owner)
                .build();
    }

    private static ConfigMap configMap(GunicornServer server, ConfigFile config, OwnerReference owner) {
        return new ConfigMapBuilder()
                .withMetadata(meta(server, configMapName(server.getMetadata().getName(), config), Labels.CONFIG_COMPONENT, owner))
                .withData(Map.of(ConfigFile.FILE_NAME, config.text()))
                // Content-addressed: what a name holds never changes, and the kubelet need not watch it.
                .withImmutable(true)
                .build();
    }

    private static Deployment deployment(GunicornServer server, GunicornServerSpec spec, ConfigFile config,
                                         String image, String operatorImage, OwnerReference owner) {
        String name = server.getMetadata().getName();
        int port = port(spec);
        int adminPort = adminPort(spec);
        int preStop = preStopDelay(spec);

        Map<String, String> podLabels = new LinkedHashMap<>();
        if (spec.getPodLabels() != null) podLabels.putAll(spec.getPodLabels());
        podLabels.putAll(Labels.owned(name, "worker")); // the selector labels always win

        Map<String, String> podAnnotations = new LinkedHashMap<>();
        if (spec.getPodAnnotations() != null) podAnnotations.putAll(spec.getPodAnnotations());
        if (!Boolean.FALSE.equals(metrics(spec).getScrapeAnnotations())) {
            podAnnotations.put("prometheus.io/scrape", "true");
            podAnnotations.put("prometheus.io/port", String.valueOf(adminPort));
            podAnnotations.put("prometheus.io/path", "/metrics");
        }
        podAnnotations.put(Labels.CONFIG_HASH, config.hash());
        podAnnotations.putAll(restartAnnotations(server));

        boolean gunicorn = spec.getServer() == AppServer.GUNICORN;
        Container container = gunicorn
                ? GunicornPod.appContainer(spec, config, image, port, adminPort)
                : jgunicornContainer(spec, image, port, adminPort);
        // The user's additions to the app container, after the operator's own mounts (PodAdditions checked them).
        container.setEnvFrom(spec.getEnvFrom());
        container.getVolumeMounts().addAll(PodAdditions.orEmpty(spec.getVolumeMounts()));
        if (preStop > 0) {
            // Endpoints controllers and proxies need a moment to stop sending traffic before the worker drains.
            container.setLifecycle(new io.fabric8.kubernetes.api.model.LifecycleBuilder()
                    .withNewPreStop().withNewSleep((long) preStop).endPreStop().build());
        }

        return new DeploymentBuilder()
                .withMetadata(meta(server, name, "worker", owner))
                .withNewSpec()
                    .withReplicas(workers(spec))
                    .withRevisionHistoryLimit(5)
                    .withSelector(new LabelSelectorBuilder().withMatchLabels(Labels.selector(name)).build())
                    // Like HUP: new workers start before old ones stop, so capacity never drops.
                    .withNewStrategy().withType("RollingUpdate")
                        .withNewRollingUpdate().withMaxSurge(new IntOrString("25%")).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
                    .endStrategy()
                    .withNewTemplate()
                        .withNewMetadata().withLabels(podLabels).withAnnotations(podAnnotations).endMetadata()
                        .withNewSpec()
                            .withServiceAccountName(spec.getServiceAccountName())
                            // The worker needs no API access unless the user picked an account for it.
                            .withAutomountServiceAccountToken(spec.getServiceAccountName() != null ? null : false)
                            .withEnableServiceLinks(false)
                            .withTerminationGracePeriodSeconds((long) preStop + gracefulTimeout(spec) + TERMINATION_MARGIN_SECONDS)
                            .withSecurityContext(PodAdditions.podSecurityContext(spec))
                            .withPriorityClassName(spec.getPriorityClassName())
                            .withImagePullSecrets(spec.getImagePullSecrets())
                            .withNodeSelector(spec.getNodeSelector())
                            .withTolerations(spec.getTolerations())
                            .withAffinity(spec.getAffinity())
                            .withTopologySpreadConstraints(spread(name, spec.getTopologySpreadConstraints()))
                            // With server gunicorn: the jgunicorn sidecar sees Gunicorn's processes (worker count, /healthz).
                            .withShareProcessNamespace(gunicorn ? true : null)
                            .withInitContainers(initContainers(spec, config, operatorImage, port, adminPort, gunicorn))
                            .withContainers(container)
                            .addAllToContainers(PodAdditions.containers(spec.getExtraContainers()))
                            .addNewVolume().withName(PodAdditions.CONFIG_VOLUME)
                                .withNewConfigMap().withName(configMapName(name, config)).endConfigMap()
                            .endVolume()
                            // Read-only root filesystem: the JVM and the app still get a writable /tmp.
                            .addNewVolume().withName(PodAdditions.TMP_VOLUME).withNewEmptyDir().endEmptyDir().endVolume()
                            .addAllToVolumes(PodAdditions.orEmpty(spec.getVolumes()))
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** Gunicorn's native sidecar first (it starts before the app and stops after it), then the user's. */
    private static List<Container> initContainers(GunicornServerSpec spec, ConfigFile config, String operatorImage,
                                                  int port, int adminPort, boolean gunicorn) {
        List<Container> inits = new ArrayList<>();
        if (gunicorn) inits.add(GunicornPod.sidecar(spec, config, operatorImage, port, adminPort));
        inits.addAll(PodAdditions.containers(spec.getInitContainers()));
        // Never null: JOSDK 5.2.3's SSA matcher (PodTemplateSpecSanitizer) fails on a null container list.
        return inits;
    }

    private static Container jgunicornContainer(GunicornServerSpec spec, String image, int port, int adminPort) {
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withImagePullPolicy(spec.getImagePullPolicy())
                .withCommand(LAUNCHER)
                // Gunicorn's shape in every pod: a master and one worker (replicas are the workers). The master
                // replaces a recycled, timed-out or crashed worker without the container exiting (no kubelet back-off).
                .withArgs("--workers", "1", "-c", ConfigFile.PATH, spec.getApp())
                // Never null: JOSDK 5.2.3's SSA matcher (PodTemplateSpecSanitizer) fails on a null env list.
                .withEnv(spec.getEnv() == null ? new ArrayList<>() : new ArrayList<>(spec.getEnv()))
                .addNewPort().withName(HTTP_PORT_NAME).withContainerPort(port).withProtocol("TCP").endPort()
                .addNewPort().withName(ADMIN_PORT_NAME).withContainerPort(adminPort).withProtocol("TCP").endPort()
                .withResources(spec.getResources())
                // The master's /healthz is Gunicorn's heartbeat seen from outside: it already waits --timeout plus
                // the boot budget for a worker, so the probe needs no startup probe and no tuning to --timeout.
                .withLivenessProbe(probe("/healthz", new IntOrString(ADMIN_PORT_NAME), 10, 5, 3))
                .withReadinessProbe(probe("/readyz", new IntOrString(ADMIN_PORT_NAME), 5, 2, 2))
                .withSecurityContext(restricted())
                .addNewVolumeMount().withName(PodAdditions.CONFIG_VOLUME).withMountPath(ConfigFile.MOUNT_DIR).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName(PodAdditions.TMP_VOLUME).withMountPath(PodAdditions.TMP_DIR).endVolumeMount()
                .build();
    }

    /** Pod Security "restricted" for one container, with a read-only root filesystem. */
    static SecurityContext restricted() {
        return new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    static Probe probe(String path, IntOrString port, int period, int timeoutSeconds, int failures) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(path).withPort(port).endHttpGet()
                .withPeriodSeconds(period)
                .withTimeoutSeconds(timeoutSeconds)
                .withFailureThreshold(failures)
                .build();
    }

    /** Constraints without a selector get this server's pods (the usual intent: spread these workers). */
    private static List<TopologySpreadConstraint> spread(String name, List<TopologySpreadConstraint> given) {
        if (given == null) return null;
        List<TopologySpreadConstraint> out = new ArrayList<>();
        for (TopologySpreadConstraint c : given) {
            if (c.getLabelSelector() == null) {
                c = new TopologySpreadConstraintBuilder(c)
                        .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(Labels.selector(name)).build()).build();
            }
            out.add(c);
        }
        return out;
    }

    private static Service service(GunicornServer server, GunicornServerSpec spec, ConfigFile config, OwnerReference owner) {
        String name = server.getMetadata().getName();
        ServiceSpec s = spec.getService() == null ? new ServiceSpec() : spec.getService();
        ObjectMeta meta = meta(server, name, "worker", owner);
        if (s.getAnnotations() != null) meta.setAnnotations(new LinkedHashMap<>(s.getAnnotations()));
        return new ServiceBuilder()
                .withMetadata(meta)
                .withNewSpec()
                    .withType(s.getType() == null ? ServiceSpec.DEFAULT_TYPE : s.getType())
                    .withSelector(Labels.selector(name))
                    .addNewPort().withName(HTTP_PORT_NAME).withProtocol("TCP").withAppProtocol(appProtocol(config))
                        .withPort(s.getPort() == null ? ServiceSpec.DEFAULT_PORT : s.getPort())
                        .withTargetPort(new IntOrString(HTTP_PORT_NAME))
                    .endPort()
                .endSpec()
                .build();
    }

    /**
     * The Service port's appProtocol: {@code kubernetes.io/h2c} when the pods take HTTP/2 in clear text
     * (http_protocols offers h2, http2_cleartext is not off and there is no certfile), so gateways and meshes that
     * read it speak h2c to them; none otherwise. Gunicorn and jgunicorn take h2c only from forwarded_allow_ips.
     */
    static String appProtocol(ConfigFile config) {
        boolean h2 = config.get(Settings.HTTP_PROTOCOLS).contains("h2");
        boolean cleartext = !"off".equals(config.get(Settings.HTTP2_CLEARTEXT));
        return h2 && cleartext && config.get(Settings.CERTFILE) == null ? "kubernetes.io/h2c" : null;
    }

    private static PodDisruptionBudget pdb(GunicornServer server, DisruptionBudgetSpec spec, OwnerReference owner) {
        String name = server.getMetadata().getName();
        IntOrString maxUnavailable = spec.getMaxUnavailable();
        if (spec.getMinAvailable() == null && maxUnavailable == null) maxUnavailable = new IntOrString(1);
        return new PodDisruptionBudgetBuilder()
                .withMetadata(meta(server, name, "worker", owner))
                .withNewSpec()
                    .withSelector(new LabelSelectorBuilder().withMatchLabels(Labels.selector(name)).build())
                    .withMinAvailable(spec.getMinAvailable())
                    .withMaxUnavailable(maxUnavailable)
                .endSpec()
                .build();
    }

    private static PodMonitor podMonitor(String name, GunicornServer server, OwnerReference owner,
                                         Map<String, String> extraLabels) {
        PodMonitor monitor = new PodMonitor();
        monitor.setMetadata(meta(server, name, "metrics", owner));
        // The operator's labels win: they are how it finds what it owns.
        Map<String, String> labels = new LinkedHashMap<>(extraLabels);
        labels.putAll(monitor.getMetadata().getLabels());
        monitor.getMetadata().setLabels(labels);
        monitor.setAdditionalProperty("spec", Map.of(
                "selector", Map.of("matchLabels", Labels.selector(name)),
                "podMetricsEndpoints", List.of(Map.of("port", ADMIN_PORT_NAME, "path", "/metrics"))));
        return monitor;
    }

    private static MetricsSpec metrics(GunicornServerSpec spec) {
        return spec.getMetrics() == null ? new MetricsSpec() : spec.getMetrics();
    }
}
