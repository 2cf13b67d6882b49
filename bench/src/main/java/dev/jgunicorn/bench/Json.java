package dev.jgunicorn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;

/** TechEmpower's JSON test: a fresh object serialized with Jackson on every request. */
public final class Json implements HttpHandler {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The message object; serialized as {@code {"message":"Hello, World!"}}. */
    public record Message(String message) {
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        byte[] body = MAPPER.writeValueAsBytes(new Message("Hello, World!"));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
