package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What users add to the worker pods, and the operator's parts of the pod that always win. */
class PodAdditionsTest {
    private static PodSpec pod(GunicornServer s) throws InvalidSpecException {
        return DesiredState.compute(s, OperatorConfig.defaults()).deployment().getSpec().getTemplate().getSpec();
    }

    private static List<String> problems(GunicornServer s) {
        return assertThrows(InvalidSpecException.class, () -> DesiredState.compute(s, OperatorConfig.defaults())).problems();
    }

    private static Volume tlsSecret(String name) {
        return new VolumeBuilder().withName(name).withNewSecret().withSecretName("demo-tls").endSecret().build();
    }

    private static VolumeMount mount(String name, String path) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(true).build();
    }

    @Test
    void aSecretVolumeSidecarsAndAPodSecurityContextJoinThePodNextToTheOperatorsOwnParts() throws Exception {
        GunicornServer s = Servers.demo("demo");
        s.getSpec().setVolumes(List.of(tlsSecret("tls")));
        s.getSpec().setVolumeMounts(List.of(mount("tls", "/etc/tls")));
        s.getSpec().setEnvFrom(List.of(new EnvFromSourceBuilder().withNewSecretRef().withName("db").endSecretRef().build()));
        s.getSpec().setPriorityClassName("web-critical");
        s.getSpec().setPodSecurityContext(new PodSecurityContextBuilder().withFsGroup(2000L).withSupplementalGroups(3000L).build());
        s.getSpec().setInitContainers(List.of(new ContainerBuilder().withName("migrate").withImage("app:1").build()));
        s.getSpec().setExtraContainers(List.of(new ContainerBuilder().withName("log-shipper").withImage("fluent-bit:3").build()));

        PodSpec pod = pod(s);
        Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertEquals("demo-tls", volumes.get("tls").getSecret().getSecretName(), "the user's Secret volume");
        assertTrue(volumes.get(PodAdditions.CONFIG_VOLUME).getConfigMap().getName().startsWith("demo-config-"), "the config volume intact");
        assertTrue(volumes.get(PodAdditions.TMP_VOLUME).getEmptyDir() != null, "and the writable /tmp");

        Container worker = pod.getContainers().get(0);
        assertEquals(DesiredState.CONTAINER, worker.getName(), "the worker stays the first container");
        Map<String, String> mounts = worker.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
        assertEquals(Map.of("config", ConfigFile.MOUNT_DIR, "tmp", "/tmp", "tls", "/etc/tls"), mounts);
        assertEquals("db", worker.getEnvFrom().get(0).getSecretRef().getName());
        assertEquals("web-critical", pod.getPriorityClassName());

        assertEquals(2000L, pod.getSecurityContext().getFsGroup());
        assertEquals(List.of(3000L), pod.getSecurityContext().getSupplementalGroups());
        assertTrue(pod.getSecurityContext().getRunAsNonRoot(), "restricted: non-root stays on");
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());

        assertEquals(List.of("migrate"), pod.getInitContainers().stream().map(Container::getName).toList());
        Container sidecar = pod.getContainers().get(1);
        assertEquals("log-shipper", sidecar.getName());
        for (Container c : List.of(sidecar, pod.getInitContainers().get(0))) {
            assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName() + " gets restricted's defaults");
            assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), c.getName());
        }
        assertTrue(worker.getSecurityContext().getReadOnlyRootFilesystem(), "the worker's own context is untouched");
    }

    @Test
    void aSidecarsOwnSecuritySettingsStay() throws Exception {
        GunicornServer s = Servers.demo("demo");
        s.getSpec().setExtraContainers(List.of(new ContainerBuilder().withName("proxy").withImage("cloud-sql-proxy:2")
                .withNewSecurityContext().withRunAsUser(65532L).withNewCapabilities().withDrop("ALL", "NET_RAW").endCapabilities()
                .endSecurityContext().build()));
        Container proxy = pod(s).getContainers().get(1);
        assertEquals(65532L, proxy.getSecurityContext().getRunAsUser());
        assertEquals(List.of("ALL", "NET_RAW"), proxy.getSecurityContext().getCapabilities().getDrop());
        assertFalse(proxy.getSecurityContext().getAllowPrivilegeEscalation());
    }

    @Test
    void additionsThatClashWithTheOperatorsPartsAreRefusedNamingTheField() {
        GunicornServer s = Servers.demo("demo");
        s.getSpec().setVolumes(List.of(tlsSecret("config"), tlsSecret("tls")));
        s.getSpec().setVolumeMounts(List.of(mount("tls", "/tmp"), mount("certs", "/etc/certs"), mount("tls", "/etc/jgunicorn/tls")));
        s.getSpec().setExtraContainers(List.of(
                new ContainerBuilder().withName("jgunicorn").withImage("x").build(),
                new ContainerBuilder().withName("metrics").withImage("x").addNewPort().withContainerPort(9000).endPort().build()));
        s.getSpec().setInitContainers(List.of(new ContainerBuilder().withName("metrics").withImage("x").build()));
        s.getSpec().setPodSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(false).withRunAsUser(0L)
                .withNewSeccompProfile().withType("Unconfined").endSeccompProfile().build());
        List<String> p = problems(s);
        assertEquals(List.of(
                "spec.volumes[0].name: config is the operator's own volume (the rendered gunicorn.conf.py); pick another name",
                "spec.volumeMounts[0].mountPath: /tmp is the operator's (/tmp and /etc/jgunicorn are mounted by it); mount elsewhere",
                "spec.volumeMounts[1].name: no volume named certs in spec.volumes",
                "spec.volumeMounts[2].mountPath: /etc/jgunicorn/tls is the operator's (/tmp and /etc/jgunicorn are mounted by it); mount elsewhere",
                "spec.podSecurityContext.runAsNonRoot: false is not allowed: worker pods run as non-root (Pod Security restricted)",
                "spec.podSecurityContext.runAsUser: 0 (root) is not allowed: worker pods run as non-root (Pod Security restricted)",
                "spec.podSecurityContext.seccompProfile.type: Unconfined is not allowed (allowed: RuntimeDefault or Localhost, Pod Security restricted)",
                "spec.extraContainers[0].name: jgunicorn is the operator's worker container; pick another name",
                "spec.extraContainers[1].name: metrics is already the name of another container in the pod",
                "spec.extraContainers[1].ports: 9000 is the worker's spec.adminPort; containers of a pod share its ports"), p);
    }
}
