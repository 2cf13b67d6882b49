package dev.jgunicorn.http;

/**
 * The request broke a framing or limit rule. The decoder emits this once and then discards all further input;
 * the connection must be closed after answering.
 *
 * @param status  the status to answer (400, 403, 417, 431, 501, 505 ...)
 * @param reason  the reason phrase
 * @param message what was wrong, for the error page and the log
 * @param respond false when nobody is left to answer (the client closed in the middle of a request)
 */
public record RequestError(int status, String reason, String message, boolean respond) {
}
