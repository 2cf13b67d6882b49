package dev.jgunicorn.operator.dependent;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.PodMonitor;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The PodMonitor exists only while spec.metrics.podMonitor is true; otherwise JOSDK deletes the one it made. */
public final class PodMonitorWanted implements Condition<PodMonitor, GunicornServer> {
    @Override
    public boolean isMet(DependentResource<PodMonitor, GunicornServer> dependentResource,
                         GunicornServer primary, Context<GunicornServer> context) {
        return WorkflowContext.desired(context).podMonitor().isPresent();
    }
}
