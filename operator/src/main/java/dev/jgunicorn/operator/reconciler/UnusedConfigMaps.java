package dev.jgunicorn.operator.reconciler;

import dev.jgunicorn.operator.desired.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which of a server's config ConfigMaps no pod template uses any more. Each config version is its own immutable
 * ConfigMap, and a ReplicaSet's pods mount the one its template names: a ConfigMap is kept while the Deployment
 * (as applied now, or as it was before) or any of its ReplicaSets names it. The Deployment controller keeps
 * {@code revisionHistoryLimit} old ReplicaSets, so those configs stay for {@code kubectl rollout undo}; when it
 * trims one, the config only that ReplicaSet used goes. Pure: the reconciler passes what its caches hold.
 */
final class UnusedConfigMaps {
    private UnusedConfigMaps() {
    }

    /** The config ConfigMaps among {@code owned} that none of {@code templates} mounts. */
    static List<ConfigMap> among(Collection<ConfigMap> owned, Collection<PodTemplateSpec> templates) {
        Set<String> used = templates.stream().filter(Objects::nonNull)
                .flatMap(t -> t.getSpec() == null || t.getSpec().getVolumes() == null ? Stream.empty() : t.getSpec().getVolumes().stream())
                .map(Volume::getConfigMap).filter(Objects::nonNull)
                .map(ConfigMapVolumeSource::getName).collect(Collectors.toSet());
        return owned.stream()
                .filter(cm -> cm.getMetadata().getLabels() != null
                        && Labels.CONFIG_COMPONENT.equals(cm.getMetadata().getLabels().get(Labels.COMPONENT)))
                .filter(cm -> !used.contains(cm.getMetadata().getName()))
                .toList();
    }
}
