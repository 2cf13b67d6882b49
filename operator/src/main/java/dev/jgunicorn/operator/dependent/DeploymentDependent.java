package dev.jgunicorn.operator.dependent;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The workers' Deployment: one pod per worker; its replicas are spec.workers. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public final class DeploymentDependent extends CRUDKubernetesDependentResource<Deployment, GunicornServer> {
    public DeploymentDependent() {
        super(Deployment.class);
    }

    @Override
    protected Deployment desired(GunicornServer primary, Context<GunicornServer> context) {
        return WorkflowContext.desired(context).deployment();
    }
}
