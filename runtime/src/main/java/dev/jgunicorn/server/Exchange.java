package dev.jgunicorn.server;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import dev.jgunicorn.http.Header;
import dev.jgunicorn.http.RequestError;
import dev.jgunicorn.http.RequestHead;
import io.netty.buffer.ByteBuf;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

/**
 * One request and its response: the JDK {@link HttpExchange} contract over an HTTP/1 connection or an HTTP/2 stream
 * (its {@link ExchangeTransport}). The app's thread calls in here; everything that touches connection state is
 * handed to the event loop.
 */
final class Exchange extends HttpExchange {
    /** Body bytes batched per write: a response up to this size leaves with its head in one buffer. */
    static final int BATCH = 16 * 1024;

    private final ExchangeTransport transport;
    private final RequestHead head;
    private final ContextImpl context;
    private final RequestBodyStream body;
    private Headers requestHeaders; // built on first use: most handlers never read them
    private final Headers responseHeaders = new Headers();
    final long startNanos = System.nanoTime();

    private URI uri; // parsed on first use
    private InputStream in;
    private OutputStream out;
    private ResponseBodyStream responseBody;
    private volatile int status = -1;
    private long responseLengthPromised = -2;
    private volatile ResponseWriter response;
    private long errorPageBytes;
    private HttpPrincipal principal;
    private volatile Thread thread;
    volatile boolean timeoutReported;
    long requestBodyBytes; // counted on the connection's event loop
    volatile RequestError bodyError;
    /** Who answers the request, the app (its response's head) or the server in its place: claimed once. */
    private boolean answerClaimed; // guarded by this

    private final HttpExchange facade;

    Exchange(ExchangeTransport transport, RequestHead head, ContextImpl context, RequestBodyStream body, SSLSession tls) {
        this.facade = tls == null ? this : new TlsExchange(this, tls);
        this.transport = transport;
        this.head = head;
        this.context = context;
        this.body = body;
        this.in = body;
    }

    RequestHead head() {
        return head;
    }

    /** What the app's filters and handler receive: this exchange, or its HttpsExchange view on TLS connections. */
    HttpExchange facade() {
        return facade;
    }

    RequestBodyStream body() {
        return body;
    }

    Thread thread() {
        return thread;
    }

    /** The response as its transport frames it, once the app sent its head. */
    ResponseWriter response() {
        return response;
    }

    boolean headersSent() {
        return status >= 0;
    }

    long responseBytes() {
        return responseBody == null ? errorPageBytes : responseBody.bytesWritten();
    }

    /** Claims the answer to this request, for the app or for the server refusing in its place; false if taken. */
    synchronized boolean claimAnswer() {
        if (answerClaimed) return false;
        answerClaimed = true;
        return true;
    }

    /** The server answered in the app's place (a broken request body, a failed handler): for the access log. */
    void refused(int rCode, long pageBytes) {
        status = rCode;
        errorPageBytes = pageBytes;
    }

    /** Runs the context's filters and handler on the calling thread. */
    void run() {
        thread = Thread.currentThread();
        try {
            context.handle(this);
            // A fixed-length body written in full is complete even if the app forgot close().
            if (responseBody != null && responseBody.bytesWritten() == responseLengthPromised && responseLengthPromised > 0) {
                responseBody.close();
            }
        } catch (Throwable t) {
            transport.appFailed(this, t);
        } finally {
            thread = null;
        }
    }

    // ---- HttpExchange ------------------------------------------------------------------------

    @Override
    public Headers getRequestHeaders() {
        Headers h = requestHeaders;
        if (h == null) {
            h = new Headers();
            for (Header f : head.headers()) h.add(f.name(), f.value());
            requestHeaders = h;
        }
        return h;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        URI u = uri;
        if (u == null) uri = u = Uris.parse(head.uri());
        return u;
    }

