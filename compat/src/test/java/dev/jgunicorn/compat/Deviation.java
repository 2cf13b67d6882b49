package dev.jgunicorn.compat;

import dev.jgunicorn.compat.Wire.Request;

import java.util.List;

/**
 * Where jgunicorn answers an app's request differently from the JDK's server on purpose, because the JDK breaks a
 * rule of HTTP: the app, the request, the field (or {@link #STATUS}, the status line), what jgunicorn sends (null:
 * the field is absent) and the rule. The rest of the answer is still compared, unless the field is {@link #ANSWER}. docs/compatibility.md lists the same entries.
 */
record Deviation(String app, String request, String field, String jgunicorn, String rule) {
    static final String STATUS = "status";
    /** The whole answer differs; jgunicorn's status line is given and nothing else is compared. */
    static final String ANSWER = "answer";

    static final List<Deviation> ALLOWED = List.of(
            // Jersey passes the entity's length to sendResponseHeaders for HEAD as for GET
            new Deviation("Jersey", "HEAD /items/1", "content-length", "42",
                    "RFC 9110 §9.3.2: HEAD gets the fields GET would get; the JDK drops a length passed for HEAD"),
            // jex's ctx.redirect() sends 302
            new Deviation("avaje-jex", "GET /redirect", STATUS, "HTTP/1.1 302 Found",
                    "RFC 9110 §15.4.3: 302 is Found; the JDK calls it Temporary Redirect, 307's name"),
            // jex 3.3 throws a NullPointerException for a method it has no route for, before sending anything
            new Deviation("avaje-jex", "HEAD /hello/Ann", ANSWER, "HTTP/1.1 500 Internal Server Error",
                    "RFC 9110 §15.6.1: a handler that fails gets a 500; the JDK closes the connection without an answer"),
            new Deviation("avaje-jex", "PUT /hello/Ann [Content-Type: text/plain]", ANSWER, "HTTP/1.1 500 Internal Server Error",
                    "RFC 9110 §15.6.1: a handler that fails gets a 500; the JDK closes the connection without an answer"));

    static Deviation find(String app, Request request) {
        return ALLOWED.stream().filter(d -> d.app.equals(app) && d.request.equals(request.toString())).findFirst().orElse(null);
    }
}
