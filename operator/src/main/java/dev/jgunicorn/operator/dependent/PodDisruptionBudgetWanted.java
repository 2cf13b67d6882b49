package dev.jgunicorn.operator.dependent;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The PodDisruptionBudget exists only while spec.podDisruptionBudget.enabled; otherwise JOSDK deletes it. */
public final class PodDisruptionBudgetWanted implements Condition<PodDisruptionBudget, GunicornServer> {
    @Override
    public boolean isMet(DependentResource<PodDisruptionBudget, GunicornServer> dependentResource,
                         GunicornServer primary, Context<GunicornServer> context) {
        return WorkflowContext.desired(context).podDisruptionBudget().isPresent();
    }
}