    @Override
    public String getRequestMethod() {
        return head.method();
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    /** Ends the exchange: closes the request body and the response stream (sending a 500 if nothing was sent). */
    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing our own stream does not throw; a filter's wrapper might, and close() must still finish
        }
        try {
            if (status < 0) {
                sendResponseHeaders(500, -1);
            } else if (responseBody != null) {
                getResponseBody().close();
            }
        } catch (IOException e) {
            transport.abort("close failed: " + e.getMessage());
        }
    }

    @Override
    public InputStream getRequestBody() {
        return in;
    }

    @Override
    public OutputStream getResponseBody() {
        if (out != null) return out;
        return responseBody != null ? responseBody : new PendingResponseBody();
    }

    /**
     * The stream handed out before sendResponseHeaders. As the JDK's, it becomes the response body once the headers
     * are sent (apps such as avaje-jex take the stream first and write after sending them); writing before is an error.
     */
    private final class PendingResponseBody extends OutputStream {
        private OutputStream body() throws IOException {
            if (responseBody == null) throw new IOException("sendResponseHeaders() must be called before writing the response body");
            return responseBody;
        }

        @Override
        public void write(int b) throws IOException {
            body().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            body().write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            body().flush();
        }

        @Override
        public void close() throws IOException {
            body().close();
        }
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (status >= 0) throw new IOException("headers already sent");
        if (rCode < 100 || rCode > 999) throw new IllegalArgumentException("bad response code: " + rCode);
        if (!claimAnswer()) {
            RequestError refused = bodyError;
            throw new IOException(refused == null ? "headers already sent" : "the server answered: " + refused.message());
        }
        boolean isHead = "HEAD".equals(head.method());
        boolean noBody = rCode == 204 || rCode == 304 || (rCode >= 100 && rCode < 200);

        long fixed; // the body's length, or -1 when it is streamed until close()
        long lengthHeader = -1;
        if (noBody) {
            fixed = 0;
        } else if (isHead) {
            // RFC 9110 §9.3.2: the fields a GET would get. The length comes from sendResponseHeaders as for GET,
            // or from the app's own Content-Length (the JDK's way: set the header, then pass -1).
            fixed = Math.max(responseLength, 0);
            lengthHeader = responseLength > 0 ? responseLength : appContentLength();
        } else if (responseLength > 0) {
            fixed = responseLength;
            lengthHeader = responseLength;
        } else if (responseLength < 0) {
            fixed = 0;
            lengthHeader = 0;
        } else {
            fixed = -1;
        }

        ResponseWriter r = transport.startResponse(this, rCode, responseHeaders, lengthHeader, fixed, isHead || noBody);
        response = r;
        status = rCode;
        responseLengthPromised = fixed;
        responseBody = new ResponseBodyStream(this, fixed, isHead || noBody, r.takeFirstBuffer());
        if (fixed == 0 || isHead) {
            // Nothing to write: the exchange's response is complete now (the JDK closes the stream here too). A
            // HEAD's body, if the app writes it anyway, is dropped up to the length it declared.
            responseBody.close();
        }
    }

    /** The Content-Length header the app set, or -1 if none; refused unless it is one number of bytes. */
    private long appContentLength() {
        List<String> values = responseHeaders.get("Content-Length");
        if (values == null || values.isEmpty()) return -1;
        String v = values.size() == 1 ? values.get(0).strip() : "";
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("response header Content-Length must be one decimal number of bytes, got "
                    + values);
        }
        return Long.parseLong(v);
    }

    static boolean containsToken(String value, String token) {
        if (value == null) return false;
        for (String part : value.split(",")) {
            if (part.strip().equalsIgnoreCase(token)) return true;
        }
        return false;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return transport.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return transport.localAddress();
    }

    @Override
    public String getProtocol() {
        return head.protocol();
    }

    @Override
    public Object getAttribute(String name) {
        return context.getAttributes().get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) context.getAttributes().remove(name);
        else context.getAttributes().put(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        if (i != null) in = i;
        if (o != null) out = o;
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return principal;
    }

    void setPrincipal(HttpPrincipal principal) {
        this.principal = principal;
    }

    // ---- called by ResponseBodyStream --------------------------------------------------------

    ByteBuf allocate(int size) {
        return transport.alloc().buffer(size);
    }

    /** Sends a piece of body (null = nothing new), preceded by the head if it has not left yet. */
    void writeBody(ByteBuf data, boolean flush) throws IOException {
        awaitWritable(data);
        response.write(data, flush);
    }

    /** Writes the last piece and hands the finished exchange back to its transport, as one step. */
    void finish(ByteBuf last) throws IOException {
        awaitWritable(last);
        response.finish(last);
    }

    private void awaitWritable(ByteBuf data) throws IOException {
        try {
            transport.awaitWritable();
        } catch (IOException e) {
            if (data != null) data.release(); // the client is gone: nobody will send these bytes
            throw e;
        }
    }

    void abort(String why) {
        transport.abort(why);
    }

    /** Frees buffers an aborted exchange still holds. */
    void discard() {
        ResponseWriter r = response;
        if (r != null) r.discard();
        if (responseBody != null) responseBody.release();
        body.releaseAll();
    }
}
