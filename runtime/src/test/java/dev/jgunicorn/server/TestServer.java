package dev.jgunicorn.server;

import java.util.Locale;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.Config;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A real worker on an ephemeral loopback port, for tests; closed with try-with-resources. */
final class TestServer implements AutoCloseable {
    final JgunicornHttpServer server;
    final int port;

    TestServer(ServerOptions options, HttpHandler handler) throws IOException {
        this(options, handler, null);
    }

    TestServer(ServerOptions options, HttpHandler handler, Tls tls) throws IOException {
        server = new JgunicornHttpServer(options);
        server.createContext("/", handler);
        server.worker().setTls(tls);
        server.bind(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
        port = server.getAddress().getPort();
    }

    /** The settings' defaults with this worker class; tests change more with {@link Config#with}. */
    static Config config(WorkerModel model) {
        return Config.defaults().with(Settings.WORKER_CLASS, model.name().toLowerCase(Locale.ROOT));
    }

    static ServerOptions options(WorkerModel model) {
        return ServerOptions.from(config(model));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Sends raw bytes and reads until the server closes or {@code wait} passes without data. */
    String raw(String request, Duration wait) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) wait.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    static String readAll(InputStream in) {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        } catch (IOException timeoutOrReset) {
            // what arrived before the timeout or reset is the answer
        }
        return sb.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
