package dev.jgunicorn.operator;

import dev.jgunicorn.operator.Dependents.ConfigMapDependent;
import dev.jgunicorn.operator.Dependents.DeploymentDependent;
import dev.jgunicorn.operator.Dependents.PodDisruptionBudgetDependent;
import dev.jgunicorn.operator.Dependents.PodDisruptionBudgetWanted;
import dev.jgunicorn.operator.Dependents.ServiceDependent;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Gunicorn's master, played by the operator: computes the desired objects from the spec, refuses a spec that does
 * not check out (Degraded, the running pods untouched), applies the objects through JOSDK's workflow, turns
 * changes into Events (TTIN/TTOU/WINCH scaling, HUP restarts, config rolls) and writes the status.
 */
@ControllerConfiguration(name = GunicornServerReconciler.NAME, fieldManager = OperatorConfig.FIELD_MANAGER)
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = "config", type = ConfigMapDependent.class),
        @Dependent(name = "deployment", type = DeploymentDependent.class, dependsOn = "config"),
        @Dependent(name = "service", type = ServiceDependent.class),
        @Dependent(name = "pdb", type = PodDisruptionBudgetDependent.class, reconcilePrecondition = PodDisruptionBudgetWanted.class)})
public class GunicornServerReconciler implements Reconciler<GunicornServer> {
    public static final String NAME = "gunicornserver";
    private static final Logger LOG = LoggerFactory.getLogger(GunicornServerReconciler.class);
    static final ResourceDefinitionContext POD_MONITOR = new ResourceDefinitionContext.Builder()
            .withGroup("monitoring.coreos.com").withVersion("v1").withKind("PodMonitor").withPlural("podmonitors")
            .withNamespaced(true).build();

    private final OperatorConfig config;
    private final EventRecorder events;
    private final Clock clock;

    public GunicornServerReconciler(OperatorConfig config, EventRecorder events, Clock clock) {
        this.config = config;
        this.events = events;
        this.clock = clock;
    }

    @Override
    public UpdateControl<GunicornServer> reconcile(GunicornServer server, Context<GunicornServer> context) {
        Deployment before = context.getSecondaryResource(Deployment.class).orElse(null);
        DesiredState desired = null;
        List<String> problems = List.of();
        try {
            desired = DesiredState.compute(server, config);
        } catch (InvalidSpecException e) {
            problems = e.problems();
        }

        String restartReason = null;
        String podMonitorProblem = null;
        if (desired != null) {
            context.managedWorkflowAndDependentResourceContext().put(DesiredState.class, desired);
            context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow()
                    .throwAggregateExceptionIfErrorsPresent();
            restartReason = recordChanges(server, before, desired);
            podMonitorProblem = reconcilePodMonitor(server, desired, context.getClient());
        } else {
            String message = String.join("; ", problems);
            boolean alreadyReported = server.getStatus() != null && server.getStatus().condition(GunicornServerStatus.DEGRADED)
                    .filter(c -> "InvalidSpec".equals(c.getReason()) && c.getMessage() != null && c.getMessage().startsWith(message))
                    .isPresent();
            if (!alreadyReported) events.record(server, EventRecorder.WARNING, "InvalidSpec", message);
        }

        Deployment after = context.getSecondaryResource(Deployment.class).orElse(before);
        GunicornServerStatus status = StatusBuilder.build(server, desired, after,
                new StatusBuilder.Observations(problems, restartReason, podMonitorProblem), clock.instant());
        return UpdateControl.patchStatus(statusOnly(server, status));
    }

    @Override
    public ErrorStatusUpdateControl<GunicornServer> updateErrorStatus(GunicornServer server, Context<GunicornServer> context,
                                                                      Exception e) {
        LOG.warn("reconciling {}/{} failed: {}", server.getMetadata().getNamespace(), server.getMetadata().getName(), e.toString());
        GunicornServerStatus status = server.getStatus() == null ? new GunicornServerStatus() : server.getStatus();
        List<Condition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.removeIf(c -> GunicornServerStatus.DEGRADED.equals(c.getType()));
        conditions.add(new ConditionBuilder().withType(GunicornServerStatus.DEGRADED).withStatus("True")
                .withReason("ReconcileError").withMessage(String.valueOf(e.getMessage()))
                .withObservedGeneration(server.getMetadata().getGeneration())
                .withLastTransitionTime(StatusBuilder.rfc3339(clock.instant())).build());
        status.setConditions(conditions);
        return ErrorStatusUpdateControl.patchStatus(statusOnly(server, status)); // retried with JOSDK's backoff
    }

