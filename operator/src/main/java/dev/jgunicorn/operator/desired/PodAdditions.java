package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a user adds to the worker pods (volumes, mounts, a pod security context, init and extra containers) and
 * where the operator's own parts win: its volumes and mount paths, its container's name and ports, and the
 * restricted Pod Security settings. A clash is a problem of the spec (Degraded, the running pods untouched), not
 * something silently dropped: the user would otherwise look for a mount or a context that is not there.
 */
final class PodAdditions {
    static final String CONFIG_VOLUME = "config";
    static final String TMP_VOLUME = "tmp";
    static final String TMP_DIR = "/tmp";

    private PodAdditions() {
    }

    /** Every way the additions clash with the operator's parts of the pod, each naming the field. */
    static List<String> problems(GunicornServerSpec spec, int port, int adminPort) {
        List<String> problems = new ArrayList<>();
        Set<String> volumes = new HashSet<>();
        List<Volume> given = orEmpty(spec.getVolumes());
        for (int i = 0; i < given.size(); i++) {
            String name = given.get(i).getName();
            if (CONFIG_VOLUME.equals(name) || TMP_VOLUME.equals(name)) {
                problems.add("spec.volumes[" + i + "].name: " + name + " is the operator's own volume ("
                        + (CONFIG_VOLUME.equals(name) ? "the rendered gunicorn.conf.py" : "the writable /tmp")
                        + "); pick another name");
            }
            volumes.add(name);
        }
        List<VolumeMount> mounts = orEmpty(spec.getVolumeMounts());
        for (int i = 0; i < mounts.size(); i++) {
            VolumeMount m = mounts.get(i);
            if (!volumes.contains(m.getName())) {
                problems.add("spec.volumeMounts[" + i + "].name: no volume named " + m.getName() + " in spec.volumes");
            }
            String path = m.getMountPath();
            if (TMP_DIR.equals(path) || ConfigFile.MOUNT_DIR.equals(path) || (path != null && path.startsWith(ConfigFile.MOUNT_DIR + "/"))) {
                problems.add("spec.volumeMounts[" + i + "].mountPath: " + path + " is the operator's (" + TMP_DIR
                        + " and " + ConfigFile.MOUNT_DIR + " are mounted by it); mount elsewhere");
            }
        }
        PodSecurityContext context = spec.getPodSecurityContext();
        if (context != null) {
            if (Boolean.FALSE.equals(context.getRunAsNonRoot())) {
                problems.add("spec.podSecurityContext.runAsNonRoot: false is not allowed: worker pods run as non-root"
                        + " (Pod Security restricted)");
            }
            if (context.getRunAsUser() != null && context.getRunAsUser() == 0) {
                problems.add("spec.podSecurityContext.runAsUser: 0 (root) is not allowed: worker pods run as non-root"
                        + " (Pod Security restricted)");
            }
            if (context.getSeccompProfile() != null && "Unconfined".equals(context.getSeccompProfile().getType())) {
                problems.add("spec.podSecurityContext.seccompProfile.type: Unconfined is not allowed (allowed:"
                        + " RuntimeDefault or Localhost, Pod Security restricted)");
            }
        }
        Set<String> names = new HashSet<>(Set.of(DesiredState.CONTAINER));
        containerProblems("spec.initContainers", spec.getInitContainers(), names, port, adminPort, problems);
        containerProblems("spec.extraContainers", spec.getExtraContainers(), names, port, adminPort, problems);
        return problems;
    }

    private static void containerProblems(String field, List<Container> containers, Set<String> names, int port,
                                          int adminPort, List<String> problems) {
        List<Container> given = orEmpty(containers);
        for (int i = 0; i < given.size(); i++) {
            Container c = given.get(i);
            if (!names.add(c.getName())) {
                problems.add(field + "[" + i + "].name: " + c.getName() + (DesiredState.CONTAINER.equals(c.getName())
                        ? " is the operator's worker container; pick another name"
                        : " is already the name of another container in the pod"));
            }
            // The pod's containers share one network namespace: the worker could not bind a port a sidecar holds.
            for (ContainerPort p : orEmpty(c.getPorts())) {
                Integer n = p.getContainerPort();
                if (n != null && (n == port || n == adminPort)) {
                    problems.add(field + "[" + i + "].ports: " + n + " is the worker's "
                            + (n == port ? "spec.port" : "spec.adminPort") + "; containers of a pod share its ports");
                }
            }
        }
    }

    /** The user's pod security context with the restricted profile's pod-level settings always on. */
    static PodSecurityContext podSecurityContext(GunicornServerSpec spec) {
        PodSecurityContext given = spec.getPodSecurityContext();
        PodSecurityContextBuilder b = given == null ? new PodSecurityContextBuilder() : new PodSecurityContextBuilder(given);
        b.withRunAsNonRoot(true);
        if (given == null || given.getSeccompProfile() == null) b.withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
        return b.build();
    }

    /**
     * The user's containers with the restricted profile's container-level settings filled in where left unset, so
     * a sidecar written without a securityContext still passes Pod Security restricted; values the user did set
     * stay (an unsafe one is refused by the namespace's Pod Security admission, as for any Deployment).
     */
    static List<Container> containers(List<Container> given) {
        List<Container> out = new ArrayList<>();
        for (Container c : orEmpty(given)) {
            SecurityContext sc = c.getSecurityContext();
            SecurityContextBuilder b = sc == null ? new SecurityContextBuilder() : new SecurityContextBuilder(sc);
            if (sc == null || sc.getAllowPrivilegeEscalation() == null) b.withAllowPrivilegeEscalation(false);
            if (sc == null || sc.getCapabilities() == null) b.withNewCapabilities().withDrop("ALL").endCapabilities();
            out.add(new ContainerBuilder(c)
                    .withSecurityContext(b.build())
                    // Never null: JOSDK 5.2.3's SSA matcher (PodTemplateSpecSanitizer) fails on a null env list.
                    .withEnv(c.getEnv() == null ? new ArrayList<>() : c.getEnv())
                    .build());
        }
        return out;
    }

    static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
