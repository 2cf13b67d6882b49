package dev.jgunicorn.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of request bodies one eventloop worker may hold in memory at once, across all its connections and
 * event loops (eventloop_body_buffer). A body reserves its whole size before it is read; a reservation that does
 * not fit waits its turn (first come, first served) until earlier bodies are released. Since every reservation is
 * at most the capacity and is all or nothing, holders never wait on each other: the queue always moves.
 */
final class BodyBudget {
    /** Told (on the releasing thread) that its reservation now holds; it owns the bytes from then on. */
    interface Waiter {
        void granted();
    }

    private record Wait(long bytes, Waiter waiter) {
    }

    private final long capacity;
    private final ArrayDeque<Wait> queue = new ArrayDeque<>();
    private long used;

    BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    synchronized long used() {
        return used;
    }

    /** True while some reservation waits for room. */
    synchronized boolean hasWaiters() {
        return !queue.isEmpty();
    }

    /** Reserves {@code bytes} (at most the capacity) now and returns true, or queues {@code waiter} and returns false. */
    synchronized boolean reserve(long bytes, Waiter waiter) {
        if (bytes > capacity) throw new IllegalArgumentException(bytes + " bytes can never fit in " + capacity);
        if (queue.isEmpty() && used + bytes <= capacity) {
            used += bytes;
            return true;
        }
        queue.add(new Wait(bytes, waiter));
        return false;
    }

    /** Takes a waiter out of the queue; false when it was already granted (its reservation must then be released). */
    synchronized boolean cancel(Waiter waiter) {
        return queue.removeIf(w -> w.waiter() == waiter);
    }

    /** Returns bytes and grants the waiters that now fit, in order. */
    void release(long bytes) {
        if (bytes == 0) return;
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            used -= bytes;
            if (used < 0) throw new IllegalStateException("released more than reserved: " + used);
            Wait next;
            while ((next = queue.peek()) != null && used + next.bytes() <= capacity) {
                queue.poll();
                used += next.bytes();
                granted.add(next.waiter());
            }
        }
        for (Waiter w : granted) w.granted();
    }
}