    /** Events for what this reconciliation changes; returns the restart reason to record, if pods roll. */
    private String recordChanges(GunicornServer server, Deployment before, DesiredState desired) {
        Deployment after = desired.deployment();
        int workers = after.getSpec().getReplicas();
        if (before == null) {
            events.record(server, EventRecorder.NORMAL, "Created",
                    "created Deployment " + after.getMetadata().getName() + " with " + workers + " workers");
            return null;
        }
        int was = before.getSpec().getReplicas() == null ? 1 : before.getSpec().getReplicas();
        if (was != workers) {
            String signal = workers == 0 ? "WINCH" : workers > was ? "TTIN" : "TTOU";
            events.record(server, EventRecorder.NORMAL, "Scaled", signal + ": workers " + was + " -> " + workers
                    + (workers == 0 ? "; every worker stops, the Deployment, Service and config are kept" : ""));
        }
        Map<String, String> old = before.getSpec().getTemplate().getMetadata().getAnnotations();
        Map<String, String> now = after.getSpec().getTemplate().getMetadata().getAnnotations();
        for (String key : List.of(GunicornServer.RESTARTED_AT_ANNOTATION, Labels.RESTART_NONCE)) {
            String value = now.get(key);
            if (value != null && !value.equals(old == null ? null : old.get(key))) {
                String reason = "HUP: " + key + "=" + value;
                events.record(server, EventRecorder.NORMAL, "RollingRestart", reason + ": replacing every worker, one at a time");
                return reason;
            }
        }
        String oldHash = old == null ? null : old.get(Labels.CONFIG_HASH);
        String newHash = now.get(Labels.CONFIG_HASH);
        if (oldHash != null && !Objects.equals(oldHash, newHash)) {
            String reason = "config changed: gunicorn.conf.py " + oldHash + " -> " + newHash;
            events.record(server, EventRecorder.NORMAL, "ConfigChanged", reason + ": replacing every worker, one at a time");
            return reason;
        }
        return null;
    }

    /** The optional PodMonitor: the Prometheus Operator's CRD may be missing, which degrades only this part. */
    private String reconcilePodMonitor(GunicornServer server, DesiredState desired, KubernetesClient client) {
        String ns = server.getMetadata().getNamespace();
        var api = client.genericKubernetesResources(POD_MONITOR).inNamespace(ns);
        try {
            if (desired.podMonitor().isPresent()) {
                GenericKubernetesResource monitor = desired.podMonitor().get();
                if (config.serverSideApply()) {
                    api.resource(monitor).fieldManager(OperatorConfig.FIELD_MANAGER).forceConflicts().serverSideApply();
                } else {
                    api.resource(monitor).createOr(r -> r.update());
                }
            } else if (server.getStatus() != null && server.getStatus().condition(GunicornServerStatus.DEGRADED).isPresent()) {
                // Only after a first reconciliation: a fresh resource never had a PodMonitor to delete.
                api.withName(server.getMetadata().getName()).delete();
            }
            return null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 && desired.podMonitor().isPresent()) {
                return "spec.metrics.podMonitor is true but this cluster does not serve monitoring.coreos.com/v1"
                        + " PodMonitor (install the Prometheus Operator's CRDs, or use spec.metrics.scrapeAnnotations)";
            }
            if (e.getCode() == 404 || e.getCode() == 403 && desired.podMonitor().isEmpty()) return null;
            throw e;
        }
    }

    /** A fresh object carrying only name, namespace and status: what a status patch (SSA) should send. */
    private static GunicornServer statusOnly(GunicornServer server, GunicornServerStatus status) {
        GunicornServer patch = new GunicornServer();
        patch.setMetadata(new ObjectMetaBuilder().withName(server.getMetadata().getName())
                .withNamespace(server.getMetadata().getNamespace()).build());
        patch.setStatus(status);
        return patch;
    }
}
