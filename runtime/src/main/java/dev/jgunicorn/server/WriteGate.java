package dev.jgunicorn.server;

import io.netty.channel.Channel;

import java.io.IOException;
import java.time.Duration;

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
        await(Duration.ZERO);
    }

    /**
     * As {@link #await()}, and fails once the channel has taken nothing for {@code limit} (zero: no limit): an HTTP/2
     * client that keeps a stream's window at zero would otherwise hold the app's thread for as long as it likes.
     */
    void await(Duration limit) throws IOException {
        if (channel.eventLoop().inEventLoop() || channel.isWritable()) return;
        channel.flush(); // queued but unflushed batches count too: push them out before waiting for room
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (this) {
            while (!channel.isWritable()) {
                if (!channel.isActive()) throw new IOException("client closed the connection");
                if (!limit.isZero() && System.nanoTime() - deadline > 0) {
                    throw new IOException("the client read nothing of the response for " + limit.toSeconds() + " s");
                }
                try {
                    wait(limit.isZero() ? 1000 : Math.max(1, Math.min(1000, (deadline - System.nanoTime()) / 1_000_000)));
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
