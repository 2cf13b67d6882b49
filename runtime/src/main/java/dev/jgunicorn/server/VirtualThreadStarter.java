package dev.jgunicorn.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;

import java.util.ArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * Starts a virtual thread per handler (the virtual worker model), and those an event loop dispatches during one pass
 * over its ready sockets as one hand-off. Started one at a time, each start wakes the scheduler's idle carrier, which
 * runs that one handler, finds no more work, spins and parks: 2.6 futex calls and a spin per request, a tenth of
 * a pinned worker's CPU at 64 connections (docs/benchmarks.md, "Where the virtual worker's time goes"). Here the loop
 * queues its dispatches and, after its pass, starts the first handler's thread, which starts the others before
 * running its own handler: a start from a carrier thread wakes no other carrier unless one is idle and there is
 * work for it.
 * <p>
 * Not an ExecutorService: its bookkeeping (a concurrent set of live threads, a numbered name per thread) cost more
 * than the rest of a small request's dispatch.
 */
final class VirtualThreadStarter implements Executor {
    private final ThreadFactory factory = Thread.ofVirtual().name("jgunicorn-vthread").factory();
    /** The current event loop's dispatches not started yet; only read on that loop's thread. */
    private final FastThreadLocal<Batch> batches = new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
            return new Batch(ThreadExecutorMap.currentExecutor());
        }
    };

    @Override
    public void execute(Runnable handler) {
        if (ThreadExecutorMap.currentExecutor() == null) start(handler); // not on an event loop: nothing to batch
        else batches.get().add(handler);
    }

    private void start(Runnable r) {
        factory.newThread(r).start();
    }

    private final class Batch implements Runnable {
        private final EventExecutor loop;
        private final ArrayList<Runnable> handlers = new ArrayList<>();

        Batch(EventExecutor loop) {
            this.loop = loop;
        }

        void add(Runnable handler) {
            handlers.add(handler);
            if (handlers.size() > 1) return;
            try {
                loop.execute(this); // runs after the loop's pass over its ready sockets
            } catch (RejectedExecutionException stopping) {
                run();
            }
        }

        /** On the loop, after its pass: one thread start, from which the rest of the batch starts. */
        @Override
        public void run() {
            Runnable[] batch = handlers.toArray(new Runnable[0]);
            handlers.clear();
            if (batch.length == 1) {
                start(batch[0]);
                return;
            }
            start(() -> {
                for (int i = 1; i < batch.length; i++) start(batch[i]);
                batch[0].run();
            });
        }
    }
}
