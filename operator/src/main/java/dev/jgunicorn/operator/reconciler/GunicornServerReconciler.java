package dev.jgunicorn.operator.reconciler;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import dev.jgunicorn.operator.dependent.ConfigMapDependent;
import dev.jgunicorn.operator.dependent.DeploymentDependent;
import dev.jgunicorn.operator.dependent.PodDisruptionBudgetDependent;
import dev.jgunicorn.operator.dependent.PodDisruptionBudgetWanted;
import dev.jgunicorn.operator.dependent.PodMonitorDependent;
import dev.jgunicorn.operator.dependent.PodMonitorWanted;
import dev.jgunicorn.operator.dependent.PodMonitorsServed;
import dev.jgunicorn.operator.dependent.ServiceDependent;
import dev.jgunicorn.operator.dependent.WorkflowContext;
import dev.jgunicorn.operator.desired.DesiredState;
import dev.jgunicorn.operator.desired.InvalidSpecException;
import dev.jgunicorn.operator.desired.Labels;
import dev.jgunicorn.operator.events.Changes;
import dev.jgunicorn.operator.events.EventRecorder;
import dev.jgunicorn.operator.status.StatusBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowReconcileResult;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
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
        @Dependent(name = "pdb", type = PodDisruptionBudgetDependent.class, reconcilePrecondition = PodDisruptionBudgetWanted.class),
        @Dependent(name = PodMonitorDependent.NAME, type = PodMonitorDependent.class,
                activationCondition = PodMonitorsServed.class, reconcilePrecondition = PodMonitorWanted.class)})
public class GunicornServerReconciler implements Reconciler<GunicornServer> {
    public static final String NAME = "gunicornserver";
    private static final Logger LOG = LoggerFactory.getLogger(GunicornServerReconciler.class);

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
            desired.deployment().getMetadata().setAnnotations(marks);
            lastRestart = marks;

            WorkflowContext.put(context, desired);
            WorkflowReconcileResult applied = context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
            applied.throwAggregateExceptionIfErrorsPresent();
            deleteUnusedConfigMaps(server, context, before, desired.deployment());
            // Events only once the objects are applied, so a failed attempt (retried) reports nothing twice.
            changes.events().forEach(e -> events.record(server, EventRecorder.NORMAL, e.reason(), e.message()));
            // A PodMonitor the cluster cannot take degrades only that part: everything else is applied.
            if (desired.podMonitor().isPresent()) {
                podMonitorProblem = applied.getDependentConditionResult(PodMonitorDependent.NAME,
                        Condition.Type.ACTIVATION, String.class)
                        .map(why -> "spec.metrics.podMonitor is true but " + why).orElse(null);
            }
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
        // Most reconciliations follow the Deployment controller's status writes (several per rollout), and many of
        // those change nothing we report: sending the same status again costs an API request each, for nothing.
        if (sameStatus(server.getStatus(), status)) return UpdateControl.noUpdate();
        return UpdateControl.patchStatus(statusOnly(server, status));
    }

    /** Compared as the JSON the API server stores, which is what a patch would send. */
    private static boolean sameStatus(GunicornServerStatus current, GunicornServerStatus computed) {
        return current != null && Serialization.jsonMapper().valueToTree(current)
                .equals(Serialization.jsonMapper().valueToTree(computed));
    }

    /**
     * Deletes the config ConfigMaps no pod template names any more (see {@link UnusedConfigMaps}). The Deployment
     * as it was before this reconciliation counts too: the ReplicaSet of a template applied a moment ago may not
     * be in the cache yet.
     */
    private static void deleteUnusedConfigMaps(GunicornServer server, Context<GunicornServer> context, Deployment before,
                                               Deployment applied) {
        List<PodTemplateSpec> templates = new ArrayList<>();
        templates.add(applied.getSpec().getTemplate());
        if (before != null) templates.add(before.getSpec().getTemplate());
        context.getSecondaryResources(ReplicaSet.class).forEach(rs -> templates.add(rs.getSpec().getTemplate()));
        for (ConfigMap unused : UnusedConfigMaps.among(context.getSecondaryResources(ConfigMap.class), templates)) {
            LOG.info("deleting ConfigMap {}/{}: no ReplicaSet of {} mounts it any more", unused.getMetadata().getNamespace(),
                    unused.getMetadata().getName(), server.getMetadata().getName());
            context.getClient().configMaps().inNamespace(unused.getMetadata().getNamespace())
                    .withName(unused.getMetadata().getName()).delete();
        }
    }

    /**
     * The server's ReplicaSets (they carry the pod labels, so the managed-by selector and the instance label find
     * them): which configs old pods still mount, cached as no more than that ({@link ReplicaSetVolumes}). Only a
     * deletion (the Deployment controller trimming its history) needs a reconciliation: it may leave a config unused.
     */
    @Override
    public List<EventSource<?, GunicornServer>> prepareEventSources(EventSourceContext<GunicornServer> context) {
        var replicaSets = InformerEventSourceConfiguration.from(ReplicaSet.class, GunicornServer.class)
                .withName("replicasets")
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(Mappers.fromLabel(Labels.INSTANCE, null, GunicornServer.class))
                .withOnAddFilter(rs -> false)
                .withOnUpdateFilter((now, before) -> false)
                .withItemStore(new ReplicaSetVolumes())
                .build();
        return List.of(new InformerEventSource<>(replicaSets, context));
    }

    private static Map<String, String> annotations(Deployment d) {
        return d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
    }

    @Override
    public ErrorStatusUpdateControl<GunicornServer> updateErrorStatus(GunicornServer server, Context<GunicornServer> context,
                                                                      Exception e) {
        LOG.warn("reconciling {}/{} failed: {}", server.getMetadata().getNamespace(), server.getMetadata().getName(), e.toString());
        GunicornServerStatus status = StatusBuilder.failed(server, String.valueOf(e.getMessage()), clock.instant());
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

    /** A fresh object carrying only name, namespace and status: what a status patch (SSA) should send. */
    private static GunicornServer statusOnly(GunicornServer server, GunicornServerStatus status) {
        GunicornServer patch = new GunicornServer();
        patch.setMetadata(new ObjectMetaBuilder().withName(server.getMetadata().getName())
                .withNamespace(server.getMetadata().getNamespace()).build());
        patch.setStatus(status);
        return patch;
    }
}
