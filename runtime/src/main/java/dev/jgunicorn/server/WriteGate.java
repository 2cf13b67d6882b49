package dev.jgunicorn.server;

import io.netty.channel.Channel;

import java.io.IOException;

/**
 * Holds an app thread that writes a response while the socket's outbound buffer is full, so a slow client paces a
 * big response instead of it piling up in memory. The connection opens the gate when the channel turns writable or
 * closes. The event loop itself never waits here.
 */
final class WriteGate {
    private final Channel channel;

    WriteGate(Channel channel) {
        this.channel = channel;
    }

    /** Returns once the channel takes more bytes; fails when the client is gone. */
    void await() throws IOException {
        if (channel.eventLoop().inEventLoop() || channel.isWritable()) return;
        channel.flush(); // queued but unflushed batches count too: push them out before waiting for room
        synchronized (this) {
            while (!channel.isWritable()) {
                if (!channel.isActive()) throw new IOException("client closed the connection");
                try {
                    wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while writing the response");
                }
            }
        }
        if (!channel.isActive()) throw new IOException("client closed the connection");
    }

    /** The channel's writability changed or it closed: the waiting writer looks again. */
    synchronized void open() {
        notifyAll();
    }
}
