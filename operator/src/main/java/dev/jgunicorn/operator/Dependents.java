package dev.jgunicorn.operator;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The owned objects as JOSDK dependent resources. Each returns its part of the {@link DesiredState} the reconciler
 * computed and validated before it ran the workflow; JOSDK applies them (server-side apply in a cluster),
 * sets owner references and watches them through informers limited to objects this operator manages.
 */
public final class Dependents {
    private Dependents() {
    }

    static DesiredState desiredState(Context<GunicornServer> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(DesiredState.class, DesiredState.class);
    }

    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
    public static final class ConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, GunicornServer> {
        public ConfigMapDependent() {
            super(ConfigMap.class);
        }

        @Override
        protected ConfigMap desired(GunicornServer primary, Context<GunicornServer> context) {
            return desiredState(context).configMap();
        }
    }

    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
    public static final class DeploymentDependent extends CRUDKubernetesDependentResource<Deployment, GunicornServer> {
        public DeploymentDependent() {
            super(Deployment.class);
        }

        @Override
        protected Deployment desired(GunicornServer primary, Context<GunicornServer> context) {
            return desiredState(context).deployment();
        }
    }

    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
    public static final class ServiceDependent extends CRUDKubernetesDependentResource<Service, GunicornServer> {
        public ServiceDependent() {
            super(Service.class);
        }

        @Override
        protected Service desired(GunicornServer primary, Context<GunicornServer> context) {
            return desiredState(context).service();
        }
    }

    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
    public static final class PodDisruptionBudgetDependent extends CRUDKubernetesDependentResource<PodDisruptionBudget, GunicornServer> {
        public PodDisruptionBudgetDependent() {
            super(PodDisruptionBudget.class);
        }

        @Override
        protected PodDisruptionBudget desired(GunicornServer primary, Context<GunicornServer> context) {
            // JOSDK also asks for the desired object to find the one to delete when the precondition fails.
            return desiredState(context).podDisruptionBudget().orElseGet(() -> new PodDisruptionBudgetBuilder()
                    .withNewMetadata().withName(primary.getMetadata().getName())
                    .withNamespace(primary.getMetadata().getNamespace()).endMetadata().build());
        }
    }

    /** The PodDisruptionBudget exists only while spec.podDisruptionBudget.enabled; otherwise JOSDK deletes it. */
    public static final class PodDisruptionBudgetWanted implements Condition<PodDisruptionBudget, GunicornServer> {
        @Override
        public boolean isMet(DependentResource<PodDisruptionBudget, GunicornServer> dependentResource,
                             GunicornServer primary, Context<GunicornServer> context) {
            return desiredState(context).podDisruptionBudget().isPresent();
        }
    }
}
