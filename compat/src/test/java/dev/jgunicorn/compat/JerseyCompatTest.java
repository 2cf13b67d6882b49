package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.compat.Wire.Request;
import dev.jgunicorn.examples.jaxrs.CatalogApp;
import dev.jgunicorn.examples.jaxrs.Item;
import dev.jgunicorn.server.WorkerModel;
import org.glassfish.jersey.jdkhttp.JdkHttpHandlerContainer;
import org.glassfish.jersey.server.ContainerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Jersey JAX-RS app (examples/jax-rs, Jersey's JdkHttpHandlerContainer as the HttpHandler) answers the same on
 * jgunicorn as on the JDK's server: path and query parameters, JSON through Jackson both ways, ETag and
 * Last-Modified with 304s, 201 with Location, a mapped exception, 404 and 405 with Allow, HEAD, a StreamingOutput,
 * a 5 MB upload echoed back, and an AsyncResponse (which Jersey's JDK container refuses with a 500 on both).
 */
class JerseyCompatTest {
    static final String APP = "Jersey";
    static final String TAG = "\"" + Integer.toHexString(new Item(1, "teapot", 1850).hashCode()) + "\"";
    static final String LATER = "/later?ms=20";
    static final byte[] FIVE_MB = new byte[5 * 1024 * 1024];

    static {
        new Random(19).nextBytes(FIVE_MB);
    }

    static final List<Request> REQUESTS = List.of(
            Request.get("/greet/Ann"),
            Request.get("/greet/J%C3%BCrgen?greeting=Gr%C3%BC%C3%9F%20Gott"),
            Request.get("/items/1"),
            Request.get("/items/1", "Accept: application/json"),
            Request.get("/items/1", "If-None-Match: " + TAG),
            Request.get("/items/1", "If-Modified-Since: Fri, 01 Jan 2027 00:00:00 GMT"),
            Request.head("/items/1"),
            Request.get("/items/9"),
            Request.get("/items/x"),
            Request.send("POST", "/items", "application/json", "{\"id\":0,\"name\":\"cup\",\"priceCents\":450}".getBytes(StandardCharsets.UTF_8)),
            Request.send("POST", "/items", "application/json", "{\"name\":".getBytes(StandardCharsets.UTF_8)),
            Request.send("POST", "/items", "text/plain", "cup".getBytes(StandardCharsets.UTF_8)),
            Request.send("DELETE", "/items/1", "text/plain", new byte[0]),
            Request.get("/nowhere"),
            Request.get("/count?to=3000"),
            Request.get(LATER),
            Request.send("POST", "/echo", "application/octet-stream", FIVE_MB));

    /** The example's catalog and, for the suite only, a suspended resource. */
    static HttpHandler app() {
        return ContainerFactory.createContainer(JdkHttpHandlerContainer.class, new CatalogApp().register(LaterResource.class));
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void answersAsOnTheJdksServer(WorkerModel model) throws Exception {
        // an app for each server: POST /items changes the catalog
        HttpServer jdk = Servers.start(Servers.JDK, app());
        HttpServer ours = Servers.start(Servers.jgunicorn(model), app());
        try {
            Comparison.assertSameAnswers(APP, model.settingValue, jdk, ours, REQUESTS);
            assertEquals("HTTP/1.1 500 Internal Server Error", Wire.exchange(ours.getAddress().getPort(), Request.get(LATER)).statusLine(),
                    "Jersey's JDK container cannot suspend: docs/compatibility.md says so");
        } finally {
            ours.stop(0);
            jdk.stop(0);
        }
    }
}
