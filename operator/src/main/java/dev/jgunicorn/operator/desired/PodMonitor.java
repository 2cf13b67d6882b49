package dev.jgunicorn.operator.desired;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The Prometheus Operator's PodMonitor, an API the cluster may not serve; its spec stays a plain map. A type of its
 * own rather than a GenericKubernetesResource because JOSDK 5.2 looks a generic resource's API up through
 * discovery when it builds the informer, which fails the reconciliation where the API is missing.
 */
@Group("monitoring.coreos.com")
@Version("v1")
@Kind("PodMonitor")
@Plural("podmonitors")
public class PodMonitor extends GenericKubernetesResource implements Namespaced {
    public PodMonitor() {
        setApiVersion(HasMetadata.getApiVersion(PodMonitor.class));
        setKind(HasMetadata.getKind(PodMonitor.class));
    }
}
