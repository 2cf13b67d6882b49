package dev.jgunicorn.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.util.Optional;

/**
 * The operator, startable against any client: the process main uses the in-cluster or kubeconfig client, tests
 * pass fabric8's mock server (SSA off) or a real API server (SSA on, the production path).
 */
public final class GunicornOperator implements AutoCloseable {
    private final Operator operator;
    private final OperatorConfig config;

    private GunicornOperator(Operator operator, OperatorConfig config) {
        this.operator = operator;
        this.config = config;
    }

    /** Registers the reconciler and starts the informers (and the leader election, if configured). */
    public static GunicornOperator start(KubernetesClient client, OperatorConfig config, MeterRegistry registry) {
        String identity = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("jgunicorn-operator-local");
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withConcurrentReconciliationThreads(config.reconcileThreads())
                    .withReconciliationTerminationTimeout(config.shutdownTimeout())
                    .withSSABasedCreateUpdateMatchForDependentResources(config.serverSideApply())
                    .withUseSSAToPatchPrimaryResource(config.serverSideApply())
                    .checkingCRDAndValidateLocalModel(false)
                    // Per-resource meters would grow with the number of GunicornServers; keep them per controller.
                    .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
            if (config.leaderElection() != null) {
                o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder
                        .aLeaderElectionConfiguration(config.leaderElection())
                        .withLeaseNamespace(config.leaseNamespace())
                        .withIdentity(identity)
                        .build());
            }
        });
        var reconciler = new GunicornServerReconciler(config, new EventRecorder(client, identity), Clock.systemUTC());
        operator.register(reconciler, c -> {
            if (config.namespaces().isEmpty()) c.watchingAllNamespaces();
            else c.settingNamespaces(config.namespaces());
        });
        operator.start();
        return new GunicornOperator(operator, config);
    }

    public Operator operator() {
        return operator;
    }

    public OperatorConfig config() {
        return config;
    }

    /** Started, and (when leading) every informer healthy. */
    public boolean healthy() {
        var info = operator.getRuntimeInfo();
        return !info.isStarted() || info.allEventSourcesAreHealthy();
    }

    public boolean ready() {
        return operator.getRuntimeInfo().isStarted();
    }

    /** Stops the informers and waits up to the shutdown timeout for running reconciliations. */
    @Override
    public void close() {
        operator.stop();
    }
}
