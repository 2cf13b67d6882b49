package dev.jgunicorn.operator.status;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import dev.jgunicorn.operator.desired.DesiredState;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ready, Progressing and Degraded as a user reads them in kubectl get gus / describe. */
class StatusBuilderTest {
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    /** The Deployment as the Deployment controller reports it after rolling out the desired template. */
    private static Deployment observed(DesiredState d, int replicas, int updated, int ready) {
        return new DeploymentBuilder(d.deployment())
                .editMetadata().withGeneration(2L).endMetadata()
                .withNewStatus().withObservedGeneration(2L).withReplicas(replicas).withUpdatedReplicas(updated)
                .withReadyReplicas(ready).withAvailableReplicas(ready).endStatus()
                .build();
    }

    private static Condition c(GunicornServerStatus s, String type) {
        return s.condition(type).orElseThrow();
    }

    @Test
    void allWorkersReadyOnTheCurrentTemplateIsReady() throws Exception {
        GunicornServer s = Servers.demo("demo");
        s.getSpec().setWorkers(3);
        s.getMetadata().setGeneration(4L);
        DesiredState d = DesiredState.compute(s, OperatorConfig.defaults());
        GunicornServerStatus st = StatusBuilder.build(s, d, observed(d, 3, 3, 3), StatusBuilder.Observations.none(), T0);
        assertEquals(4L, st.getObservedGeneration());
        assertEquals("True", c(st, "Ready").getStatus());
        assertEquals("AllWorkersReady", c(st, "Ready").getReason());
        assertEquals("3/3 workers ready", c(st, "Ready").getMessage());
        assertEquals("False", c(st, "Progressing").getStatus());
        assertEquals("False", c(st, "Degraded").getStatus());
        for (Condition x : st.getConditions()) assertEquals(4L, x.getObservedGeneration());
        assertEquals(3, st.getWorkers());
        assertEquals(3, st.getReadyWorkers());
        assertEquals("app.kubernetes.io/name=jgunicorn,app.kubernetes.io/instance=demo", st.getSelector());
        assertEquals(d.config().hash(), st.getConfigHash());
    }

    @Test
    void aRollingRestartIsProgressingAndNotYetReadyAndRecordsItsTime() throws Exception {
        GunicornServer s = Servers.demo("demo");
        s.getSpec().setWorkers(2);
        DesiredState d = DesiredState.compute(s, OperatorConfig.defaults());
        GunicornServerStatus st = StatusBuilder.build(s, d, observed(d, 3, 1, 2),
                new StatusBuilder.Observations(List.of(), "2026-11-27T10:00:00Z", "HUP: jgunicorn.dev/restartedAt=now", null), T0);
        assertEquals("True", c(st, "Progressing").getStatus());
        assertEquals("RollingOut", c(st, "Ready").getReason());
        assertEquals("2026-11-27T10:00:00Z", st.getLastRestartTime());
        assertEquals("HUP: jgunicorn.dev/restartedAt=now", st.getLastRestartReason());
    }

    @Test
    void transitionTimesMoveOnlyWhenTheStatusChanges() throws Exception {
        GunicornServer s = Servers.demo("demo");
        DesiredState d = DesiredState.compute(s, OperatorConfig.defaults());
        s.setStatus(StatusBuilder.build(s, d, observed(d, 1, 1, 1), StatusBuilder.Observations.none(), T0));
        GunicornServerStatus later = StatusBuilder.build(s, d, observed(d, 1, 1, 1), StatusBuilder.Observations.none(),
                T0.plusSeconds(60));
        assertEquals("2026-11-27T10:00:00Z", c(later, "Ready").getLastTransitionTime());
        GunicornServerStatus notReady = StatusBuilder.build(s, d, observed(d, 1, 1, 0), StatusBuilder.Observations.none(),
                T0.plusSeconds(120));
        assertEquals("2026-11-27T10:02:00Z", c(notReady, "Ready").getLastTransitionTime());
        assertEquals("WorkersNotReady", c(notReady, "Ready").getReason());
    }

    @Test
    void workersZeroIsNotReadyWithAReasonSayingSo() throws Exception {
        GunicornServer s = Servers.demo("demo");
        s.getSpec().setWorkers(0);
        DesiredState d = DesiredState.compute(s, OperatorConfig.defaults());
        GunicornServerStatus st = StatusBuilder.build(s, d, observed(d, 0, 0, 0), StatusBuilder.Observations.none(), T0);
        assertEquals("NoWorkers", c(st, "Ready").getReason());
        assertEquals("False", c(st, "Progressing").getStatus());
    }

    @Test
    void anInvalidSpecIsDegradedAndKeepsTheRunningPicture() throws Exception {
        GunicornServer s = Servers.demo("demo");
        DesiredState d = DesiredState.compute(s, OperatorConfig.defaults());
        Deployment running = observed(d, 1, 1, 1);
        GunicornServerStatus st = StatusBuilder.build(s, null, running,
                new StatusBuilder.Observations(List.of("spec.settings.spew: cannot be used"), null, null, null), T0);
        assertEquals("True", c(st, "Degraded").getStatus());
        assertEquals("InvalidSpec", c(st, "Degraded").getReason());
        assertTrue(c(st, "Degraded").getMessage().startsWith("spec.settings.spew: cannot be used"));
        assertEquals("True", c(st, "Ready").getStatus(), "the last valid pods still serve");
        assertEquals(1, st.getReadyWorkers());
    }

    @Test
    void aStuckRolloutIsDegraded() throws Exception {
        GunicornServer s = Servers.demo("demo");
        DesiredState d = DesiredState.compute(s, OperatorConfig.defaults());
        Deployment stuck = new DeploymentBuilder(observed(d, 2, 1, 1)).editStatus()
                .addToConditions(new DeploymentConditionBuilder().withType("Progressing").withStatus("False")
                        .withReason("ProgressDeadlineExceeded").withMessage("ReplicaSet demo-1 has timed out progressing.").build())
                .endStatus().build();
        GunicornServerStatus st = StatusBuilder.build(s, d, stuck, StatusBuilder.Observations.none(), T0);
        assertEquals("RolloutStuck", c(st, "Degraded").getReason());
    }
}
