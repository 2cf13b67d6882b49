package dev.jgunicorn.sidecar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real Gunicorn from PyPI (27.0.1) and Flask in the virtualenv bin/lib/gunicorn-venv makes, and a Gunicorn
 * process serving a small Flask app.
 */
final class PythonGunicorn implements AutoCloseable {

    /** A Flask app: / answers 200, unknown paths 404, /boom raises through to Gunicorn (500, logged as an exception). */
    static final String APP = """
            from flask import Flask
            app = Flask(__name__)
            app.config["PROPAGATE_EXCEPTIONS"] = True  # let Gunicorn see the exception, as a plain WSGI app would

            @app.route("/")
            def hello():
                return "hello\\n"

            @app.route("/boom")
            def boom():
                raise RuntimeError("boom")
            """;

    final Process process;
    final Path log;

    /** Starts {@code gunicorn ARGS app:app} in {@code dir} (where app.py is written). */
    PythonGunicorn(Path dir, String... args) throws Exception {
        Files.writeString(dir.resolve("app.py"), APP);
        List<String> cmd = new ArrayList<>(List.of(venv().resolve("bin/gunicorn").toString()));
        cmd.addAll(List.of(args));
        cmd.add("app:app");
        log = dir.resolve("gunicorn.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("GUNICORN_CMD_ARGS");
        pb.environment().remove("WEB_CONCURRENCY");
        process = pb.start();
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The virtualenv, made on first use by bin/lib/gunicorn-venv (the one home of the version and the install). */
    static synchronized Path venv() throws Exception {
        Path script = Path.of(System.getProperty("jgunicorn.repo", "..")).resolve("bin/lib/gunicorn-venv");
        Process p = new ProcessBuilder(script.toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(script + " failed (python3-venv missing? bin/lib/test-tools.sh installs it):\n" + err);
        }
        return Path.of(out);
    }

    /** TERM, as Kubernetes stops a container; Gunicorn stops its workers gracefully. */
    void terminate() throws Exception {
        new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
    }

    @Override
    public void close() throws Exception {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
