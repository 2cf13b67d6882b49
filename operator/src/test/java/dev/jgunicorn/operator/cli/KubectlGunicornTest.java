package dev.jgunicorn.operator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kubectl gunicorn against fabric8's mock API server: each signal's change to the resource, the requests that make it, and status. */
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

    private static KubectlGunicorn plugin() {
        KubectlGunicorn root = new KubectlGunicorn();
        // The plugin closes its client when done: hand it a fresh one on the mock server each time.
        root.clients = server::createClient;
        root.clock = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
        return root;
    }

    /** The plugin with a terminal that answers as {@code confirm} does. */
    private int kubectl(KubectlGunicorn.Confirm confirm, String... args) {
        KubectlGunicorn root = plugin();
        root.confirm = confirm;
        return KubectlGunicorn.run(root, args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private int kubectl(String... args) {
        return kubectl(q -> { throw new AssertionError("asked: " + q); }, args);
    }

    private static NonNamespaceOperation<GunicornServer, KubernetesResourceList<GunicornServer>, Resource<GunicornServer>> servers() {
        return client.resources(GunicornServer.class).inNamespace("shop");
    }

    private GunicornServer demoNow() {
        return servers().withName("demo").get();
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

    /** The requests the plugin sent during one command: method and path, and the body of each. */
    private List<RecordedRequest> requestsDuring(Runnable command) throws InterruptedException {
        while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) { } // what earlier steps sent
        command.run();
        List<RecordedRequest> sent = new ArrayList<>();
        for (RecordedRequest r; (r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null; ) sent.add(r);
        return sent;
    }

    @Test
    void ttinSendsAPatchThatTestsTheWorkersItReadNotTheWholeObject() throws Exception {
        // The mock server's store drains a request's body: answer the patch here to see what it carried.
        AtomicReference<String> body = new AtomicReference<>();
        GunicornServer after = demoNow();
        after.getSpec().setWorkers(3);
        server.expect().patch().withPath("/apis/jgunicorn.dev/v1alpha1/namespaces/shop/gunicornservers/demo")
                .andReply(200, r -> {
                    body.set(r.getUtf8Body());
                    return after;
                }).once();
        List<RecordedRequest> sent = requestsDuring(() -> assertEquals(0, kubectl("signal", "demo", "TTIN", "-n", "shop"), err.toString()));
        assertTrue(sent.stream().noneMatch(r -> r.getMethod().equals("PUT")), "no PUT: " + sent);
        List<RecordedRequest> patches = sent.stream().filter(r -> r.getMethod().equals("PATCH")).toList();
        assertEquals(1, patches.size(), sent.toString());
        assertEquals("application/json-patch+json", patches.get(0).getHeader("Content-Type").replaceAll(";.*", ""));
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree("""
                [{"op": "test", "path": "/spec/workers", "value": 2}, {"op": "replace", "path": "/spec/workers", "value": 3}]"""),
                json.readTree(body.get()));
    }

    @Test
    void aFieldThePluginDoesNotKnowSurvivesTtinAndHupAndStatusReadsPastIt() {
        // Generic: the plugin's own model fails to read such an object at all.
        var demo = client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(GunicornServer.class))
                .inNamespace("shop").withName("demo");
        demo.patch(PatchContext.of(PatchType.JSON_MERGE), """
                {"metadata": {"labels": {"team": "shop"}}, "spec": {"fieldFromANewerOperator": {"kept": true}}}""");
        assertEquals(0, kubectl("signal", "demo", "TTIN", "-n", "shop"), err.toString());
        assertEquals(0, kubectl("signal", "demo", "HUP", "-n", "shop"), err.toString());
        assertEquals(0, kubectl("status", "demo", "-n", "shop"), err.toString());
        assertTrue(out.toString().contains("demo   dev.jgunicorn.demo.Hello   3"), out.toString());
        GenericKubernetesResource now = demo.get();
        assertEquals(Map.of("kept", true), now.get("spec", "fieldFromANewerOperator"));
        assertEquals(3, (Integer) now.get("spec", "workers"));
        assertEquals("shop", now.getMetadata().getLabels().get("team"));
        assertEquals("2026-11-27T10:00:00Z", now.getMetadata().getAnnotations().get(GunicornServer.RESTARTED_AT_ANNOTATION));
    }

    @Test
    void ttinStepsFromAValueChangedMeanwhileInsteadOfOverwritingIt() {
        // The plugin reads workers 2 (twice: the existence check, then the value to step from), while an HPA has
        // already moved it to 5: the patch's test fails, and the plugin reads again and steps from 5.
        GunicornServer stale = demoNow();
        servers().withName("demo").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"workers\": 5}}");
        String path = "/apis/jgunicorn.dev/v1alpha1/namespaces/shop/gunicornservers/demo";
        server.expect().get().withPath(path).andReturn(200, stale).times(2);
        // What the API server answers a JSON patch whose test fails (the mock server does not evaluate test ops).
        server.expect().patch().withPath(path).andReturn(422, new StatusBuilder().withStatus("Failure").withCode(422)
                .withReason("Invalid").withMessage("the server rejected our request: testing value /spec/workers failed: test failed")
                .build()).once();
        assertEquals(0, kubectl("signal", "demo", "TTIN", "-n", "shop"), err.toString());
        assertEquals(6, demoNow().getSpec().getWorkers());
        assertTrue(out.toString().contains("gunicornserver/demo TTIN: workers 5 -> 6"), out.toString());
    }

    @Test
    void termWithoutATerminalOrYesRefusesAndSaysSo() {
        KubectlGunicorn root = plugin(); // the real question: the test JVM's input is not a terminal
        assertEquals(1, KubectlGunicorn.run(root, new String[]{"signal", "demo", "TERM", "-n", "shop"},
                new PrintWriter(out, true), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("TERM not sent: deleting demo needs a yes on a terminal, or --yes"), err.toString());
        assertNotNull(demoNow());
    }

    @Test
    void termAsksOnATerminalAndDeletesOnlyOnYes() {
        List<String> asked = new ArrayList<>();
        assertEquals(1, kubectl(q -> asked.add(q) && false, "signal", "demo", "QUIT", "-n", "shop"));
        assertNotNull(demoNow());
        assertEquals(List.of("Delete gunicornserver/demo in namespace shop? Its workers drain and the server is gone."), asked);
        assertEquals(0, kubectl(q -> true, "signal", "demo", "TERM", "-n", "shop"), err.toString());
        assertNull(demoNow());
    }

    @Test
    void termWithYesDeletesWithoutAsking() {
        assertEquals(0, kubectl(q -> { throw new AssertionError("asked: " + q); }, "signal", "demo", "TERM", "--yes", "-n", "shop"),
                err.toString());
        assertNull(demoNow());
        assertTrue(out.toString().contains("gunicornserver/demo TERM: deleted"), out.toString());
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
