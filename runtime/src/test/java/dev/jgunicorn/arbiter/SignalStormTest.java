package dev.jgunicorn.arbiter;

import dev.jgunicorn.cli.Jgunicorn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Storms of reloads and scaling requests, as an impatient operator or a looping script sends them: the master's
 * worker processes stay bounded and it settles on the requested count (issue 16).
 */
class SignalStormTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One request on a fresh connection; returns the status line or the error. */
    private static String once(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String r = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int eol = r.indexOf("\r\n");
            return eol < 0 ? "empty answer" : r.substring(0, eol);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** One control-socket command, straight on the socket (a ctl JVM per command would be too slow for a storm). */
    private static String command(Path socket, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(StandardCharsets.UTF_8.encode(line + "\n"));
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The master's worker JVMs, whatever their state (not the short-lived kill commands it runs to signal them). */
    private static List<Long> workerPids(Jgunicorn j) {
        return j.process.descendants().filter(p -> p.info().command().map(c -> !c.endsWith("/kill")).orElse(true))
                .map(ProcessHandle::pid).sorted().toList();
    }

    /** Samples the number of worker processes every 10 ms until closed; keeps the peak. */
    private static final class Census implements AutoCloseable {
        final AtomicInteger peak = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Census(Jgunicorn j) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(workerPids(j).size(), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    /**
     * Waits (at most 60 s: on a busy machine a worker JVM can take 30 s to boot) until the master shows exactly {@code n} workers, all serving, and has no other child;
     * fails at once when the census passes {@code bound}.
     */
    private static void awaitSettled(Jgunicorn j, Path socket, int n, Census census, int bound) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String table = "";
        while (System.nanoTime() < deadline) {
            assertTrue(census.peak.get() <= bound, "at most " + bound + " worker processes at once, saw " + census.peak.get());
            table = command(socket, "show workers");
            long serving = table.lines().filter(l -> l.contains(" serving ")).count();
            long rows = table.lines().filter(l -> l.matches("\\s*\\d+ .*")).count();
            if (serving == n && rows == n && workerPids(j).size() == n) return;
            Thread.sleep(100);
        }
        throw new AssertionError("did not settle on " + n + " serving workers within 60 s (peak " + census.peak.get() + "):\n"
                + table + j.err());
    }

    @Test
    void aHupStormKeepsTheWorkersBoundedAndSettlesOnTheConfiguredCount(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path socket = dir.resolve("ctl.sock");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "2", "-k", "gthread", "--threads", "4", "-b", "127.0.0.1:" + port,
                "--control-socket", socket.toString(), "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            int bound = 2 * 2 + 1;
            try (Census census = new Census(j)) {
                awaitSettled(j, socket, 2, census, bound);
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger ok = new AtomicInteger();
                AtomicReference<String> failure = new AtomicReference<>();
                Thread load = Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        String status = once(port);
                        if (status.equals("HTTP/1.1 200 OK")) ok.incrementAndGet();
                        else failure.compareAndSet(null, status);
                        try {
                            Thread.sleep(20); // steady traffic, not a CPU hog that slows the workers' boot
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                for (int i = 0; i < 20; i++) {
                    j.signal("HUP");
                    Thread.sleep(50);
                    assertTrue(census.peak.get() <= bound, "at most " + bound + " worker processes at once, saw " + census.peak.get());
                }
                awaitSettled(j, socket, 2, census, bound);
                running.set(false);
                load.join(30_000);
                System.out.printf("20 HUPs at 50 ms: peak %d worker processes (bound %d); %d requests succeeded, %s%n",
                        census.peak.get(), bound, ok.get(), failure.get() == null ? "0 failed" : "failure: " + failure.get());
                assertEquals(null, failure.get(), "no request failed during the storm (" + ok.get() + " succeeded)");
            }
            assertEquals("HTTP/1.1 200 OK", once(port));
            assertTrue(j.err().contains("reload already in progress; one more queued"), j.err());
        }
    }

    @Test
    void workersAddedAndRemovedInABurstEndAtTheOriginalWorkers(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path socket = dir.resolve("ctl.sock");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "2", "-b", "127.0.0.1:" + port, "--control-socket", socket.toString(),
                "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            try (Census census = new Census(j)) {
                awaitSettled(j, socket, 2, census, 5);
                List<Long> serving = workerPids(j);
                for (int i = 0; i < 10; i++) assertTrue(command(socket, "worker add 1").startsWith("ok"));
                for (int i = 0; i < 10; i++) assertTrue(command(socket, "worker remove 1").startsWith("ok"));
                // bound: 2 × 12 + 1 at the top of the burst
                awaitSettled(j, socket, 2, census, 25);
                System.out.printf("worker add 1 ×10, worker remove 1 ×10: peak %d worker processes%n", census.peak.get());
                assertEquals(serving, workerPids(j), "the workers that served before the burst still serve: the booting ones left");
            }
            assertTrue(command(socket, "show stats").contains("workers_target: 2"));
            assertEquals("HTTP/1.1 200 OK", once(port));
        }
    }
}
