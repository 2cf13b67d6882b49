package dev.jgunicorn.server;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The response body as the app writes it. Bytes collect in one buffer and go to the connection as a
 * fixed-length slice or a chunk when the buffer fills, on flush() and on close(). Unless the body is chunked the
 * first buffer already holds the response head, so a small response leaves in a single write.
 */
final class ResponseBodyStream extends OutputStream {
    private final Exchange exchange;
    private final long fixedLength; // -1 = chunked or close-delimited
    private final boolean discard;  // HEAD, 204, 304: the body is not sent
    private long written;
    private ByteBuf buffer;
    private boolean closed;

    /** @param head the encoded response head with room for the body's first bytes, or null (chunked) */
    ResponseBodyStream(Exchange exchange, long fixedLength, boolean discard, ByteBuf head) {
        this.exchange = exchange;
        this.fixedLength = fixedLength;
        this.discard = discard;
        this.buffer = head;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        // A body that is not sent was closed with the head; writes are still held to the length promised.
        if (closed && !discard) throw new IOException("stream is closed");
        if (len == 0) return;
        if (fixedLength >= 0 && written + len > fixedLength) {
            throw new IOException("too many bytes to write to stream: Content-Length is " + fixedLength);
        }
        written += len;
        if (discard) return;
        while (len > 0) {
            if (buffer == null) buffer = exchange.allocate(Exchange.BATCH);
            int n = Math.min(len, buffer.writableBytes());
            if (n == 0) {
                send(false);
                continue;
            }
            buffer.writeBytes(b, off, n);
            off += n;
            len -= n;
        }
        // A full buffer leaves now, unless it holds the end of a fixed-length body: close() sends that one.
        if (buffer != null && !buffer.isWritable() && written != fixedLength) send(false);
    }

    @Override
    public void flush() throws IOException {
        if (closed) return;
        send(true);
    }

    /** Ends the body: checks the length promised, writes the last piece and completes the exchange. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        if (fixedLength >= 0 && written < fixedLength && !discard) {
            release();
            exchange.abort("insufficient bytes written to stream: " + written + " of " + fixedLength);
            throw new IOException("insufficient bytes written to stream: " + written + " of " + fixedLength);
        }
        ByteBuf last = buffer;
        buffer = null;
        exchange.finish(last);
    }

    long bytesWritten() {
        return written;
    }

    private void send(boolean flush) throws IOException {
        ByteBuf out = buffer;
        buffer = null;
        if (out == null && !flush) return;
        exchange.writeBody(out, flush);
    }

    void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
