package dev.jgunicorn.operator.reconciler;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.DesiredState;
import dev.jgunicorn.operator.status.StatusBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a failing reconciliation, retried with backoff, leaves in the status. */
class GunicornServerReconcilerTest {
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    /** One attempt failing at {@code at}; the server then carries the status the operator wrote. */
    private static Condition failAt(GunicornServer server, Instant at) {
        var reconciler = new GunicornServerReconciler(OperatorConfig.defaults(), null, Clock.fixed(at, ZoneOffset.UTC));
        var status = reconciler.updateErrorStatus(server, null, new IllegalStateException("the API server is unreachable"))
                .getResource().orElseThrow().getStatus();
        server.setStatus(status);
        return status.condition("Degraded").orElseThrow();
    }

    @Test
    void retriesOfAFailingReconcileKeepTheFirstTransitionTime() {
        GunicornServer server = Servers.demo("demo");
        Condition first = failAt(server, T0);
        Condition retry = failAt(server, T0.plusSeconds(30));
        assertEquals("True", retry.getStatus());
        assertEquals("ReconcileError", retry.getReason());
        assertEquals("the API server is unreachable", retry.getMessage());
        assertEquals("2026-11-27T10:00:00Z", first.getLastTransitionTime());
        assertEquals("2026-11-27T10:00:00Z", retry.getLastTransitionTime());
    }

    @Test
    void aFailureAfterAHealthyStatusStartsANewTransition() throws Exception {
        GunicornServer server = Servers.demo("demo");
        DesiredState desired = DesiredState.compute(server, OperatorConfig.defaults());
        server.setStatus(StatusBuilder.build(server, desired, null, StatusBuilder.Observations.none(), T0));
        assertEquals("False", server.getStatus().condition("Degraded").orElseThrow().getStatus());
        Condition failed = failAt(server, T0.plusSeconds(60));
        assertEquals("True", failed.getStatus());
        assertEquals("2026-11-27T10:01:00Z", failed.getLastTransitionTime());
    }
}
