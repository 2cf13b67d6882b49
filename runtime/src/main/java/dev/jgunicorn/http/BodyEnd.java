package dev.jgunicorn.http;

import java.util.List;

/** The end of the current request's body, with the trailer fields of a chunked body (empty otherwise). */
public record BodyEnd(List<Header> trailers) {
    public static final BodyEnd EMPTY = new BodyEnd(List.of());
}
