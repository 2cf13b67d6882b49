package dev.jgunicorn.compat;

import com.sun.net.httpserver.spi.HttpServerProvider;
import dev.jgunicorn.compat.Wire.Request;
import dev.jgunicorn.server.WorkerModel;
import io.avaje.jex.Jex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An avaje-jex app answers the same on jgunicorn as on the JDK's server: routes with path and query parameters,
 * JSON through jex's built-in Jackson service, a redirect, an exception handler, a POST echo and 404. For HEAD and PUT, which it has no routes for, jex 3.3
 * throws before answering: jgunicorn answers 500 where the JDK closes the connection (see {@link Deviation}).
 * Jex creates its server itself from the provider it is configured with, binds it and sets its own executor, as it
 * does in production.
 */
class JexCompatTest {
    static final String APP = "avaje-jex";

    record Greeting(String to, List<String> tags) {
    }

    static final List<Request> REQUESTS = List.of(
            Request.get("/hello/Ann"),
            Request.get("/hello/J%C3%BCrgen"),
            Request.get("/query?a=1&a=2&b=x%20y"),
            Request.get("/json/Ann?tag=a&tag=b"),
            Request.get("/redirect"),
            Request.get("/boom"),
            Request.send("POST", "/echo", "text/plain; charset=UTF-8", "héllo wörld".getBytes(StandardCharsets.UTF_8)),
            Request.head("/hello/Ann"),
            Request.send("PUT", "/hello/Ann", "text/plain", "x".getBytes(StandardCharsets.UTF_8)),
            Request.get("/nowhere"));

    static Jex.Server start(HttpServerProvider provider) {
        return Jex.create()
                .get("/hello/{name}", ctx -> ctx.text("hello " + ctx.pathParam("name")))
                .get("/query", ctx -> ctx.text(ctx.queryParams("a") + " " + ctx.queryParam("b")))
                .get("/json/{name}", ctx -> ctx.json(new Greeting(ctx.pathParam("name"), ctx.queryParams("tag"))))
                .get("/redirect", ctx -> ctx.redirect("/hello/there"))
                .get("/boom", ctx -> {
                    throw new IllegalStateException("boom");
                })
                .error(IllegalStateException.class, (ctx, e) -> ctx.status(409).json(Map.of("error", e.getMessage())))
                .post("/echo", ctx -> ctx.contentType(ctx.contentType()).write(ctx.bodyAsBytes()))
                .config(c -> c.serverProvider(provider).host("127.0.0.1").port(0).health(false))
                .start();
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void answersAsOnTheJdksServer(WorkerModel model) throws Exception {
        Jex.Server jdk = start(Servers.JDK);
        Jex.Server ours = start(Servers.jgunicorn(model));
        try {
            Comparison.assertSameAnswers(APP, model.settingValue, jdk.port(), ours.port(), REQUESTS);
        } finally {
            ours.shutdown();
            jdk.shutdown();
        }
    }
}
