package dev.jgunicorn.server;

import com.sun.net.httpserver.Headers;
import dev.jgunicorn.http.RequestHead;
import dev.jgunicorn.http.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * A response in HTTP/1 framing: the head encoded in front of the body's first bytes, a fixed-length, chunked or (for
 * HTTP/1.0) close-delimited body, and whether the connection stays open after it.
 */
final class Http1Response implements ResponseWriter {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF_LAST_CHUNK = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Connection connection;
    private final Exchange exchange;
    private final boolean keepAlive;
    private final boolean chunked;
    private ByteBuf firstBuffer;
    private ByteBuf pendingHead;

    Http1Response(Connection connection, Exchange ex, int status, Headers headers, long lengthHeader, long length,
                  boolean bodyless) {
        this.connection = connection;
        this.exchange = ex;
        RequestHead head = ex.head();
        boolean http10 = head.minor() == 0 && head.major() == 1;
        boolean appClose = headers.containsKey("Connection")
                && Exchange.containsToken(String.join(",", headers.get("Connection")), "close");
        boolean streamed = length < 0 && !bodyless;
        this.chunked = streamed && !http10;
        // an HTTP/1.0 body of unknown length ends when the connection closes
        this.keepAlive = connection.mayKeepAlive(head) && !appClose && !(streamed && http10);
        int bodyRoom = bodyless || chunked ? 0 : (int) Math.min(Exchange.BATCH, length < 0 ? Exchange.BATCH : length);
        ByteBuf encoded = ResponseHead.encode(connection.headScratch(), connection.alloc(), status, headers,
                lengthHeader, chunked, !keepAlive ? 1 : http10 ? 2 : 0, bodyRoom);
        // The body's first bytes go into the head's buffer; a chunked body needs its own framing after the head.
        if (chunked) pendingHead = encoded;
        else firstBuffer = encoded;
    }

    /** Whether the connection may carry another request after this response. */
    boolean keepAlive() {
        return keepAlive;
    }

    @Override
    public synchronized ByteBuf takeFirstBuffer() {
        ByteBuf b = firstBuffer;
        firstBuffer = null;
        return b;
    }

    @Override
    public void write(ByteBuf data, boolean flush) {
        ByteBuf out = framed(data, false);
        if (out != null || flush) connection.send(out, flush);
    }

    @Override
    public void finish(ByteBuf last) {
        connection.sendLast(exchange, framed(last, true));
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

    private synchronized ByteBuf takeHead() {
        ByteBuf h = pendingHead;
        pendingHead = null;
        return h;
    }

    private ByteBuf chunkPrefix(int size) {
        String hex = Integer.toHexString(size);
        ByteBuf b = connection.alloc().buffer(hex.length() + 2);
        b.writeCharSequence(hex, StandardCharsets.US_ASCII);
        b.writeBytes(CRLF);
        return b;
    }

    @Override
    public void discard() {
        ByteBuf h = takeHead();
        if (h != null) h.release();
        ByteBuf f = takeFirstBuffer();
        if (f != null) f.release();
    }
}
