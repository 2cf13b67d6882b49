package dev.jgunicorn.operator.reconciler;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import dev.jgunicorn.operator.dependent.ConfigMapDependent;
import dev.jgunicorn.operator.dependent.DeploymentDependent;
import dev.jgunicorn.operator.dependent.PodDisruptionBudgetDependent;
import dev.jgunicorn.operator.dependent.PodDisruptionBudgetWanted;
import dev.jgunicorn.operator.dependent.ServiceDependent;
import dev.jgunicorn.operator.dependent.WorkflowContext;
import dev.jgunicorn.operator.desired.DesiredState;
import dev.jgunicorn.operator.desired.InvalidSpecException;
import dev.jgunicorn.operator.desired.Labels;
import dev.jgunicorn.operator.events.Changes;
import dev.jgunicorn.operator.events.EventRecorder;
import dev.jgunicorn.operator.status.StatusBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Gunicorn's master, played by the operator: computes the desired objects from the spec, refuses a spec that does
 * not check out (Degraded, the running pods untouched), applies the objects through JOSDK's workflow, turns
 * changes into Events (TTIN/TTOU/WINCH scaling, HUP restarts, config rolls) and writes the status.
 */
// Not generation-aware alone: a HUP through the restartedAt annotation changes no generation (see SpecOrRestart).
@ControllerConfiguration(name = GunicornServerReconciler.NAME, fieldManager = OperatorConfig.FIELD_MANAGER,
        generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = GunicornServerReconciler.SpecOrRestart.class))
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

        String podMonitorProblem = null;
        Map<String, String> lastRestart = before == null ? Map.of() : annotations(before);
        if (desired != null) {
            Changes changes = Changes.between(before, desired.deployment());
            Map<String, String> marks = desired.deployment().getMetadata().getAnnotations() == null
                    ? new LinkedHashMap<>() : new LinkedHashMap<>(desired.deployment().getMetadata().getAnnotations());
            if (changes.restartReason() != null) {
                marks.put(Labels.LAST_RESTART_TIME, StatusBuilder.rfc3339(clock.instant()));
                marks.put(Labels.LAST_RESTART_REASON, changes.restartReason());
            } else {
                for (String k : List.of(Labels.LAST_RESTART_TIME, Labels.LAST_RESTART_REASON)) {
                    if (lastRestart.containsKey(k)) marks.put(k, lastRestart.get(k));
                }
            }
            // Remembered on the Deployment, so a PodMonitor is only ever deleted where one was created.
            if (desired.podMonitor().isPresent()) marks.put(Labels.POD_MONITOR, "true");
            desired.deployment().getMetadata().setAnnotations(marks);
            lastRestart = marks;
            boolean hadPodMonitor = before != null && "true".equals(annotations(before).get(Labels.POD_MONITOR));

            WorkflowContext.put(context, desired);
            context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow()
                    .throwAggregateExceptionIfErrorsPresent();
            // Events only once the objects are applied, so a failed attempt (retried) reports nothing twice.
            changes.events().forEach(e -> events.record(server, EventRecorder.NORMAL, e.reason(), e.message()));
            podMonitorProblem = reconcilePodMonitor(server, desired, hadPodMonitor, context.getClient());
        } else {
            String message = String.join("; ", problems);
            boolean alreadyReported = server.getStatus() != null && server.getStatus().condition(GunicornServerStatus.DEGRADED)
                    .filter(c -> "InvalidSpec".equals(c.getReason()) && c.getMessage() != null && c.getMessage().startsWith(message))
                    .isPresent();
            if (!alreadyReported) events.record(server, EventRecorder.WARNING, "InvalidSpec", message);
        }

        Deployment after = context.getSecondaryResource(Deployment.class).orElse(before);
        GunicornServerStatus status = StatusBuilder.build(server, desired, after,
                new StatusBuilder.Observations(problems, lastRestart.get(Labels.LAST_RESTART_TIME),
                        lastRestart.get(Labels.LAST_RESTART_REASON), podMonitorProblem), clock.instant());
        return UpdateControl.patchStatus(statusOnly(server, status));
    }

    private static Map<String, String> annotations(Deployment d) {
        return d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
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

    /**
     * Updates that need a reconciliation: a new generation (spec), a new restartedAt annotation (HUP) or a
     * deletion mark. Status-only updates, including the operator's own, are skipped.
     */
    public static final class SpecOrRestart implements OnUpdateFilter<GunicornServer> {
        @Override
        public boolean accept(GunicornServer now, GunicornServer before) {
            return !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
                    || !Objects.equals(restartedAt(now), restartedAt(before))
                    || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp());
        }

        private static String restartedAt(GunicornServer s) {
            var a = s.getMetadata().getAnnotations();
            return a == null ? null : a.get(GunicornServer.RESTARTED_AT_ANNOTATION);
        }
    }

    /** The optional PodMonitor: the Prometheus Operator's CRD may be missing, which degrades only this part. */
    private String reconcilePodMonitor(GunicornServer server, DesiredState desired, boolean hadPodMonitor,
                                       KubernetesClient client) {
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
            } else if (hadPodMonitor) {
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
