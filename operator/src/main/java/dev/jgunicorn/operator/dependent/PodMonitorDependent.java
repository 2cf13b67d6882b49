package dev.jgunicorn.operator.dependent;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.Labels;
import dev.jgunicorn.operator.desired.PodMonitor;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The optional PodMonitor for the Prometheus Operator, scraping the workers' admin port: active only where the
 * cluster serves the API ({@link PodMonitorsServed}), present only while {@link PodMonitorWanted}.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public final class PodMonitorDependent extends OptionalDependent<PodMonitor> {
    /** The workflow's name for this dependent, under which its activation condition's result is found. */
    public static final String NAME = "podmonitor";

    public PodMonitorDependent() {
        super(PodMonitor.class);
    }

    @Override
    protected PodMonitor desired(GunicornServer primary, Context<GunicornServer> context) {
        return WorkflowContext.desired(context).podMonitor().orElseThrow();
    }
}
