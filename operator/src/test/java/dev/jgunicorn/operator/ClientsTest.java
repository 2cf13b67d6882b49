package dev.jgunicorn.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's client sends no faster than JGUNICORN_API_QPS and JGUNICORN_API_BURST allow. */
class ClientsTest {

    @Test
    void theConfiguredBurstGoesAtOnceAndTheNextRequestWaitsForTheRate() throws Exception {
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger received = new AtomicInteger();
        api.createContext("/", exchange -> {
            received.incrementAndGet();
            exchange.sendResponseHeaders(404, -1); // "not found": get() answers null
            exchange.close();
        });
        api.start();
        OperatorConfig paced = OperatorConfig.fromEnv(Map.of("JGUNICORN_API_QPS", "1", "JGUNICORN_API_BURST", "2"));
        var config = new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + api.getAddress().getPort())
                .withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient client = Clients.forOperator(config, paced)) {
            assertNull(client.namespaces().withName("a").get());
            assertNull(client.namespaces().withName("b").get());
            assertEquals(2, received.get(), "the burst goes at once");

            Thread third = Thread.ofPlatform().start(() -> client.namespaces().withName("c").get());
            while (third.isAlive() && !heldByTheRateLimit(third)) Thread.onSpinWait();
            assertTrue(third.isAlive(), "the third request went at once: no rate limit");
            assertEquals(2, received.get(), "the third request waits in the client, not in the API server");
            third.join();
            assertEquals(3, received.get(), "then it goes");
        } finally {
            api.stop(0);
        }
    }

    private static boolean heldByTheRateLimit(Thread t) {
        return t.getState() == Thread.State.TIMED_WAITING && Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(ApiRateLimit.class.getName()));
    }
}
