package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.settings.Settings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The containers of a pod with server gunicorn: the app under the image's own Gunicorn (one worker under its
 * master), and the jgunicorn sidecar as a native sidecar (an init container that keeps running) which receives
 * Gunicorn's statsd, serves /metrics, /healthz and /readyz on the admin port and drains after Gunicorn on TERM.
 */
public final class GunicornPod {
    public static final String APP_CONTAINER = "app";
    public static final String SIDECAR_CONTAINER = "jgunicorn-sidecar";
    /** On the pod's shared /tmp emptyDir: Gunicorn writes it, the sidecar reads it. */
    public static final String PIDFILE = "/tmp/gunicorn.pid";
    /** Gunicorn's control socket (gunicornc), on the writable /tmp. */
    public static final String CONTROL_SOCKET = "/tmp/gunicorn.ctl";
    /** The sidecar's default --statsd-bind. */
    public static final String STATSD_HOST = "127.0.0.1:9125";
    /** Gunicorn's WSGI app forms (the CRD's rule, checked again for resources older than the schema). */
    private static final Pattern WSGI_APP = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\\(\\))?");

    private GunicornPod() {
    }

    /** What server gunicorn needs of the spec beyond the rendered config file. */
    static List<String> problems(GunicornServerSpec spec) {
        List<String> problems = new ArrayList<>();
        if (spec.getApp() != null && !spec.getApp().isBlank() && !WSGI_APP.matcher(spec.getApp()).matches()) {
            problems.add("spec.app: " + spec.getApp() + " is not a WSGI app for Gunicorn (allowed: module:callable or module:factory(), e.g. app:app)");
        }
        if (spec.getImage() == null || spec.getImage().isBlank()) {
            problems.add("spec.image: required with server gunicorn (an image with Python, Gunicorn on PATH and the app)");
        }
        return problems;
    }

    static Container appContainer(GunicornServerSpec spec, ConfigFile config, String image, int port, int adminPort) {
        // The kubelet resolves a named probe port among the probed container's own ports: the admin port is the sidecar's.
        IntOrString admin = new IntOrString(adminPort);
        return new ContainerBuilder()
                .withName(APP_CONTAINER)
                .withImage(image)
                .withImagePullPolicy(spec.getImagePullPolicy())
                .withCommand("gunicorn")
                .withArgs("-c", ConfigFile.PATH, spec.getApp())
                .withEnv(spec.getEnv() == null ? new ArrayList<>() : new ArrayList<>(spec.getEnv()))
                .addNewPort().withName(DesiredState.HTTP_PORT_NAME).withContainerPort(port).withProtocol("TCP").endPort()
                .withResources(spec.getResources())
                // /healthz is Gunicorn's master alive (from its pidfile), so a dead master restarts this container,
                // not the sidecar; the master itself replaces a timed-out or crashed worker.
                .withLivenessProbe(DesiredState.probe("/healthz", admin, 10, 5, 3))
                .withReadinessProbe(DesiredState.probe("/readyz", admin, 5, 2, 2))
                .withSecurityContext(DesiredState.restricted())
                .addNewVolumeMount().withName("config").withMountPath(ConfigFile.MOUNT_DIR).withReadOnly(true).endVolumeMount()
                // Gunicorn's worker heartbeat files and the pidfile; shared with the sidecar.
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
    }

    static Container sidecar(GunicornServerSpec spec, ConfigFile config, String runtimeImage, int port, int adminPort) {
        List<String> args = new ArrayList<>(List.of("sidecar",
                "--pidfile", PIDFILE,
                "--bind", "127.0.0.1:" + port,
                "--admin-bind", "0.0.0.0:" + adminPort,
                "--statsd-bind", STATSD_HOST,
                "--graceful-timeout", String.valueOf(DesiredState.gracefulTimeout(spec))));
        String prefix = config.get(Settings.STATSD_PREFIX);
        if (!prefix.isEmpty()) args.addAll(List.of("--statsd-prefix", prefix));
        return new ContainerBuilder()
                .withName(SIDECAR_CONTAINER)
                .withImage(runtimeImage)
                .withCommand(DesiredState.LAUNCHER)
                .withArgs(args)
                // A native sidecar: started before the app, stopped after it, restarted on its own.
                .withRestartPolicy("Always")
                .withEnv(new ArrayList<>())
                .addNewPort().withName(DesiredState.ADMIN_PORT_NAME).withContainerPort(adminPort).withProtocol("TCP").endPort()
                // The kubelet starts Gunicorn once this passes, so Gunicorn's statsd socket has a listener from
                // its first line (a line sent to nothing costs Gunicorn the next one; docs/sidecar.md).
                .withStartupProbe(DesiredState.probe("/metrics", new IntOrString(DesiredState.ADMIN_PORT_NAME), 1, 2, 60))
                // Measured in the runtime image (docs/sidecar.md): 54-61 MiB resident, after 10k statsd lines at 10k/s
                // or in a pod beside Gunicorn; the heap stops at 16 MiB (sidecar.jvm-options), the limit leaves room.
                .withNewResources()
                    .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("72Mi"))
                    .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("96Mi"))
                .endResources()
                .withSecurityContext(DesiredState.restricted())
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
    }
}
