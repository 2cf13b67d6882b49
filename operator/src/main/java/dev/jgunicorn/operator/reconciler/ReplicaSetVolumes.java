package dev.jgunicorn.operator.reconciler;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The ReplicaSet informer's cache, holding of each ReplicaSet only what {@link UnusedConfigMaps} reads (its pod
 * template's volumes) and what maps it to its server (name, namespace, labels, owner). A whole ReplicaSet is as
 * big as its Deployment (the pod template, the status, the controller-manager's managedFields); one per server
 * and revision, it was the largest thing the operator kept that it never reads.
 */
final class ReplicaSetVolumes extends BasicItemStore<ReplicaSet> {
    ReplicaSetVolumes() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public ReplicaSet put(String key, ReplicaSet rs) {
        return super.put(key, volumesOnly(rs));
    }

    static ReplicaSet volumesOnly(ReplicaSet rs) {
        var meta = rs.getMetadata();
        var template = rs.getSpec() == null ? null : rs.getSpec().getTemplate();
        var volumes = template == null || template.getSpec() == null ? null : template.getSpec().getVolumes();
        return new ReplicaSetBuilder()
                .withNewMetadata().withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid())
                    .withResourceVersion(meta.getResourceVersion()).withLabels(meta.getLabels())
                    .withOwnerReferences(meta.getOwnerReferences()).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().withVolumes(volumes).endSpec().endTemplate().endSpec()
                .build();
    }
}
