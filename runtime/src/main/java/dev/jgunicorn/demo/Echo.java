package dev.jgunicorn.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The echo contract of the conformance kit: describes the request exactly as the app received it, as JSON
 * {@code {"method","uri","path","query","protocol","headers":[[name,value]...],"body_base64"}}.
 */
public final class Echo implements HttpHandler {

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        URI uri = exchange.getRequestURI();
        StringBuilder json = new StringBuilder(256);
        json.append("{\"method\": ").append(str(exchange.getRequestMethod()));
        json.append(", \"uri\": ").append(str(uri.toString()));
        json.append(", \"path\": ").append(str(uri.getRawPath() != null ? uri.getRawPath() : uri.getRawSchemeSpecificPart()));
        json.append(", \"query\": ").append(uri.getRawQuery() == null ? "null" : str(uri.getRawQuery()));
        json.append(", \"protocol\": ").append(str(exchange.getProtocol()));
        json.append(", \"headers\": [");
        boolean first = true;
        for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
            for (String v : h.getValue()) {
                if (!first) json.append(", ");
                first = false;
                json.append('[').append(str(h.getKey())).append(", ").append(str(v)).append(']');
            }
        }
        json.append("], \"body_base64\": ").append(str(Base64.getEncoder().encodeToString(body))).append('}');
        byte[] out = json.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, out.length);
        try (OutputStream o = exchange.getResponseBody()) {
            o.write(out);
        }
    }

    /** A JSON string literal. */
    static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
