package dev.jgunicorn.http;

/** One header field as received: the name's case as sent, the value trimmed of surrounding SP/HTAB. */
public record Header(String name, String value) {
}
