package dev.jgunicorn.operator;

import dev.jgunicorn.operator.events.EventRecorder;
import dev.jgunicorn.operator.reconciler.GunicornServerReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Optional;

/**
 * The operator, startable against any client: the process main uses the in-cluster or kubeconfig client, tests
 * pass fabric8's mock server (SSA off) or a real API server (SSA on, the production path).
 */
public final class GunicornOperator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GunicornOperator.class);
    private final Operator operator;
    private final OperatorConfig config;
    /** Without leader election this process always leads; with it, only while it holds the Lease. */
    private final AtomicBoolean leading;
    private final AtomicBoolean stopping;

    private GunicornOperator(Operator operator, OperatorConfig config, AtomicBoolean leading, AtomicBoolean stopping) {
        this.operator = operator;
        this.config = config;
        this.leading = leading;
        this.stopping = stopping;
    }

    /** Registers the reconciler and starts the informers (and the leader election, if configured). */
    public static GunicornOperator start(KubernetesClient client, OperatorConfig config, MeterRegistry registry) {
        String identity = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("jgunicorn-operator-local");
        AtomicBoolean leading = new AtomicBoolean(config.leaderElection() == null);
        AtomicBoolean stopping = new AtomicBoolean();
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
                        // JOSDK would call System.exit from the elector, which deadlocks when that happens inside
                        // our TERM shutdown hook; losing the Lease while running is handled in lostLease instead.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(new LeaderCallbacks(() -> leading.set(true),
                                () -> lostLease(leading, stopping), leader -> LOG.info("leader is now {}", leader)))
                        .build());
            }
        });
        var reconciler = new GunicornServerReconciler(config, new EventRecorder(client, identity), Clock.systemUTC());
        operator.register(reconciler, c -> {
            if (config.namespaces().isEmpty()) c.watchingAllNamespaces();
            else c.settingNamespaces(config.namespaces());
            c.withRetry(RETRY);
        });
        operator.start();
        return new GunicornOperator(operator, config, leading, stopping);
    }

    /**
     * A failed reconciliation is retried until it succeeds, at most a minute apart, as Kubernetes' own controllers
     * do. JOSDK's default gives up after 5 tries within ~25 s, and nothing asks again until the resource changes:
     * e.g. right after the CRD is installed, OwnerReferencesPermissionEnforcement refuses owner references to a
     * kind its discovery cache (refreshed every 30 s) does not know yet, and a server created then stayed unreconciled.
     */
    static final GenericRetry RETRY = new GenericRetry().setInitialInterval(Duration.ofSeconds(1))
            .setIntervalMultiplier(2).setMaxInterval(Duration.ofSeconds(60).toMillis()).withoutMaxAttempts();

    /**
     * The Lease is gone. When we are stopping, that is expected; otherwise another replica may already reconcile,
     * so this process must stop at once: exit (from a fresh thread, so the shutdown hook can run) and let the
     * Deployment restart it as a standby.
     */
    private static void lostLease(AtomicBoolean leading, AtomicBoolean stopping) {
        leading.set(false);
        if (stopping.get()) return;
        LOG.error("lost the leader-election Lease while running: exiting so that only one replica reconciles");
        new Thread(() -> System.exit(1), "lost-lease-exit").start();
    }

    public Operator operator() {
        return operator;
    }

    public OperatorConfig config() {
        return config;
    }

    /**
     * Live unless this process leads and an informer is unhealthy. A standby's informers are not started, which
     * is no reason to restart it.
     */
    public boolean healthy() {
        var info = operator.getRuntimeInfo();
        return !info.isStarted() || !leading.get() || info.allEventSourcesAreHealthy();
    }

    /** Whether this process currently reconciles (always, without leader election). */
    public boolean leading() {
        return leading.get();
    }

    public boolean ready() {
        return operator.getRuntimeInfo().isStarted();
    }

    /** Stops the informers and waits up to the shutdown timeout for running reconciliations; releases the Lease. */
    @Override
    public void close() {
        stopping.set(true);
        operator.stop();
    }
}
