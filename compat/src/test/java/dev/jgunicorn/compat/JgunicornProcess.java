package dev.jgunicorn.compat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The jgunicorn command (the runtime's shaded jar, a master and its worker) running an APP from --classpath. */
final class JgunicornProcess implements AutoCloseable {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    final int port;
    private final Process master;
    private final Path log;

    /** Starts {@code jgunicorn --classpath ... -k workerClass APP} on a free loopback port and waits for an answer. */
    JgunicornProcess(Path dir, List<String> classpath, String workerClass, String app) throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        log = dir.resolve("jgunicorn.log");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx128m",
                "-jar", REPO.resolve("runtime/target/jgunicorn.jar").toString(),
                "--classpath", String.join(",", classpath), "-k", workerClass, "-b", "127.0.0.1:" + port,
                "--pid", dir.resolve("pid").toString(), "--control-socket", dir.resolve("ctl").toString(), app));
        master = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitAnswer();
    }

    /** Connects until the worker answers (the master binds first; the worker loads the app after). */
    private void awaitAnswer() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) fail("jgunicorn exited " + master.exitValue() + ":\n" + Files.readString(log));
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
                if (s.getInputStream().read() != -1) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        close();
        fail("jgunicorn did not answer within 60 s:\n" + Files.readString(log));
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        master.destroy(); // SIGTERM: the master stops its worker gracefully
        assertTrue(master.waitFor(30, TimeUnit.SECONDS), "the master stops on TERM");
    }
}
