package dev.jgunicorn.operator.status;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import dev.jgunicorn.operator.desired.DesiredState;
import dev.jgunicorn.operator.desired.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Computes a GunicornServer's status from what the operator knows: the spec's problems (if any), the desired
 * state and the Deployment as last seen. Pure, so each condition rule is unit-tested.
 */
public final class StatusBuilder {
    private StatusBuilder() {
    }

    /** What the reconciliation found beyond the Deployment: spec problems, the last restart, a degraded extra. */
    public record Observations(List<String> specProblems, String lastRestartTime, String lastRestartReason,
                               String podMonitorProblem) {
        public static Observations none() {
            return new Observations(List.of(), null, null, null);
        }
    }

    public static GunicornServerStatus build(GunicornServer server, DesiredState desired, Deployment deployment,
                                             Observations seen, Instant now) {
        GunicornServerStatus previous = server.getStatus() == null ? new GunicornServerStatus() : server.getStatus();
        long generation = generation(server);
        // With an invalid spec nothing was applied: the running Deployment's replicas are what is wanted now.
        int wanted = desired == null && deployment != null && deployment.getSpec().getReplicas() != null
                ? deployment.getSpec().getReplicas() : DesiredState.workers(server.getSpec());
        String name = server.getMetadata().getName();

        GunicornServerStatus s = new GunicornServerStatus();
        s.setObservedGeneration(generation);
        s.setSelector(Labels.selectorString(name));
        s.setImage(desired != null ? desired.image() : previous.getImage());
        s.setConfigHash(desired != null ? desired.config().hash() : previous.getConfigHash());
        s.setLastRestartTime(seen.lastRestartTime() != null ? seen.lastRestartTime() : previous.getLastRestartTime());
        s.setLastRestartReason(seen.lastRestartTime() != null ? seen.lastRestartReason() : previous.getLastRestartReason());

        DeploymentStatus ds = deployment == null || deployment.getStatus() == null ? new DeploymentStatus() : deployment.getStatus();
        int replicas = n(ds.getReplicas());
        int ready = n(ds.getReadyReplicas());
        int updated = n(ds.getUpdatedReplicas());
        int available = n(ds.getAvailableReplicas());
        s.setWorkers(replicas);
        s.setReadyWorkers(ready);
        s.setUpdatedWorkers(updated);

        // The rollout is done when the Deployment controller saw our latest template and every pod runs it
        // (readiness is Ready's business: a worker failing /readyz later is not a rollout).
        boolean applied = deployment != null && desired != null && sameRollout(deployment, desired.deployment());
        boolean observed = deployment != null && deployment.getMetadata().getGeneration() != null
                && ds.getObservedGeneration() != null && ds.getObservedGeneration() >= deployment.getMetadata().getGeneration();
        boolean rolledOut = observed && updated == wanted && replicas == wanted && (applied || desired == null);
        boolean specInvalid = !seen.specProblems().isEmpty();

        List<Condition> conditions = new ArrayList<>();
        // Ready
        if (deployment == null) {
            conditions.add(condition(previous, READY, "False", "Creating", "the workers' Deployment does not exist yet", generation, now));
        } else if (wanted == 0 && replicas == 0) {
            conditions.add(condition(previous, READY, "False", "NoWorkers",
                    "workers is 0 (WINCH): no worker runs; the Deployment, Service and config are kept", generation, now));
        } else if (rolledOut && ready >= wanted) {
            conditions.add(condition(previous, READY, "True", "AllWorkersReady",
                    ready + "/" + wanted + " workers ready", generation, now));
        } else if (!rolledOut) {
            conditions.add(condition(previous, READY, "False", "RollingOut",
                    ready + "/" + wanted + " workers ready, " + updated + " on the current template", generation, now));
        } else {
            conditions.add(condition(previous, READY, "False", "WorkersNotReady",
                    ready + "/" + wanted + " workers ready", generation, now));
        }
        // Progressing
        if (deployment == null || !rolledOut) {
            conditions.add(condition(previous, PROGRESSING, "True", "RollingOut",
                    "rolling out to " + wanted + " workers: " + updated + " updated, " + available + " available, "
                            + replicas + " running", generation, now));
        } else {
            conditions.add(condition(previous, PROGRESSING, "False", "RolloutComplete",
                    wanted + " workers on the current template", generation, now));
        }
        // Degraded
        DeploymentCondition stuck = deployment == null ? null : ds.getConditions() == null ? null
                : ds.getConditions().stream().filter(c -> "Progressing".equals(c.getType())
                        && "ProgressDeadlineExceeded".equals(c.getReason())).findFirst().orElse(null);
        if (specInvalid) {
            conditions.add(condition(previous, DEGRADED, "True", "InvalidSpec",
                    String.join("; ", seen.specProblems()) + " (the last valid configuration keeps running)", generation, now));
        } else if (stuck != null) {
            conditions.add(condition(previous, DEGRADED, "True", "RolloutStuck",
                    "the rollout made no progress: " + Objects.toString(stuck.getMessage(), "") , generation, now));
        } else if (seen.podMonitorProblem() != null) {
            conditions.add(condition(previous, DEGRADED, "True", "PodMonitorUnavailable", seen.podMonitorProblem(), generation, now));
        } else {
            conditions.add(condition(previous, DEGRADED, "False", "AsExpected", "the spec is applied as written", generation, now));
        }
        s.setConditions(conditions);
        return s;
    }

