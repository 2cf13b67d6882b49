package dev.jgunicorn.operator.dependent;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.PodMonitor;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.DefaultResult;
import io.javaoperatorsdk.operator.processing.dependent.workflow.DetailedCondition;

import java.time.Duration;
import java.time.Instant;

/**
 * Activates the PodMonitor dependent where the cluster serves monitoring.coreos.com/v1 PodMonitor and lets this
 * operator list them (its informer needs both). The Prometheus Operator is optional: without it the dependent stays
 * inactive (no informer, no error) and the unmet result says why, for the status. Like JOSDK's
 * CRDPresentActivationCondition, a served API is remembered and a missing one asked about again after
 * {@link #RECHECK}, so installing the Prometheus Operator later needs no restart; unlike it, the answer comes from
 * the PodMonitor API itself, which needs no read access to CustomResourceDefinitions.
 */
public final class PodMonitorsServed implements DetailedCondition<PodMonitor, GunicornServer, String> {
    static final Duration RECHECK = Duration.ofSeconds(10);

    private Result<String> answer;
    private Instant askedAt;

    @Override
    public synchronized Result<String> detailedIsMet(DependentResource<PodMonitor, GunicornServer> dependentResource,
                                                     GunicornServer primary, Context<GunicornServer> context) {
        Instant now = Instant.now();
        if (answer == null || !answer.isSuccess() && now.isAfter(askedAt.plus(RECHECK))) {
            answer = ask(context.getClient(), primary.getMetadata().getNamespace());
            askedAt = now;
        }
        return answer;
    }

    private static Result<String> ask(KubernetesClient client, String namespace) {
        try {
            client.resources(PodMonitor.class).inNamespace(namespace)
                    .list(new ListOptionsBuilder().withLimit(1L).build());
            return new DefaultResult<>(true, null);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return new DefaultResult<>(false, "this cluster does not serve monitoring.coreos.com/v1 PodMonitor"
                        + " (install the Prometheus Operator's CRDs, or use spec.metrics.scrapeAnnotations)");
            }
            if (e.getCode() == 403) {
                return new DefaultResult<>(false, "the operator may not list monitoring.coreos.com/v1 PodMonitors"
                        + " (the Helm chart grants it with rbac.podMonitors)");
            }
            throw e;
        }
    }
}
