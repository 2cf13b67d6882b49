package dev.jgunicorn.operator;

import dev.jgunicorn.operator.endpoints.OperatorEndpoints;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator process: configuration from the environment (see {@link OperatorConfig#fromEnv}), the client from
 * the pod's service account or ~/.kube/config, /healthz /readyz /metrics, and a graceful stop on TERM.
 */
public final class OperatorMain {

    private OperatorMain() {
    }

    public static void main(String[] args) throws Exception {
        // Chosen before the first logger exists: JSON lines by default, plain text on request.
        if ("text".equals(System.getenv("JGUNICORN_LOG_FORMAT")) && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-text.xml");
        }
        Logger log = LoggerFactory.getLogger(OperatorMain.class);
        OperatorConfig config;
        try {
            config = OperatorConfig.fromEnv(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("jgunicorn-operator: " + e.getMessage());
            System.exit(2);
            return;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        // Endpoints first: a port already taken fails the start before anything reconciles.
        AtomicReference<GunicornOperator> running = new AtomicReference<>();
        OperatorEndpoints http = config.httpPort() < 0 ? null : new OperatorEndpoints(config.httpPort(),
                () -> running.get() == null || running.get().healthy(),
                () -> running.get() != null && running.get().ready(), registry);
        if (http != null) log.info("serving /healthz, /readyz and /metrics on port {}", http.port());
        KubernetesClient client = Clients.forOperator(io.fabric8.kubernetes.client.Config.autoConfigure(null), config);
        log.info("jgunicorn operator starting: namespaces={}, leader election={}, default image={}, reconcile threads={},"
                        + " API requests {}/s (burst {})",
                config.namespaces().isEmpty() ? "all" : config.namespaces(),
                config.leaderElection() == null ? "off" : config.leaseNamespace() + "/" + config.leaderElection(),
                config.defaultImage(), config.reconcileThreads(), config.apiQps(), config.apiBurst());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("TERM received: stopping informers and waiting for running reconciliations");
            try {
                GunicornOperator operator = running.get();
                if (operator != null) operator.close();
            } finally {
                if (http != null) http.close();
                client.close();
                stopped.countDown();
            }
        }, "operator-shutdown"));
        try {
            running.set(GunicornOperator.start(client, config, registry));
        } catch (RuntimeException e) {
            log.error("the operator could not start: {}", e.toString(), e);
            System.exit(1);
        }
        stopped.await();
    }
}
