package dev.jgunicorn.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as its own process ({@code OperatorMain} on this module's classpath), with the environment the
 * chart's Deployment gives its container and a kubeconfig holding only the chart's ServiceAccount token, so the
 * process can do exactly what the chart's RBAC allows. Stands in for the operator pod, which no fake node runs.
 */
final class OperatorProcess implements AutoCloseable {
    final String identity;
    final int httpPort;
    final Path log;
    private final Process process;

    private OperatorProcess(String identity, int httpPort, Path log, Process process) {
        this.identity = identity;
        this.httpPort = httpPort;
        this.log = log;
        this.process = process;
    }

    /**
     * @param chartEnv the operator container's env from the installed Deployment (fieldRefs already resolved)
     * @param identity the pod name it plays (HOSTNAME, the leader-election identity)
     */
    static OperatorProcess start(Path kubeconfig, Map<String, String> chartEnv, String identity, Path logDir) {
        int port = E2e.freePort();
        Path log = logDir.resolve("operator-" + identity + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "dev.jgunicorn.operator.OperatorMain"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KUBERNETES_") || k.startsWith("JGUNICORN_") || k.equals("KUBECONFIG")
                || k.equals("JAVA_TOOL_OPTIONS"));
        Map<String, String> wanted = new LinkedHashMap<>(chartEnv);
        wanted.remove("JAVA_OPTS"); // the container's MaxRAMPercentage; here -Xmx256m (the chart's limit is 512Mi)
        wanted.put("JGUNICORN_HTTP_PORT", Integer.toString(port));
        wanted.put("JGUNICORN_LOG_FORMAT", "text");
        wanted.put("HOSTNAME", identity);
        wanted.put("KUBECONFIG", kubeconfig.toString());
        // fabric8 must not fall back to ~/.kube/config or an in-cluster token
        wanted.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.putAll(wanted);
        try {
            Process process = pb.start();
            // if the test JVM is stopped, the operators it started stop too
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            return new OperatorProcess(identity, port, log, process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    int httpStatus(String path) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Resident set size from /proc (Linux), in MiB; -1 where there is no /proc. */
    double rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGKILL: a crash, no graceful shutdown, the Lease is not released. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** SIGTERM, as the kubelet sends: returns the exit code, or fails after the timeout. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("operator " + identity + " did not stop within " + timeout + " of TERM:\n" + logTail(30));
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
        }
    }
}
