package dev.jgunicorn.examples.jaxrs;

/** What the catalog holds; Jackson writes and reads it as JSON. */
public record Item(int id, String name, int priceCents) {
}
