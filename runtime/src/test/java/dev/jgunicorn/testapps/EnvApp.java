package dev.jgunicorn.testapps;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Test app loaded through --classpath: answers its pid, the FOO variable and its working directory. */
public class EnvApp implements HttpHandler {
    public static final HttpHandler FIELD = new EnvApp();

    public static HttpHandler factory() {
        return new EnvApp();
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        byte[] b = (ProcessHandle.current().pid() + " " + System.getenv("FOO") + " " + Path.of("").toAbsolutePath())
                .getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }
}
