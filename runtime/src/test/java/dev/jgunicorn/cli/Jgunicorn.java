package dev.jgunicorn.cli;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Runs the real launcher jar as a separate process, the way a user runs jgunicorn. */
public final class Jgunicorn implements AutoCloseable {
    public static final Path REPO = Path.of(System.getProperty("jgunicorn.repo", ".")).toAbsolutePath().normalize();
    public static final Path JAR = REPO.resolve("runtime/target/jgunicorn.jar");
    public static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    public final Process process;
    public final Path stdout;
    public final Path stderr;

    public Jgunicorn(Path dir, Map<String, String> env, String... args) throws IOException {
        this(JAR, dir, env, args);
    }

    /** Runs {@code jar} (a copy, e.g. one every user can read) instead of the build's jar. */
    public Jgunicorn(Path jar, Path dir, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx128m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        stdout = Files.createTempFile("jgunicorn", ".out");
        stderr = Files.createTempFile("jgunicorn", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().remove("GUNICORN_CMD_ARGS");
        pb.environment().remove("WEB_CONCURRENCY");
        pb.environment().remove("PORT");
        pb.environment().put("XDG_RUNTIME_DIR", dir.toString()); // each test's default control socket in its own dir
        pb.environment().putAll(env);
        process = pb.start();
    }

    /** Runs to completion and returns the exit code. */
    public int waitFor(Duration d) throws InterruptedException {
        if (!process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError("jgunicorn did not exit within " + d + "\n" + err());
        }
        return process.exitValue();
    }

    public String out() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    public String err() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    public void signal(String name) throws Exception {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** GETs until the server answers or the deadline passes. */
    public static HttpResponse<String> getWhenUp(HttpClient client, URI uri, Duration within, Jgunicorn j) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!j.process.isAlive() && j.process.exitValue() != 0) throw new AssertionError("jgunicorn exited: " + j.process.exitValue() + "\n" + j.err());
            try {
                return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError("no answer from " + uri + " within " + within + ": " + last + "\n" + j.err());
    }

    /** Waits up to 30 s for {@code cond}; fails with the server's stderr. */
    public void await(String what, BooleanSupplier cond) throws InterruptedException {
        await(what, Duration.ofSeconds(30), cond);
    }

    /** Waits up to {@code within} for {@code cond}; fails with the server's stderr. */
    public void await(String what, Duration within, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "\n" + err());
            Thread.sleep(100);
        }
    }

    /** A file's text, or "" while it does not exist. */
    public static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public static String testClasses() {
        return REPO.resolve("runtime/target/test-classes").toString() + File.separator;
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
