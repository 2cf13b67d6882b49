package dev.jgunicorn.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.jgunicorn.demo.Hello;

import java.io.IOException;

/**
 * The app every Java server in bench/run hosts: {@code /json} and {@code /big} go to their handlers, every other
 * path to the runtime's own {@link Hello} (13 bytes, text/plain). jgunicorn loads it as {@code dev.jgunicorn.bench.BenchApp};
 * the JDK and Jetty runners register it at "/".
 */
public final class BenchApp implements HttpHandler {
    private final HttpHandler hello = new Hello();
    private final HttpHandler json = new Json();
    private final HttpHandler big = new Big();

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        if ("/json".equals(path)) json.handle(exchange);
        else if ("/big".equals(path)) big.handle(exchange);
        else hello.handle(exchange);
    }
}
