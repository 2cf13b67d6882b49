package dev.jgunicorn.operator.events;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.DesiredState;
import dev.jgunicorn.operator.desired.InvalidSpecException;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a reconciliation tells the user, in Gunicorn's words, for each kind of change. */
class ChangesTest {

    private static Deployment deployment(GunicornServer s) throws InvalidSpecException {
        return DesiredState.compute(s, OperatorConfig.defaults()).deployment();
    }

    private static List<String> messages(Changes c) {
        return c.events().stream().map(e -> e.reason() + ": " + e.message()).toList();
    }

    @Test
    void aNewServerIsCreatedWithoutARestart() throws Exception {
        Changes c = Changes.between(null, deployment(Servers.demo("d")));
        assertEquals(List.of("Created: created Deployment d with 1 workers"), messages(c));
        assertNull(c.restartReason());
    }

    @Test
    void scalingNamesTheSignalAndRestartsNothing() throws Exception {
        GunicornServer s = Servers.demo("d");
        s.getSpec().setWorkers(3);
        Deployment three = deployment(s);
        s.getSpec().setWorkers(2);
        Changes ttou = Changes.between(three, deployment(s));
        assertEquals(List.of("Scaled: TTOU: workers 3 -> 2"), messages(ttou));
        assertNull(ttou.restartReason());
        s.getSpec().setWorkers(4);
        assertEquals(List.of("Scaled: TTIN: workers 3 -> 4"), messages(Changes.between(three, deployment(s))));
        s.getSpec().setWorkers(0);
        assertTrue(messages(Changes.between(three, deployment(s))).get(0).startsWith("Scaled: WINCH: workers 3 -> 0"));
    }

    @Test
    void hupWinsOverAConfigChangeAndNothingChangedSaysNothing() throws Exception {
        GunicornServer s = Servers.demo("d");
        Deployment before = deployment(s);
        assertEquals(List.of(), messages(Changes.between(before, deployment(s))));
        s.getSpec().setThreads(4);
        s.getMetadata().setAnnotations(Map.of(GunicornServer.RESTARTED_AT_ANNOTATION, "now"));
        Changes both = Changes.between(before, deployment(s));
        assertEquals("HUP: jgunicorn.dev/restartedAt=now", both.restartReason());
        assertEquals(1, both.events().size(), "one rolling restart, not two");
        s.getMetadata().setAnnotations(null);
        Changes config = Changes.between(before, deployment(s));
        assertTrue(config.restartReason().startsWith("config changed: gunicorn.conf.py "), config.restartReason());
        assertEquals("ConfigChanged", config.events().get(0).reason());
    }
}
