package dev.jgunicorn.operator.cli;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kubectl gunicorn against fabric8's mock API server: each signal's change to the resource, and status. */
@EnableKubernetesMockClient(crud = true)
class KubectlGunicornTest {
    static KubernetesClient client;
    static KubernetesMockServer server;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void demo() {
        client.resources(GunicornServer.class).inNamespace("shop").delete();
        GunicornServer s = new GunicornServer();
        s.setMetadata(new ObjectMetaBuilder().withName("demo").withNamespace("shop").build());
        GunicornServerSpec spec = new GunicornServerSpec();
        spec.setApp("dev.jgunicorn.demo.Hello");
        spec.setWorkers(2);
        s.setSpec(spec);
        client.resource(s).create();
    }

    private int kubectl(String... args) {
        KubectlGunicorn root = new KubectlGunicorn();
        // The plugin closes its client when done: hand it a fresh one on the mock server each time.
        root.clients = server::createClient;
        root.clock = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
        return KubectlGunicorn.run(root, args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private GunicornServer demoNow() {
        return client.resources(GunicornServer.class).inNamespace("shop").withName("demo").get();
    }

    @Test
    void ttinAndTtouMoveTheWorkersByOne() {
        assertEquals(0, kubectl("signal", "demo", "TTIN", "-n", "shop"), err.toString());
        assertEquals(3, demoNow().getSpec().getWorkers());
        assertTrue(out.toString().contains("gunicornserver/demo TTIN: workers 2 -> 3"), out.toString());
        assertEquals(0, kubectl("signal", "demo", "ttou", "-n", "shop"), err.toString());
        assertEquals(2, demoNow().getSpec().getWorkers());
    }

    @Test
    void winchStopsEveryWorkerAndTtouThenRefuses() {
        assertEquals(0, kubectl("signal", "demo", "WINCH", "-n", "shop"));
        assertEquals(0, demoNow().getSpec().getWorkers());
        assertEquals(1, kubectl("signal", "demo", "TTOU", "-n", "shop"));
        assertTrue(err.toString().contains("demo has no worker to remove (workers is 0)"), err.toString());
        assertEquals(0, kubectl("signal", "demo", "TTIN", "-n", "shop"));
        assertEquals(1, demoNow().getSpec().getWorkers());
    }

    @Test
    void hupSetsTheRestartAnnotation() {
        assertEquals(0, kubectl("signal", "demo", "HUP", "-n", "shop"));
        assertEquals("2026-11-27T10:00:00Z", demoNow().getMetadata().getAnnotations().get(GunicornServer.RESTARTED_AT_ANNOTATION));
    }

    @Test
    void termDeletesTheServer() {
        assertEquals(0, kubectl("signal", "demo", "TERM", "-n", "shop"));
        assertNull(demoNow());
    }

    @Test
    void badInputIsRefusedClearly() {
        assertEquals(2, kubectl("signal", "demo", "USR3", "-n", "shop"));
        assertTrue(err.toString().contains("TTIN, TTOU, HUP, WINCH, TERM, QUIT, INT"), err.toString());
        assertEquals(1, kubectl("signal", "nope", "HUP", "-n", "shop"));
        assertTrue(err.toString().contains("GunicornServer nope not found in namespace shop"), err.toString());
    }

    @Test
    void statusPrintsWorkersConditionsAndPods() {
        GunicornServer s = demoNow();
        GunicornServerStatus st = new GunicornServerStatus();
        st.setWorkers(2);
        st.setReadyWorkers(1);
        st.setUpdatedWorkers(2);
        st.setImage("jgunicorn/runtime:0.1.0");
        st.setSelector("app.kubernetes.io/name=jgunicorn,app.kubernetes.io/instance=demo");
        st.setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus("False").withReason("WorkersNotReady")
                .withMessage("1/2 workers ready").withLastTransitionTime("2026-11-27T09:59:00Z").build()));
        s.setStatus(st);
        client.resource(s).updateStatus();
        client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("demo-abc")
                .withCreationTimestamp("2026-11-27T09:58:00Z")
                .addToLabels("app.kubernetes.io/name", "jgunicorn").addToLabels("app.kubernetes.io/instance", "demo").endMetadata()
                .withNewSpec().withNodeName("node-1").endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build()).create();
        assertEquals(0, kubectl("status", "demo", "-n", "shop"), err.toString());
        String text = out.toString();
        assertTrue(text.contains("demo   dev.jgunicorn.demo.Hello   2         2         1       2         jgunicorn/runtime:0.1.0"), text);
        assertTrue(text.contains("Ready       False    WorkersNotReady   2026-11-27T09:59:00Z   1/2 workers ready"), text);
        assertTrue(text.contains("demo-abc   true    Running   0          node-1"), text); // AGE: the mock server stamps its own time
    }
}
