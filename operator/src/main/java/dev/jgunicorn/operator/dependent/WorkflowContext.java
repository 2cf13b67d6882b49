package dev.jgunicorn.operator.dependent;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.DesiredState;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * Hands the {@link DesiredState} the reconciler computed and validated to the dependents: computed once per
 * reconciliation, so an invalid spec is refused before any dependent runs and each {@code desired()} is a lookup.
 */
public final class WorkflowContext {
    private WorkflowContext() {
    }

    public static void put(Context<GunicornServer> context, DesiredState desired) {
        context.managedWorkflowAndDependentResourceContext().put(DesiredState.class, desired);
    }

    static DesiredState desired(Context<GunicornServer> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(DesiredState.class, DesiredState.class);
    }
}
