package dev.jgunicorn.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where the journeys run: the cluster of {@code JGUNICORN_E2E_KUBECONFIG} (or {@code -Djgunicorn.e2e.kubeconfig}),
 * any cluster, not only the testbed; the kubectl to use ({@code JGUNICORN_E2E_KUBECTL}, else kubectl on the PATH);
 * and polling with a deadline instead of sleeps.
 */
public final class E2e {
    static final String KUBECONFIG_ENV = "JGUNICORN_E2E_KUBECONFIG";
    static final String KUBECONFIG_PROPERTY = "jgunicorn.e2e.kubeconfig";
    public static final Path REPO = Path.of(System.getProperty("jgunicorn.repo", "..")).toAbsolutePath().normalize();

    private E2e() {
    }

    /** The kubeconfig the journeys run against, or empty: then every journey is skipped. */
    public static Optional<Path> kubeconfig() {
        String v = System.getProperty(KUBECONFIG_PROPERTY);
        if (v == null || v.isBlank()) v = System.getenv(KUBECONFIG_ENV);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v).toAbsolutePath());
    }

    public static String skipMessage() {
        return "end-to-end journeys skipped: set " + KUBECONFIG_ENV + " (or -D" + KUBECONFIG_PROPERTY
                + ") to the kubeconfig of a cluster they may install into; e2e/run does that with the local testbed";
    }

    public static KubernetesClient adminClient(Path kubeconfig) {
        try {
            Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
            config.setRequestTimeout(30_000);
            return dev.jgunicorn.operator.Clients.build(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String kubectlBinary() {
        String v = System.getenv("JGUNICORN_E2E_KUBECTL");
        return v == null || v.isBlank() ? "kubectl" : v;
    }

    record Result(int exit, String out) {
    }

    /** Runs a command with extra environment; returns its exit code and combined output; fails after the timeout. */
    static Result run(Map<String, String> env, Duration timeout, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[][] out = new byte[1][];
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    out[0] = p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    out[0] = ("(output lost: " + e + ")").getBytes(StandardCharsets.UTF_8);
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command));
            }
            reader.join(5_000);
            return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static List<String> cmd(String first, String... rest) {
        List<String> l = new ArrayList<>();
        l.add(first);
        l.addAll(Arrays.asList(rest));
        return l;
    }

    /**
     * Polls until the supplier returns a non-null value that is not {@code false}; fails with the description and
     * the last value seen (or the last exception) after the deadline.
     */
    public static <T> T await(String what, Duration deadline, Supplier<T> probe) {
        long end = System.nanoTime() + deadline.toNanos();
        Object last = null;
        while (true) {
            try {
                T v = probe.get();
                if (v != null && !Boolean.FALSE.equals(v)) return v;
                last = v;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + deadline.toSeconds() + " s for " + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(200); // the poll interval, not a wait for something to happen
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
