package dev.jgunicorn.operator;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How this operator process runs, read from the environment the Helm chart sets.
 *
 * @param namespaces          namespaces to watch; empty means every namespace
 * @param defaultImage        the runtime image for GunicornServers that name no image
 * @param serverSideApply     apply owned objects and status with server-side apply (always in a cluster; tests on
 *                            fabric8's mock server, which has no SSA, turn it off)
 * @param leaderElection      lease name, or null to run without leader election
 * @param leaseNamespace      namespace of the lease (the operator's own)
 * @param httpPort            port of /healthz, /readyz and /metrics; 0 picks a free one, -1 serves none
 * @param reconcileThreads    concurrent reconciliations
 * @param apiQps              API requests per second this process sends at most, on average (see {@link ApiRateLimit})
 * @param apiBurst            API requests it may send at once above that rate, after a quiet moment
 */
public record OperatorConfig(Set<String> namespaces, String defaultImage, boolean serverSideApply,
                             String leaderElection, String leaseNamespace, int httpPort, int reconcileThreads,
                             int apiQps, int apiBurst, Duration shutdownTimeout, Map<String, String> podMonitorLabels) {
    public static final String DEFAULT_RUNTIME_IMAGE = "jgunicorn/runtime:0.1.0";
    public static final String FIELD_MANAGER = "jgunicorn-operator";

    public OperatorConfig {
        namespaces = Set.copyOf(namespaces);
        podMonitorLabels = Map.copyOf(podMonitorLabels);
    }

    /** Defaults for a process in a cluster: all namespaces, SSA, no leader election, port 8080. */
    public static OperatorConfig defaults() {
        return new OperatorConfig(Set.of(), DEFAULT_RUNTIME_IMAGE, true, null, null, 8080, 20, 200, 400,
                Duration.ofSeconds(20), Map.of());
    }

    /**
     * Reads JGUNICORN_WATCH_NAMESPACES (comma-separated, empty = all), JGUNICORN_DEFAULT_IMAGE,
     * JGUNICORN_LEADER_ELECTION_LEASE (empty = off), POD_NAMESPACE, JGUNICORN_HTTP_PORT,
     * JGUNICORN_RECONCILE_THREADS, JGUNICORN_API_QPS, JGUNICORN_API_BURST, JGUNICORN_POD_MONITOR_LABELS ({@code k=v,k=v}: extra labels on every PodMonitor,
     * for a Prometheus that selects monitors by label, e.g. kube-prometheus-stack's {@code release}).
     */
    public static OperatorConfig fromEnv(Map<String, String> env) {
        OperatorConfig d = defaults();
        Set<String> namespaces = Arrays.stream(env.getOrDefault("JGUNICORN_WATCH_NAMESPACES", "").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        String lease = blankToNull(env.get("JGUNICORN_LEADER_ELECTION_LEASE"));
        String leaseNamespace = blankToNull(env.get("POD_NAMESPACE"));
        if (lease != null && leaseNamespace == null) {
            throw new IllegalArgumentException("JGUNICORN_LEADER_ELECTION_LEASE is set but POD_NAMESPACE is not:"
                    + " the lease lives in the operator's namespace (set POD_NAMESPACE from the downward API)");
        }
        String image = blankToNull(env.get("JGUNICORN_DEFAULT_IMAGE"));
        return new OperatorConfig(namespaces, image == null ? d.defaultImage() : image, true, lease, leaseNamespace,
                intFrom(env, "JGUNICORN_HTTP_PORT", d.httpPort(), -1, 65535),
                intFrom(env, "JGUNICORN_RECONCILE_THREADS", d.reconcileThreads(), 1, 100),
                intFrom(env, "JGUNICORN_API_QPS", d.apiQps(), 1, 10000),
                intFrom(env, "JGUNICORN_API_BURST", d.apiBurst(), 1, 10000),
                d.shutdownTimeout(), labelsFrom(env, "JGUNICORN_POD_MONITOR_LABELS"));
    }

    public OperatorConfig withNamespaces(Set<String> ns) {
        return new OperatorConfig(ns, defaultImage, serverSideApply, leaderElection, leaseNamespace, httpPort,
                reconcileThreads, apiQps, apiBurst, shutdownTimeout, podMonitorLabels);
    }

    public OperatorConfig withServerSideApply(boolean ssa) {
        return new OperatorConfig(namespaces, defaultImage, ssa, leaderElection, leaseNamespace, httpPort,
                reconcileThreads, apiQps, apiBurst, shutdownTimeout, podMonitorLabels);
    }

    public OperatorConfig withHttpPort(int port) {
        return new OperatorConfig(namespaces, defaultImage, serverSideApply, leaderElection, leaseNamespace, port,
                reconcileThreads, apiQps, apiBurst, shutdownTimeout, podMonitorLabels);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    private static Map<String, String> labelsFrom(Map<String, String> env, String name) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : env.getOrDefault(name, "").split(",")) {
            if (pair.isBlank()) continue;
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair.strip() : pair.substring(0, eq).strip();
            String value = eq < 0 ? null : pair.substring(eq + 1).strip();
            if (value == null || !LABEL_KEY.matcher(key).matches() || !LABEL_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException(name + ": '" + pair.strip() + "' is not a label (allowed: key=value,"
                        + " Kubernetes label syntax, comma-separated)");
            }
            labels.put(key, value);
        }
        return labels;
    }

    private static int intFrom(Map<String, String> env, String name, int otherwise, int min, int max) {
        String v = blankToNull(env.get(name));
        if (v == null) return otherwise;
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not an integer (allowed: " + min + " to " + max + ")");
        }
        if (n < min || n > max) throw new IllegalArgumentException(name + "=" + v + " is out of range (allowed: " + min + " to " + max + ")");
        return n;
    }
}
