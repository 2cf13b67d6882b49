package dev.jgunicorn.demo;

import com.sun.net.httpserver.HttpExchange;

/** Reads one numeric query parameter, as the demo apps take their knobs from the query string. */
final class Query {
    private Query() {
    }

    static long number(HttpExchange exchange, String name, long fallback) {
        String q = exchange.getRequestURI().getRawQuery();
        if (q == null) return fallback;
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                try {
                    return Long.parseLong(pair.substring(eq + 1));
                } catch (NumberFormatException e) {
                    return fallback;
                }
            }
        }
        return fallback;
    }
}
