package dev.jgunicorn.server;

/** Told about every request a worker finished, on the connection's event loop; must not block. */
@FunctionalInterface
public interface RequestListener {
    /**
     * @param method the request method as received
     * @param status the response status (500 when the app failed before answering)
     * @param nanos time from the complete request head to the last response byte handed to the socket
     * @param requestBodyBytes body bytes received
     * @param responseBodyBytes body bytes sent
     */
    void requestEnded(String method, int status, long nanos, long requestBodyBytes, long responseBodyBytes);
}