    /**
     * The status after a failed reconciliation, which JOSDK retries with backoff: the last written status with
     * Degraded True for ReconcileError, through the same condition rule as {@link #build}.
     */
    public static GunicornServerStatus failed(GunicornServer server, String message, Instant now) {
        GunicornServerStatus status = server.getStatus() == null ? new GunicornServerStatus() : server.getStatus();
        List<Condition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.removeIf(c -> DEGRADED.equals(c.getType()));
        conditions.add(condition(status, DEGRADED, "True", "ReconcileError", message, generation(server), now));
        status.setConditions(conditions);
        return status;
    }

    private static final String READY = GunicornServerStatus.READY;
    private static final String PROGRESSING = GunicornServerStatus.PROGRESSING;
    private static final String DEGRADED = GunicornServerStatus.DEGRADED;

    /** Whether the Deployment as seen carries what we applied: replicas and the pod-template annotations. */
    private static boolean sameRollout(Deployment seen, Deployment wanted) {
        if (!Objects.equals(seen.getSpec().getReplicas(), wanted.getSpec().getReplicas())) return false;
        var seenAnnotations = seen.getSpec().getTemplate().getMetadata().getAnnotations();
        var wantedAnnotations = wanted.getSpec().getTemplate().getMetadata().getAnnotations();
        for (String key : List.of(Labels.CONFIG_HASH, GunicornServer.RESTARTED_AT_ANNOTATION, Labels.RESTART_NONCE)) {
            String a = seenAnnotations == null ? null : seenAnnotations.get(key);
            String b = wantedAnnotations == null ? null : wantedAnnotations.get(key);
            if (!Objects.equals(a, b)) return false;
        }
        return true;
    }

    /** A condition whose lastTransitionTime moves only when its status changes (API conventions). */
    private static Condition condition(GunicornServerStatus previous, String type, String status, String reason,
                                       String message, long generation, Instant now) {
        String since = previous.condition(type).filter(c -> status.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime).orElse(rfc3339(now));
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withObservedGeneration(generation).withLastTransitionTime(since).build();
    }

    public static String rfc3339(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static long generation(GunicornServer server) {
        return server.getMetadata().getGeneration() == null ? 0 : server.getMetadata().getGeneration();
    }

    private static int n(Integer v) {
        return v == null ? 0 : v;
    }
}
