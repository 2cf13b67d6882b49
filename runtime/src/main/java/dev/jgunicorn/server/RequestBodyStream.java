package dev.jgunicorn.server;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * The request body as the app reads it: fed with de-chunked pieces by the connection's event loop,
 * read by the app thread. Reading blocks until data arrives; the connection pauses socket reads while
 * more than {@link #HIGH_WATER} bytes wait here, so a slow app never makes the server buffer a whole upload.
 */
final class RequestBodyStream extends InputStream {
    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;

    /** Called (from the reading thread) when the buffered bytes fall to LOW_WATER, so socket reads resume. */
    interface Demand {
        void resume();

        /** Called once, before the first read, to send 100 Continue when the client waits for it. */
        void firstRead();
    }

    private final ArrayDeque<ByteBuf> pieces;
    private final Demand demand;
    private long buffered;
    private boolean ended;
    private boolean closed;
    private boolean readStarted;
    private IOException failure;

    RequestBodyStream(Demand demand) {
        this.demand = demand;
        this.pieces = demand == null ? new ArrayDeque<>(1) : new ArrayDeque<>(); // empty bodies stay small
    }

    /** An empty, finished body. */
    static RequestBodyStream empty() {
        RequestBodyStream s = new RequestBodyStream(null);
        s.ended = true;
        return s;
    }

    // ---- producer side (event loop) ----

    /** Adds a piece; returns true when the reader is behind and socket reads should pause. */
    synchronized boolean offer(ByteBuf piece) {
        if (closed) {
            piece.release();
            return false;
        }
        pieces.add(piece);
        buffered += piece.readableBytes();
        notifyAll();
        return buffered > HIGH_WATER;
    }

    synchronized void end() {
        ended = true;
        notifyAll();
    }

    synchronized void fail(IOException e) {
        failure = e;
        notifyAll();
    }

    synchronized boolean isBehind() {
        return buffered > HIGH_WATER;
    }

    // ---- consumer side (app thread) ----

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        boolean signalFirst;
        synchronized (this) {
            signalFirst = !readStarted;
            readStarted = true;
        }
        if (signalFirst && demand != null) demand.firstRead();
        boolean resume;
        int n;
        synchronized (this) {
            while (pieces.isEmpty() && !ended && failure == null && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading the request body");
                }
            }
            if (closed) throw failure != null ? failure : new IOException("stream is closed");
            if (pieces.isEmpty()) {
                if (failure != null) throw failure;
                return -1;
            }
            ByteBuf head = pieces.peek();
            n = Math.min(len, head.readableBytes());
            head.readBytes(b, off, n);
            if (!head.isReadable()) {
                pieces.poll().release();
            }
            boolean wasAbove = buffered > LOW_WATER;
            buffered -= n;
            resume = wasAbove && buffered <= LOW_WATER;
        }
        if (resume && demand != null) demand.resume();
        return n;
    }

    @Override
    public synchronized int available() {
        return (int) Math.min(Integer.MAX_VALUE, buffered);
    }

    /** Closing the body before it is read through discards the rest; the connection decides whether to drain or close. */
    @Override
    public void close() {
        releaseAll();
    }

    synchronized void releaseAll() {
        closed = true;
        ByteBuf p;
        while ((p = pieces.poll()) != null) p.release();
        buffered = 0;
        notifyAll();
    }
}
