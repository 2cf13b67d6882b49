package dev.jgunicorn.server;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import dev.jgunicorn.http.Header;
import dev.jgunicorn.http.RequestError;
import dev.jgunicorn.http.RequestHead;
import dev.jgunicorn.http.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One request and its response: the JDK {@link HttpExchange} contract over a Netty channel.
 * The app's thread calls in here; everything that touches connection state is handed to the event loop.
 */
final class Exchange extends HttpExchange {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF_LAST_CHUNK = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Body bytes batched per write: a response up to this size leaves with its head in one buffer. */
    static final int BATCH = 16 * 1024;

    private final Connection connection;
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
    private volatile boolean keepAlive;
    private boolean chunked;
    private ByteBuf pendingHead;
    private long errorPageBytes;
    private HttpPrincipal principal;
    private volatile Thread thread;
    volatile boolean timeoutReported;
    long requestBodyBytes; // counted on the connection's event loop
    volatile RequestError bodyError;
    /** Who answers the request, the app (its response's head) or the server in its place: claimed once. */
    private boolean answerClaimed; // guarded by this

    private final HttpExchange facade;

    Exchange(Connection connection, RequestHead head, ContextImpl context, RequestBodyStream body, SSLSession tls) {
        this.facade = tls == null ? this : new TlsExchange(this, tls);
        this.connection = connection;
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

    boolean keepAlive() {
        return keepAlive;
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
            connection.appFailed(this, t);
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
            connection.abort("close failed: " + e.getMessage());
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
        boolean http10 = head.minor() == 0 && head.major() == 1;
        boolean appClose = responseHeaders.containsKey("Connection")
                && containsToken(String.join(",", responseHeaders.get("Connection")), "close");
        keepAlive = connection.mayKeepAlive(head) && !appClose;

        long fixed;
        long lengthHeader = -1;
        chunked = false;
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
        } else if (http10) {
            fixed = -1; // close-delimited
            keepAlive = false;
        } else {
            fixed = -1;
            chunked = true;
        }

        int bodyRoom = isHead || noBody || chunked ? 0 : (int) Math.min(BATCH, fixed < 0 ? BATCH : fixed);
        ByteBuf encoded = ResponseHead.encode(connection.headScratch(), connection.alloc(), rCode, responseHeaders,
                lengthHeader, chunked, !keepAlive ? 1 : http10 ? 2 : 0, bodyRoom);
        status = rCode;
        responseLengthPromised = fixed;
        // The body's first bytes go into the head's buffer; a chunked body needs its own framing after the head.
        if (chunked) pendingHead = encoded;
        responseBody = new ResponseBodyStream(this, fixed, isHead || noBody, chunked ? null : encoded);
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
        return connection.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
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
        return connection.alloc().buffer(size);
    }

    /** Sends a piece of body (null = nothing new), preceded by the head if it has not left yet. */
    void writeBody(ByteBuf data, boolean flush) throws IOException {
        awaitWritable(data);
        ByteBuf out = framed(data, false);
        if (out != null || flush) connection.send(out, flush);
    }

    /** Writes the last piece and hands the finished exchange back to the connection, as one step. */
    void finish(ByteBuf last) throws IOException {
        awaitWritable(last);
        connection.sendLast(this, framed(last, true));
    }

    private void awaitWritable(ByteBuf data) throws IOException {
        try {
            connection.awaitWritable();
        } catch (IOException e) {
            if (data != null) data.release(); // the client is gone: nobody will send these bytes
            throw e;
        }
    }

    /** One message for the socket: the pending head, the data (chunk-framed when chunked) and the last chunk. */
    private ByteBuf framed(ByteBuf data, boolean last) {
        ByteBuf h = takeHead();
        if (data != null && !data.isReadable()) {
            data.release();
            data = null;
        }
        if (!chunked) return data; // the head is already in front of the body, in the same buffer
        ByteBuf prefix = data == null ? null : chunkPrefix(data.readableBytes());
        ByteBuf suffix = data == null && !last ? null : Unpooled.wrappedBuffer(
                data == null ? LAST_CHUNK : last ? CRLF_LAST_CHUNK : CRLF);
        int n = (h != null ? 1 : 0) + (data != null ? 2 : 0) + (suffix != null ? 1 : 0);
        if (n == 0) return null;
        ByteBuf[] parts = new ByteBuf[n];
        int i = 0;
        if (h != null) parts[i++] = h;
        if (data != null) {
            parts[i++] = prefix;
            parts[i++] = data;
        }
        if (suffix != null) parts[i] = suffix;
        return n == 1 ? parts[0] : Unpooled.wrappedBuffer(parts);
    }

    void abort(String why) {
        connection.abort(why);
    }

    private synchronized ByteBuf takeHead() {
        ByteBuf h = pendingHead;
        pendingHead = null;
        return h;
    }

    private ByteBuf chunkPrefix(int size) {
        String hex = Integer.toHexString(size);
        ByteBuf b = allocate(hex.length() + 2);
        b.writeCharSequence(hex, StandardCharsets.US_ASCII);
        b.writeBytes(CRLF);
        return b;
    }

    /** Frees buffers an aborted exchange still holds. */
    void discard() {
        ByteBuf h = takeHead();
        if (h != null) h.release();
        if (responseBody != null) responseBody.release();
        body.releaseAll();
    }
}
